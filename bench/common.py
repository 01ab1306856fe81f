"""What every benchmark shares: the machine line, medians, child processes, data folders, the table.

Each bench script measures the project and an honest baseline doing the same work, in ONE run,
each in its own child process (so the peak resident memory, ru_maxrss from wait4, is that
variant's alone), interleaved round by round (A B A B …) so a load change on a shared machine
hits both. Figures are medians with min–max; the ratio is project median / baseline median.

Children print one line ``BENCH-JSON {...}`` with their figures; the parent reads the last one.
Generated data is cached under ``--dir`` (default /tmp/yice-bench-NAME, ``quick/`` inside it for
``--quick``) and rebuilt with ``--rebuild`` or when the sizes asked for change.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
FORM = "gs2020-annex2"  # the demo province's checklist (甘政发〔2020〕38号 附件2)
YEAR = 2025
MARK = "BENCH-JSON "


# ---------------------------------------------------------------- machine
def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "absent"


def machine() -> str:
    """One line: cores, CPU, memory, load now, and the versions that decide the figures."""
    try:
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError, AttributeError):
        mem = float("nan")
    load = " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (f"machine: nproc {os.cpu_count()} ({usable} usable), {cpu_model()}, {mem:.0f} GiB, load {load}; "
            f"{platform.system()} {platform.release()}; Python {platform.python_version()}, "
            f"SQLite {sqlite3.sqlite_version}, PySide6 {_version('PySide6-Essentials')}, "
            f"SQLAlchemy {_version('SQLAlchemy')}, openpyxl {_version('openpyxl')}, "
            f"python-calamine {_version('python-calamine')}, python-docx {_version('python-docx')}")


# ---------------------------------------------------------------- statistics
@dataclass
class Stat:
    values: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    def fmt(self, unit: str = "s", scale: float | None = None, digits: int | None = None) -> str:
        """``0.66 s (0.62–0.71, n=7)``; unit "ms" scales seconds by 1000."""
        k = scale if scale is not None else (1000.0 if unit == "ms" else 1.0)
        d = digits if digits is not None else (0 if unit == "ms" else 2)
        v = [x * k for x in self.values]
        if len(v) == 1:
            return f"{v[0]:.{d}f} {unit} (n=1)"
        return f"{statistics.median(v):.{d}f} {unit} ({min(v):.{d}f}–{max(v):.{d}f}, n={len(v)})"


def stat(xs) -> Stat:
    xs = [float(x) for x in xs if x is not None]
    if not xs:
        raise ValueError("no samples")
    return Stat(xs)


def ratio(a: Stat | float, b: Stat | float) -> float:
    a = a.median if isinstance(a, Stat) else a
    b = b.median if isinstance(b, Stat) else b
    return a / b if b else float("inf")


def slope(ys: list[float]) -> float:
    """Least-squares slope of ys over 0..n-1 (growth per step)."""
    n = len(ys)
    if n < 2:
        return 0.0
    mx, my = (n - 1) / 2, sum(ys) / n
    return sum((i - mx) * (y - my) for i, y in enumerate(ys)) / sum((i - mx) ** 2 for i in range(n))


def rss_now_mb() -> float:
    """Current resident set (not the peak), from /proc/self/statm."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return float("nan")


def peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


class TreeMemory:
    """Peak memory of this process and its children together, sampled every ``every`` seconds
    (Linux /proc): PSS (each shared page split between the processes sharing it: what the tree
    holds at once) and RSS (shared libraries counted once per process: an upper bound). A
    program that works in several processes is measured as a whole, not as its largest process."""

    def __init__(self, every: float = 0.05):
        import threading

        self.every, self.pss_mb, self.rss_mb, self.processes = every, 0.0, 0.0, 1
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "TreeMemory":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        import os

        me = os.getpid()
        while True:
            pss = rss = 0
            try:
                with open(f"/proc/{me}/task/{me}/children") as f:
                    pids = [me, *map(int, f.read().split())]
            except OSError:
                pids = [me]
            for pid in pids:
                try:
                    with open(f"/proc/{pid}/smaps_rollup") as f:
                        for line in f:
                            if line.startswith("Pss:"):
                                pss += int(line.split()[1])
                            elif line.startswith("Rss:"):
                                rss += int(line.split()[1])
                except OSError:
                    pass
            if pss / 1024 > self.pss_mb:
                self.pss_mb, self.rss_mb, self.processes = pss / 1024, max(self.rss_mb, rss / 1024), len(pids)
            self.rss_mb = max(self.rss_mb, rss / 1024)
            if self._stop.wait(self.every):
                return


