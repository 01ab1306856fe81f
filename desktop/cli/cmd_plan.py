"""``yice plan …``: create, fill, show; and the filing lifecycle (submit, withdraw, review, diff)."""
from __future__ import annotations

from ..core.edits import Edit, Ref
from ..core.vocab import Decision, Origin
from .common import COUNT, ITEM, YEAR, bounded_int, print_json


def register(sub) -> None:
    plan = sub.add_parser("plan", help="实施方案").add_subparsers(dest="sub", required=True)
    q = plan.add_parser("new", help="新建方案，输出方案编号")
    q.add_argument("--unit", required=True)
    q.add_argument("--form", required=True)
    q.add_argument("--year", required=True, type=YEAR)
    q.add_argument("--kind")
    q = plan.add_parser("set", help="填写一项的一个字段")
    q.add_argument("plan")
    q.add_argument("--item", required=True, type=ITEM)
    q.add_argument("--field", required=True, help="字段键，如 measures；指标用 target:KEY / actual:KEY")
    q.add_argument("--value", required=True)
    q = plan.add_parser("section", help="填写方案章节（见 forms show 的 sections）")
    q.add_argument("plan")
    q.add_argument("--key", required=True)
    q.add_argument("--value", required=True)
    q = plan.add_parser("show", help="显示方案")
    q.add_argument("plan")
    q.add_argument("--submission", type=COUNT, help="显示第N次报送的内容（默认：当前内容）")
    q.add_argument("--json", action="store_true")
    q = plan.add_parser("list", help="列出方案")
    q.add_argument("--unit")
    q.add_argument("--form")
    q.add_argument("--year", type=YEAR)
    q.add_argument("--json", action="store_true")
    q = plan.add_parser("explain", help="为警告填写说明")
    q.add_argument("plan")
    q.add_argument("--item", required=True, type=ITEM)
    q.add_argument("--rule", required=True)
    q.add_argument("--field", required=True)
    q.add_argument("--text", required=True)
    q = plan.add_parser("submit", help="报送：生成第N次报送（有错误或未说明的警告时拒绝）")
    q.add_argument("plan")
    q = plan.add_parser("withdraw", help="撤回尚未审核的报送，方案回到草稿")
    q.add_argument("plan")
    q = plan.add_parser("review", help="审核最新一次报送：受理或退回（须填理由）")
    q.add_argument("plan")
    q.add_argument("decision", help="审核结论：" + " / ".join(d.value for d in Decision) + "，或其中文用语（forms/vocabulary.yaml）")
    q.add_argument("--reason")
    q.add_argument("--submission", type=COUNT, help="所审核的报送次数（防止审核了已被取代的报送）")
    q = plan.add_parser("diff", help="逐项比较两次报送（默认：最近两次）")
    q.add_argument("plan")
    q.add_argument("--from", dest="old", type=COUNT)
    q.add_argument("--to", dest="new", type=COUNT)
    q.add_argument("--json", action="store_true")
    q = plan.add_parser("history", help="方案的修改与报送记录（时间、操作人、内容）")
    q.add_argument("plan")
    q.add_argument("--limit", type=bounded_int(1, 100_000, "条数"), default=200)
    q.add_argument("--json", action="store_true")


def plan_json(store, snap) -> dict:
    p, view = snap.plan, store.catalog.for_plan(snap.plan)
    sub = snap.submission
    return dict(
        id=p.id, uuid=p.uuid, revision=p.revision, unit=dict(code=p.unit_code, name=p.unit_name),
        form=dict(id=p.form_id, version=p.form_version), year=p.year, kind=p.kind, state=p.state,
        state_label=store.vocab.label(p.state), submission_no=p.submission_no, review_reason=p.review_reason,
        shown=None if sub is None else dict(submission=sub.number, uuid=sub.uuid, state=sub.state,
                                            made_at=sub.made_at, content_hash=sub.content_hash),
        sections=snap.sections,
        explanations=[dict(item=no, rule=r, field=f, text=t) for (no, r, f), t in sorted(snap.explanations.items())],
        items=[dict(no=it.no, values=snap.values.get(it.no, {}), must_answer=view.must_answer(it.no, p.kind),
                    indicators={i.key: dict(zip(("target", "actual"), snap.indicators.get(i.key, (None, None))))
                                for i in it.indicators},
                    evidence=[dict(name=e.name, sha256=e.sha256, size=e.size) for e in snap.evidence
                              if e.item_no == it.no])
               for it in view.items],
    )


