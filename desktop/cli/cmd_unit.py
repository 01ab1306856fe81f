"""``yice unit add|list``: the unit registry."""
from __future__ import annotations

import sys

from .common import print_json


def register(sub) -> None:
    from ..core.vocab import UnitKind

    unit = sub.add_parser("unit", help="单位").add_subparsers(dest="sub", required=True)
    u = unit.add_parser("add", help="新增单位")
    u.add_argument("--code", required=True)
    u.add_argument("--name", required=True)
    u.add_argument("--kind", required=True, choices=[k.value for k in UnitKind])
    u.add_argument("--parent")
    u.add_argument("--school-type", help="学校类别（中职 / 高职 / 技工 / 本科，见 forms/vocabulary.yaml）")
    u.add_argument("--school-code", help="学校标识码（10位）")
    u.add_argument("--credit-code", help="统一社会信用代码（18位）")
    u.add_argument("--contact")
    u.add_argument("--phone")
    u.add_argument("--strict", action="store_true", help="校验警告也视为错误（不保存）")
    u = unit.add_parser("list", help="列出单位")
    u.add_argument("--under")
    u.add_argument("--json", action="store_true")


def run(args, ctx) -> int:
    store = ctx.store()
    if args.sub == "add":
        u, warnings = store.units.add(args.code, args.name, args.kind, args.parent, school_type=args.school_type,
                                      school_code=args.school_code, credit_code=args.credit_code,
                                      contact_person=args.contact, contact_phone=args.phone,
                                      accept_warnings=not args.strict)
        for w in warnings:
            print(f"警告：{w}", file=sys.stderr)
        print(u.code)
        return 0
    units = store.units.list(args.under)
    if args.json:
        print_json([u.__dict__ for u in units])
        return 0
    depth: dict[str | None, int] = {}
    for u in units:
        d = depth[u.code] = depth.get(u.parent_code, -1) + 1
        kind = store.vocab.label(u.kind)
        print(f"{'  ' * d}{u.code}  {u.name}  [{kind}{'·' + u.school_type if u.school_type else ''}]")
    return 0
