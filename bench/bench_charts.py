"""The 汇总报告's three charts: matplotlib PNGs (the old desktop/summary/charts.py) against native
Word charts (desktop/word/charts.py), in one run.

    python bench/bench_charts.py [--runs 7] [--schools 60]

Per approach, each run is a fresh process (so imports are cold) that measures: importing what
drawing needs, the first three charts (what a user waits for at the first report), the median
of further builds (warm), and the bytes the three charts add to the report's .docx. The
medians over the runs are printed, with the installed size of the scientific stack that only
the PNGs need. The matplotlib side is skipped when matplotlib (or the old module) is absent.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from common import cpu_model  # noqa: E402
FORM, YEAR = "gs2020-annex2", 2024
STACK = ("matplotlib", "numpy", "pillow", "fonttools", "kiwisolver", "contourpy", "cycler", "pyparsing")
ALREADY_NEEDED = ("openpyxl", "lxml", "python-docx")  # what the native charts use; the app has them anyway
WARM = 5
KINDS = {"matplotlib": "matplotlib PNG", "native": "native chart", "native-nodata": "native, no workbook"}


def installed_mb(dist: str) -> float | None:
    """Bytes on disk of an installed distribution (its files as recorded, .libs and dist-info included)."""
    try:
        files = metadata.distribution(dist).files or []
    except metadata.PackageNotFoundError:
        return None
    total = 0
    for f in files:
        p = Path(f.locate())
        if p.is_file():
            total += p.stat().st_size
    return total / 1e6


def dump_summary(path: Path, schools: int) -> None:
    """The demo province's figures, as plain values the child processes rebuild into objects."""
    from desktop.core.demo import build_demo
    from desktop.core.store import Store
    from desktop.core.summary import summarise

    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "bench.sqlite3")
        build_demo(store, schools=schools, year=YEAR, seed=7)
        sm = summarise(store, FORM, YEAR, None)
        store.close()
    path.write_text(json.dumps({
        "branches": [{"name": b.name, "code": b.code, "rate": b.rate} for b in sm.branches],
        "items": [{"display_no": it.display_no, "status": it.status, "plans": it.plans} for it in sm.items],
        "indicators": [{"name": t.name, "plan_kind": t.plan_kind, "attainment": t.attainment, "key": t.key,
                        "item_no": t.item_no} for t in sm.indicators],
    }, ensure_ascii=False), encoding="utf-8")


OLD_CHARTS = "55dd8cb:desktop/summary/charts.py"  # the matplotlib module this bench compares against