# ---------------------------------------------------------------- children
@dataclass
class ChildRun:
    cmd: list[str]
    rc: int
    wall: float  # spawn → reaped
    maxrss_mb: float  # the child's peak resident set (wait4 rusage)
    cpu: float  # user + system seconds of the child
    lines: list[tuple[float, str]] = field(default_factory=list)  # (seconds after spawn, stdout line)
    stderr: str = ""

    @property
    def data(self) -> dict:
        for _t, line in reversed(self.lines):
            if line.startswith(MARK):
                return json.loads(line[len(MARK):])
        raise RuntimeError(f"no {MARK.strip()} line from {' '.join(self.cmd)} (exit {self.rc})\n{self.stderr[-2000:]}")

    def line(self, prefix: str) -> tuple[float, str] | None:
        return next(((t, x) for t, x in self.lines if x.startswith(prefix)), None)


def run_child(cmd: list[str], *, env: dict | None = None, cwd: Path = ROOT, timeout: float = 900,
              stamp_t0: bool = False, check: bool = True) -> ChildRun:
    """Run ``cmd`` in its own session; time stdout lines; peak RSS and CPU from wait4.

    ``stamp_t0`` puts the spawn instant (time.time()) in ``YICE_T0``: the app's and the bench
    children's "first paint" then count from the same moment the caller starts them.
    """
    env = dict(os.environ if env is None else env)
    import tempfile

    with tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace") as err:
        if stamp_t0:
            env["YICE_T0"] = f"{time.time():.6f}"
        t0 = time.perf_counter()
        p = subprocess.Popen([str(c) for c in cmd], stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL,
                             text=True, encoding="utf-8", errors="replace", env=env, cwd=cwd, start_new_session=True)
        killed = []

        def kill():
            killed.append(True)
            try:
                os.killpg(p.pid, signal.SIGKILL)  # the group this call started, nothing else
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout, kill)
        timer.start()
        lines = []
        try:
            for line in p.stdout:
                lines.append((time.perf_counter() - t0, line.rstrip("\n")))
            _pid, status, ru = os.wait4(p.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        run = ChildRun([str(c) for c in cmd], p.returncode, wall, ru.ru_maxrss / 1024, ru.ru_utime + ru.ru_stime,
                       lines, err.read())
    if killed:
        raise RuntimeError(f"timed out after {timeout:.0f} s: {' '.join(run.cmd)}")
    if check and run.rc != 0:
        raise RuntimeError(f"exit {run.rc}: {' '.join(run.cmd)}\n{run.stderr[-3000:]}")
    return run


def emit(**figures) -> None:
    """A child's result line (peak RSS of this process added)."""
    figures.setdefault("maxrss_mb", peak_rss_mb())
    print(MARK + json.dumps(figures, ensure_ascii=False, default=str), flush=True)


def python() -> str:
    return sys.executable


def rounds(variants: dict[str, list[str] | callable], n: int, *, warmup: int = 0, log=None, **kw) -> dict[str, list[ChildRun]]:
    """Run every variant once per round, in turn (A B C A B C …); warm-up rounds are dropped."""
    out: dict[str, list[ChildRun]] = {k: [] for k in variants}
    for r in range(warmup + n):
        for name, cmd in variants.items():
            c = cmd() if callable(cmd) else cmd
            run = run_child(c, **kw)
            if r >= warmup:
                out[name].append(run)
            if log:
                log(f"  round {r + 1 - warmup if r >= warmup else 'warm-up'} {name}: {run.wall:.2f} s, "
                    f"{run.maxrss_mb:.0f} MB")
    return out


# ---------------------------------------------------------------- arguments, data folders
def arguments(name: str, doc: str, runs: int, quick_runs: int = 1) -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=doc.strip().splitlines()[0], epilog=None)
    ap.add_argument("--quick", action="store_true", help="small sizes, a few seconds (the smoke test)")
    ap.add_argument("--runs", type=int, help=f"rounds per variant (default {runs}; --quick {quick_runs})")
    ap.add_argument("--dir", type=Path, default=Path(f"/tmp/yice-bench-{name}"), help="cache of generated data")
    ap.add_argument("--rebuild", action="store_true", help="regenerate the cached data")
    ap.add_argument("--profile", type=Path, metavar="DIR",
                    help="after measuring, run the project side once under cProfile; .prof files and the top "
                         "functions go to DIR")
    ap.set_defaults(_runs=(runs, quick_runs))
    return ap


