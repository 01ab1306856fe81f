"""Batch Word export: memory per plan against the same batch with gc after each plan (issue 18, row 8).

    python bench/bench_word.py [--quick] [--plans 100] [--runs 3] [--tracemalloc]
                               [--dir /tmp/yice-bench-word] [--rebuild] [--profile DIR]

Data (cached): the demo province (build_demo, 200 schools); the batch is its first ``--plans``
filed school plans (已报送 / 已受理), exported formally — each file is the plan's latest
submission, so the database is not written and every run sees the same plans.

Both variants run ``desktop.word.plan.export_plans_docx`` over the batch in a fresh child process
and read the resident set (/proc/self/statm) after every plan through the job's progress
callback; the baseline variant calls ``gc.collect()`` first in that callback (how much it found
is reported: objects kept alive only by reference cycles). Growth = least-squares slope of the
samples after the first tenth of the batch. ``--tracemalloc`` also samples Python allocations
(slower).
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    Row, arguments, cached, demo_db, emit, machine, parse, print_table, profile, python, rss_now_mb, run_child,
    slope, stat,
)


def child(db: Path, n: int, collect: bool, trace: bool) -> None:
    import gc
    import json
    import shutil

    if trace:
        import tracemalloc

        tracemalloc.start()
    from desktop.core.jobs import Job
    from desktop.core.store import Store
    from desktop.word.plan import export_plans_docx

    ids = json.loads(db.with_suffix(".plans.json").read_text())[:n]
    store = Store.open(db)
    out = Path(tempfile.mkdtemp(prefix="yice-bench-word-"))
    rss, found, traced, stamps = [], [], [], []

    def progress(done, _total, _msg):
        if collect:
            found.append(gc.collect())
        rss.append(rss_now_mb())
        stamps.append(time.perf_counter())
        if trace:
            traced.append(tracemalloc.get_traced_memory()[0] / 2**20)

    before = rss_now_mb()
    t = time.perf_counter()
    res = export_plans_docx(store, ids, out, job=Job(progress))
    total = time.perf_counter() - t
    errors = [e for _r, p, e in res if p is None]
    store.close()
    shutil.rmtree(out, ignore_errors=True)
    emit(seconds=total, before=before, rss=rss, gc_found=found, traced=traced, errors=errors[:3], n=len(res),
         per_plan=[b - a for a, b in zip([t] + stamps, stamps)])


def main(argv=None) -> int:
    ap = arguments("word", __doc__, runs=3, quick_runs=1)
    ap.add_argument("--plans", type=int, default=100)
    ap.add_argument("--schools", type=int, default=200)
    ap.add_argument("--tracemalloc", action="store_true")
    ap.add_argument("--child", nargs=4, metavar=("DB", "N", "GC", "TRACE"), help="(internal)")
    a = parse(ap, argv)
    if a.child:
        child(Path(a.child[0]), int(a.child[1]), a.child[2] == "1", a.child[3] == "1")
        return 0
    if a.quick:
        a.plans, a.schools = 6, 20
    print(machine(), flush=True)

    def build(d: Path):
        import json

        info = demo_db(d / "demo.sqlite3", a.schools)
        filed = sorted(info["school_plans"].get("submitted", []) + info["school_plans"].get("accepted", []))
        (d / "demo.plans.json").write_text(json.dumps(filed))

    folder = cached(a.dir, dict(schools=a.schools, v=1), build, a.rebuild)
    db = folder / "demo.sqlite3"
    import json

    have = len(json.loads((folder / "demo.plans.json").read_text()))
    if have < a.plans:
        raise SystemExit(f"only {have} filed school plans in the demo of {a.schools} schools; use --schools")
    variants = {"project": "0", "gc": "1"}
    runs: dict[str, list] = {k: [] for k in variants}
    for r in range(a.runs):
        for k, collect in variants.items():
            run = run_child([python(), __file__, "--child", str(db), str(a.plans), collect,
                             "1" if a.tracemalloc else "0"], timeout=3600)
            d = run.data
            d["maxrss_mb"] = run.maxrss_mb
            if d["errors"]:
                raise SystemExit(f"export refused: {d['errors']}")
            runs[k].append(d)
            print(f"  round {r + 1} {k}: {d['seconds']:.1f} s, RSS {d['rss'][0]:.0f} → {d['rss'][-1]:.0f} MB, "
                  f"peak {run.maxrss_mb:.0f} MB", flush=True)
    skip = max(1, a.plans // 10)

    def growth(d, key="rss") -> float:
        return slope(d[key][skip:])

    g = {k: stat(growth(d) for d in v) for k, v in runs.items()}
    end = {k: stat(d["rss"][-1] for d in v) for k, v in runs.items()}
    peak = {k: stat(d["maxrss_mb"] for d in v) for k, v in runs.items()}
    sec = {k: stat(d["seconds"] for d in v) for k, v in runs.items()}
    rows = [
        Row(f"batch Word export, {a.plans} plans: RSS growth per plan (slope after plan {skip})",
            g["project"].fmt("MB/plan", scale=1, digits=3), g["gc"].fmt("MB/plan", scale=1, digits=3) + " with gc.collect() "
            "after each plan", "—", f"{peak['project'].median:.0f} / {peak['gc'].median:.0f} MB",
            "flat (≤ 0.1 MB/plan)", g["project"].median <= 0.1),
        Row(f"batch Word export, {a.plans} plans: RSS after the last plan", end["project"].fmt("MB", scale=1, digits=0),
            end["gc"].fmt("MB", scale=1, digits=0), f"{end['project'].median / end['gc'].median:.2f}×",
            f"{peak['project'].median:.0f} / {peak['gc'].median:.0f} MB", "(reference)", None),
        Row(f"batch Word export, {a.plans} plans: time", sec["project"].fmt(), sec["gc"].fmt(),
            f"{sec['project'].median / sec['gc'].median:.2f}×", "—", "(reference)", None),
    ]
    found = [x for d in runs["gc"] for x in d["gc_found"][skip:]]
    notes = [f"data: demo province ({a.schools} schools), the first {a.plans} filed school plans, formal export",
             f"RSS before the batch: {stat(d['before'] for d in runs['project']).fmt('MB', scale=1, digits=0)}; "
             f"{a.runs} rounds, variants in turn",
             f"gc.collect() after each plan found {stat(found).median:.0f} unreachable objects per plan (median): "
             "what reference cycles keep alive until the cyclic collector runs"
             if found else "gc.collect() found nothing"]
    if a.tracemalloc:
        tg = {k: stat(slope(d["traced"][skip:]) for d in v) for k, v in runs.items()}
        notes.append(f"tracemalloc growth: project {tg['project'].fmt('MB/plan', scale=1, digits=3)}, with gc "
                     f"{tg['gc'].fmt('MB/plan', scale=1, digits=3)}")
    print_table("Batch Word export: memory", rows, notes)
    if a.profile:
        profile([__file__, "--child", str(db), str(a.plans), "0", "0"], a.profile, "word-batch")
    return 0


if __name__ == "__main__":
    sys.exit(main())
