"""The zip gate's quick path (whole small parts, one expat call, worksheets read by byte scans)
against its exact streaming path: for every workbook of the repo's corpora — files the app
exports, the hostile corpus, the bad files and the human-input corpus of the import tests, a
sample of the bench files when they are there, and edits made to reach each way the quick path
must decline — the quick path either declines or gives the scan the exact path gives (rows,
columns, cells, formulas as typed, merged ranges, percent answers for every value cell, names,
hidden sheets), and a refused file is refused with the same sentence."""
from __future__ import annotations

import dataclasses
import io
import re
import zipfile
from pathlib import Path

import pytest

from desktop.core import zipsafe
from desktop.excel.filing import export_plan_xlsx, export_template
from desktop.excel.layout import TASKS
from test_sheets_export import FORM, fill_plan

BENCH = Path("/tmp/yice-bench-import/files-1000/files")
EXACT = dict(quick_bytes=0)
# tight bounds so that refusals (cell budget, area, elements) also happen inside small parts
TIGHT = dataclasses.replace(zipsafe.FILING, cells=1200, sheet_area=600, sheet_elements=2500)


def _scan(data: bytes, limits: zipsafe.Limits):
    try:
        zf, scan = zipsafe.open_ooxml(data, "xlsx", "xlsx 文件", limits)
    except zipsafe.UnsafeFile as e:
        return "refused", str(e)
    zf.close()
    return "scan", scan


def _value_cells(data: bytes) -> dict[str, list[tuple[int, int]]]:
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    try:
        out = {}
        for name in wb.sheet_names:
            rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
            out[name] = [(r, c) for r, row in enumerate(rows, 1) for c, v in enumerate(row, 1) if v != ""]
        return out
    finally:
        wb.close()


def differences(data: bytes, limits: zipsafe.Limits = zipsafe.FILING) -> tuple[list[str], int]:
    """What the quick path answers differently from the exact path, and how many sheets it read."""
    quick = _scan(data, limits)
    exact = _scan(data, dataclasses.replace(limits, **EXACT))
    if quick[0] != exact[0] or quick[0] == "refused":
        return ([] if quick == exact else [f"quick {quick} != exact {exact}"]), 0
    q, e = quick[1], exact[1]
    out = []
    for name in sorted(set(q.sheets) | set(e.sheets)):
        if q.sheets.get(name) != e.sheets.get(name):
            out.append(f"sheet {name}: quick {q.sheets.get(name)} != exact {e.sheets.get(name)}")
    for what in ("percent_styles", "defined_names", "hidden"):
        if getattr(q, what) != getattr(e, what):
            out.append(f"{what}: {getattr(q, what)} != {getattr(e, what)}")
    try:
        cells = _value_cells(data)
    except Exception:  # noqa: BLE001 - a file calamine cannot read: the styles compared above
        cells = {}
    for name, where in cells.items():
        wrong = [rc for rc in where + list(e.sheets[name].styles if name in e.sheets else ())
                 if q.percent(name, *rc) != e.percent(name, *rc)]
        if wrong:
            out.append(f"percent answers differ in {name} at {wrong[:5]}")
    return out, sum(s.quick for s in q.sheets.values())


# ------------------------------------------------------------------ the corpus
def _parts(path: Path) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(path) as z:
        return [(i.filename, z.read(i)) for i in z.infolist()]


def _zip(parts) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts:
            z.writestr(name, data)
    return buf.getvalue()


def _edit(good: bytes, change) -> bytes:
    """``good`` with its 任务清单 worksheet part changed by ``change(xml_bytes)``."""
    parts = _parts(io.BytesIO(good))
    zf, scan = zipsafe.open_ooxml(good, "xlsx", "x", zipsafe.FILING)
    zf.close()
    part = scan.sheets[TASKS].part
    return _zip([(n, change(d) if n == part else d) for n, d in parts])


def _sub(old: bytes, new: bytes, count: int = 1):
    def change(x: bytes) -> bytes:
        assert old in x, old
        return x.replace(old, new, count)
    return change


def _a3(new: bytes):
    """Cell A3 (序号 1, a number) written as ``new``, with S standing for its style index."""
    def change(x: bytes) -> bytes:
        m = re.search(rb'<c r="A3" s="(\d+)" t="n">', x)
        assert m, "A3"
        return x[:m.start()] + new.replace(b"S", m[1]) + x[m.end():]
    return change