def parse(ap: argparse.ArgumentParser, argv=None) -> argparse.Namespace:
    a = ap.parse_args(argv)
    full, quick = a._runs
    if a.runs is None:
        a.runs = quick if a.quick else full
    if a.quick:
        a.dir = a.dir / "quick"
    return a


def cached(folder: Path, spec: dict, build, rebuild: bool = False, log=print) -> Path:
    """``folder`` holding data built by ``build(folder)`` for ``spec``; rebuilt when asked or when spec changed."""
    stamp = folder / "built.json"
    want = json.dumps(spec, sort_keys=True)
    if not rebuild and stamp.exists() and stamp.read_text(encoding="utf-8") == want:
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    t = time.perf_counter()
    build(folder)
    stamp.write_text(want, encoding="utf-8")
    log(f"built {folder} ({', '.join(f'{k}={v}' for k, v in spec.items())}) in {time.perf_counter() - t:.0f} s")
    return folder


def copy_db(src: Path, dst: Path) -> Path:
    """A fresh copy of a SQLite database (checkpointed first, so the -wal file is not needed)."""
    con = sqlite3.connect(src)
    con.execute("pragma wal_checkpoint(truncate)")
    con.close()
    for suffix in ("", "-wal", "-shm"):
        Path(str(dst) + suffix).unlink(missing_ok=True)
    shutil.copyfile(src, dst)
    return dst


def sqlite_like_store(path: Path) -> sqlite3.Connection:
    """A plain sqlite3 connection with the store's pragmas (desktop/core/store/db.py): the baselines
    pay for the same durability (WAL, synchronous=FULL) and foreign-key checks."""
    con = sqlite3.connect(path)
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=FULL", "busy_timeout=5000"):
        con.execute(f"PRAGMA {pragma}")
    return con


