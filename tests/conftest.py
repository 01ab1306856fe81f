"""Per-test isolation (after novelWriter): every test gets its own database file, its own
config folders (QSettings, user data) and offscreen Qt, so no test sees another's state.

Markers: a test module that imports Qt is ``gui``, every other test is ``core`` (``pytest -m core``
runs the Qt-free suite alone, in seconds). A modal dialog that a test did not patch fails the test
instead of blocking it: ``refuse_modal_dialogs`` below.

Backends: a module marked ``backends`` runs its database tests on SQLite and on PostgreSQL
(tests/backends.py); the header names both and the end of the run counts the PostgreSQL results.
"""
from __future__ import annotations

import io
import os
import re
import shutil
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "_artifacts"  # screenshots and rendered pages to look at (git-ignored)


def _uses_qt(module, cache={}) -> bool:  # noqa: B006 - per-session memo of module file → answer
    """Does the test module drive Qt (an import of PySide6 or desktop.gui anywhere in it)?"""
    path = getattr(module, "__file__", None)
    if path not in cache:
        text = Path(path).read_text(encoding="utf-8") if path else ""
        cache[path] = bool(re.search(r"^\s*(from|import)\s+(PySide6|desktop\.gui)\b", text, re.M))
    return cache[path]


def pytest_generate_tests(metafunc):
    """``[sqlite]`` and ``[postgresql]`` variants of every database test in a ``backends`` module."""
    from backends import BACKENDS

    if "backend" not in metafunc.fixturenames or not metafunc.definition.get_closest_marker("backends"):
        return
    only = metafunc.definition.get_closest_marker("sqlite_only")
    metafunc.parametrize("backend", BACKENDS[:1] if only else BACKENDS, indirect=True)


def pytest_report_header(config):
    from backends import connect

    server, what = connect()
    if server is not None:
        server.engine.dispose()
    return [f"database backends: sqlite (file per test); postgresql: {what}"]


def pytest_terminal_summary(terminalreporter):
    """One line CI shows: how the PostgreSQL-backed variants went."""
    counts: dict[str, int] = {}
    for outcome in ("passed", "failed", "error", "skipped"):
        for rep in terminalreporter.stats.get(outcome, []):
            if "[postgresql" in getattr(rep, "nodeid", "") or "-postgresql" in getattr(rep, "nodeid", ""):
                if outcome != "passed" or rep.when == "call":
                    counts[outcome] = counts.get(outcome, 0) + 1
    if counts:
        from backends import connect

        server, what = connect()
        if server is not None:
            server.engine.dispose()
        line = ", ".join(f"{n} {k}" for k, n in counts.items())
        terminalreporter.write_line(f"PostgreSQL-backed tests ({what}): {line}")


def pytest_collection_modifyitems(config, items):
    for item in items:
        module = getattr(item, "module", None)
        gui = "qtbot" in getattr(item, "fixturenames", ()) or (module is not None and _uses_qt(module))
        item.add_marker(pytest.mark.gui if gui else pytest.mark.core)


@pytest.fixture(autouse=True)
def refuse_modal_dialogs(request, monkeypatch):
    """A message box, file dialog or dialog exec() that the test did not patch raises at once
    (a blocked modal dialog would hang the suite, and an unexpected one is a bug)."""
    if "gui" not in {m.name for m in request.node.iter_markers()}:
        yield
        return
    from PySide6.QtWidgets import QDialog, QFileDialog, QInputDialog, QMessageBox

    def refuse(name):
        def modal(*args, **kwargs):
            raise AssertionError(f"unexpected modal dialog in a test: {name}{args[1:3]!r}")
        return modal

    for cls, names in ((QMessageBox, ("information", "warning", "critical", "question", "about")),
                       (QFileDialog, ("getSaveFileName", "getOpenFileName", "getOpenFileNames",
                                      "getExistingDirectory")),
                       (QInputDialog, ("getText", "getItem", "getInt", "getMultiLineText"))):
        for name in names:
            monkeypatch.setattr(cls, name, staticmethod(refuse(f"{cls.__name__}.{name}")))
    monkeypatch.setattr(QDialog, "exec", refuse("QDialog.exec"))
    yield