def _r(new: bytes):
    """The start of cell A3's tag, ``<c r="A3"``, written as ``new``."""
    return _sub(b'<c r="A3"', new)


def _merge(attrs: bytes):
    """One more merged range, ``<mergeCell ATTRS/>``."""
    return _sub(b"</mergeCells>", b"<mergeCell " + attrs + b"/></mergeCells>")


def _before_end(extra: bytes):
    return lambda x: x.replace(b"</sheetData>", extra + b"</sheetData>", 1)


def _utf16(x: bytes) -> bytes:
    body = x.split(b"?>", 1)[1] if x.startswith(b"<?xml") else x
    return ('<?xml version="1.0" encoding="UTF-16"?>' + body.decode()).encode("utf-16")


NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
# (name, change of the 任务清单 part): each shape the quick path must read exactly or decline
EDITS = [
    ("formula", _a3(b'<c r="A3" s="S"><f>1+1</f>')),
    ("shared-formula", _before_end(b'<row r="40"><c r="B40"><f t="shared" si="0" ref="B40:B41">A1*2</f></c></row>'
                                   b'<row r="41"><c r="B41"><f t="shared" si="0"/></c></row>')),
    ("no-r", lambda x: re.sub(rb' r="[A-Z]+\d+"', b"", x)),
    ("no-r-row-far", _before_end(b'<row r="2000000"><c t="n"><v>1</v></c></row>')),
    ("no-r-col-past-xfd", _before_end(b'<row r="60"><c r="XFD60"/><c t="n"><v>1</v></c></row>')),
    ("r-not-first", _a3(b'<c s="S" t="n" r="A3">')),
    ("single-quotes", _r(b"<c r='A3'")),
    ("fake-r-in-quotes", _a3(b'<c foo=\'r="A9999"\' r="A3" s="S" t="n">')),
    ("two-spaces", _r(b'<c  r="A3"')),
    ("newline", _r(b'<c\nr="A3"')),
    ("leading-zero", _r(b'<c r="A03"')),
    ("lowercase", _r(b'<c r="a3"')),
    ("dollar", _r(b'<c r="$A$3"')),
    ("entity-in-r", _r(b'<c r="&#65;3"')),
    ("comment-fake-cell", _before_end(b'<!-- <c r="ZZ99999"/> -->')),
    ("comment-fake-formula", _before_end(b'<!-- <f>1+1</f> -->')),
    ("pi", _before_end(b'<?pi <c r="ZZ99999"/> ?>')),
    ("cdata", _sub(b"<is><t>", b"<is><t><![CDATA[<c r=\"ZZ9\"/>]]>")),
    ("prefixed-root", lambda x: re.sub(rb"<(/?)(\w+)", rb"<\1x:\2", x).replace(NS, NS.replace(b"xmlns=", b"xmlns:x="))),
    ("prefixed-cell-in-ext", lambda x: x.replace(b"</worksheet>", b'<extLst><ext xmlns:y="urn:y" uri="u"><y:row><y:c r="Q40"/>'
                                                                  b"<y:f>A1</y:f></y:row></ext></extLst></worksheet>")),
    ("prefixed-harmless", lambda x: x.replace(b"</worksheet>", b'<extLst><ext xmlns:y="urn:y" uri="u"><y:cx/><y:fo>1</y:fo>'
                                                               b"</ext></extLst></worksheet>")),
    ("other-namespace-c", lambda x: x.replace(b"</worksheet>", b'<extLst><ext uri="u"><c xmlns="urn:z" r="Q900"/></ext>'
                                                               b"</extLst></worksheet>")),
    ("utf16", _utf16),
    ("latin1-decl", lambda x: b'<?xml version="1.0" encoding="ISO-8859-1"?>' + x.split(b"?>", 1)[-1]),
    ("utf8-decl", lambda x: b'<?xml version="1.0" encoding="utf-8" standalone="yes"?>\n' + x.split(b"?>", 1)[-1]),
    ("bom", lambda x: b"\xef\xbb\xbf" + x),
    ("row-superscript", _sub(b'<row r="3"', b'<row r="\xc2\xb2"')),
    ("row-huge", _sub(b'<row r="3"', b'<row r="' + b"9" * 5000 + b'"')),
    ("style-superscript", _a3(b'<c r="A3" s="\xc2\xb2" t="n">')),
    ("style-huge", _a3(b'<c r="A3" s="' + b"9" * 5000 + b'" t="n">')),
    ("merge-reach", _merge(b'ref="A50:Z300"')),
    ("merge-dollar", _merge(b'ref="$A$50:$B$51"')),
    ("merge-reversed", _merge(b'ref="C60:A50"')),
    ("merge-odd-attr", _merge(b'xr:uid="x" ref="A50:B51" xmlns:xr="urn:xr"')),
    ("merge-bad-ref", _merge(b'ref="nonsense"')),
    ("merge-area", _merge(b'ref="A1:XFD1048576"')),
    ("xfd", _before_end(b'<row r="1048576"><c r="XFD1048576" t="n"><v>1</v></c></row>')),
    ("past-xfd", _before_end(b'<row r="70"><c r="XFE70"/></row>')),
    ("past-last-row", _before_end(b'<row r="1048577"><c r="A1048577"/></row>')),
    ("out-of-range-then-broken", lambda x: x.replace(b"</sheetData>", b'<row r="80"><c r="XFE80"/></row></sheetData>', 1)
     .replace(b"</worksheet>", b"<broken></worksheet>")),
    ("broken", lambda x: x.replace(b"</worksheet>", b"<broken></worksheet>")),
    ("dtd", lambda x: b'<!DOCTYPE worksheet [<!ENTITY e "x">]>' + x.split(b"?>", 1)[-1]),
    ("value-outside-cell", lambda x: x.replace(b"</worksheet>", b"<extLst><v>1</v><is/></extLst></worksheet>")),
    ("many-cells", _before_end(b"".join(b'<row r="%d">' % r + b"".join(b'<c r="%s%d"/>' % (c, r) for c in (b"A", b"B", b"C"))
                                        + b"</row>" for r in range(100, 400)))),
]