def gui_env(home: Path, **extra) -> dict:
    """Environment of a GUI child: its own HOME/XDG folders (settings), offscreen Qt unless a display is asked."""
    env = dict(os.environ)
    for var, sub in (("HOME", ""), ("XDG_CONFIG_HOME", ".config"), ("XDG_DATA_HOME", ".local/share"),
                     ("XDG_CACHE_HOME", ".cache")):
        env[var] = str(home / sub)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env.pop("YICE_DB", None)
    env.pop("YICE_EXIT_AFTER_PAINT", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed app has its .pyc (the warm-up run writes them)
    env.update({k: str(v) for k, v in extra.items()})
    return env


PROFILE_CODE = """
import sys
from desktop.core.paths import AppPaths
from desktop.core.settings import Settings
from desktop.gui.settings import UiSettings
role, province, plan, year = sys.argv[1:5]
Settings(role=role, name="测试", province=province or None).save(AppPaths.user().settings_file)
ui = UiSettings(AppPaths.user().window_file)
if plan:
    ui.set("last/plan", int(plan))
if year:
    ui.set("year", int(year))
ui.sync()
print(AppPaths.user().settings_file)
"""


def write_profile(env: dict, role: str, province: str | None = None, plan_id: int | None = None,
                  year: int | None = None) -> None:
    """The user's settings in the child's HOME: a role (no first-start wizard) and the last plan."""
    run_child([python(), "-c", PROFILE_CODE, role, province or "", str(plan_id or ""), str(year or "")],
              env=env, timeout=120)


# ---------------------------------------------------------------- the table
@dataclass
class Row:
    work: str
    project: str
    baseline: str
    ratio: str
    rss: str  # "project MB / baseline MB"
    goal: str = ""
    met: bool | None = None  # None: no goal for this row

    @property
    def verdict(self) -> str:
        return "—" if self.met is None else ("met" if self.met else "MISSED")


def print_table(title: str, rows: list[Row], notes: list[str] = (),
                memory: str = "peak RSS project / baseline") -> None:
    heads = ("work", "project (median, min–max)", "baseline (median, min–max)", "ratio", memory, "goal", "goal met?")
    cells = [(r.work, r.project, r.baseline, r.ratio, r.rss, r.goal, r.verdict) for r in rows]
    print()
    print(f"## {title}")
    print("| " + " | ".join(heads) + " |")
    print("|" + "---|" * len(heads))
    for c in cells:
        print("| " + " | ".join(str(x) for x in c) + " |")
    for n in notes:
        print(f"- {n}")
    sys.stdout.flush()


def mb(runs: list[ChildRun] | list[float]) -> str:
    vals = [r.maxrss_mb if isinstance(r, ChildRun) else r for r in runs]
    return f"{statistics.median(vals):.0f}"


def times(value: float) -> str:
    return f"{value:.2f}×"


# ---------------------------------------------------------------- profiles
def profile(cmd_tail: list[str], out: Path, name: str, env: dict | None = None, top: int = 25) -> Path:
    """Run ``python -m cProfile -o out/name.prof <cmd_tail>`` and write the top functions beside it."""
    out.mkdir(parents=True, exist_ok=True)
    prof = out / f"{name}.prof"
    run_child([python(), "-m", "cProfile", "-o", str(prof), *cmd_tail], env=env, timeout=3600)
    import io
    import pstats

    buf = io.StringIO()
    st = pstats.Stats(str(prof), stream=buf)
    st.sort_stats("cumulative").print_stats(top)
    st.sort_stats("tottime").print_stats(top)
    (out / f"{name}.txt").write_text(buf.getvalue(), encoding="utf-8")
    print(f"profile: {prof} (top functions in {out / (name + '.txt')})")
    return prof


# ---------------------------------------------------------------- demo databases
DEMO_CODE = """
import json, sys
from desktop.core.demo import build_demo
from desktop.core.store import Store
from desktop.core.vocab import UnitKind
db, schools, year, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
store = Store.open(db)
stats = build_demo(store, schools=schools, year=year, seed=seed)
kinds = {u.code: u.kind for u in store.units.list()}
plans = {}
for p in store.plans.list(year=year):
    if kinds.get(p.unit_code) == UnitKind.SCHOOL:
        plans.setdefault(str(p.state), []).append(p.id)
store.close()
print("BENCH-JSON " + json.dumps(dict(stats=stats, units=len(kinds), school_plans=plans)))
"""


def demo_db(path: Path, schools: int, year: int = YEAR, seed: int = 7) -> dict:
    """Build the demo province (desktop.core.demo.build_demo) in a child process; returns its
    stats, the number of units and the school plans' ids by state."""
    run = run_child([python(), "-c", DEMO_CODE, str(path), str(schools), str(year), str(seed)], timeout=3600)
    con = sqlite3.connect(path)
    con.execute("pragma wal_checkpoint(truncate)")
    con.close()
    return run.data