@pytest.fixture(autouse=True)
def isolated_env(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    for var, sub in (("HOME", ""), ("XDG_CONFIG_HOME", ".config"), ("XDG_DATA_HOME", ".local/share"),
                     ("APPDATA", "AppData"), ("LOCALAPPDATA", "LocalAppData")):
        monkeypatch.setenv(var, str(home / sub))
    monkeypatch.setenv("YICE_DB", str(tmp_path / "default.sqlite3"))
    yield


@pytest.fixture(scope="session")
def catalog():
    from desktop.core.catalog import default_catalog

    return default_catalog()


@pytest.fixture(scope="session")
def pg_server():
    """The PostgreSQL server of $YICE_TEST_PG with its template database; skip (fail in CI) if none."""
    from backends import connect

    server, what = connect()
    if server is None:
        if os.environ.get("CI"):
            pytest.fail(f"CI 需要 PostgreSQL（.ci/run 应已启动测试集群并设置 YICE_TEST_PG）：{what}")
        pytest.skip(f"PostgreSQL {what}")
    server.prepare()
    yield server
    server.close()


@pytest.fixture
def backend(request) -> str:
    """``sqlite`` or ``postgresql`` (parametrised in ``backends`` modules, else sqlite)."""
    return getattr(request, "param", "sqlite")


@pytest.fixture
def pg_databases(request):
    """The server databases this test made; dropped when it ends."""
    made: list[str] = []
    yield made
    if made:
        server = request.getfixturevalue("pg_server")
        for url in made:
            server.drop(server.name_of(url))


@pytest.fixture
def new_db(backend, tmp_path, request, pg_databases):
    """``new_db(name)``: a fresh database of this test's backend — a file path for SQLite, a URL
    of a new database (migrated, registry seeded) on the server for PostgreSQL."""
    if backend == "sqlite":
        return lambda name="yice": tmp_path / f"{name}.sqlite3"
    server = request.getfixturevalue("pg_server")

    def make(name="yice"):
        pg_databases.append(server.create())
        return pg_databases[-1]
    return make


@pytest.fixture
def clone_db(backend, tmp_path, request, pg_databases):
    """``clone_db(ref, name)``: a copy of a database no one has open (a unit's copy of the office's)."""
    def clone(ref, name: str = "copy"):
        if backend == "sqlite":
            dest = tmp_path / f"{name}.sqlite3"
            shutil.copy(ref, dest)
            return dest
        server = request.getfixturevalue("pg_server")
        pg_databases.append(server.create(template=server.name_of(str(ref))))
        return pg_databases[-1]
    return clone


@pytest.fixture
def db_path(new_db):
    """This test's database: a file (SQLite) or, under the postgresql backend, its URL."""
    return new_db("yice")


@pytest.fixture
def store(db_path, catalog):
    from desktop.core.store import Store

    s = Store.open(db_path, catalog=catalog)
    yield s
    s.close()


@pytest.fixture
def school(store):
    """A real Gansu 高职 school under 兰州市."""
    u, _ = store.units.add("4162010730", "兰州职业技术学院", "school", "620100", school_type="高职",
                          school_code="4162010730", credit_code="12100000400000624D",
                          contact_person="张明", contact_phone="0931-1234567")
    return u


@pytest.fixture
def cli(db_path):
    """Run ``yice --db <test db> ARGS``; returns (exit code, stdout, stderr)."""
    from desktop.main import main

    def run(*args: str):
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            code = main(["--db", str(db_path), *args])
        return code, out.getvalue(), err.getvalue()

    return run


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def soffice():
    """The LibreOffice binary; in CI its absence is a failure, locally a skip."""
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if not exe:
        if os.environ.get("CI"):
            pytest.fail("CI 需要 LibreOffice（.ci/run 应已安装 libreoffice-writer-nogui）")
        pytest.skip("LibreOffice not installed")
    return exe
