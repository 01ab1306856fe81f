"""Summaries of a big province against bare SQL and bare openpyxl, in one run (issue 18, rows 5–6).

    python bench/bench_summary.py [--quick] [--units 10000] [--runs 3] [--reps 3]
                                  [--dir /tmp/yice-bench-summary] [--rebuild] [--profile DIR]

Data (cached): the demo province with ``--units`` schools (desktop.core.demo.build_demo).
Each variant runs in its own child process (its peak RSS is its own), ``--reps`` timed calls
after one untimed warm-up call, and the variants take turns for ``--runs`` rounds:

* ``summarise()`` (roster, item progress, indicators over the whole province) against the SQL
  baseline: the same questions as plain sqlite3 — the roster query (recursive CTE of the unit
  tree, plans, returned submissions), GROUP BY counts per item and progress value, answered items,
  plans per kind and the indicator sums per branch — rows left as tuples. Both report what they
  found; the figures must agree.
* summary → xlsx: ``export_summary_xlsx`` given the computed Summary (the writing alone; also
  timed with summarise() inside) against openpyxl writing the same cell values (titles, notes,
  headers, every row of the six sheets) with no styles, merges, heights or charts, in the normal
  and in the write-only mode.
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    FORM, YEAR, Row, arguments, cached, demo_db, emit, machine, mb, parse, print_table, profile, python, ratio,
    run_child, stat, times,
)


# ------------------------------------------------------------------ the SQL baseline
def sql_baseline(db: Path, materialize: bool = False):
    """A function answering summarise()'s questions with plain SQL (set-up: the form's keys, once)."""
    import sqlite3

    from desktop.core.catalog import default_catalog
    from desktop.core.summary import ANSWER_ROLES, FILED
    from desktop.core.vocab import PlanState, Role, UnitKind

    catalog = default_catalog()
    view = catalog.get(FORM)
    kind_of_unit: dict[str, str] = {}
    for pk in view.form.plan_kinds:
        for uk in catalog.plan_kinds[pk].unit_kinds:
            kind_of_unit.setdefault(str(uk), pk)
    q = lambda s: "'" + str(s).replace("'", "''") + "'"  # noqa: E731 - literals of our own vocabulary
    kind_case = "CASE u.kind " + " ".join(f"WHEN {q(uk)} THEN {q(pk)}" for uk, pk in kind_of_unit.items()) + " ELSE '' END"
    kinds_in = ",".join(q(k) for k in kind_of_unit)
    filed_in = ",".join(q(s.value) for s in FILED)
    answer_in = ",".join(q(view.key(r)) for r in ANSWER_ROLES)
    progress = view.key(Role.PROGRESS)
    cte = f"""WITH RECURSIVE sub(id, branch) AS (
        SELECT id, CASE WHEN kind = {q(UnitKind.SCHOOL.value)} THEN :node ELSE id END FROM units WHERE parent_id = :node
        UNION ALL SELECT units.id, sub.branch FROM units JOIN sub ON units.parent_id = sub.id)"""
    counted = f"""{cte}, counted AS (
        SELECT p.id AS plan_id, sub.branch AS branch, p.kind AS kind FROM sub JOIN units u ON u.id = sub.id
        JOIN plans p ON p.unit_id = u.id AND p.form_id = :form AND p.year = :year AND p.kind = {kind_case}
        WHERE u.kind IN ({kinds_in}) AND p.state IN ({filed_in}))"""
    roster = f"""{cte}
        SELECT u.code, u.name, u.kind, b.code, CASE WHEN b.id = :node THEN b.name || '直属' ELSE b.name END, par.name,
               {kind_case}, p.id, p.uuid, p.state, s.review_reason, p.submission_no, p.received_at,
               u.contact_person, u.contact_phone
        FROM sub JOIN units u ON u.id = sub.id JOIN units b ON b.id = sub.branch
        LEFT JOIN units par ON par.id = u.parent_id
        LEFT JOIN plans p ON p.unit_id = u.id AND p.form_id = :form AND p.year = :year AND p.kind = {kind_case}
        LEFT JOIN submissions s ON s.plan_id = p.id AND s.number = p.submission_no
                                 AND p.state = {q(PlanState.RETURNED.value)}
        WHERE u.kind IN ({kinds_in}) ORDER BY b.code, u.kind = {q(UnitKind.SCHOOL.value)}, u.code"""
    bodies = dict(
        by_kind="SELECT kind, count(*) FROM counted GROUP BY kind",
        # coalesce(): as in core/summary.py, walk the unique (plan, item, field) index (index-only, DISTINCT order)
        answered=f"""SELECT item_no, count(*) FROM (SELECT DISTINCT plan_id, item_no FROM responses
            WHERE coalesce(field_key, '') IN ({answer_in}) AND plan_id IN (SELECT plan_id FROM counted))
            GROUP BY item_no""",
        dist=f"""SELECT item_no, value, count(*) FROM responses
            WHERE field_key = {q(progress)} AND plan_id IN (SELECT plan_id FROM counted) GROUP BY item_no, value""",
        inds="""SELECT counted.branch, counted.kind, iv.indicator_key, count(*), count(iv.target),
            sum(iv.target), count(iv.actual), sum(iv.actual) FROM counted JOIN indicator_values iv
            ON iv.plan_id = counted.plan_id GROUP BY counted.branch, counted.kind, iv.indicator_key""")
    branches = f"""{cte} SELECT DISTINCT b.id, b.code, CASE WHEN b.id = :node THEN b.name || '直属' ELSE b.name END
        FROM sub JOIN units u ON u.id = sub.id JOIN units b ON b.id = sub.branch WHERE u.kind IN ({kinds_in})
        ORDER BY b.code"""
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=WAL")
    # each query with the counted plans as a CTE (as summarise() asks), or computed once into a temp table
    queries = dict(roster=roster, branches=branches,
                   **{k: (b if materialize else f"{counted} {b}") for k, b in bodies.items()})

    def run():
        node = con.execute("SELECT id, code, name, kind FROM units WHERE code = ?", (view.form.province,)).fetchone()
        args = dict(node=node[0], form=FORM, year=YEAR)
        if materialize:
            con.execute("DROP TABLE IF EXISTS temp.counted")
            con.execute(f"CREATE TEMP TABLE counted AS {counted} SELECT plan_id, branch, kind FROM counted", args)
        return {name: con.execute(sql, args).fetchall() for name, sql in queries.items()}
    run.queries, run.con = queries, con
    return run


def digest_sql(r: dict) -> dict:
    states: dict[str, int] = {}
    for row in r["roster"]:
        states[row[9] or "not_filed"] = states.get(row[9] or "not_filed", 0) + 1
    dist: dict[str, int] = {}
    for no, value, n in r["dist"]:
        dist[f"{no}:{value}"] = n
    return dict(roster=len(r["roster"]), states=states, dist=dist, answered={str(no): n for no, n in r["answered"]},
                plans=sum(n for _k, n in r["by_kind"]), ind_groups=len(r["inds"]))


def digest_summary(sm) -> dict:
    from desktop.core.vocab import NOT_FILED

    states: dict[str, int] = {}
    for row in sm.roster:
        key = "not_filed" if row.state == NOT_FILED else str(row.state)
        states[key] = states.get(key, 0) + 1
    dist = {f"{it.no}:{k}": n for it in sm.items for k, n in it.status.items() if k != it_no_progress(sm) and n}
    return dict(roster=len(sm.roster), states=states, dist=dist,
                answered={str(it.no): it.answered for it in sm.items if it.answered},
                plans=sm.items[0].plans if sm.items else 0,
                ind_groups=sum(1 for t in sm.indicators for n in t.nodes if n.plans))


def it_no_progress(sm) -> str:
    from desktop.core.catalog import default_catalog

    return default_catalog().vocab.no_progress


# ------------------------------------------------------------------ the openpyxl baseline
def summary_rows(sm, vocab) -> dict[str, list[list]]:
    """The cell values export_summary_xlsx writes, sheet by sheet (title, note, header, rows)."""
    from desktop.core.summary import FILED, ROSTER_STATES

    label = vocab.label
    d = lambda v: v.date() if hasattr(v, "date") and callable(v.date) else v  # noqa: E731
    counts, n = sm.counts, len(sm.roster)
    filed = sum(counts[s] for s in FILED)
    note = f"{sm.scope.view.form.title} {sm.scope.node_name} {sm.scope.year} {sm.made_at:%Y-%m-%d %H:%M}"
    sheets: dict[str, list[list]] = {}
    sheets["报送情况"] = [[sm.title + "——报送情况"], [f"应报 {n} 个单位，已报送 {filed} 个。\n{note}"],
                      ["序号", sm.scope.branch_label, "单位代码", "单位名称", "上级单位", "方案类型", "报送状态", "报送次数",
                       "收到日期", "退回理由"]] + [
        [i, r.branch_name, r.unit_code, r.unit_name, r.parent_name, r.plan_kind, label(r.state), r.submission_no or None,
         d(r.received_at), r.review_reason] for i, r in enumerate(sm.roster, 1)]
    sheets["报送率"] = [[sm.title + "——分地区报送率"], [note],
                     [sm.scope.branch_label, "应报单位", *(label(s) for s in ROSTER_STATES), "报送率"]] + [
        [b.name, b.units, *(b.counts[s] for s in ROSTER_STATES), b.rate] for b in sm.branches] + [
        ["合计", n, *(counts[s] for s in ROSTER_STATES), filed / n if n else None]]
    chase = [r for r in sm.roster if r.to_chase]
    sheets["催报名单"] = [[sm.title + "——催报名单"], [f"尚未报送或已退回待重报的单位共 {len(chase)} 个。\n{note}"],
                      ["序号", sm.scope.branch_label, "单位代码", "单位名称", "上级单位", "方案类型", "当前状态", "退回理由",
                       "联系人", "联系电话"]] + [
        [i, r.branch_name, r.unit_code, r.unit_name, r.parent_name, r.plan_kind, label(r.state), r.review_reason,
         r.contact_person, r.contact_phone] for i, r in enumerate(chase, 1)]
    states = list(sm.items[0].status) if sm.items else []
    sheets["任务进度"] = [[sm.title + "——任务进度"], [note],
                      ["序号", "政策内容", "责任部门", "统计方案数", "须答方案数", "已填报", *states, "完成率"]] + [
        [it.display_no, it.text, it.units, it.plans, it.required, it.answered, *(it.status[s] for s in states),
         it.done_rate] for it in sm.items]
    rows = []
    for t in sm.indicators:
        agg = "合计" if t.aggregation == "sum" else "平均"
        for nf in (*t.nodes, t.total):
            rows.append([t.item_no, t.name, t.unit, t.plan_kind, agg, t.province_target_text, nf.name, nf.plans,
                         nf.target, nf.actual, nf.attainment])
    sheets["指标汇总"] = [[sm.title + "——指标汇总"], [note],
                      ["序号", "指标", "单位", "填报类型", "汇总方式", "省级目标", "地区", "填报单位数", "目标值", "完成值",
                       "完成率"]] + rows
    sheets["指标达成"] = [[sm.title + "——指标达成"], [note],
                      ["序号", "指标（填报类型）", "单位", "省级目标", "省级目标值", "单位目标值", "完成值", "达成率"]] + [
        [t.item_no, f"{t.name}（{t.plan_kind}）", t.unit, t.province_target_text, t.province_target, t.total.target,
         t.total.actual, t.attainment] for t in sm.indicators]
    return sheets


def openpyxl_write(sm, vocab, out: Path, write_only: bool) -> int:
    from openpyxl import Workbook

    wb = Workbook(write_only=write_only)
    cells = 0
    for i, (name, rows) in enumerate(summary_rows(sm, vocab).items()):
        ws = wb.create_sheet(name) if write_only or i else wb.active
        if not write_only:
            ws.title = name
        for r in rows:
            ws.append(r)
            cells += len(r)
    wb.save(out)
    return cells


# ------------------------------------------------------------------ children
def _variant(kind: str, store, db: Path, out: Path, extra: dict):
    """The timed function of one variant (its set-up done here, untimed)."""
    from desktop.core.summary import summarise
    from desktop.excel.summary import export_summary_xlsx

    if kind == "summarise":
        extra["digest"] = digest_summary(summarise(store, FORM, YEAR))
        return lambda: summarise(store, FORM, YEAR)
    if kind in ("sql", "sql-temp"):
        fn = sql_baseline(db, materialize=kind == "sql-temp")
        extra["digest"] = digest_sql(fn())
        return fn
    sm = summarise(store, FORM, YEAR)
    extra["roster"] = len(sm.roster)
    return {"xlsx": lambda: export_summary_xlsx(store, FORM, YEAR, None, out, summary=sm),
            "xlsx-full": lambda: export_summary_xlsx(store, FORM, YEAR, None, out),
            "openpyxl": lambda: openpyxl_write(sm, store.vocab, out, False),
            "write-only": lambda: openpyxl_write(sm, store.vocab, out, True)}[kind]


def child(kind: str, db: Path, reps: int) -> None:
    """One variant, or ``A+B``: both in this process, called in turn (A B A B …) — each pair's
    ratio is then free of the load drift between separate processes."""
    from desktop.core.store import Store

    tmp = tempfile.TemporaryDirectory(prefix="yice-bench-summary-")
    out = Path(tmp.name) / "s.xlsx"
    store = Store.open(db)
    extra: dict = {}
    fns = [_variant(k, store, db, out, extra) for k in kind.split("+")]
    for fn in fns:
        fn()  # warm-up, untimed
    ts: list[list[float]] = [[] for _ in fns]
    for _ in range(reps):
        for fn, acc in zip(fns, ts):
            t = time.perf_counter()
            fn()
            acc.append(time.perf_counter() - t)
    if out.exists():
        extra["bytes"] = out.stat().st_size
    store.close()
    tmp.cleanup()
    emit(times=ts[0], pairs=ts if len(fns) > 1 else None, **extra)


# ------------------------------------------------------------------ parent
def main(argv=None) -> int:
    ap = arguments("summary", __doc__, runs=3, quick_runs=1)
    ap.add_argument("--units", type=int, default=10_000, help="schools in the demo province")
    ap.add_argument("--reps", type=int, help="timed calls per child (default 3; --quick 1)")
    ap.add_argument("--child", nargs=3, metavar=("KIND", "DB", "REPS"), help="(internal)")
    a = parse(ap, argv)
    if a.child:
        child(a.child[0], Path(a.child[1]), int(a.child[2]))
        return 0
    if a.quick:
        a.units = 60
    reps = a.reps or (1 if a.quick else 3)
    print(machine(), flush=True)
    folder = cached(a.dir, dict(units=a.units, year=YEAR, v=1),
                    lambda d: (d / "info.json").write_text(str(demo_db(d / "province.sqlite3", a.units)["units"])),
                    a.rebuild)
    db = folder / "province.sqlite3"
    units = int((folder / "info.json").read_text())
    kinds = ("summarise", "sql", "sql-temp", "xlsx", "openpyxl", "write-only", "xlsx-full")
    runs: dict[str, list] = {k: [] for k in kinds}
    for r in range(a.runs):
        for k in kinds:
            run = run_child([python(), __file__, "--child", k, str(db), str(reps)], timeout=3600)
            d = run.data
            d["maxrss_mb"] = run.maxrss_mb
            runs[k].append(d)
            print(f"  round {r + 1} {k}: median {stat(d['times']).median:.3f} s, {run.maxrss_mb:.0f} MB", flush=True)
    paired = {}
    for pair in ("summarise+sql", "xlsx+openpyxl"):
        run = run_child([python(), __file__, "--child", pair, str(db), str(max(3, reps * a.runs))], timeout=3600)
        a_t, b_t = run.data["pairs"]
        paired[pair] = stat(x / y for x, y in zip(a_t, b_t))
        print(f"  paired {pair}: ratio {paired[pair].fmt('×', scale=1)}", flush=True)
    t = {k: stat(x for d in v for x in d["times"]) for k, v in runs.items()}
    rss = {k: [d["maxrss_mb"] for d in v] for k, v in runs.items()}
    agree = runs["summarise"][0]["digest"] == runs["sql"][0]["digest"] == runs["sql-temp"][0]["digest"]
    roster = runs["xlsx"][0]["roster"]
    rows = [
        Row(f"`summarise()` in process, {a.units:,} schools ({roster:,} units must file)", t["summarise"].fmt("ms"),
            t["sql"].fmt("ms"), times(ratio(t["summarise"], t["sql"])), f"{mb(rss['summarise'])} / {mb(rss['sql'])} MB",
            "≤ 2× SQL", ratio(t["summarise"], t["sql"]) <= 2),
        Row("`summarise()` vs the same SQL with the counted plans computed once (a temp table)",
            t["summarise"].fmt("ms"), t["sql-temp"].fmt("ms"), times(ratio(t["summarise"], t["sql-temp"])),
            f"{mb(rss['summarise'])} / {mb(rss['sql-temp'])} MB", "(reference)", None),
        Row(f"summary → xlsx, {a.units:,} schools (Summary given) vs bare openpyxl, same rows", t["xlsx"].fmt(),
            t["openpyxl"].fmt(), times(ratio(t["xlsx"], t["openpyxl"])), f"{mb(rss['xlsx'])} / {mb(rss['openpyxl'])} MB",
            "≤ 1.5× bare openpyxl", ratio(t["xlsx"], t["openpyxl"]) <= 1.5),
        Row("summary → xlsx (Summary given) vs openpyxl write-only mode, same rows", t["xlsx"].fmt(),
            t["write-only"].fmt(), times(ratio(t["xlsx"], t["write-only"])),
            f"{mb(rss['xlsx'])} / {mb(rss['write-only'])} MB", "(reference)", None),
        Row("summary → xlsx including summarise() vs bare openpyxl (+ the SQL baseline's time)", t["xlsx-full"].fmt(),
            f"{t['openpyxl'].median + t['sql'].median:.2f} s", times(t["xlsx-full"].median / (t["openpyxl"].median
                                                                                           + t["sql"].median)),
            f"{mb(rss['xlsx-full'])} / {mb(rss['openpyxl'])} MB", "(reference)", None),
    ]
    notes = [f"data: demo province, {a.units:,} schools ({units:,} units in the database), year {YEAR}, form {FORM}",
             f"{a.runs} rounds × {reps} timed calls per child after one warm-up call; variants in turn",
             f"summarise() and the SQL baseline agree on roster, states, progress counts, answered items and indicator "
             f"groups: {'yes' if agree else 'NO — ' + str(runs['summarise'][0]['digest'])[:300] + ' vs ' + str(runs['sql'][0]['digest'])[:300]}",
             "the same pairs called in turn inside one process (A B A B …), median of the pairs' ratios: "
             + "; ".join(f"{k.replace('+', ' / ')} {v.fmt('×', scale=1)}" for k, v in paired.items()),
             f"xlsx sizes: project {runs['xlsx'][0].get('bytes', 0) / 1e6:.1f} MB, bare {runs['openpyxl'][0].get('bytes', 0) / 1e6:.1f} MB, "
             f"write-only {runs['write-only'][0].get('bytes', 0) / 1e6:.1f} MB"]
    print_table("Summary: project vs SQL and bare openpyxl", rows, notes)
    if a.profile:
        profile([__file__, "--child", "summarise", str(db), "3"], a.profile, "summarise")
        profile([__file__, "--child", "xlsx", str(db), "1"], a.profile, "summary-xlsx")
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
