"""Bulk import of 报送表 against calamine + executemany, in one run (issue 18, row 4).

    python bench/bench_import.py [--quick] [--sizes 100,1000] [--big] [--runs 3] [--checkers N]
                                 [--dir /tmp/yice-bench-import] [--rebuild] [--profile DIR]

Data (cached): a demo province whose filed school plans (gs2020-annex2, 33 items) are exported
with ``desktop.excel.filing.export_plan_xlsx``, and a receiving database = the same units with no
plans. Each run imports the first N files into a fresh copy of it, in its own child process:

* project  — ``desktop.excel.importer.import_files`` (zip/XML safety checks, parsing, validation of
  every value, the lifecycle's decision, each file atomic), on ``Store.open``; from 64 files it
  checks in one worker process per core (``--checkers N`` fixes the number, 0 = all in one
  process). Its peak RSS is the main process's plus, per checking process, the largest one's;
  its CPU seconds are those of every process;
* baseline — python-calamine reads the same sheets, values are turned into the same rows, and one
  ``executemany`` per table writes them (plans, submissions with the JSON snapshot, responses,
  indicator_values, sections, explanations, changes, imports) through sqlite3 with the store's
  pragmas (WAL, synchronous=FULL, foreign keys): once with ONE commit for the whole batch, once
  with a commit per file. No safety checks, no validation: the floor for the same rows.

Times are the import loop only (the interpreter, imports and opening the database are the same
fixed cost for both and reported apart). Rows written per table are compared after the first run
of each variant, so the baseline is seen to do the same writes. Linearity: ms per file at each
size, and within the largest run the first tenth of the files against the last tenth.
``--big`` adds 10,000 files (building them takes ~6 min once; each project run ~2–3 min).
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    FORM, YEAR, Row, arguments, cached, copy_db, emit, machine, mb, parse, print_table, profile, python, ratio,
    TreeMemory, run_child, stat, times,
)

TABLES = ("plans", "submissions", "responses", "indicator_values", "sections", "explanations", "changes", "imports")
CHUNK = 10  # progress marks: every tenth of the files


# ------------------------------------------------------------------ data
def build(d: Path, n: int) -> None:
    """Child process: the demo province, N exported filings, the receiving database."""
    import math

    from desktop.core.demo import build_demo
    from desktop.core.store import Store
    from desktop.core.vocab import PlanState, UnitKind
    from desktop.excel.filing import export_plan_xlsx

    src = d / "src.sqlite3"
    store = Store.open(src)
    build_demo(store, schools=math.ceil(n / 0.55) + 20, year=YEAR, seed=6)
    kinds = {u.code: u.kind for u in store.units.list()}
    filed = (PlanState.SUBMITTED, PlanState.ACCEPTED)
    plans = sorted((p for p in store.plans.list(form_id=FORM, year=YEAR)
                    if kinds[p.unit_code] == UnitKind.SCHOOL and p.state in filed), key=lambda p: p.unit_code)[:n]
    if len(plans) < n:
        raise SystemExit(f"only {len(plans)} filed school plans for {n} files")
    files = d / "files"
    files.mkdir()
    t = time.perf_counter()
    for i, p in enumerate(plans):
        export_plan_xlsx(store, p.id, files / f"{p.unit_code}.xlsx")
        if (i + 1) % 1000 == 0:
            print(f"  exported {i + 1} files ({time.perf_counter() - t:.0f} s)", flush=True)
    store.close()
    recv = d / "recv.sqlite3"
    copy_db(src, recv)
    con = sqlite3.connect(recv)
    con.execute("pragma foreign_keys=on")
    for table in ("changes", "submissions", "responses", "indicator_values", "sections", "explanations", "evidence",
                  "imports", "plans"):
        con.execute(f"delete from {table}")
    con.commit()
    con.execute("vacuum")
    con.close()


def counts(db: Path) -> dict[str, int]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in TABLES}
    finally:
        con.close()


def file_list(folder: Path, n: int) -> list[Path]:
    files = sorted(folder.glob("*.xlsx"))[:n]
    if len(files) < n:
        raise SystemExit(f"{folder} has {len(files)} files, {n} asked")
    return files


# ------------------------------------------------------------------ children
def child_project(db: Path, folder: Path, n: int, checkers: int | None) -> None:
    t0 = time.perf_counter()
    from desktop.core.jobs import Job
    from desktop.core.store import Store
    from desktop.excel.importer import import_files

    files = file_list(folder, n)
    store = Store.open(db)
    t1 = time.perf_counter()
    marks: list[float] = []
    step = max(1, n // CHUNK)

    def progress(done, total, _msg):
        if done % step == 0 and done < total:  # called before each file, and once at the end
            marks.append(time.perf_counter())

    start = time.perf_counter()
    with TreeMemory() as memory:
        rep = import_files(store, files, job=Job(progress), checkers=checkers)
    t = time.perf_counter() - start
    store.close()
    outcomes: dict[str, int] = {}
    for f in rep.files:
        outcomes[str(f.outcome)] = outcomes.get(str(f.outcome), 0) + 1
    first_error = next((f.messages[:2] for f in rep.files if f.messages), None)
    marks.append(start + t)
    emit(seconds=t, setup=t1 - t0, outcomes=outcomes, first_error=first_error,
         chunks=[b - a for a, b in zip(marks, marks[1:])], pss_mb=memory.pss_mb, tree_rss_mb=memory.rss_mb,
         processes=memory.processes)


def _canon(v) -> str:
    import datetime as dt

    if isinstance(v, dt.datetime):
        return v.date().isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def child_baseline(db: Path, folder: Path, n: int, per_file: bool) -> None:
    """calamine read + the same rows + one executemany per table; one commit, or one per file."""
    t0 = time.perf_counter()
    import datetime as dt
    import uuid

    from python_calamine import CalamineWorkbook

    from desktop.core.catalog import default_catalog
    from desktop.core.vocab import Origin, Outcome, PlanState, SubmissionState
    from desktop.excel.layout import COVER, EXPLANATIONS, INDICATORS, META, NO, TASKS, table_fields

    catalog = default_catalog()
    view = catalog.get(FORM)
    field_of = {f.label: f.key for f in table_fields(view)}
    section_of = {s.label: s.key for s in catalog.base_fields.sections}
    ind_of = {(it.no, ind.name): ind.key for it in view.items for ind in it.indicators}
    files = file_list(folder, n)
    con = sqlite3.connect(db, isolation_level=None)  # explicit BEGIN/COMMIT below
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=FULL", "busy_timeout=5000"):
        con.execute(f"PRAGMA {pragma}")
    units = dict(con.execute("select code, id from units"))
    next_id = (con.execute("select max(id) from plans").fetchone()[0] or 0) + 1
    t1 = time.perf_counter()
    marks: list[float] = []
    step = max(1, n // CHUNK)
    memory = TreeMemory().__enter__()  # the same sampler as the project's (one process here)
    start = time.perf_counter()
    con.execute("BEGIN")
    for i, path in enumerate(files):
        if i % step == 0:
            marks.append(time.perf_counter())
        raw = path.read_bytes()
        file_sha = hashlib.sha256(raw).hexdigest()
        wb = CalamineWorkbook.from_path(str(path))
        book = {name: wb.get_sheet_by_name(name).to_python() for name in wb.sheet_names}
        meta = {str(r[0]): str(r[1]) for r in book[META] if len(r) > 1 and r[0]}
        cover = {str(r[0]).strip(): r[1] for r in book[COVER] if len(r) > 1 and r[0]}
        pid, now = next_id, dt.datetime.now().replace(microsecond=0).isoformat(" ")
        next_id += 1
        values: dict[int, dict[str, str]] = {}
        rows = book[TASKS]
        hr = next(k for k, r in enumerate(rows) if NO in r)
        cols = [(c, field_of[str(h)]) for c, h in enumerate(rows[hr]) if str(h) in field_of]
        for r in rows[hr + 1:]:
            if r and r[0] not in ("", None):
                no = int(r[0])
                vals = {key: _canon(r[c]) for c, key in cols if c < len(r) and r[c] not in ("", None)}
                if vals:
                    values[no] = vals
        inds = {}
        rows = book[INDICATORS]
        for r in rows[2:]:
            if r and r[0] not in ("", None):
                t, a = (float(v) if v not in ("", None) else None for v in (r[4], r[5]))
                if t is not None or a is not None:
                    inds[ind_of[(int(r[0]), str(r[1]))]] = (t, a)
        sections = {section_of[k]: _canon(v) for k, v in cover.items() if k in section_of and v not in ("", None)}
        expl = {(int(r[0]), str(r[3]), str(r[4] or "")): str(r[2]) for r in book.get(EXPLANATIONS, [])[2:]
                if r and r[0] not in ("", None) and r[2]}
        snapshot = json.dumps(dict(values=values, indicators=inds, sections=sections,
                                   explanations=[[*k, v] for k, v in expl.items()]), ensure_ascii=False, sort_keys=True)
        digest = hashlib.sha256(snapshot.encode()).hexdigest()
        sub_uuid = meta.get("submission_uuid") or str(uuid.uuid4())
        con.execute("insert into plans (id, uuid, unit_id, form_id, form_version, year, kind, state, submission_no, "
                    "revision, content_hash, received_at, created_at, updated_at) values (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (pid, meta["plan_uuid"], units[_canon(cover["单位代码"])], FORM, int(meta["form_version"]),
                     int(_canon(cover["年度"]).removesuffix("年")), _canon(cover["方案类型"]),
                     PlanState.SUBMITTED.value, 1, 1, digest, now, now, now))
        con.execute("insert into submissions (plan_id, number, uuid, replaces, state, content_hash, snapshot, made_at, "
                    "made_by_name, origin, file_name) values (?,?,?,?,?,?,?,?,?,?,?)",
                    (pid, 1, sub_uuid, None, SubmissionState.SUBMITTED.value, digest, snapshot, now,
                     _canon(cover.get("联系人") or ""), Origin.IMPORT.value, path.name))
        resp = [(pid, no, k, v) for no, kv in values.items() for k, v in kv.items()]
        con.executemany("insert into responses (plan_id, item_no, field_key, value) values (?,?,?,?)", resp)
        con.executemany("insert into indicator_values (plan_id, indicator_key, target, actual) values (?,?,?,?)",
                        [(pid, k, t, a) for k, (t, a) in inds.items()])
        con.executemany("insert into sections (plan_id, key, value) values (?,?,?)",
                        [(pid, k, v) for k, v in sections.items()])
        con.executemany("insert into explanations (plan_id, item_no, rule_id, field_key, text, created_at) "
                        "values (?,?,?,?,?,?)", [(pid, *k, v, now) for k, v in expl.items()])
        item_of = {ind: no for (no, _n), ind in ind_of.items()}
        changes = [("plan", None, "create", None, f"{FORM} {YEAR}")]
        changes += [("response", no, k, None, v) for _p, no, k, v in resp]
        changes += [("section", None, k, None, v) for k, v in sections.items()]
        changes += [("indicator", item_of[k], f"{w}:{k}", None, str(x)) for k, ta in inds.items()
                    for w, x in zip(("target", "actual"), ta) if x is not None]
        changes += [("explanation", k[0], f"{k[1]}:{k[2]}", None, v) for k, v in expl.items()]
        changes.append(("state", None, "state", PlanState.DRAFT.value, f"{PlanState.SUBMITTED.value}：收到第1次报送"))
        con.executemany("insert into changes (at, origin, actor_role, actor_name, entity, plan_id, item_no, key, old, "
                        "new) values (?,?,?,?,?,?,?,?,?,?)",
                        [(now, Origin.IMPORT.value, None, None, e, pid, no, k, o, v) for e, no, k, o, v in changes])
        con.execute("insert into imports (at, file_name, file_sha256, plan_id, outcome, submission_no, submission_uuid)"
                    " values (?,?,?,?,?,?,?)", (now, path.name, file_sha, pid, Outcome.ACCEPTED.value, 1, sub_uuid))
        if per_file:
            con.execute("COMMIT")
            con.execute("BEGIN")
    con.execute("COMMIT")
    t = time.perf_counter() - start
    memory.__exit__(None, None, None)
    con.close()
    marks.append(start + t)
    emit(seconds=t, setup=t1 - t0, outcomes={Outcome.ACCEPTED.value: len(files)}, chunks=[b - a for a, b in zip(marks, marks[1:])],
         pss_mb=memory.pss_mb, tree_rss_mb=memory.rss_mb, processes=memory.processes)


def per_file_parts(sample: Path, reps: int = 30) -> str:
    """Where one file's time goes on the project's read path (medians, ms)."""
    from python_calamine import CalamineWorkbook

    from desktop.core import zipsafe
    from desktop.excel.reading import read_calamine

    def zip_xml():
        zf, _scan = zipsafe.open_ooxml(sample.read_bytes(), "xlsx", "xlsx 文件", zipsafe.FILING)
        zf.close()

    def raw():
        wb = CalamineWorkbook.from_path(str(sample))
        return [wb.get_sheet_by_name(n).to_python() for n in wb.sheet_names]

    parts = {"zip + XML safety checks": zip_xml, "read_calamine (+ formula scan)": lambda: read_calamine(sample.read_bytes()),
             "bare calamine, all sheets": raw, "sha256 of the file": lambda: hashlib.sha256(sample.read_bytes()).digest()}
    out = []
    for name, fn in parts.items():
        fn()
        ts = []
        for _ in range(reps):
            t = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - t)
        out.append(f"{name} {stat(ts).median * 1000:.1f} ms")
    return "; ".join(out)


# ------------------------------------------------------------------ parent
def main(argv=None) -> int:
    ap = arguments("import", __doc__, runs=3, quick_runs=1)
    ap.add_argument("--sizes", default="100,1000", help="numbers of files to import (comma-separated)")
    ap.add_argument("--big", action="store_true", help="also 10,000 files, one run each (linearity, memory)")
    ap.add_argument("--child", nargs=4, metavar=("KIND", "DB", "FILES", "N"), help="(internal)")
    ap.add_argument("--checkers", type=int, help="checking processes of the project (default: import_files decides)")
    ap.add_argument("--build-child", nargs=2, metavar=("DIR", "N"), help="(internal)")
    a = parse(ap, argv)
    if a.child:
        kind, db, folder, n = a.child
        if kind == "project":
            child_project(Path(db), Path(folder), int(n), a.checkers)
        else:
            child_baseline(Path(db), Path(folder), int(n), per_file=kind == "per-file")
        return 0
    if a.build_child:
        build(Path(a.build_child[0]), int(a.build_child[1]))
        return 0
    sizes = [3, 8] if a.quick else sorted({int(s) for s in a.sizes.split(",")})
    big = 10_000 if a.big and not a.quick else None
    need = max(sizes + ([big] if big else []))
    print(machine(), flush=True)
    # the pool of files is built once for the largest size; smaller sizes take its first N
    pool = a.dir / f"files-{need}"
    if not (pool / "built.json").exists():
        old = sorted(a.dir.glob("files-*"), key=lambda p: int(p.name.split("-")[1]))
        bigger = [p for p in old if int(p.name.split("-")[1]) >= need and (p / "built.json").exists()]
        if bigger and not a.rebuild:
            pool = bigger[0]
    cached(pool, dict(files=int(pool.name.split("-")[1]), year=YEAR, form=FORM, v=1),
           lambda d: run_child([python(), __file__, "--build-child", str(d), pool.name.split("-")[1]], timeout=7200),
           a.rebuild)
    files, recv = pool / "files", pool / "recv.sqlite3"
    print("per file (median of 30): " + per_file_parts(sorted(files.glob("*.xlsx"))[0]), flush=True)

    work = a.dir / "run.sqlite3"
    kinds = {"project": "project import_files", "one-commit": "calamine + executemany, one commit",
             "per-file": "calamine + executemany, commit per file"}
    results: dict[tuple[str, int], list] = {}
    rows_written: dict[str, dict] = {}
    plan = [(n, a.runs) for n in sizes] + ([(big, 1)] if big else [])
    for n, runs in plan:
        for r in range(runs):
            for kind in kinds:
                copy_db(recv, work)
                extra = ["--checkers", str(a.checkers)] if a.checkers is not None else []
                run = run_child([python(), __file__, "--child", kind, str(work), str(files), str(n), *extra], timeout=7200)
                d = run.data
                d["cpu"] = run.cpu
                results.setdefault((kind, n), []).append(d)
                if kind not in rows_written or n == max(sizes):
                    rows_written[kind] = counts(work)
                print(f"  {n} files, run {r + 1}, {kind}: {d['seconds']:.2f} s, peak PSS {d['pss_mb']:.0f} MB "
                      f"(RSS {d['tree_rss_mb']:.0f} MB, {d['processes']} processes), CPU {run.cpu:.1f} s, "
                      f"{d['outcomes']}" + (f", first error {d['first_error']}" if d.get("first_error") else ""),
                      flush=True)
                if kind == "project" and d["outcomes"].get("accepted", 0) != n:  # Outcome.ACCEPTED
                    raise SystemExit(f"project import did not accept every file: {d['outcomes']} {d.get('first_error')}")
    for suffix in ("", "-wal", "-shm"):
        Path(str(work) + suffix).unlink(missing_ok=True)

    rows = []
    for n, runs in plan:
        p = stat(d["seconds"] for d in results[("project", n)])
        prss = [d["pss_mb"] for d in results[("project", n)]]
        for kind in ("one-commit", "per-file"):
            b = stat(d["seconds"] for d in results[(kind, n)])
            brss = [d["pss_mb"] for d in results[(kind, n)]]
            rows.append(Row(f"import {n:,} filings ({FORM}) vs {kinds[kind]}", p.fmt(), b.fmt(), times(ratio(p, b)),
                            f"{mb(prss)} / {mb(brss)} MB", "≤ 2×, ≤ 150 MB",
                            ratio(p, b) <= 2 and max(prss) <= 150))
    notes = [f"CPU seconds (all processes), {n:,} files: " + ", ".join(
        f"{kinds[k]} {stat(d['cpu'] for d in results[(k, n)]).median:.1f} s" for k in kinds) for n, _r in plan]
    notes.append("memory: peak PSS of the process tree (the importer and its checking processes together; shared "
                 "pages split between them), sampled every 50 ms; in brackets the RSS sum (shared libraries counted "
                 "once per process: an upper bound)")
    per = {kind: [(n, stat(d["seconds"] for d in results[(kind, n)]).median / n * 1000) for n, _r in plan]
           for kind in kinds}
    for kind, pts in per.items():
        notes.append(f"{kinds[kind]}: ms per file " + ", ".join(f"{ms:.1f} at {n:,}" for n, ms in pts))
    largest = plan[-1][0]
    for kind in kinds:
        ch = [c for d in results[(kind, largest)] for c in [d["chunks"]]]
        first = stat(c[0] for c in ch).median / (largest / CHUNK) * 1000
        last = stat(c[-1] for c in ch).median / (largest / CHUNK) * 1000
        notes.append(f"{kinds[kind]}, {largest:,} files: first tenth {first:.1f} ms/file, last tenth {last:.1f} ms/file "
                     f"(×{last / first:.2f})")
    pts = per["project"]
    lin = pts[-1][1] / pts[0][1] if len(pts) > 1 else 1.0
    rows.append(Row(f"linearity: project ms/file at {pts[-1][0]:,} vs {pts[0][0]:,} files", f"{pts[-1][1]:.1f} ms/file",
                    f"{pts[0][1]:.1f} ms/file", times(lin), "—", "linear (≤ 1.2×)", lin <= 1.2))
    notes.append("setup outside the timed loop (interpreter, imports, Store.open / connect + catalog): project "
                 + stat(d["setup"] for d in results[("project", sizes[-1])]).fmt() + ", baseline "
                 + stat(d["setup"] for d in results[("one-commit", sizes[-1])]).fmt())
    notes.append(f"rows written ({max(sizes):,}-file run): " + "; ".join(
        f"{kinds[k]}: " + ", ".join(f"{t} {c:,}" for t, c in v.items()) for k, v in rows_written.items()))
    print_table("Import: project vs calamine + executemany", rows, notes,
                memory="peak PSS project (all its processes) / baseline")
    if a.profile:
        copy_db(recv, work)
        profile([__file__, "--child", "project", str(work), str(files), str(max(sizes))], a.profile,
                f"import-{max(sizes)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
