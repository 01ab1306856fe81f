"""The hostile corpus: files made to stop the office or to be trusted too much. Each is imported in
its own process against a province database that already holds the unit's real filing; each
must finish within BOUND_S seconds and BOUND_MB of peak memory (measured in the child), be
refused or warned about, and leave the database exactly as it was. A batch of all of them
never stops at one, and nothing from a file reaches the operator's terminal raw."""
from __future__ import annotations

import json
import os
import re
import resource
import shutil
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from desktop.core.store import Store
from desktop.excel.filing import export_plan_xlsx
from desktop.excel.importer import import_files
from desktop.excel.layout import COVER, META, TASKS
from test_sheets_export import fill_plan
from tools import dump_db, edit

pytestmark = pytest.mark.backends

BOUND_S, BOUND_MB = 2.0, 300
ROOT = Path(__file__).resolve().parent.parent
CHILD = r"""
import json, resource, sys, time
from desktop.core.catalog import default_catalog
from desktop.core.store import Store
from desktop.excel.importer import import_files
store = Store.open(sys.argv[1], catalog=default_catalog())
t = time.perf_counter()
rep = import_files(store, sys.argv[2:])
took = time.perf_counter() - t
store.close()
print(json.dumps({"files": [dict(path=f.path, outcome=f.outcome.value, messages=f.messages, warnings=f.warnings) for f in rep.files],
                  "seconds": took, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}, ensure_ascii=False))
"""
IND = "quality_secondary_schools"


def _limit():  # a runaway child must not take the machine with it
    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))


