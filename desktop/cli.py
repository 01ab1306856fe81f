"""``yice``: the command line, a thin layer over the same core the GUI uses.

Heavy modules (SQLAlchemy, openpyxl, python-docx) are imported inside the commands that
need them, so ``yice`` with no arguments reaches the window without paying for them.
Every refused input prints one Chinese line on stderr and exits 2; nothing is written.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

EXIT_INPUT = 2


def _json(obj) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2, default=str))


def _store(args):
    from .store.service import Store

    return Store.open(args.db)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="yice", description="产教融合“一市一策/一校一策”实施方案 填报、备案与汇总")
    p.add_argument("--db", help="数据库文件路径或 URL（默认：用户数据目录；也可用环境变量 YICE_DB）")
    p.add_argument("--smoke-test", action="store_true", help="在临时数据库上打开主窗口，报告首次绘制耗时后退出")
    sub = p.add_subparsers(dest="cmd", metavar="命令")

    forms = sub.add_parser("forms", help="任务清单").add_subparsers(dest="sub", required=True)
    f = forms.add_parser("list", help="列出清单")
    f.add_argument("--json", action="store_true")
    f = forms.add_parser("show", help="显示一个清单")
    f.add_argument("form_id")
    f.add_argument("--json", action="store_true")

    unit = sub.add_parser("unit", help="单位").add_subparsers(dest="sub", required=True)
    u = unit.add_parser("add", help="新增单位")
    u.add_argument("--code", required=True)
    u.add_argument("--name", required=True)
    u.add_argument("--kind", required=True, choices=["province", "city", "area", "county", "school"])
    u.add_argument("--parent")
    u.add_argument("--school-type", choices=["中职", "高职", "技工", "本科"])
    u.add_argument("--school-code", help="学校标识码（10位）")
    u.add_argument("--credit-code", help="统一社会信用代码（18位）")
    u.add_argument("--contact")
    u.add_argument("--phone")
    u.add_argument("--strict", action="store_true", help="校验警告也视为错误（不保存）")
    u = unit.add_parser("list", help="列出单位")
    u.add_argument("--under")
    u.add_argument("--json", action="store_true")

    plan = sub.add_parser("plan", help="实施方案").add_subparsers(dest="sub", required=True)
    q = plan.add_parser("new", help="新建方案，输出方案编号")
    q.add_argument("--unit", required=True)
    q.add_argument("--form", required=True)
    q.add_argument("--year", required=True, type=int)
    q.add_argument("--kind")
    q = plan.add_parser("set", help="填写一项的一个字段")
    q.add_argument("plan")
    q.add_argument("--item", required=True, type=int)
    q.add_argument("--field", required=True, help="字段键，如 measures；指标用 target:KEY / actual:KEY")
    q.add_argument("--value", required=True)
    q = plan.add_parser("section", help="填写方案章节（basic_info / guiding / goals / safeguards）")
    q.add_argument("plan")
    q.add_argument("--key", required=True)
    q.add_argument("--value", required=True)
    q = plan.add_parser("show", help="显示方案")
    q.add_argument("plan")
    q.add_argument("--json", action="store_true")
    q = plan.add_parser("list", help="列出方案")
    q.add_argument("--unit")
    q.add_argument("--form")
    q.add_argument("--year", type=int)
    q.add_argument("--json", action="store_true")
    q = plan.add_parser("status", help="变更方案状态（已受理 / 已退回 需填理由 …）")
    q.add_argument("plan")
    q.add_argument("status", choices=["草稿", "已导出", "已报送", "已受理", "已退回"])
    q.add_argument("--reason")
    q = plan.add_parser("explain", help="为警告填写说明")
    q.add_argument("plan")
    q.add_argument("--item", required=True, type=int)
    q.add_argument("--rule", required=True)
    q.add_argument("--field", required=True)
    q.add_argument("--text", required=True)

    v = sub.add_parser("validate", help="校验方案（有错误时退出码为1）")
    v.add_argument("plan")
    v.add_argument("--json", action="store_true")

    d = sub.add_parser("demo", help="生成一个示例省份的数据（用于体验和基准测试）")
    d.add_argument("--units", type=int, default=200, help="学校数量（默认200）")
    d.add_argument("--year", type=int)
    d.add_argument("--seed", type=int, default=2020)

    e = sub.add_parser("export", help="导出 Word 实施方案或 Excel 报送表")
    e.add_argument("plan")
    e.add_argument("--format", required=True, choices=["docx", "xlsx"])
    e.add_argument("-o", "--output", required=True)
    e.add_argument("--draft", action="store_true", help="草稿（征求意见稿），有错误也可导出")

    t = sub.add_parser("template", help="导出空白报送表（供无本软件的单位在 Excel/WPS 中填写）")
    t.add_argument("form_id")
    t.add_argument("-o", "--output", required=True)

    i = sub.add_parser("import", help="批量导入报送表（文件或文件夹）")
    i.add_argument("paths", nargs="+")
    i.add_argument("--report", help="把导入报告另存为 xlsx")
    i.add_argument("--json", action="store_true")
    i.add_argument("--create-units", action="store_true", help="未知单位按封面信息新建")

    s = sub.add_parser("summary", help="汇总：报送情况、任务进度、指标")
    s.add_argument("--form", required=True)
    s.add_argument("--year", required=True, type=int)
    s.add_argument("--under")
    s.add_argument("-o", "--output")
    s.add_argument("--json", action="store_true")
    return p


def _attach_console() -> None:
    """A windowed Windows build starts with no stdout: write to the calling console, if any."""
    if sys.stdout is not None or sys.platform != "win32":
        return
    import ctypes

    if ctypes.windll.kernel32.AttachConsole(-1):  # ATTACH_PARENT_PROCESS
        sys.stdout = open("CONOUT$", "w", encoding="utf-8")
        sys.stderr = open("CONOUT$", "w", encoding="utf-8")
    else:  # started from Explorer: nowhere to print, so don't fail trying
        sys.stdout = sys.stderr = open(os.devnull, "w", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    _attach_console()
    args = _parser().parse_args(argv)
    if args.smoke_test or not args.cmd:
        from .ui.app import run

        return run(db=args.db, smoke_test=args.smoke_test)
    from .store.service import InputError

    try:
        return COMMANDS[args.cmd](args) or 0
    except InputError as e:
        print(f"错误：{e}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("已取消", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head`
        sys.stderr.close()
        return 0


# ---------------------------------------------------------------- commands
def cmd_forms(args):
    from .catalog import default_catalog

    cat = default_catalog()
    if args.sub == "list":
        rows = [dict(id=v.id, version=v.form.version, title=v.form.title, doc_no=v.form.doc_no,
                     province=v.form.province, items=len(v.items), plan_kinds=list(v.form.plan_kinds))
                for v in sorted(cat.forms.values(), key=lambda v: v.id)]
        if args.json:
            return _json(rows)
        for r in rows:
            print(f"{r['id']:<16} v{r['version']}  {r['items']:>3}项  {r['doc_no'] or '':<18} {r['title']}")
        return 0
    from .store.service import InputError

    try:
        view = cat.get(args.form_id)
    except KeyError as e:
        raise InputError(e.args[0]) from None
    if args.json:
        return _json(form_json(view))
    f = view.form
    print(f"{f.full_title}\n{f.doc_no or ''}  {f.date or f'{f.year}年（日期未载）'}  {'、'.join(f.issuers)}  版本 {f.version}\n来源：{f.source.document} {f.source.part or ''}\n")
    for it in view.items:
        kinds = "、".join(sorted(view.item_kinds[it.no]))
        units = "、".join(u.name + (f"（{u.remark}）" if u.remark else "") for u in it.units)
        print(f"{it.display_no} {('[' + it.category + '] ') if it.category else ''}{it.text}")
        print(f"    责任：{units or '—'}    须填报：{kinds or '—'}    出处：{it.ref}")
        for ind in it.indicators:
            tg = "；".join(t.describe(ind.unit) for t in ind.targets)
            print(f"    指标 {ind.key}：{ind.name} {tg}")
    return 0


def form_json(view) -> dict:
    f = view.form
    return dict(
        id=f.id, version=f.version, title=f.title, full_title=f.full_title, doc_no=f.doc_no,
        issuers=list(f.issuers), date=f.date.isoformat() if f.date else None, year=f.year, province=f.province,
        source=f.source.model_dump(), plan_kinds=list(f.plan_kinds),
        fields=[fd.model_dump(mode="json", exclude_none=True) for fd in view.fields],
        items=[dict(no=it.no, label=it.display_no, ref=it.ref, category=it.category, title=it.title,
                    text=it.text, units=[u.model_dump(exclude_none=True) for u in it.units],
                    plan_kinds=sorted(view.item_kinds[it.no]),
                    indicators=[i.model_dump(mode="json", exclude_none=True) for i in it.indicators])
               for it in view.items],
    )


def cmd_unit(args):
    store = _store(args)
    if args.sub == "add":
        u, warnings = store.add_unit(args.code, args.name, args.kind, args.parent, school_type=args.school_type,
                                     school_code=args.school_code, credit_code=args.credit_code,
                                     contact_person=args.contact, contact_phone=args.phone,
                                     accept_warnings=not args.strict)
        for w in warnings:
            print(f"警告：{w}", file=sys.stderr)
        print(u.code)
        return 0
    units = store.list_units(args.under)
    if args.json:
        return _json([u.__dict__ for u in units])
    depth: dict[str | None, int] = {}
    for u in units:
        d = depth[u.code] = depth.get(u.parent_code, -1) + 1
        print(f"{'  ' * d}{u.code}  {u.name}  [{u.kind_label}{'·' + u.school_type if u.school_type else ''}]")
    return 0


def plan_json(store, plan_ref) -> dict:
    d = store.plan_data(plan_ref)
    p, view = d.plan, store.view_for(d.plan)
    return dict(
        id=p.id, uuid=p.uuid, revision=p.revision, unit=dict(code=p.unit_code, name=p.unit_name),
        form=dict(id=p.form_id, version=p.form_version), year=p.year, kind=p.kind, status=p.status,
        status_reason=p.status_reason, sections=d.sections,
        items=[dict(no=it.no, values=d.values.get(it.no, {}), must_answer=view.must_answer(it.no, p.kind),
                    indicators={i.key: dict(zip(("target", "actual"), d.indicators.get(i.key, (None, None))))
                                for i in it.indicators},
                    evidence=[dict(name=e.name, sha256=e.sha256, size=e.size) for e in d.evidence if e.item_no == it.no])
               for it in view.items],
    )


def cmd_plan(args):
    from .store.service import Edit

    store = _store(args)
    if args.sub == "new":
        print(store.new_plan(args.unit, args.form, args.year, args.kind).id)
    elif args.sub == "set":
        store.apply_edits(args.plan, [Edit(args.item, args.field, args.value)], origin="cli")
    elif args.sub == "section":
        store.apply_edits(args.plan, [Edit(0, f"section:{args.key}", args.value)], origin="cli")
    elif args.sub == "status":
        p = store.set_status(args.plan, args.status, args.reason, origin="cli")
        print(f"{p.id} {p.status}")
    elif args.sub == "explain":
        store.explain(args.plan, args.item, args.rule, args.field, args.text, origin="cli")
    elif args.sub == "show":
        data = plan_json(store, args.plan)
        if args.json:
            return _json(data)
        view = store.catalog.get(data["form"]["id"])
        print(f"方案 {data['id']}  {data['unit']['name']}  {data['year']}年 {data['kind']}  "
              f"清单 {data['form']['id']} v{data['form']['version']}  状态 {data['status']}  修订 {data['revision']}")
        for it in data["items"]:
            if it["values"] or it["must_answer"]:
                vals = "；".join(f"{view.field_map[k].label}={v}" for k, v in it["values"].items() if k in view.field_map)
                print(f"  第{it['no']}项{'*' if it['must_answer'] else ' '} {vals or '（未填写）'}")
    elif args.sub == "list":
        plans = store.list_plans(args.unit, args.form, args.year)
        if args.json:
            return _json([p.__dict__ for p in plans])
        for p in plans:
            print(f"{p.id:>5}  {p.year}  {p.kind}  {p.form_id:<15} {p.status:<4} r{p.revision}  {p.unit_code} {p.unit_name}")
    return 0


def cmd_validate(args):
    from .validation import blocking, completeness, validate

    store = _store(args)
    d = store.plan_data(args.plan)
    view = store.view_for(d.plan)
    problems = validate(view, d.plan.kind, d)
    comp = completeness(view, d.plan.kind, d)
    errors = blocking(problems)
    if args.json:
        _json(dict(plan=d.plan.id, errors=len(errors), warnings=len(problems) - len(errors),
                   completeness=dict(answered=comp.answered, required=comp.required),
                   problems=[p.as_dict() for p in problems]))
    else:
        for p in problems:
            tag = "错误" if p.severity == "error" else ("警告（已说明）" if p.explained else "警告")
            print(f"{tag}：{p.message}")
        print(f"共 {len(errors)} 个错误、{len(problems) - len(errors)} 个警告；完整度 {comp}")
    return 1 if errors else 0


def cmd_demo(args):
    import datetime as dt

    from .demo import build_demo

    store = _store(args)
    stats = build_demo(store, schools=args.units, year=args.year or dt.date.today().year, seed=args.seed)
    print(f"示例数据已生成：{stats}")
    return 0


def cmd_export(args):
    store = _store(args)
    out = Path(args.output)
    if args.format == "docx":
        from .reports.word import export_plan_docx

        res = export_plan_docx(store, args.plan, out, draft=args.draft)
    else:
        from .sheets.export import export_plan_xlsx

        res = export_plan_xlsx(store, args.plan, out)
    print(res if isinstance(res, str) else out)
    return 0


def cmd_template(args):
    from .sheets.export import export_template

    store = _store(args)
    export_template(store.catalog, args.form_id, Path(args.output))
    print(args.output)
    return 0


def cmd_import(args):
    from .sheets.importer import import_cli

    return import_cli(_store(args), args)


def cmd_summary(args):
    from .summary.cli import summary_cli

    return summary_cli(_store(args), args)


COMMANDS = {"forms": cmd_forms, "unit": cmd_unit, "plan": cmd_plan, "validate": cmd_validate,
            "demo": cmd_demo, "export": cmd_export, "template": cmd_template, "import": cmd_import,
            "summary": cmd_summary}
