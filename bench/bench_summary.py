"""Summary speed on a province of 10,000 schools × 33 items (issue 7).

    python bench/bench_summary.py [--units 10000] [--runs 5] [--db PATH] [--rebuild]

Builds the demo province once (in a child process, so its bulk-insert memory is not counted)
and then, in this process, times the roster, the per-item summary, the indicators and the
full xlsx / docx exports; prints medians and the peak resident memory (ru_maxrss).
Targets: roster + per-item summary < 1 s, xlsx export < 10 s, memory < 500 MB.
"""
from __future__ import annotations

import argparse
import os
import platform
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
FORM, YEAR = "gs2020-annex2", 2025


def build(db: Path, units: int) -> None:
    from desktop.demo import build_demo
    from desktop.store.service import Store

    store = Store.open(db)
    t = time.perf_counter()
    stats = build_demo(store, schools=units, year=YEAR, seed=1)
    densify(store)
    store.close()
    print(f"built {stats}, densified, in {time.perf_counter() - t:.1f} s", flush=True)


def densify(store) -> None:
    """The issue's worst case: every unit files and answers all 33 items (demo leaves gaps).

    Units without a plan get a received one (5 % stay unfiled so the roster still has a
    催报名单); every item a plan left blank gets a full answer. Bulk inserts.
    """
    import random
    import uuid

    from sqlalchemy import insert, select

    from desktop.store.models import Plan, Response, Unit, now

    rng = random.Random(1)
    view = store.catalog.get(FORM)
    with store.session() as s:
        have = {uid for (uid,) in s.execute(select(Plan.unit_id).where(Plan.form_id == FORM, Plan.year == YEAR))}
        filers = s.execute(select(Unit.id, Unit.kind).where(Unit.kind.in_(("school", "city", "area")),
                                                            Unit.province_code == "620000")).all()
        new = [dict(uuid=str(uuid.UUID(int=rng.getrandbits(128), version=4)), unit_id=uid, form_id=FORM,
                    form_version=view.form.version, year=YEAR, kind="一校一策" if kind == "school" else "一市一策",
                    status="已报送", revision=1, received_at=now(), created_at=now(), updated_at=now())
               for uid, kind in filers if uid not in have and rng.random() > 0.05]
        if new:
            s.execute(insert(Plan), new)
        answered = {(p, i) for p, i in s.execute(select(Response.plan_id, Response.item_no).distinct())}
        plans = [pid for (pid,) in s.execute(select(Plan.id).where(Plan.form_id == FORM, Plan.year == YEAR))]
        rows = []
        for pid in plans:
            for it in view.items:
                if (pid, it.no) in answered:
                    continue
                st = rng.choice(("未启动", "推进中", "已完成"))
                rows += [dict(plan_id=pid, item_no=it.no, field_key=k, value=v) for k, v in (
                    ("applicable", "是"), ("measures", "制定任务分解表，明确责任人和时间节点，按季度调度推进。"),
                    ("lead", "教务处"), ("deadline", f"{YEAR + 1}-06-30"), ("status", st))]
            if len(rows) > 50_000:
                s.execute(insert(Response), rows)
                rows = []
        if rows:
            s.execute(insert(Response), rows)


def timed(fn, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() \
        else platform.processor()
    return (f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} CPUs, Python "
            f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--units", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--db", type=Path)
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    db = a.db or Path(tempfile.gettempdir()) / f"yice_bench_summary_{a.units}.sqlite3"
    if a.build_only:
        build(db, a.units)
        return 0
    if a.rebuild or not db.exists():
        for p in db.parent.glob(db.name + "*"):
            p.unlink()
        subprocess.run([sys.executable, __file__, "--build-only", "--units", str(a.units), "--db", str(db)], check=True)

    from desktop.store.models import Response
    from desktop.store.service import Store
    from desktop.summary.core import indicator_totals, item_detail, item_progress, roster
    from desktop.summary.report import export_summary_docx
    from desktop.summary.xlsx import export_summary_xlsx
    from sqlalchemy import func, select

    store = Store.open(db)
    with store.session() as s:
        n_resp = s.scalar(select(func.count(func.distinct(Response.plan_id * 100 + Response.item_no))))
    print(machine())
    print(f"database: {db} ({db.stat().st_size / 1e6:.0f} MB), {n_resp:,} item responses")
    out = Path(tempfile.mkdtemp())
    t_roster, rows = timed(lambda: roster(store, FORM, YEAR), a.runs)
    t_items, _ = timed(lambda: item_progress(store, FORM, YEAR), a.runs)
    t_both, _ = timed(lambda: (roster(store, FORM, YEAR), item_progress(store, FORM, YEAR)), a.runs)
    t_ind, _ = timed(lambda: indicator_totals(store, FORM, YEAR), a.runs)
    t_detail, _ = timed(lambda: item_detail(store, FORM, YEAR, 13), a.runs)
    t_city, _ = timed(lambda: (roster(store, FORM, YEAR, "620100"), item_progress(store, FORM, YEAR, "620100")), a.runs)
    t_xlsx, _ = timed(lambda: export_summary_xlsx(store, FORM, YEAR, None, out / "s.xlsx"), max(3, a.runs // 2))
    t_docx, _ = timed(lambda: export_summary_docx(store, FORM, YEAR, None, out / "s.docx"), max(3, a.runs // 2))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"units that must file: {len(rows):,}")
    print(f"medians of {a.runs} runs (exports: {max(3, a.runs // 2)}):")
    for label, t, target in (("roster", t_roster, None), ("per-item summary", t_items, None),
                             ("roster + per-item summary", t_both, 1.0), ("indicator totals", t_ind, None),
                             ("item drill-down (item 13)", t_detail, None), ("one city: roster + items", t_city, None),
                             ("xlsx export (full)", t_xlsx, 10.0), ("docx export (full)", t_docx, None)):
        mark = "" if target is None else (" OK" if t < target else f" OVER {target} s")
        print(f"  {label:<28} {t * 1000:8.0f} ms{mark}")
    print(f"  peak memory (ru_maxrss)      {rss:8.0f} MB{' OK' if rss < 500 else ' OVER 500 MB'}")
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