def run_child(db: Path, *files: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    p = subprocess.run([sys.executable, "-c", CHILD, str(db), *map(str, files)], capture_output=True, text=True,
                       timeout=120, env=env, preexec_fn=_limit)
    assert p.returncode == 0, p.stderr[-2000:]
    return json.loads(p.stdout.strip().splitlines()[-1])


def patch(src: Path, dst: Path, edit_part=None, extra=(), rename=None, flag=False) -> Path:
    with zipfile.ZipFile(src) as zin:
        parts = [(i.filename, zin.read(i)) for i in zin.infolist()]
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts:
            if edit_part and name in edit_part:
                data = edit_part[name](data)
            if rename and name in rename:
                name = rename[name]
            z.writestr(name, data)
        for name, data in extra:
            z.writestr(name, data)
    if flag:  # mark every entry encrypted in the central directory (a password-protected zip)
        raw = bytearray(dst.read_bytes())
        for m in re.finditer(rb"PK\x01\x02", raw):
            raw[m.start() + 8] |= 1
        dst.write_bytes(bytes(raw))
    return dst


def escaped(src: Path, dst: Path) -> Path:
    """openpyxl refuses control characters; Excel stores them escaped (_x001B_): put them there."""
    with zipfile.ZipFile(src) as zin:
        names = zin.namelist()
    return patch(src, dst, {n: (lambda x: x.replace(b"ESCMARK", b"_x001B_").replace(b"BELMARK", b"_x0007_"))
                            for n in names})


def sheet_part(path: Path, title: str = TASKS) -> str:
    wb = load_workbook(path, read_only=True)
    index = wb.sheetnames.index(title) + 1
    wb.close()
    return f"xl/worksheets/sheet{index}.xml"


def edited(src: Path, dst: Path, change) -> Path:
    wb = load_workbook(src)
    change(wb)
    wb.save(dst)
    return dst


@pytest.fixture
def filed(store, school, tmp_path, catalog, new_db):
    """The unit's real filing (a 7-significant-digit target), already received by the province."""
    plan = fill_plan(store, school.code)
    store.plans.apply_edits(plan.id, [edit(13, f"target:{IND}", 1234567)])
    good = export_plan_xlsx(store, plan.id, tmp_path / "good.xlsx")
    province = new_db("province")
    prov = Store.open(province, catalog=catalog)
    assert import_files(prov, [good], create_units=True).ok
    prov.close()
    return plan, good, province


def hostile_files(good: Path, d: Path):
    """(file, fragment every message must contain or the expected outcome)."""
    part = sheet_part(good)
    many = b"".join(b'<c r="B%d"/>' % (40 + i % 50) for i in range(40_000))
    redos = (lambda x: x.replace(b"</sheetData>", b'<row r="40">' + many + b'<c r="C91"><f>1+1</f></c></row></sheetData>'))
    yield patch(good, d / "redos.xlsx", {part: redos}), ("unchanged", "")
    yield patch(good, d / "xfd.xlsx", {part: lambda x: x.replace(
        b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" t="n"><v>1</v></c></row></sheetData>')}), \
        ("rejected", "XFD1048576")
    many_cells = b"".join(b'<row r="%d">' % r + b"".join(b'<c r="%s%d"/>' % (c, r) for c in (b"A", b"B", b"C"))
                          + b"</row>" for r in range(40, 200_040))
    yield patch(good, d / "cells.xlsx", {part: lambda x: x.replace(b"</sheetData>", many_cells + b"</sheetData>")}), \
        ("rejected", "疑似恶意文件")
    cfb = d / "encrypted.xlsx"
    cfb.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500 + "EncryptedPackage".encode("utf-16-le") + b"\0" * 500)
    yield cfb, ("rejected", "设有打开密码")
    yield patch(good, d / "zip-password.xlsx", flag=True), ("rejected", "已加密")
    late = (lambda x: b'<?xml version="1.0"?><!--' + b" " * 6000 + b'--><!DOCTYPE worksheet [<!ENTITY e "x">]>'
            + x.split(b"?>", 1)[-1])
    yield patch(good, d / "late-dtd.xlsx", {part: late}), ("rejected", "实体声明")
    rels = "xl/_rels/workbook.xml.rels"
    yield patch(good, d / "dtd-in-bin.xlsx", {part: lambda x: b'<!DOCTYPE w SYSTEM "file:///etc/passwd">' + x.split(b"?>", 1)[-1],
                                             rels: lambda x: x.replace(part.split("/", 1)[1].encode(),
                                                                       part.split("/", 1)[1].replace(".xml", ".bin").encode())},
                rename={part: part.replace(".xml", ".bin")}), ("rejected", "DTD")
    yield patch(good, d / "dup-entry.xlsx", extra=[(part, b"<worksheet/>")]), ("rejected", "重名")
    yield edited(good, d / "revision-999999.xlsx", lambda wb: _meta(wb, "submission_no", "999999")), \
        ("unchanged", "文件标注为第999999次报送")
    yield edited(good, d / "identity.xlsx", lambda wb: _meta(wb, "submission_uuid", str(uuid.uuid4()))), \
        ("rejected", "不是先后关系")
    yield edited(good, d / "no-meta.xlsx", lambda wb: wb.remove(wb[META])), ("rejected", "_meta 工作表缺失或被删除")
    yield edited(good, d / "seven-digits.xlsx", lambda wb: _ind(wb, 1234568)), ("rejected", "内容不同")
    esc = edited(good, d / "escape.xlsx", lambda wb: _cover(wb, "单位名称", "ESCMARK[2J ESCMARK]0;ownedBELMARK"))
    yield escaped(esc, d / "escape-seq.xlsx"), ("unchanged", "控制字符")
    from test_import import LAUGHS
    yield patch(good, d / "laughs.xlsx", {"xl/workbook.xml": lambda x: LAUGHS}), ("rejected", "实体")
    yield patch(good, d / "bomb.xlsx", extra=[("xl/media/pad.bin", b"\0" * 30_000_000)]), ("rejected", "压缩炸弹")
    pkg = d / "two-books.zip"
    with zipfile.ZipFile(pkg, "w") as z:
        z.writestr("a.xlsx", good.read_bytes())
        z.writestr("b.xlsx", good.read_bytes())
    yield pkg, ("rejected", "含有一个报送表")


def _meta(wb, key, value):
    for row in wb[META].iter_rows():
        if row[0].value == key:
            row[1].value = value


def _ind(wb, value):
    from desktop.excel.layout import INDICATORS

    wb[INDICATORS]["E3"].value = value


def _cover(wb, label, value):
    for row in wb[COVER].iter_rows(min_row=3):
        if row[0].value == label:
            row[1].value = value


@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_hostile_corpus_bounded_and_harmless(filed, tmp_path, capsys):
    plan, good, db = filed
    d = tmp_path / "hostile"
    d.mkdir()
    cases = list(hostile_files(good, d))
    before = dump_db(db)
    rows, bad = [], []
    for path, (outcome, fragment) in cases:
        r = run_child(db, path)
        f = r["files"][0]
        text = "\n".join(f["messages"] + f["warnings"])
        ok = (f["outcome"] == outcome and fragment in text and r["seconds"] <= BOUND_S and r["rss_mb"] <= BOUND_MB
              and "\x1b" not in text and "\a" not in text and dump_db(db) == before
              and all(m.startswith(path.name) for m in f["messages"]))
        rows.append(f"{path.name:22} {path.stat().st_size / 1024:9.1f} kB  {f['outcome']:10} {r['seconds']:6.3f} s "
                    f"{r['rss_mb']:6.0f} MB  {'✓' if ok else '✗'}  {(f['messages'] or f['warnings'] or [''])[0][:70]}")
        if not ok:
            bad.append((path.name, outcome, fragment, r))
    with capsys.disabled():
        print(f"\n--- hostile corpus: each within {BOUND_S} s and {BOUND_MB} MB peak RSS, database unchanged ---")
        print("\n".join(rows))
    assert not bad, bad
    # all of them in one batch: every file answered, the batch not stopped, nothing written
    shutil.copy(good, d / "zz-good.xlsx")
    (d / "UPPER.XLSX").write_bytes(good.read_bytes())
    r = run_child(db, d)
    assert len(r["files"]) == len([f for f in d.iterdir() if f.suffix.lower() in (".xlsx", ".zip")]) >= len(cases) + 2
    got = {Path(f["path"]).name: f["outcome"] for f in r["files"]}
    assert got["UPPER.XLSX"] == got["zz-good.xlsx"] == "unchanged"  # .XLSX found on Linux too
    assert all(got[p.name] == outcome for p, (outcome, _f) in cases)
    assert dump_db(db) == before


def test_resubmission_changing_the_seventh_digit_is_a_change(filed, store, tmp_path, catalog):
    plan, good, db = filed
    prov = Store.open(db, catalog=catalog)
    prov.lifecycle.review(plan.uuid, False, "请核对目标值")
    store.lifecycle.withdraw(plan.id)
    store.plans.apply_edits(plan.id, [edit(13, f"target:{IND}", 1234568)])
    newer = export_plan_xlsx(store, plan.id, tmp_path / "v2.xlsx")
    f = import_files(prov, [newer]).files[0]
    assert f.outcome == "accepted" and f.submission_no == 2 and f.counts["changed"] == 1, f
    assert prov.plans.snapshot(plan.uuid).indicators[IND][0] == 1234568.0
    diff = prov.plans.diff(plan.uuid)
    assert any("1234567" in str(x) and "1234568" in str(x) for x in diff), diff


def test_escape_sequences_never_reach_the_terminal(cli, filed, tmp_path, catalog):
    plan, good, db = filed
    src = tmp_path / "esc-src.xlsx"
    wb = load_workbook(good)
    _cover(wb, "单位名称", "ESCMARK[31m红色ESCMARK[0m")
    wb[META]["B1"].value = "yice-filing/3"
    wb.save(src)
    bad = tmp_path / "ESCMARK.xlsx"
    escaped(src, bad)
    from desktop.main import main
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        main(["--db", str(db), "import", str(bad)])
    text = out.getvalue() + err.getvalue()
    assert "\x1b" not in text and "ESCMARK.xlsx" in text
