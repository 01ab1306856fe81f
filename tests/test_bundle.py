"""Build the PyInstaller bundle from build.spec and use the built program as an office would.

Slow (about two minutes: build, compress, run): marked ``bundle`` so it can be run on its own
(``pytest -m bundle``); CI runs it with the rest of the suite. The sizes are printed and saved
to tests/_artifacts/bundle_size.json; above ``LIMIT`` the test fails.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import pytest

from conftest import ARTIFACTS, ROOT
from tools import files_under

pytestmark = pytest.mark.bundle
LIMIT = 60_000_000  # bytes, compressed: the whole program must fit a mail attachment / slow download
EXE = "yice.exe" if os.name == "nt" else "yice"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    pytest.importorskip("PyInstaller")
    work = tmp_path_factory.mktemp("pyi")
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
                           "--distpath", str(work / "dist"), "--workpath", str(work / "build"),
                           str(ROOT / "build.spec")], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return work / "dist" / "yice", time.perf_counter() - t0


@pytest.fixture(scope="module")
def bundle(built):
    return built[0]


def run(bundle, *args, home: Path, cwd: Path, **env) -> subprocess.CompletedProcess:
    """The built program with a profile of its own (HOME and XDG folders inside ``home``)."""
    full = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "YICE_"))}
    full.update(HOME=str(home), USERPROFILE=str(home), APPDATA=str(home / "AppData"),
                LOCALAPPDATA=str(home / "LocalAppData"), XDG_CONFIG_HOME=str(home / ".config"),
                XDG_DATA_HOME=str(home / ".local/share"), XDG_CACHE_HOME=str(home / ".cache"),
                QT_QPA_PLATFORM="offscreen", **env)
    return subprocess.run([str(bundle / EXE), *args], capture_output=True, text=True, timeout=180, env=full,
                          cwd=cwd)


def test_bundle_fits_the_limit_compressed(built, tmp_path, request):
    """Unpacked size and the .tar.xz an office downloads (``tar -C dist -cJf …``: xz level 6)."""
    bundle, build_s = built
    files = [p for p in bundle.rglob("*") if p.is_file() and not p.is_symlink()]
    unpacked = sum(p.stat().st_size for p in files)
    archive = tmp_path / "yice.tar.xz"
    t0 = time.perf_counter()
    with tarfile.open(archive, "w:xz", preset=6) as tar:
        tar.add(bundle, arcname="yice")
    xz_s = time.perf_counter() - t0
    sizes = dict(date=dt.date.today().isoformat(), platform=sys.platform, build_seconds=round(build_s, 1),
                 unpacked_bytes=unpacked, files=len(files), tar_xz_bytes=archive.stat().st_size,
                 tar_xz_seconds=round(xz_s, 1), limit_bytes=LIMIT,
                 largest=[(str(p.relative_to(bundle)), p.stat().st_size)
                          for p in sorted(files, key=lambda p: -p.stat().st_size)[:12]])
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "bundle_size.json").write_text(json.dumps(sizes, indent=1, ensure_ascii=False), encoding="utf-8")
    request.config.pluginmanager.get_plugin("terminalreporter").write_line(
        f"\nbundle: {unpacked / 1e6:.1f} MB unpacked in {len(files)} files, {sizes['tar_xz_bytes'] / 1e6:.1f} MB as "
        f".tar.xz (limit {LIMIT / 1e6:.0f} MB); built in {build_s:.0f} s")
    assert sizes["tar_xz_bytes"] <= LIMIT, f"bundle {sizes['tar_xz_bytes'] / 1e6:.1f} MB compressed > 60 MB: {sizes}"


def test_bundle_carries_data_and_only_the_qt_it_uses(bundle):
    internal = bundle / "_internal"
    pkg = internal / "desktop"  # where a wheel puts the shipped data too (desktop.core.resources)
    assert (pkg / "forms" / "gs2020-annex2.yaml").is_file() and (pkg / "forms" / "vocabulary.yaml").is_file()
    assert (pkg / "forms" / "sources").is_dir()
    assert (pkg / "report_templates" / "plan.docx").is_file() and (pkg / "report_templates" / "summary.docx").is_file()
    assert (pkg / "docs" / "guide.md").read_bytes() == (ROOT / "docs" / "guide.md").read_bytes()  # 使用说明
    assert (pkg / "core" / "data" / "registry.csv").is_file()
    assert list((pkg / "core" / "migrations" / "versions").glob("0003_*.py"))
    names = [p.name for p in internal.rglob("*")]
    bindings = sorted(n.split(".")[0] for n in names if re.match(r"Qt\w+\.(abi3\.so|pyd)$", n))
    assert bindings == ["QtCore", "QtGui", "QtWidgets"], bindings  # no QtCharts / QtOpenGL: charts are QPainter
    assert not [n for n in names if re.search(r"Qt6(Charts|OpenGL|Qml|Quick|WebEngine|Network|Pdf)", n)]
    assert not [n for n in names if re.match(r"lib(gtk|gdk|cairo|pango)", n)]  # no GTK theme
    # OpenSSL only for the PostgreSQL driver (build.spec ships it with psycopg); Qt's network stack never
    if not (internal / "psycopg_binary").is_dir():
        assert not [n for n in names if re.match(r"lib(ssl|crypto)\b", n)]
    assert not list(internal.rglob("matplotlib")) and not list(internal.rglob("numpy"))
    qms = [n for n in names if n.endswith(".qm")]
    assert qms == ["qtbase_zh_CN.qm"], qms


def test_built_app_starts_and_paints(bundle, tmp_path):
    home = tmp_path / "profile"
    home.mkdir()
    proc = run(bundle, "--smoke-test", home=home, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "first paint" in proc.stdout, proc.stdout
    assert files_under(home) == []  # the smoke test works on a temporary database only


def test_built_app_opens_a_shared_postgresql_database(bundle, tmp_path):
    """The bundle carries the PostgreSQL driver: a fresh server database is set up (migrations,
    registry) and answers, all from the bundled program (YICE_TEST_PG; skipped without a server)."""
    from backends import connect

    server, why = connect()
    if server is None:
        pytest.skip(f"PostgreSQL: {why}")
    try:
        url = server.create_empty()
        home = tmp_path / "profile"
        proc = run(bundle, "--db", url, "demo", "--units", "5", home=home, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        proc = run(bundle, "--db", url, "unit", "list", home=home, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        assert "甘肃省" in proc.stdout, proc.stdout[:500]
    finally:
        server.close()


def test_built_app_writes_a_summary_report_with_charts(bundle, tmp_path):
    home = tmp_path / "profile"
    db = tmp_path / "office.sqlite3"
    year = dt.date.today().year
    proc = run(bundle, "--db", str(db), "demo", "--units", "20", home=home, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    proc = run(bundle, "--db", str(db), "summary", "--form", "gs2020-annex2", "--year", str(year), "-o", "report.docx",
               home=home, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    with zipfile.ZipFile(tmp_path / "report.docx") as z:
        names = z.namelist()
        charts = sorted(n for n in names if re.fullmatch(r"word/charts/chart\d+\.xml", n))
        body = z.read("word/document.xml").decode("utf-8")
        assert len(charts) >= 3, names  # 报送率, 任务进度, 指标: native Word charts
        for c in charts:
            xml = z.read(c).decode("utf-8")
            assert "<c:barChart>" in xml and "<c:v>" in xml, c
        assert body.count("<c:chart ") == len(charts)
        assert len([n for n in names if n.startswith("word/embeddings/") and n.endswith(".xlsx")]) == len(charts)
    shutil.copy(tmp_path / "report.docx", ARTIFACTS / "bundle_summary_report.docx")


def test_built_app_checks_a_bulk_import_in_worker_processes(bundle, tmp_path):
    """A big import checks its files in worker processes: started from the frozen program, they must
    run the checks (multiprocessing.freeze_support), not a second copy of the program."""
    home = tmp_path / "profile"
    src, dst = tmp_path / "school.sqlite3", tmp_path / "office.sqlite3"
    assert run(bundle, "--db", str(src), "demo", "--units", "12", home=home, cwd=tmp_path).returncode == 0
    proc = run(bundle, "--db", str(src), "plan", "list", "--json", home=home, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    filed = [p for p in json.loads(proc.stdout) if p["state"] in ("submitted", "accepted")][:4]
    out = tmp_path / "filings"
    out.mkdir()
    for p in filed:
        proc = run(bundle, "--db", str(src), "export", p["uuid"], "--format", "xlsx", "-o", str(out / f"{p['uuid']}.xlsx"),
                   home=home, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
    proc = run(bundle, "--db", str(dst), "import", str(out), "--create-units", "--jobs", "2", "--json",
               home=home, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    files = json.loads(proc.stdout)["files"]
    assert len(files) == len(filed) >= 2 and {f["outcome"] for f in files} == {"accepted"}, files


def test_built_cli_reads_forms_from_the_bundle(bundle, tmp_path):
    proc = run(bundle, "--db", str(tmp_path / "b.sqlite3"), "forms", "list", "--json", home=tmp_path / "h",
               cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert '"gs2020-annex2"' in proc.stdout


def test_portable_bundle_keeps_everything_beside_it(bundle, tmp_path):
    """portable.txt beside the executable: commands and the desktop app write only to data/."""
    home = tmp_path / "profile"
    home.mkdir()
    marker, data = bundle / "portable.txt", bundle / "data"
    marker.write_text("", encoding="utf-8")
    try:
        proc = run(bundle, "demo", "--units", "3", home=home, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        (data / "settings.ini").write_text("[user]\nrole = province\nname = 王芳\n", encoding="utf-8")
        proc = run(bundle, home=home, cwd=tmp_path, YICE_EXIT_AFTER_PAINT="1")
        assert proc.returncode == 0 and "first paint" in proc.stdout, proc.stdout + proc.stderr
        written = files_under(data)
        assert {"yice.sqlite3", "settings.ini", "yice.ini"} <= set(written), written
        assert files_under(home) == []
    finally:
        marker.unlink()
        shutil.rmtree(data, ignore_errors=True)


def _readme_linux_packages() -> set[str]:
    """The packages the README's Linux-bundle section tells people to install."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    m = re.search(r"<!-- linux-bundle-packages -->\s*```\s*\n\s*sudo apt install ([^\n]+)\n", text)
    assert m, "README 缺少 Linux 打包版所需系统库的安装命令"
    return set(m.group(1).split())