def _old_charts():
    """The baseline: the matplotlib chart module as it last stood, loaded from the git history."""
    import importlib.util

    src = subprocess.run(["git", "show", OLD_CHARTS], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parent).stdout
    path = Path(tempfile.mkdtemp()) / "old_charts.py"
    path.write_text(src, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("old_charts", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def child(kind: str, data_file: str) -> None:
    """One cold measurement; prints a JSON line."""
    t0 = time.perf_counter()
    if kind == "matplotlib":
        import matplotlib.backends.backend_agg  # noqa: F401  (what Figure.savefig(format="png") loads)
        import matplotlib.figure  # noqa: F401
        import matplotlib.font_manager  # noqa: F401

        old = _old_charts()
    else:
        if kind == "native":
            import openpyxl  # noqa: F401  (the embedded workbook)

        from desktop.word import charts as native
    t_import = time.perf_counter() - t0

    from docx.shared import Mm

    from desktop.word.summary import load_template

    template = load_template()

    def load_summary_template():
        from docx import Document

        return Document(io.BytesIO(template.docx))

    raw = json.loads(Path(data_file).read_text(encoding="utf-8"))
    br, items, inds = ([SimpleNamespace(**x) for x in raw[k]] for k in ("branches", "items", "indicators"))

    def build(doc) -> None:
        if kind == "matplotlib":
            for png in (old.filing_rate_png(br), old.progress_png(items), old.attainment_png(inds)):
                doc.add_paragraph().add_run().add_picture(io.BytesIO(png), width=Mm(150))
        else:
            colors = {c: native.OTHER_PROGRESS for it in items for c in it.status}
            words = template.wording.charts
            for spec in (native.filing_rate_chart(br, words), native.progress_chart(items, colors, words),
                         native.attainment_chart(inds, words)):
                native.add_chart(doc, spec, embed_data=kind == "native")

    def size(doc) -> int:
        buf = io.BytesIO()
        doc.save(buf)
        return len(buf.getvalue())

    bare = size(load_summary_template())
    doc = load_summary_template()
    t1 = time.perf_counter()
    build(doc)
    t_first = time.perf_counter() - t1
    added = size(doc) - bare
    warm = []
    for _ in range(WARM):
        doc = load_summary_template()
        t = time.perf_counter()
        build(doc)
        warm.append(time.perf_counter() - t)
    print(json.dumps({"import": t_import, "first": t_first, "warm": statistics.median(warm), "bytes": added}))


def measure(kind: str, data_file: Path, runs: int) -> dict[str, float] | str:
    rows = []
    for _ in range(runs):
        proc = subprocess.run([sys.executable, __file__, "--child", kind, str(data_file)], capture_output=True,
                              text=True, cwd=ROOT)
        if proc.returncode:
            last = (proc.stderr.strip().splitlines() or ["failed"])[-1]
            return f"skipped ({last})"
        rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    return {k: statistics.median(r[k] for r in rows) for k in rows[0]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--schools", type=int, default=60)
    ap.add_argument("--child", nargs=2, metavar=("KIND", "DATA"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "summary.json"
        dump_summary(data, args.schools)
        raw = json.loads(data.read_text(encoding="utf-8"))
        results = {k: measure(k, data, args.runs) for k in KINDS}

    print(f"machine: {os.cpu_count()} CPU(s), {cpu_model()}, Python {platform.python_version()}")
    print(f"data: demo province, {args.schools} schools: {len(raw['branches'])} regions, {len(raw['items'])} items, "
          f"{len(raw['indicators'])} indicator rows; medians of {args.runs} fresh processes "
          f"(warm = median of {WARM} builds in each)")
    print()
    print(f"{'three report charts':<28}" + "".join(f"{h:>22}" for h in KINDS.values()))

    def cell(kind: str, key: str, fmt) -> str:
        r = results[kind]
        return fmt(r[key]) if isinstance(r, dict) else "—"

    ms = lambda v: f"{v * 1000:.0f} ms"  # noqa: E731
    for label, key, fmt in (("import (fresh process)", "import", ms), ("first 3 charts, cold", "first", ms),
                            ("3 charts, warm", "warm", ms),
                            ("bytes added to the .docx", "bytes", lambda v: f"{v / 1024:.1f} KB")):
        print(f"{label:<28}" + "".join(f"{cell(k, key, fmt):>22}" for k in KINDS))
    stack = {d: installed_mb(d) for d in STACK}
    have = {d: mb for d, mb in stack.items() if mb is not None}
    stack_mb = f"{sum(have.values()):.1f} MB" if have else "not installed"
    print(f"{'packages only charts need':<28}{stack_mb:>22}" + f"{'0 MB':>22}" * 2)
    for kind, r in results.items():
        if not isinstance(r, dict):
            print(f"{KINDS[kind]}: {r}")
    print()
    print("matplotlib stack on disk: " + (", ".join(f"{d} {mb:.1f} MB" for d, mb in have.items()) or "not installed")
          + (f"; absent: {', '.join(d for d in STACK if d not in have)}" if len(have) < len(STACK) else ""))
    print("native charts use only packages the app already needs: "
          + ", ".join(f"{d} {installed_mb(d) or 0:.1f} MB" for d in ALREADY_NEEDED))


if __name__ == "__main__":
    main()
