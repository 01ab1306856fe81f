"""Start-up of the desktop app against a bare QMainWindow, in one run (issue 18, rows 1–3).

    python bench/bench_startup.py [--quick] [--runs 7] [--dir /tmp/yice-bench-startup] [--rebuild]
                                  [--schools 200] [--province-units 10000] [--profile DIR]

Every figure is one fresh process, timed from the instant the caller spawns it (``YICE_T0``,
which the app's own "first paint: X s" line honours) — the interpreter, imports, database and
window included. Variants, run in turn each round (A B C … A B C …):

1. ``python -m desktop --db DB`` with ``YICE_EXIT_AFTER_PAINT=1`` on a demo province of
   ``--schools`` schools, a school user whose last plan reopens → start → first paint.
2. The same start through bench/gui_child.py, whose probe (a 10 ms QTimer inside the process)
   reports start → usable (the last plan open, the unit tree filled and its node current) and
   the longest time the GUI thread was blocked after the first paint — for the school database
   and for a province user on a ``--province-units`` database.
3. ``yice --smoke-test`` (temporary database, migrations, a small demo, the window).

The baseline for each is bench/bare_window.py: a process with only PySide6 imported that shows
an empty QMainWindow, timed the same way (with the same probe for the "usable" rows).
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    BENCH, YEAR, Row, arguments, cached, demo_db, gui_env, machine, mb, parse, print_table, profile, python,
    ratio, rounds, stat, times, write_profile,
)

SETTLE = 1.0  # seconds the probe keeps watching after "usable" (late work on the GUI thread counts)


def yice_script() -> str:
    """The installed console script next to this interpreter (else ``python -m desktop``)."""
    exe = Path(sys.executable).with_name("yice")
    return str(exe) if exe.exists() else ""


def prepare(folder: Path, schools: int, units: int, rebuild: bool) -> dict:
    def build(d: Path):
        import json

        info = {"school": demo_db(d / "school.sqlite3", schools), "province": demo_db(d / "province.sqlite3", units)}
        (d / "info.json").write_text(json.dumps(info), encoding="utf-8")

    cached(folder, dict(schools=schools, province_units=units, year=YEAR, v=1), build, rebuild)
    import json

    info = json.loads((folder / "info.json").read_text(encoding="utf-8"))
    for key, role, province in (("school", "school", None), ("province", "province", "620000")):
        plans = info[key]["school_plans"]
        # the user's last plan: a school's filed plan (the common case when reopening)
        plan = (plans.get("submitted") or plans.get("accepted") or plans.get("draft"))[len(plans.get("submitted", [])) // 2]
        env = gui_env(folder / f"home-{key}")
        write_profile(env, role, province, plan, YEAR)
        info[key].update(db=str(folder / f"{key}.sqlite3"), env=env, plan=plan)
    return info


def first_paint(run) -> float:
    hit = run.line("first paint:")
    if hit is None:
        raise RuntimeError(f"no first paint line from {' '.join(run.cmd)}\n{run.stderr[-2000:]}")
    return float(hit[1].split()[2])


def main(argv=None) -> int:
    ap = arguments("startup", __doc__, runs=7, quick_runs=1)
    ap.add_argument("--schools", type=int, default=200)
    ap.add_argument("--province-units", type=int, default=10_000, help="schools in the province role's database")
    a = parse(ap, argv)
    if a.quick:
        a.schools, a.province_units = 12, 120
    print(machine(), flush=True)
    info = prepare(a.dir, a.schools, a.province_units, a.rebuild)
    sch, prov = info["school"], info["province"]
    paint_env = dict(sch["env"], YICE_EXIT_AFTER_PAINT="1")
    smoke_env = gui_env(a.dir / "home-smoke")
    yice = yice_script()
    settle = ["--settle", str(0.3 if a.quick else SETTLE)]
    variants = {
        "app": lambda: [python(), "-m", "desktop", "--db", sch["db"]],
        "bare": [python(), str(BENCH / "bare_window.py")],
        "app-probe": [python(), str(BENCH / "gui_child.py"), *settle, "--db", sch["db"]],
        "province-probe": [python(), str(BENCH / "gui_child.py"), *settle, "--db", prov["db"]],
        "bare-probe": [python(), str(BENCH / "bare_window.py"), "--probe", *settle],
        "smoke": [yice, "--smoke-test"] if yice else [python(), "-m", "desktop", "--smoke-test"],
    }
    envs = {"app": paint_env, "bare": paint_env, "app-probe": sch["env"], "province-probe": prov["env"],
            "bare-probe": sch["env"], "smoke": smoke_env}
    runs = {k: [] for k in variants}
    warm = 0 if a.quick else 1
    print(f"{a.runs} rounds (+{warm} warm-up) of {len(variants)} processes …", flush=True)
    for r in range(a.runs + warm):
        for name, cmd in variants.items():
            one = rounds({name: cmd}, 1, env=envs[name], stamp_t0=True, timeout=180)[name][0]
            if r >= warm:
                runs[name].append(one)
    for name in ("app-probe", "province-probe", "bare-probe"):
        bad = [r.data for r in runs[name] if not r.data.get("ok")]
        if bad:
            raise SystemExit(f"{name}: never usable: {bad[0]}")
        got = {r.data.get("plan_id") for r in runs[name] if "plan_id" in r.data}
        want = {"app-probe": sch.get("plan"), "province-probe": prov.get("plan")}.get(name)
        if want is not None and got != {want}:
            raise SystemExit(f"{name}: opened plan {got}, expected the last plan {want}")

    paint = stat(first_paint(r) for r in runs["app"])
    bare = stat(first_paint(r) for r in runs["bare"])
    d = {k: [r.data for r in v] for k, v in runs.items() if "probe" in k}
    bare_usable = stat(x["usable"] for x in d["bare-probe"])
    bare_block = stat(x["max_block"] for x in d["bare-probe"])
    rows = [
        Row(f"start → first paint, {a.schools}-school database (school user, last plan reopened)",
            paint.fmt(), bare.fmt(), times(ratio(paint, bare)), f"{mb(runs['app'])} / {mb(runs['bare'])} MB",
            "≤ 3× bare", ratio(paint, bare) <= 3),
    ]
    for key, label, units in (("app-probe", f"{a.schools}-school database, school user", a.schools),
                              ("province-probe", f"province user, {a.province_units:,}-unit database",
                               a.province_units)):
        u, blk = stat(x["usable"] for x in d[key]), stat(x["max_block"] for x in d[key])
        fp = stat(x["first_paint"] for x in d[key])
        rows += [
            Row(f"{label}: start → usable (last plan open, unit tree filled); first paint {fp.fmt()}",
                u.fmt(), bare_usable.fmt(), times(ratio(u, bare_usable)),
                f"{mb(runs[key])} / {mb(runs['bare-probe'])} MB", "≤ 0.6 s", u.median <= 0.6),
            Row(f"{label}: longest GUI-thread block after first paint (10 ms probe, {SETTLE if not a.quick else 0.3} s "
                f"after usable)", blk.fmt("ms"), bare_block.fmt("ms"), "—",
                f"{mb(runs[key])} / {mb(runs['bare-probe'])} MB", "≤ 100 ms", blk.median <= 0.1),
        ]
    smoke_paint = stat(first_paint(r) for r in runs["smoke"])
    smoke_wall = stat(r.wall for r in runs["smoke"])
    bare_wall = stat(r.wall for r in runs["bare"])
    rows += [
        Row("`yice --smoke-test`: start → first paint (temp database + migrations + demo + window)",
            smoke_paint.fmt(), bare.fmt(), times(ratio(smoke_paint, bare)), f"{mb(runs['smoke'])} / {mb(runs['bare'])} MB",
            "(none in the issue; first paint ≤ 3× shown)", None),
        Row("`yice --smoke-test`: whole process, spawn → exit", smoke_wall.fmt(), bare_wall.fmt(),
            times(ratio(smoke_wall, bare_wall)), f"{mb(runs['smoke'])} / {mb(runs['bare'])} MB", "", None),
    ]
    notes = [f"data: demo province {a.schools} schools ({sch['units']} units) and {a.province_units:,} schools "
             f"({prov['units']:,} units), year {YEAR}; last plan {sch['plan']} / {prov['plan']}",
             f"every figure counts from the caller's spawn instant (YICE_T0); Qt platform "
             f"{sch['env'].get('QT_QPA_PLATFORM')}; {a.runs} rounds after {warm} warm-up round, variants in turn",
             f"bare QMainWindow whole process spawn → exit: {bare_wall.fmt()}",
             "per-round ratios (each round's project against the bare window started next to it): first paint "
             + stat(first_paint(p) / first_paint(b) for p, b in zip(runs["app"], runs["bare"])).fmt("×", scale=1)
             + "; province usable " + stat(p["usable"] / b["usable"] for p, b in zip(d["province-probe"], d["bare-probe"]))
             .fmt("×", scale=1),
             "blocks: " + "; ".join(f"{k} {sum(x['blocks_over_100ms'] for x in v) / len(v):.1f} ticks > 100 ms per run, "
                                    f"{stat(x['blocked_total'] for x in v).fmt('ms')} blocked in total"
                                    for k, v in d.items())]
    print_table("Start-up: project vs bare QMainWindow", rows, notes)
    if a.profile:
        profile(["-m", "desktop", "--db", sch["db"]], a.profile, "startup-school", env=paint_env)
        profile([str(BENCH / "gui_child.py"), "--settle", "0.2", "--db", prov["db"]], a.profile, "startup-province",
                env=prov["env"])
        profile(["-m", "desktop", "--smoke-test"], a.profile, "smoke-test", env=smoke_env)
    return 0


if __name__ == "__main__":
    sys.exit(main())
