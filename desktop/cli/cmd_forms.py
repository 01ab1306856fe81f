"""``yice forms list|show|new|export|import``: the checklists, shipped and the user's own.

``new --from FILE`` reads a policy document (.docx, .xlsx, text; ``-`` reads pasted text from
stdin) and prints the proposed checklist with the reader's doubts; ``--save`` saves it to the
user's forms folder (the same schema as forms/). ``export`` writes one file another
installation imports with ``import``, optionally with the deadline and the units that must file.
"""
from __future__ import annotations

import datetime as dt
import re
import sys
from pathlib import Path

from ..core.errors import InputError
from ..core.text import for_terminal
from .common import YEAR, bounded_int, print_json

VERSION = bounded_int(1, 9999, "版本")


def register(sub) -> None:
    forms = sub.add_parser("forms", help="任务清单").add_subparsers(dest="sub", required=True)
    f = forms.add_parser("list", help="列出清单（随软件提供的和本机制作或导入的）")
    f.add_argument("--json", action="store_true")
    f = forms.add_parser("show", help="显示一个清单")
    f.add_argument("form_id")
    f.add_argument("--version", type=VERSION, help="显示旧版本（默认：当前版本）")
    f.add_argument("--json", action="store_true")
    f = forms.add_parser("new", help="从政策文件生成清单（.docx / .xlsx / 文本；- 表示从标准输入粘贴）")
    f.add_argument("--from", dest="source", required=True, metavar="FILE")
    f.add_argument("--mode", choices=("auto", "tables", "clauses"), default="auto",
                   help="按表格（tables）或编号条款（clauses）读取；默认自动")
    f.add_argument("--part", type=bounded_int(1, 999, "第几份"), help="文件中有多份清单时选第几份（从1起）")
    f.add_argument("--id", dest="form_id", help="清单编号（小写字母、数字和连字符，如 gs2025-tasks）")
    f.add_argument("--title", help="清单名称")
    f.add_argument("--date", help="成文日期 YYYY-MM-DD（文件未载时须填写）")
    f.add_argument("--province", help="适用省份代码（6位，如 620000；national 表示全国）")
    f.add_argument("--save", action="store_true", help="保存到本机清单文件夹")
    f.add_argument("--json", action="store_true")
    f = forms.add_parser("export", help="导出清单文件，供其他单位导入")
    f.add_argument("form_id")
    f.add_argument("-o", "--output", required=True, help="输出文件（.zip）或文件夹")
    f.add_argument("--version", type=VERSION, help="导出旧版本（默认：当前版本）")
    f.add_argument("--deadline", help="报送截止日期 YYYY-MM-DD（记入本机并随清单发出）")
    f.add_argument("--year", type=YEAR, help="报送名单适用的年度")
    f.add_argument("--filers", metavar="FILE", help="须报送的单位代码名单（文本或 CSV，每行一个代码）")
    f = forms.add_parser("import", help="导入清单文件")
    f.add_argument("file")


def form_json(view) -> dict:
    f = view.form
    d = view.distribution
    return dict(
        id=f.id, version=f.version, hash=view.hash, origin=view.origin, title=f.title, full_title=f.full_title,
        doc_no=f.doc_no, issuers=list(f.issuers), date=f.date.isoformat() if f.date else None, year=f.year,
        province=f.province, source=f.source.model_dump(), plan_kinds=list(f.plan_kinds),
        distribution=d.model_dump(mode="json", exclude_none=True) if d else None,
        fields=[fd.model_dump(mode="json", exclude_none=True) for fd in view.fields],
        items=[dict(no=it.no, label=it.display_no, ref=it.ref, category=it.category, title=it.title,
                    text=it.text, units=[u.model_dump(exclude_none=True) for u in it.units],
                    plan_kinds=sorted(view.item_kinds[it.no]),
                    indicators=[i.model_dump(mode="json", exclude_none=True) for i in it.indicators])
               for it in view.items],
    )


def _catalog(ctx):
    """Shipped forms and the user's; the database is opened only where units are needed."""
    from ..core.catalog import installed_catalog

    return installed_catalog()


def run(args, ctx) -> int:
    from ..core.catalog.user import FormRefused

    try:
        return _COMMANDS[args.sub](args, ctx)
    except FormRefused as e:
        print(f"错误：{for_terminal(str(e).split('：', 1)[0])}", file=sys.stderr)
        for p in e.problems:
            print(f"  {for_terminal(str(p))}", file=sys.stderr)
        return 2


