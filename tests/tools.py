"""Helpers every test module shares (after novelWriter's tests/tools.py)."""
from __future__ import annotations

import os
import unicodedata
import sqlite3
import subprocess
from pathlib import Path

from lxml import etree

from desktop.core.edits import Edit, Ref


def edit(item_no: int, key: str, value) -> Edit:
    """An edit named as the CLI names it: ``measures``, ``target:KEY``, ``section:KEY``."""
    return Edit(Ref.parse(key, item_no), value)


def db_ref(store) -> str:
    """Where a store's database is, as ``Store.open``/``--db`` take it: a file path or a URL."""
    url = store.engine.url
    return url.database if url.get_backend_name() == "sqlite" else url.render_as_string(hide_password=False)


def dump_db(db_path) -> list:
    """All rows of all tables: the 'database unchanged' check (fails if the file is missing).

    ``db_path``: a SQLite file, or a PostgreSQL URL (the ``db_path`` of a postgresql variant)."""
    if "://" in str(db_path):
        from sqlalchemy import create_engine, inspect
        from sqlalchemy.pool import NullPool

        engine = create_engine(str(db_path), poolclass=NullPool)
        try:
            with engine.connect() as c:
                return [(t, [tuple(r) for r in c.exec_driver_sql(f'select * from "{t}" order by 1').fetchall()])
                        for t in sorted(inspect(c).get_table_names())]
        finally:
            engine.dispose()
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in con.execute("select name from sqlite_master where type='table' order by name")]
        return [(t, con.execute(f'select * from "{t}" order by 1').fetchall()) for t in tables]
    finally:
        con.close()


def fill_clean(store, plan_id, view=None) -> None:
    """Answer every item the plan must answer, so the plan is clean (no errors, no open warnings)."""
    from desktop.core.validation import unexplained, validate
    from desktop.core.vocab import Role

    p = store.plans.get(plan_id)
    view = view or store.catalog.get(p.form_id)
    key = view.key
    edits = []
    for it in view.items:
        if view.must_answer(it.no, p.kind):
            edits += [edit(it.no, key(Role.MEASURES), f"第{it.no}项的落实举措"), edit(it.no, key(Role.LEAD), "教务处"),
                      edit(it.no, key(Role.DEADLINE), "2030-06-30"),
                      edit(it.no, key(Role.PROGRESS), view.decl(Role.PROGRESS).choices[1])]
    store.plans.apply_edits(plan_id, edits)
    snap = store.plans.snapshot(plan_id)
    left = unexplained(validate(view, p.kind, snap))
    for pr in left:  # answer any warning with a 说明
        if pr.severity == "warning":
            store.plans.explain(plan_id, pr.item_no, pr.rule_id, pr.field_key, "已核实")
    assert not unexplained(validate(view, p.kind, store.plans.snapshot(plan_id)))


def explain_all(store, plan_id, text: str = "已核实，按计划推进") -> int:
    """Give every open warning a 说明 (errors stay); returns how many were answered."""
    from desktop.core.validation import validate

    p = store.plans.get(plan_id)
    view = store.catalog.get(p.form_id)
    n = 0
    for pr in validate(view, p.kind, store.plans.snapshot(plan_id)):
        if pr.severity == "warning" and not pr.explained:
            store.plans.explain(plan_id, pr.item_no, pr.rule_id, pr.field_key, text)
            n += 1
    return n


OLD_STATUSES = ("草稿", "已报送", "已受理", "已退回", "已导出")  # what revision 0001/0002 stored


def old_database(ref, rev: str = "0001", plans: int = 5, items: int = 8) -> dict:
    """A database at an old schema revision holding ``plans`` plans (SQLite path or server URL of
    an empty database), written with plain SQL as that version did; returns what it holds."""
    import datetime as dt

    from sqlalchemy import text

    from desktop.core.store import db

    url = db.resolve_url(ref)
    engine = db.make_engine(url)
    db.upgrade(engine, rev, backup=False)
    t = dt.datetime(2024, 1, 1)
    with engine.begin() as c:
        c.execute(text("insert into units (id, code, name, kind, builtin, created_at) "
                       "values (1, '620000', '甘肃省', 'province', :t, :at)"), {"t": True, "at": t})
        c.execute(text("insert into units (id, code, name, kind, parent_id, builtin, created_at) "
                       "values (:id, :code, :name, 'school', 1, :f, :at)"),
                  [{"id": i + 2, "code": f"S{i}", "name": f"学校{i}", "f": False, "at": t} for i in range(plans)])
        c.execute(text("insert into plans (id, uuid, unit_id, form_id, form_version, year, kind, status, "
                       "status_reason, revision, received_at, created_at, updated_at) values (:id, :uuid, :unit, "
                       "'gs2020-annex2', 1, 2024, '一校一策', :status, :reason, 7, :at, :at, :at)"),
                  [{"id": i + 1, "uuid": f"old-{i}", "unit": i + 2, "status": OLD_STATUSES[i % 5],
                    "reason": "请细化" if OLD_STATUSES[i % 5] == "已退回" else None, "at": t} for i in range(plans)])
        c.execute(text("insert into responses (plan_id, item_no, field_key, value) values (:p, :n, 'measures', :v)"),
                  [{"p": i + 1, "n": n, "v": f"学校{i}第{n}项举措"} for i in range(plans) for n in range(1, items + 1)])
        c.execute(text("insert into changes (at, origin, entity, plan_id, item_no, key, old, new) "
                       "values (:at, 'ui', 'response', :p, 1, 'measures', NULL, :v)"),
                  [{"at": t, "p": i + 1, "v": f"学校{i}第1项举措"} for i in range(plans)])
    engine.dispose()
    filed = sum(OLD_STATUSES[i % 5] in ("已报送", "已受理", "已退回") for i in range(plans))
    return {"plans": plans, "responses": plans * items, "filed": filed, "units": plans + 1}