def run(args, ctx) -> int:
    store = ctx.store()
    label = store.vocab.label
    sub = args.sub
    if sub == "new":
        print(store.plans.create(args.unit, args.form, args.year, args.kind).id)
    elif sub == "set":
        store.plans.apply_edits(args.plan, [Edit(Ref.parse(args.field, args.item), args.value)], origin=Origin.CLI)
    elif sub == "section":
        store.plans.apply_edits(args.plan, [Edit(Ref.section(args.key), args.value)], origin=Origin.CLI)
    elif sub == "explain":
        store.plans.explain(args.plan, args.item, args.rule, args.field, args.text, origin=Origin.CLI)
    elif sub == "submit":
        s = store.lifecycle.submit(args.plan, origin=Origin.CLI)
        print(f"{args.plan} 已报送（第{s.number}次报送）")
    elif sub == "withdraw":
        p = store.lifecycle.withdraw(args.plan, origin=Origin.CLI)
        print(f"{p.id} {label(p.state)}（已撤回第{p.submission_no}次报送）")
    elif sub == "review":
        p = store.lifecycle.review(args.plan, store.vocab.decision(args.decision) == Decision.ACCEPT, args.reason,
                                   args.submission, origin=Origin.CLI)
        print(f"{p.id} {label(p.state)}（第{p.submission_no}次报送）")
    elif sub == "show":
        data = plan_json(store, store.plans.snapshot(args.plan, args.submission))
        if args.json:
            print_json(data)
            return 0
        view = store.catalog.get(data["form"]["id"], data["form"]["version"])
        shown = f"  显示：第{data['shown']['submission']}次报送" if data["shown"] else ""
        print(f"方案 {data['id']}  {data['unit']['name']}  {data['year']}年 {data['kind']}  "
              f"清单 {data['form']['id']} v{data['form']['version']}  状态 {data['state_label']}"
              + (f"（第{data['submission_no']}次报送）" if data["submission_no"] else "") + shown)
        for it in data["items"]:
            if it["values"] or it["must_answer"]:
                vals = "；".join(f"{view.field_map[k].label}={v}" for k, v in it["values"].items() if k in view.field_map)
                print(f"  第{it['no']}项{'*' if it['must_answer'] else ' '} {vals or '（未填写）'}")
    elif sub == "list":
        plans = store.plans.list(args.unit, args.form, args.year)
        if args.json:
            print_json([p.__dict__ for p in plans])
            return 0
        for p in plans:
            n = f"第{p.submission_no}次" if p.submission_no else "—"
            print(f"{p.id:>5}  {p.year}  {p.kind}  {p.form_id:<15} {label(p.state):<4} {n:<5} {p.unit_code} {p.unit_name}")
    elif sub == "diff":
        rows = store.plans.diff(args.plan, args.old, args.new)
        if args.json:
            print_json([r.as_dict() for r in rows])
            return 0
        if not rows:
            print("两次报送内容相同")
        for r in rows:
            print(f"{r.where}\n    原：{r.old or '（空）'}\n    新：{r.new or '（空）'}")
    elif sub == "history":
        if args.json:
            print_json(store.history.rows(args.plan, args.limit))
            return 0
        for h in store.history.describe(args.plan, args.limit):
            where = f"第{h.item_no}项 " if h.item_no else ""
            print(f"{h.at:%Y-%m-%d %H:%M:%S}  {h.origin}  {h.who}  {where}{h.what}：{h.old or '（空）'} → {h.new or '（空）'}")
    return 0
