"""帮助 → 使用说明 and 帮助 → 关于: the guide is the README's guide, 关于 tells where the data is;
and CI runs the README's test command.

Screenshots at 1366×768 on a real X server: ``xvfb-run -s "-screen 0 1366x768x24"
python tests/test_help.py tests/_artifacts`` (QT_QPA_PLATFORM=xcb, openbox if present).
"""
from __future__ import annotations

import os
import re
import sys
import tomllib
from pathlib import Path

import pytest

from desktop.core.text import _CJK, join_cjk_lines

ROOT = Path(__file__).resolve().parent.parent
START, END = "<!-- 使用说明", "<!-- guide:end -->"


def readme_guide() -> str:
    """The README's guide: the text between its two guide markers."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert text.count(START) == 1 and text.count(END) == 1, "README 缺少使用说明的起止标记"
    body = text.split(START, 1)[1].split("-->", 1)[1]
    return body.split(END, 1)[0].strip()


def test_the_app_shows_the_readme_guide_word_for_word():
    from desktop.core.resources import guide_file

    shipped = guide_file().read_text(encoding="utf-8").strip()
    assert guide_file() == ROOT / "docs" / "guide.md"  # a checkout reads the edited file itself
    assert readme_guide() == shipped, "README 的使用指南与 docs/guide.md 不一致：改一处须同样改另一处"
    headings = re.findall(r"^## (.+)$", shipped, re.M)
    assert headings[:2] == ["使用指南", "报送流程（方案的状态）"] and "数据保存在哪里" in headings
    assert "portable.txt" in shipped  # the guide says how to run from a USB stick


def test_version_is_one_number():
    import desktop

    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert meta["project"]["version"] == desktop.__version__


def test_about_tells_what_this_start_uses(tmp_path, catalog):
    import desktop
    from desktop.core.about import about
    from desktop.core.paths import AppPaths
    from desktop.core.store import Store
    from desktop.core.store.db import HEAD_REVISION

    paths = AppPaths.beside(tmp_path / "stick")
    paths.data_dir.mkdir(parents=True)  # the program makes its own data folder on first start
    store = Store.open(paths.database, catalog=catalog)
    try:
        info = about(store, paths)
        on_disk = sum(f.stat().st_size for f in paths.data_dir.glob("yice.sqlite3*") if not f.name.endswith("-shm"))
    finally:
        store.close()
    assert info.version == desktop.__version__
    assert info.portable and info.data_dir == tmp_path / "stick" / "data"
    assert info.database_file == paths.database and info.database == str(paths.database)
    assert info.database_bytes == on_disk > 0  # the file and its write-ahead log
    assert info.schema_revision == HEAD_REVISION and info.schema_current
    assert [f.id for f in info.forms] == sorted(catalog.forms)
    annex = next(f for f in info.forms if f.id == "gs2020-annex2")
    assert (annex.version, annex.items, annex.doc_no) == (1, 33, "甘政发〔2020〕38号")


@pytest.fixture
def window(qtbot, tmp_path, catalog):
    from desktop.core.paths import AppPaths
    from desktop.core.store import Store
    from desktop.gui.app import open_main
    from desktop.gui.settings import UiSettings

    paths = AppPaths.beside(tmp_path / "prog")
    paths.data_dir.mkdir(parents=True)  # the program makes its own data folder on first start
    store = Store.open(paths.database, catalog=catalog)
    w = open_main(store, ui_settings=UiSettings(paths.window_file), paths=paths)
    qtbot.addWidget(w)
    w.resize(1200, 760)
    w.show()
    yield w
    w.close()
    store.close()


def _menu_action(w, text):
    from PySide6.QtGui import QAction

    return next(a for a in w.findChildren(QAction) if a.text() == text)


def test_help_menu_opens_the_guide(window, qtbot, artifacts):
    from desktop.gui.help import GuideDialog

    _menu_action(window, "使用说明").trigger()
    dlg = window.findChild(GuideDialog)
    assert dlg is not None and dlg.isVisible()
    shown = dlg.browser.toPlainText()
    for heading in dlg.headings:
        assert heading in shown
    assert "学校（一校一策）" in shown and "portable.txt" in shown and "##" not in shown  # rendered, not raw
    # a Chinese sentence wrapped in the source shows no stray space; every space between two
    # Chinese characters that is shown was written in the source (文件 → …)
    assert "要保留的单位（其方案" in shown and "单位 （其方案" not in shown
    gaps = re.findall(rf"[{_CJK}] [{_CJK}]", shown)
    assert gaps and [g for g in gaps if g not in dlg.text] == []
    bar = dlg.browser.verticalScrollBar()
    dlg.contents.setCurrentRow(len(dlg.headings) - 1)  # 数据保存在哪里: near the end
    assert bar.value() > 0
    _menu_action(window, "使用说明").trigger()  # a second click raises the same window
    assert len(window.findChildren(GuideDialog)) == 1
    dlg.grab().save(str(artifacts / "help_guide_offscreen.png"))


def test_about_shows_folder_size_revision_forms(window, qtbot, monkeypatch, artifacts, catalog):
    from PySide6.QtGui import QDesktopServices

    from desktop.core import fmt
    from desktop.core.store.db import HEAD_REVISION
    from desktop.gui.help import AboutDialog

    _menu_action(window, "关于").trigger()
    dlg = window.findChild(AboutDialog)
    assert dlg is not None and dlg.isVisible()
    assert str(window.paths.data_dir) in dlg.folder.text() and "便携" in dlg.folder.text()
    assert dlg.size.text() == fmt.size(dlg.info.database_bytes) and dlg.info.database_bytes > 0
    assert dlg.revision.text() == f"{HEAD_REVISION}（最新）"
    assert dlg.forms.rowCount() == len(catalog.forms)
    rows = {dlg.forms.item(r, 0).text(): (dlg.forms.item(r, 3).text(), dlg.forms.item(r, 4).text())
            for r in range(dlg.forms.rowCount())}
    assert rows["gs2020-annex2"] == ("v1", "33")
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)
    dlg.open_button.click()
    assert opened == [str(window.paths.data_dir)]
    dlg.grab().save(str(artifacts / "help_about_offscreen.png"))


def shoot(out: Path) -> list[Path]:
    """使用说明 and 关于 on the real screen (xvfb-run, 1366×768), with the window manager's frames."""
    import subprocess
    import tempfile
    import time

    from PySide6.QtWidgets import QApplication

    from desktop.core.demo import build_demo
    from desktop.core.paths import AppPaths
    from desktop.core.store import Store
    from desktop.gui.app import make_app, open_main
    from desktop.gui.help import show_about, show_guide
    from desktop.gui.settings import UiSettings

    wm = subprocess.Popen(["openbox"], stderr=subprocess.DEVNULL) if _which("openbox") else None
    try:
        time.sleep(0.5)
        app = make_app()
        paths = AppPaths.beside(Path(tempfile.mkdtemp()))
        paths.data_dir.mkdir(parents=True)  # the program makes its own data folder on first start
        store = Store.open(paths.database)
        build_demo(store, schools=6)
        w = open_main(store, ui_settings=UiSettings(paths.window_file), paths=paths)
        w.resize(1366, 740)
        w.move(0, 0)
        w.show()
        saved = []

        def screen(name):
            for _ in range(20):
                app.processEvents()
                time.sleep(0.05)
            path = out / f"help_{name}_1366x768.png"
            QApplication.primaryScreen().grabWindow(0).save(str(path))
            saved.append(path)

        guide = show_guide(w)
        guide.move(140, 40)
        screen("guide")
        guide.contents.setCurrentRow(2)
        screen("guide_data")
        guide.close()
        about = show_about(w)
        about.move(250, 80)
        screen("about")
        about.close()
        w.close()
        store.close()
        return saved
    finally:
        if wm:
            wm.terminate()


def _which(name: str) -> bool:
    import shutil

    return shutil.which(name) is not None


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("QT_QPA_PLATFORM", "xcb")
    for p in shoot(Path(sys.argv[1])):
        print(p)


def test_ci_runs_the_readme_test_command_verbatim():
    """.ci/run is what a newcomer types: the README's second set-up command, unchanged."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = readme.split("```", 2)[1].strip().splitlines()
    assert len(first_block) == 2 and all(c.startswith("python3 -m venv .venv && . .venv/bin/activate") for c in first_block)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
    assert ci[-1] == first_block[1] + ' "$@"'


def test_joining_chinese_lines_keeps_code_headings_lists_and_english():
    md = ("## 标题\n正文第一行，\n第二行**加粗**\n  续行\n- 列表一\n- 列表二\nEnglish words\nwrap here\n"
          "```\n代码第一行\n代码第二行\n```\n| 表 |\n| 格 |\n")
    assert join_cjk_lines(md) == ("## 标题\n正文第一行，第二行**加粗**续行\n- 列表一\n- 列表二\nEnglish words\nwrap here\n"
                                  "```\n代码第一行\n代码第二行\n```\n| 表 |\n| 格 |\n")
