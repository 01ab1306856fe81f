"""``yice demo``: a sample province to explore and to benchmark."""
from __future__ import annotations


from .common import YEAR, bounded_int


def register(sub) -> None:
    d = sub.add_parser("demo", help="生成一个示例省份的数据（用于体验和基准测试）")
    d.add_argument("--units", type=bounded_int(0, 100_000, "学校数量"), default=200, help="学校数量（默认200）")
    d.add_argument("--year", type=YEAR)
    d.add_argument("--seed", type=int, default=2020)


def run(args, ctx) -> int:
    import datetime as dt

    from ..core.demo import build_demo

    stats = build_demo(ctx.store(), schools=args.units, year=args.year or dt.date.today().year, seed=args.seed)
    print(f"示例数据已生成：{stats}")
    return 0