def _percent_edits(good: bytes):
    """Percent formats in use: the styles part gains a 0% cell format, cells of 任务清单 use it."""
    parts = _parts(io.BytesIO(good))
    styles = dict(parts)["xl/styles.xml"]
    n = int(re.search(rb'<cellXfs count="(\d+)"', styles)[1])
    styles = re.sub(rb'<cellXfs count="\d+">(.*?)</cellXfs>',
                    lambda m: b'<cellXfs count="%d">' % (n + 1) + m[1] + b'<xf numFmtId="9" fontId="0" fillId="0" borderId="0"/></cellXfs>',
                    styles, flags=re.S)
    with_pct = _zip([(nm, styles if nm == "xl/styles.xml" else d) for nm, d in parts])
    pct = b"%d" % n
    return [
        ("percent-unused", with_pct),
        ("percent-used", _edit(with_pct, _a3(b'<c r="A3" s="' + pct + b'" t="n">'))),
        ("percent-leading-zero", _edit(with_pct, _a3(b'<c r="A3" s="0' + pct + b'" t="n">'))),
        ("percent-single-quotes", _edit(with_pct, _a3(b"<c r=\"A3\" s='" + pct + b"' t=\"n\">"))),
        ("percent-tab", _edit(with_pct, _a3(b'<c r="A3"\ts="' + pct + b'" t="n">'))),
        ("percent-empty-cell", _edit(with_pct, _before_end(b'<row r="90"><c r="A90" s="' + pct + b'"/></row>'))),
        ("percent-value-outside-cell", _edit(with_pct, lambda x: x.replace(b"</sheetData>", b'<row r="90"><c r="A90" s="' + pct
                                                                              + b'"/></row></sheetData>', 1)
                                             .replace(b"</worksheet>", b"<extLst><v>1</v></extLst></worksheet>"))),
    ]


@pytest.fixture
def good(store, school, tmp_path) -> bytes:
    plan = fill_plan(store, school.code)
    return export_plan_xlsx(store, plan.id, tmp_path / "good.xlsx").read_bytes()


def _check(name: str, data: bytes, wrong: list, limits=zipsafe.FILING) -> int:
    diff, quick = differences(data, limits)
    if diff:
        wrong.append((name, diff))
    return quick