def _list(args, ctx) -> int:
    cat = _catalog(ctx)
    rows = [dict(id=v.id, version=v.version, versions=cat.versions_of(v.id), origin=v.origin, title=v.form.title,
                 doc_no=v.form.doc_no, province=v.form.province, items=len(v.items), plan_kinds=list(v.form.plan_kinds),
                 deadline=v.distribution.deadline if v.distribution else None)
            for v in sorted(cat.forms.values(), key=lambda v: (not v.shipped, v.id))]
    for p in cat.problems:
        print(f"提示：本机清单文件未载入：{for_terminal(str(p))}", file=sys.stderr)
    if args.json:
        print_json(rows)
        return 0
    for r in rows:
        where = "随软件" if r["origin"] == "shipped" else "本机"
        print(f"{r['id']:<16} v{r['version']}  {where:<3} {r['items']:>3}项  {r['doc_no'] or '':<18} {r['title']}")
    return 0


def _show(args, ctx) -> int:
    cat = _catalog(ctx)
    try:
        view = cat.get(args.form_id, args.version)
    except KeyError as e:
        raise InputError(e.args[0]) from None
    if args.json:
        print_json(form_json(view))
        return 0
    f = view.form
    print(f"{f.full_title}\n{f.doc_no or ''}  {f.date or f'{f.year}年（日期未载）'}  {'、'.join(f.issuers)}  "
          f"版本 {f.version}{'' if view.shipped else '（本机清单）'}\n来源：{f.source.document} {f.source.part or ''}")
    d = view.distribution
    if d:
        print(f"报送截止：{d.deadline or '—'}  须报送单位：{len(d.filers) or '全部'}")
    print()
    for it in view.items:
        kinds = "、".join(sorted(view.item_kinds[it.no]))
        units = "、".join(u.name + (f"（{u.remark}）" if u.remark else "") for u in it.units)
        print(f"{it.display_no} {('[' + it.category + '] ') if it.category else ''}{it.text}")
        print(f"    责任：{units or '—'}    须填报：{kinds or '—'}    出处：{it.ref}")
        for ind in it.indicators:
            tg = "；".join(t.describe(ind.unit) for t in ind.targets)
            print(f"    指标 {ind.key}：{ind.name} {tg}")
    return 0


def _read(args):
    from ..core.authoring import ReaderError
    from ..core.authoring.draft import read_source_path, read_source_text
    from ..core.authoring.sources import check_text_size

    try:
        if args.source == "-":
            text = sys.stdin.read(20 * 1024 * 1024 + 1)
            check_text_size(text)
            return read_source_text(text, mode=args.mode)
        return read_source_path(Path(args.source), mode=args.mode)
    except ReaderError as e:
        raise InputError(str(e)) from None


def _new(args, ctx) -> int:
    from ..core.authoring.draft import FormDraft, targets_text, units_text

    src = _read(args)
    cat = _catalog(ctx)
    props = src.reading.proposals
    if args.part is not None and not 1 <= args.part <= len(props):
        raise InputError(f"文件中有 {len(props)} 份清单，--part 应为 1～{len(props)}")
    chosen = [props[args.part - 1]] if args.part else props
    drafts = [FormDraft.from_proposal(p, src, cat, args.form_id) for p in chosen]
    for d in drafts:
        _apply_options(d, args)
    if args.json:
        print_json([dict(form=d.to_dict(), kinds=[sorted(k) for k in d.kinds(cat)], warnings=d.warnings,
                         sources=[it.source for it in d.items]) for d in drafts])
    else:
        for n, (p, d) in enumerate(zip(chosen, drafts), 1):
            k = props.index(p) + 1
            how = "表格" if p.kind == "table" else "编号条款"
            print(f"清单 {k}/{len(props)}：{d.full_title}（{len(d.items)}项，按{how}读取）")
            print(f"  文号：{d.doc_no or '—'}  发文机关：{'、'.join(d.issuers) or '—'}  成文日期：{d.date or '—'}  "
                  f"省份：{d.province or '全国'}  填报类型：{'、'.join(d.plan_kinds)}")
            for no, (it, kinds) in enumerate(zip(d.items, d.kinds(cat)), 1):
                cat_ = f"[{it.category}] " if it.category else ""
                title = f"{it.title}　" if it.title else ""
                print(f"  {it.label or no} {cat_}{title}{it.text}")
                print(f"      责任：{units_text(it.units) or '—'}    须填报：{'、'.join(sorted(kinds)) or '—'}    "
                      f"出处：{it.ref}")
                for ind in it.indicators:
                    print(f"      指标候选：{ind['name']} {targets_text(ind.get('targets', ()), ind['unit'])}"
                          f"（原文：{ind.get('quote', '')}）")
            for w in d.warnings:
                print(f"  提示：{w}")
            if n < len(drafts):
                print()
    if not args.save:
        return 0
    if len(drafts) > 1:
        raise InputError(f"文件中有 {len(drafts)} 份清单，请用 --part 选择要保存的一份")
    saved = drafts[0].save(cat)
    print(saved.message, file=sys.stderr if args.json else sys.stdout)
    return 0