def holdings(ref) -> dict:
    """What a database at the head revision holds, in the terms of :func:`old_database`."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    from desktop.core.store import db

    engine = create_engine(db.resolve_url(ref), poolclass=NullPool)
    try:
        with engine.connect() as c:
            def one(sql):
                return c.execute(text(sql)).scalar()
            return {"plans": one("select count(*) from plans"), "responses": one("select count(*) from responses"),
                    "filed": one("select count(*) from submissions"),
                    "units": one("select count(*) from units where code like 'S%' or code = '620000'")}
    finally:
        engine.dispose()


# ------------------------------------------------------------------ rendered pages (LibreOffice)
FONTS_CONF = Path(__file__).resolve().parent / "fonts" / "fonts.conf"
MM = 72 / 25.4  # PDF points per millimetre


def render_pdf(soffice: str, docx, outdir=None):
    """``docx`` rendered by LibreOffice with the test fonts (tests/fonts/fonts.conf maps the four GB
    faces to distinct installed ones), each render with its own profile; returns the PDF path."""
    docx = Path(docx)
    outdir = Path(outdir or docx.parent)
    profile = outdir / f"lo-{docx.stem}"
    env = {**os.environ, "FONTCONFIG_FILE": str(FONTS_CONF)}
    subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(outdir), str(docx)], check=True, capture_output=True, timeout=240, env=env)
    return outdir / f"{docx.stem}.pdf"


class Box:
    """A word or a line of a rendered page (PDF points, origin top left)."""

    def __init__(self, text, x0, y0, x1, y1):
        self.text, self.x0, self.y0, self.x1, self.y1 = text, x0, y0, x1, y1

    @property
    def cx(self):
        return (self.x0 + self.x1) / 2

    @property
    def cy(self):
        return (self.y0 + self.y1) / 2

    def __repr__(self):
        return f"Box({self.text!r}, {self.x0:.1f}, {self.y0:.1f}, {self.x1:.1f}, {self.y1:.1f})"


class Page:
    def __init__(self, number, width, height, lines, words):
        self.number, self.width, self.height, self.lines, self.words = number, width, height, lines, words

    @property
    def landscape(self) -> bool:
        return self.width > self.height

    @property
    def text(self) -> str:
        """The page's text without spaces (a paragraph's words run across its lines)."""
        return "".join(ln.text for ln in self.lines).replace(" ", "")


def _spaced(a: Box, b: Box) -> bool:
    """A space between two Chinese words (next to Latin text a renderer adds a small gap itself)."""
    def cjk(ch):
        return bool(ch) and unicodedata.east_asian_width(ch) in "WF"

    return cjk(a.text[-1:]) and cjk(b.text[:1]) and b.x0 - a.x1 > 2


def pdf_pages(pdf) -> list[Page]:
    """Every page's lines and words from ``pdftotext -bbox-layout`` (a gap between Chinese words is
    kept as a space)."""
    xml = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, check=True).stdout
    root = etree.fromstring(xml, etree.XMLParser(recover=True))
    ns = {"h": "http://www.w3.org/1999/xhtml"}
    pages = []
    for n, pg in enumerate(root.iterfind(".//h:page", ns), 1):
        lines, words = [], []
        for ln in pg.iterfind(".//h:line", ns):
            ws = [Box(w.text or "", *(float(w.get(k)) for k in ("xMin", "yMin", "xMax", "yMax")))
                  for w in ln.iterfind("h:word", ns)]
            words += ws
            text = "".join((" " if i and _spaced(ws[i - 1], w) else "") + w.text for i, w in enumerate(ws))
            lines.append(Box(text, *(float(ln.get(k)) for k in ("xMin", "yMin", "xMax", "yMax"))))
        pages.append(Page(n, float(pg.get("width")), float(pg.get("height")), lines, words))
    return pages


def pdf_fonts(pdf, page: int) -> list[tuple[str, str, float]]:
    """(text, font family, size) of each text run of a page, from ``pdftohtml -xml``."""
    xml = subprocess.run(["pdftohtml", "-xml", "-i", "-stdout", "-f", str(page), "-l", str(page), str(pdf)],
                         capture_output=True, check=True).stdout
    root = etree.fromstring(xml, etree.XMLParser(recover=True))
    fonts = {f.get("id"): (f.get("family"), float(f.get("size"))) for f in root.iter("fontspec")}
    return [("".join(t.itertext()), *fonts[t.get("font")]) for t in root.iter("text")]


def page_png(pdf, page: int, out, dpi: int = 70):
    """One page as a PNG (``out`` without suffix) to look at; returns its path."""
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile", str(pdf),
                    str(out)], check=True)
    return Path(f"{out}.png")


def files_under(folder) -> list[str]:
    """Every file below ``folder`` (relative paths): what a program wrote into a profile / data folder."""
    from pathlib import Path

    folder = Path(folder)
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()) if folder.exists() else []