def test_quick_path_answers_as_the_exact_path(good, tmp_path, catalog):
    wrong: list = []
    # files the app exports: every worksheet is read by the quick path
    quick = _check("good", good, wrong)
    assert quick == len(zipsafe.open_ooxml(good, "xlsx", "x", zipsafe.FILING)[1].sheets) >= 6
    template = export_template(catalog, FORM, tmp_path / "t.xlsx", kind="一校一策").read_bytes()
    assert _check("template", template, wrong) >= 6
    # shapes made to test each way the quick path reads or declines, at two sets of bounds
    taken = {}
    for name, change in EDITS:
        data = _edit(good, change)
        taken[name] = _check(name, data, wrong)
        _check(f"{name} (tight bounds)", data, wrong, TIGHT)
    for name, data in _percent_edits(good):
        taken[name] = _check(name, data, wrong)
    assert not wrong, wrong
    # the quick path is not idle: it reads the harmless shapes, and it declines the tricky ones
    tasks_read = len(zipsafe.open_ooxml(good, "xlsx", "x", zipsafe.FILING)[1].sheets)
    for name in ("prefixed-harmless", "merge-reach", "merge-reversed", "utf8-decl", "bom", "row-superscript", "style-superscript",
                 "percent-unused", "many-cells"):
        assert taken[name] == tasks_read, name
    for name in ("formula", "no-r", "r-not-first", "comment-fake-cell", "prefixed-cell-in-ext", "utf16", "latin1-decl",
                 "percent-used", "percent-leading-zero", "percent-single-quotes", "percent-tab", "merge-odd-attr"):
        assert taken[name] == tasks_read - 1, name


@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_quick_path_on_the_import_corpora(good, tmp_path, catalog):
    """The hostile corpus, the bad files and the human-input corpus of the import tests."""
    from test_hostile import hostile_files
    from test_human_input import CASES, _fill
    from test_import import _bad_files

    src = tmp_path / "good.xlsx"
    src.write_bytes(good)
    wrong: list = []
    files = [p for p, _x in hostile_files(src, _mkdir(tmp_path / "hostile"))]
    files += [p for p, _x in _bad_files(src, _mkdir(tmp_path / "bad"))]
    template = export_template(catalog, FORM, tmp_path / "t.xlsx", kind="一校一策")
    for k, (_name, _what, change, _expect) in enumerate(CASES, 1):
        path = tmp_path / f"human-{k:02d}.xlsx"
        _fill(template, path, f"41620107{k:02d}", change)
        files.append(path)
    refused = quick = 0
    for path in files:
        data = path.read_bytes()
        diff, n = differences(data)
        quick += n
        refused += _scan(data, zipsafe.FILING)[0] == "refused"
        if diff:
            wrong.append((path.name, diff))
    assert not wrong, wrong
    assert refused >= 10 and quick >= 5 * len(CASES), (refused, quick)


@pytest.mark.skipif(not BENCH.is_dir(), reason="bench files not built (bench/bench_import.py)")
def test_quick_path_on_bench_files():
    files = sorted(BENCH.glob("*.xlsx"))[::50]
    wrong: list = []
    for path in files:
        diff, quick = differences(path.read_bytes())
        assert quick >= 6, path.name
        if diff:
            wrong.append((path.name, diff))
    assert files and not wrong, wrong


@pytest.mark.parametrize("mutation", [
    [(rb"mergeCell ref=", rb"mergeCell_ ref="), (rb"|mergeCell[\s/>]", rb"")],  # merged ranges overlooked
    [(rb"[fc][\s/>]", rb"[c][\s/>]")],  # formulas overlooked
    [(rb"mergeCell ref=", rb"mergeCell_ ref=")],  # a merged range taken for an odd one: declined, still right
    [(rb"([A-Z]{1,3})([1-9]", rb"([A-Z]{1,2})([1-9]")],  # a cell past ZZ: declined, still right
])
def test_a_broken_quick_path_is_caught(good, monkeypatch, mutation):
    """The comparison is able to fail: a quick path that overlooks merged ranges or formulas is
    found out on the shapes above; one that only declines more is not wrong."""
    data = [_edit(good, change) for name, change in EDITS if name in ("merge-reach", "formula", "shared-formula")]
    assert not any(differences(d)[0] for d in data)
    pattern = zipsafe._SHEET_TAGS.pattern
    for old, new in mutation:
        assert old in pattern
        pattern = pattern.replace(old, new)
    monkeypatch.setattr(zipsafe, "_SHEET_TAGS", re.compile(pattern))
    found = [differences(d)[0] for d in data]
    assert any(found) == (len(mutation) > 1 or b"[c]" in mutation[0][1]), found


def _mkdir(d: Path) -> Path:
    d.mkdir()
    return d