def _apply_options(d, args) -> None:
    if args.title:
        d.title = args.title
    if args.date:
        try:
            d.date = dt.date.fromisoformat(args.date)
        except ValueError:
            raise InputError(f"成文日期「{args.date}」应写作 YYYY-MM-DD") from None
    if args.province:
        d.province = None if args.province == "national" else args.province


def read_codes(path: Path) -> list[str]:
    """Unit codes from a text or CSV file: the first field of each line; a header line is skipped."""
    from ..core import zipsafe
    from ..core.authoring.sources import decode

    try:
        zipsafe.check_size(path, 4 * 1024 * 1024, "名单文件")
        text = decode(path.read_bytes())
    except zipsafe.UnsafeFile as e:
        raise InputError(str(e)) from None
    codes: list[str] = []
    for n, line in enumerate(text.splitlines(), 1):
        first = re.split(r"[,，\t; ]", line.strip(), maxsplit=1)[0].strip().strip('"')
        if not first:
            continue
        if not re.fullmatch(r"[0-9A-Za-z_-]{1,32}", first):
            if n == 1:
                continue  # a header (单位代码)
            raise InputError(f"名单文件「{path.name}」第{n}行「{first[:30]}」不是单位代码")
        if first not in codes:
            codes.append(first)
    if not codes:
        raise InputError(f"名单文件「{path.name}」中没有单位代码")
    return codes


def _export(args, ctx) -> int:
    from ..core.authoring.bundle import export_bundle
    from ..core.catalog import Distribution
    from ..core.catalog.user import UserForms

    cat = _catalog(ctx)
    try:
        view = cat.get(args.form_id, args.version)
    except KeyError as e:
        raise InputError(e.args[0]) from None
    if args.deadline or args.filers or args.year:
        if args.version and args.version != cat.get(args.form_id).version:
            raise InputError("报送截止日期和名单只随清单的当前版本发出")
        try:
            deadline = dt.date.fromisoformat(args.deadline) if args.deadline else None
        except ValueError:
            raise InputError(f"报送截止日期「{args.deadline}」应写作 YYYY-MM-DD") from None
        codes = read_codes(Path(args.filers)) if args.filers else []
        _warn_unknown(ctx.store(), codes)
        old = view.distribution
        dist = Distribution(form_id=view.id, deadline=deadline or (old.deadline if old else None),
                            year=args.year or (old.year if old else None),
                            filers=tuple(codes) if codes else (old.filers if old else ()))
        cat = UserForms(cat).set_distribution(dist)
        print(f"已记录清单「{view.form.title}」的报送截止日期 {dist.deadline or '—'}、须报送单位 "
              f"{len(dist.filers) or '全部'}（汇总的催报名单按此）", file=sys.stderr)
    out = export_bundle(cat, args.form_id, Path(args.output), version=args.version)
    print(f"已导出：{out}")
    return 0


def _warn_unknown(store, codes) -> None:
    """Codes of the list this database does not know: the roster cannot show them."""
    if not codes:
        return
    known = {u.code for u in store.units.list()}
    missing = [c for c in codes if c not in known]
    if missing:
        print(f"提示：名单中 {len(missing)} 个单位代码不在本机单位名录中（{'、'.join(missing[:10])}"
              f"{'…' if len(missing) > 10 else ''}），汇总时不会列出", file=sys.stderr)


def _import(args, ctx) -> int:
    from ..core.authoring.bundle import import_bundle

    saved = import_bundle(_catalog(ctx), Path(args.file))
    print(saved.message)
    d = saved.view.distribution
    if d is not None:
        print(f"报送截止：{d.deadline or '—'}；须报送单位：{len(d.filers) or '全部'}")
        _warn_unknown(ctx.store(), list(d.filers))
    return 0


_COMMANDS = {"list": _list, "show": _show, "new": _new, "export": _export, "import": _import}
