"""Word 实施方案 export speed: one 33-item plan with long measures (target < 0.5 s) and a batch
of 100 such plans (target < 30 s). Plain script: ``python bench/bench_word.py [--runs N]``."""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from desktop.reports.word import export_plan_docx, export_plans_docx  # noqa: E402
from desktop.store.service import Edit, Store  # noqa: E402

FORM = "gs2020-annex2"
MEASURE = ("围绕区域主导产业，与龙头企业共建产业学院和实训基地，推行现代学徒制和订单培养；"
           "完善校企双向流动的教师队伍建设机制，每年选派专业教师到企业实践；"
           "建立专业动态调整机制，对接产业链设置专业群。")


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def fill(store: Store, unit_code: str) -> int:
    """A plan answering all 33 items, each with ~600 characters of measures over several lines."""
    p = store.new_plan(unit_code, FORM, 2026)
    view = store.view_for(p)
    edits = [Edit(0, f"section:{k}", MEASURE * 3) for k in ("basic_info", "guiding", "goals", "safeguards")]
    for it in view.items:
        edits += [Edit(it.no, "applicable", "是"), Edit(it.no, "measures", "\n".join([MEASURE] * 6)),
                  Edit(it.no, "lead", "教务处"), Edit(it.no, "partners", "科研处、财务处、招生就业处"),
                  Edit(it.no, "owner", "王强"), Edit(it.no, "deadline", "2027-12-31"),
                  Edit(it.no, "status", "推进中"), Edit(it.no, "outcome", "形成可推广的制度成果和典型案例。")]
        edits += [Edit(it.no, f"target:{ind.key}", 5) for ind in it.indicators]
    store.apply_edits(p.id, edits)
    return p.id


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--batch", type=int, default=100)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        store = Store.open(tmp / "bench.sqlite3")
        plans = []
        for i in range(args.batch):
            code = f"41620{i:05d}"
            store.add_unit(code, f"兰州第{i + 1}职业学校", "school", "620100", school_type="中职")
            plans.append(fill(store, code))
        chars = sum(len(v.get("measures", "")) for v in store.plan_data(plans[0]).values.values())

        single = []
        for _ in range(args.runs):
            t = time.perf_counter()
            export_plan_docx(store, plans[0], tmp / "one.docx")
            single.append(time.perf_counter() - t)
        size = (tmp / "one.docx").stat().st_size

        batch = []
        for r in range(max(3, args.runs // 2)):
            t = time.perf_counter()
            res = export_plans_docx(store, plans, tmp / f"batch{r}")
            batch.append(time.perf_counter() - t)
            assert all(p is not None for _, p, _ in res), [e for _, _, e in res if e]
        store.close()

    print(f"machine: {os.cpu_count()} CPU(s), {cpu_model()}, Python {platform.python_version()}")
    print(f"plan: 33 items, {chars} characters of measures, docx {size / 1024:.0f} KB")
    print(f"single export: median {statistics.median(single) * 1000:.0f} ms "
          f"(min {min(single) * 1000:.0f}, max {max(single) * 1000:.0f}, {len(single)} runs; target < 500 ms)")
    print(f"batch of {args.batch}: median {statistics.median(batch):.2f} s "
          f"(min {min(batch):.2f}, max {max(batch):.2f}, {len(batch)} runs; target < 30 s)")


if __name__ == "__main__":
    main()
