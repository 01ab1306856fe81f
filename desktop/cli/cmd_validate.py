"""``yice validate PLAN``: every problem of a plan; exit 1 when it has errors."""
from __future__ import annotations

from .common import print_json


def register(sub) -> None:
    v = sub.add_parser("validate", help="校验方案（有错误时退出码为1）")
    v.add_argument("plan")
    v.add_argument("--json", action="store_true")


def run(args, ctx) -> int:
    from ..core.validation import blocking, completeness, validate

    store = ctx.store()
    d = store.plans.snapshot(args.plan)
    view = store.catalog.for_plan(d.plan)
    problems = validate(view, d.plan.kind, d)
    comp = completeness(view, d.plan.kind, d)
    errors = blocking(problems)
    if args.json:
        print_json(dict(plan=d.plan.id, errors=len(errors), warnings=len(problems) - len(errors),
                        completeness=dict(answered=comp.answered, required=comp.required),
                        problems=[p.as_dict() for p in problems]))
    else:
        for p in problems:
            tag = "错误" if p.severity == "error" else ("警告（已说明）" if p.explained else "警告")
            print(f"{tag}：{p.message}")
        print(f"共 {len(errors)} 个错误、{len(problems) - len(errors)} 个警告；完整度 {comp}")
    return 1 if errors else 0