def _debian_name(soname: str) -> str:
    """Debian's package name for a shared library (policy 8.1): libwayland-cursor.so.0 → libwayland-cursor0."""
    name, _, version = soname.partition(".so.")
    name = name.lower()
    return f"{name}{'-' if name[-1].isdigit() else ''}{version.split('.')[0]}"


@pytest.mark.skipif(not sys.platform.startswith("linux") or not shutil.which("dpkg"), reason="Debian-like Linux")
def test_readme_lists_the_system_libraries_the_linux_bundle_needs(bundle, request):
    """Every library a bundled binary links that the bundle does not carry is in a package the
    README names (dpkg -S on the build machine maps library → package). Also reports the
    C library version the build needs: the bundle runs on systems with at least that glibc."""
    inside = {p.name for p in bundle.rglob("*")}
    needed, glibc = {}, (2, 0)
    for p in bundle.rglob("*"):
        if p.is_symlink() or not p.is_file() or p.read_bytes()[:4] != b"\x7fELF":
            continue
        dyn = subprocess.run(["readelf", "-dW", "--dyn-syms", str(p)], capture_output=True, text=True).stdout
        for lib in re.findall(r"\(NEEDED\).*\[(.+?)\]", dyn):
            if lib not in inside:
                needed.setdefault(lib, p.name)
        for v in re.findall(r"@GLIBC_(\d+)\.(\d+)", dyn):
            glibc = max(glibc, (int(v[0]), int(v[1])))
    packages = {}
    for lib in needed:
        out = subprocess.run(["dpkg", "-S", lib], capture_output=True, text=True).stdout
        owners = {line.split(":")[0] for line in out.splitlines() if re.search(rf"/{re.escape(lib)}$", line)}
        packages[lib] = (owners - {"libc6-dev"}) or {_debian_name(lib)}  # not installed here: Debian's naming rule
    listed = _readme_linux_packages()
    missing = {lib: owners for lib, owners in packages.items() if not owners & listed}
    request.config.pluginmanager.get_plugin("terminalreporter").write_line(
        f"\nbundle links from the system: {sorted({o for v in packages.values() for o in v})}; "
        f"needs glibc ≥ {glibc[0]}.{glibc[1]}")
    assert not missing, f"README 未列出这些系统库所在的包：{missing}"
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"glibc {glibc[0]}.{glibc[1]}" in text, f"README 应写明本机构建的打包版需要 glibc {glibc[0]}.{glibc[1]}"
