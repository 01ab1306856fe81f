"""The Word documents as a clerk sees them: rendered by LibreOffice, measured on the PDF.

Each document (a city plan, a school plan with 4 items, the 汇总报告) is rendered with the test
fonts (tests/fonts/fonts.conf: the four GB faces mapped to distinct installed ones) and read back
with ``pdftotext -bbox-layout`` (positions) and ``pdftohtml -xml`` (faces). Measured: characters
per line and lines per page of the body, the page numbers of portrait and landscape pages, the
title's line breaks and pitch, the 附件说明's hanging indent, the 署名 / 成文日期 block (position,
room for a 45 mm seal, on a page with body text), and headings set in their faces. The pages a
reviewer looks at are saved under tests/_artifacts/word/.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata

import pytest

from desktop.core.demo import build_demo
from desktop.core.summary import summarise
from desktop.word.plan import export_plan_docx
from desktop.word.summary import export_summary_docx
from tools import MM, edit as Edit, fill_clean, page_png, pdf_fonts, pdf_pages, render_pdf

pytestmark = pytest.mark.office

FORM = "gs2020-annex2"
DATED = dt.date(2026, 5, 20)
LEFT, RIGHT_MARGIN, TOP, BOTTOM_MARGIN = 1587 / 20, 1474 / 20, 2098 / 20, 1984 / 20  # the portrait page
CHAR = 16 - 0.3  # a body character (3号 less 0.3 pt spacing)
PITCH = 579 / 20  # the body line pitch: 22 lines on 225 mm
LONG = ("学校坚持以服务区域经济社会发展为宗旨，以促进就业为导向，深化产教融合、校企合作，"
        "推进专业建设与产业发展对接，人才培养与岗位需求对接，教学过程与生产过程对接")  # no digits, no Latin


def _wide(text: str) -> bool:
    return all(unicodedata.east_asian_width(ch) in "WF" for ch in text)


def _number_words(page) -> list:
    """The page number's words: below the text area (portrait) or left of it (landscape)."""
    outside = (lambda w: w.x1 < 1984 / 20) if page.landscape else (lambda w: w.y0 > page.height - BOTTOM_MARGIN)
    return [w for w in page.words if re.fullmatch(r"—|\d+", w.text) and outside(w)]


def _body_lines(page):
    """Lines of the portrait text area (no page number)."""
    bottom = page.height - BOTTOM_MARGIN
    return [ln for ln in page.lines if ln.y0 >= TOP - 12 and ln.y1 <= bottom + 4 and not re.fullmatch(r"—\d+—", ln.text)]


NO_START = "，。、；：？！）》」』”’…—"  # may not begin a line (the line before gives up a character)
NO_END = "（《「『“‘"  # may not end a line


def _gaps(text: str) -> int:
    """Where an ideograph meets a Latin letter or digit (the renderer's autospace)."""
    kind = ["i" if unicodedata.category(c) == "Lo" else "a" if c.isascii() and c.isalnum() else "" for c in text]
    return sum({a, b} == {"i", "a"} for a, b in zip(kind, kind[1:]))


def check_lines(pages) -> dict:
    """Every pure-Chinese line that reaches the right margin holds 28 characters (26 after a
    first-line indent) — one fewer only where line-breaking rules move a character down (the
    next line would start with ，。 or this one end with “《), and a ，。 may hang into the margin
    (Word and LibreOffice both allow it). A line mixing 汉字 and digits holds 28 character cells
    (a digit half a cell, a fifth of a cell where a digit meets an ideograph) less what the next
    word needs.
    Returns how many lines were measured of each kind."""
    full = indented = mixed = 0
    for pg in (p for p in pages if not p.landscape):
        right = pg.width - RIGHT_MARGIN
        lines = sorted(_body_lines(pg), key=lambda ln: ln.y0)
        for ln, nxt in zip(lines, lines[1:] + [None]):
            if ln.x1 < right - CHAR or " " in ln.text or nxt is None:
                continue
            start = 0 if abs(ln.x0 - LEFT) < 2 else 2 if abs(ln.x0 - (LEFT + 2 * CHAR)) < 2 else None
            if start is None:
                continue
            hangs = ln.text[-1] in NO_START and ln.x1 > right + CHAR / 2  # ，in the margin
            text = ln.text[:-1] if hangs else ln.text
            if _wide(ln.text):
                moved = nxt.text[1:2] in tuple(NO_START) or nxt.text[:1] in tuple(NO_END)
                assert len(text) == 28 - start or (moved and len(text) == 27 - start), (pg.number, ln, nxt)
                assert hangs or abs(ln.x1 - (LEFT + 28 * CHAR)) < 3, (pg.number, ln)
                full, indented = full + (start == 0), indented + (start == 2)
            elif all(unicodedata.east_asian_width(c) in "WFNaH" for c in text) and re.search(r"\d", text):
                cells = sum(1 if unicodedata.east_asian_width(c) in "WF" else 0.5 for c in text) + 0.2 * _gaps(text)
                assert 28 - start - 2.5 <= cells <= 28 - start + 0.01, (pg.number, ln, cells)
                mixed += 1
    return {"full": full, "indented": indented, "mixed": mixed}


def rows_of(page) -> list[float]:
    """The distinct text rows of a page's text area (y of their tops, merged within 6 pt)."""
    ys = sorted(ln.y0 for ln in _body_lines(page))
    rows: list[float] = []
    for y in ys:
        if not rows or y - rows[-1] > 6:
            rows.append(y)
    return rows


def check_full_page(page) -> None:
    """A page of body text only: 22 rows at the 28.95 pt pitch."""
    rows = rows_of(page)
    assert len(rows) == 22, (page.number, len(rows))
    pitch = (rows[-1] - rows[0]) / 21
    assert abs(pitch - PITCH) < 0.3, pitch


def check_page_numbers(pages) -> set[str]:
    """Portrait: “— N —” one character in from the outer edge (odd right, even left), the dash
    about 7 mm below the text area. Landscape: turned with the page on the left edge (the bound
    bottom), odd at its lower end, even at its upper end, the same 7 mm off the text area.
    Returns the kinds of pages seen (portrait/landscape × odd/even)."""
    seen = set()
    for pg in pages:
        words = _number_words(pg)
        assert str(pg.number) in [w.text for w in words], pg.number
        x0, x1 = min(w.x0 for w in words), max(w.x1 for w in words)
        y0, y1 = min(w.y0 for w in words), max(w.y1 for w in words)
        odd = pg.number % 2 == 1
        if not pg.landscape:
            text_bottom = pg.height - BOTTOM_MARGIN
            assert 5 * MM < (y0 + y1) / 2 - text_bottom < 10 * MM, (pg.number, y0, y1)
            if odd:
                assert abs(x1 - (pg.width - RIGHT_MARGIN - 14)) < 3, (pg.number, x1)
            else:
                assert abs(x0 - (LEFT + 14)) < 3, (pg.number, x0)
        else:
            text_left = 1984 / 20  # the portrait bottom margin, turned
            assert y1 - y0 > 2 * (x1 - x0), "the number runs along the edge (turned)"
            assert 5 * MM < text_left - (x0 + x1) / 2 < 10 * MM, (pg.number, x0, x1)
            if odd:
                assert abs(y1 - (pg.height - 1474 / 20 - 14)) < 4, (pg.number, y1)
            else:
                assert abs(y0 - (1587 / 20 + 14)) < 4, (pg.number, y0)
        seen.add(("landscape" if pg.landscape else "portrait") + ("-odd" if odd else "-even"))
    return seen


def check_signature(pages, signer: str, date: str):
    """The 署名 centred over the 成文日期 右空四字, room above for a 45 mm seal reaching to within
    a line of the text and pressing on both (their pair below its centre), and body text on the
    same page. Returns (page, signer line, date line)."""
    hits = [(pg, ln) for pg in pages if not pg.landscape for ln in pg.lines if ln.text in (signer, date)]
    assert [ln.text for _, ln in hits][-2:] == [signer, date], hits
    (pg, sig), (pg2, day) = hits[-2:]
    assert pg is pg2 and day.y0 > sig.y0
    right = pg.width - RIGHT_MARGIN
    assert abs(sig.cx - day.cx) < 3, ("署名 centred on the date", sig, day)
    if sig.x1 - sig.x0 <= day.x1 - day.x0 + 4 * CHAR:
        assert abs(day.x1 - (right - 4 * CHAR)) < 3, ("成文日期右空四字", day)
    else:  # a long 署名 keeps two characters from the margin and the date centres under it
        assert abs(sig.x1 - (right - 2 * CHAR)) < 3, ("署名右空二字", sig)
    assert abs(day.y0 - sig.y0 - PITCH) < 2
    above = [ln for ln in _body_lines(pg) if ln.y1 <= sig.y0]
    assert above, "a page with only the signature"
    last = max(above, key=lambda ln: ln.y1)
    seal = 45 * MM
    pair_centre = (sig.cy + day.cy) / 2
    # the seal's top at last.y1 + d: within a line of the text, covering both, centre above the pair
    low, high = day.y1 - seal - last.y1, min(PITCH, sig.y0 - last.y1, pair_centre - seal / 2 - last.y1)
    assert max(low, 0) <= high, ("no room for a 45 mm seal", last, sig, day)
    inside = [ln for ln in pg.lines if ln.y0 > last.y1 and ln.y1 < day.y1 + 1 and ln not in (sig, day)
              and abs(ln.cx - day.cx) < seal / 2 + ln.x1 - ln.cx]
    assert not inside, inside
    return pg, sig, day


def check_title(pages, lines: list[str]) -> None:
    """The title in the given lines (broken where the wording allows), at the title pitch."""
    got = [ln for ln in pages[0].lines[: len(lines)]]
    assert [ln.text for ln in got] == lines
    for a, b in zip(got, got[1:]):
        assert abs((b.y0 - a.y0) - 35) < 2, ("title pitch", a, b)
    for a in got:  # centred in the text area
        assert abs(a.cx - pages[0].width / 2 - (LEFT - RIGHT_MARGIN) / 2) < 3, a


def faces(pdf, page: int) -> dict[str, str]:
    """Text run → font family on a page (the test faces: UMing 仿宋, UKai 楷体, WenQuanYi 黑体,
    NotoSerif 小标宋)."""
    return {t: fam for t, fam, _size in pdf_fonts(pdf, page)}


def save_pages(pdf, name: str, pages: dict[str, int], artifacts) -> list:
    out = artifacts / "word"
    out.mkdir(parents=True, exist_ok=True)
    paths = [page_png(pdf, n, out / f"{name}-{what}-p{n}") for what, n in pages.items()]
    assert all(p.stat().st_size > 5000 for p in paths)
    return paths


# ----------------------------------------------------------------------------- the plans
def _item(no: int, measures: str, **extra) -> list:
    vals = dict(applicable="是", measures=measures, lead="教务处", partners="科研处、财务处", owner="李明",
                deadline="2028-12-31", status="推进中", outcome="形成制度文件")
    vals.update(extra)
    return [Edit(no, k, v) for k, v in vals.items() if v is not None]


def _school_plan(store, extra_lines: int = 0):
    """A school with a long name, 4 items (2, 13, 19 and 5 not applicable), every chapter."""
    store.units.add("4162010731", "甘肃省兰州市城关区现代服务职业技术学校", "school", "620100", school_type="中职")
    p = store.plans.create("4162010731", FORM, 2026)
    edits = [Edit(0, "section:basic_info", "\n".join([LONG] * 14)),
             Edit(0, "section:guiding", LONG),
             Edit(0, "section:principles", "（一）坚持需求导向\n（二）坚持统筹推进。各部门协同配合，形成工作合力。"),
             Edit(0, "section:goals", "到2028年，建成省内一流的现代服务类中等职业学校。"),
             Edit(0, "section:steps", "（一）动员部署阶段。制定方案，明确分工。\n（二）组织实施阶段。按计划推进各项任务。"),
             Edit(0, "section:safeguards", "\n".join(["加强组织领导，完善工作机制。"] * (1 + extra_lines)))]
    edits += _item(2, "制定学校“一校一策”实施方案，报省教育厅备案。")
    edits += _item(13, "建设2个骨干专业，建成1个教师企业实践流动站。", task_title="打造骨干专业和实践基地")
    edits += _item(19, "与3家企业共建产教融合实训基地。", partners=None, owner=None, outcome=None)
    edits += [Edit(13, "target:high_level_major_groups", 2), Edit(5, "applicable", "否"),
              Edit(5, "problems", "本校为中等职业学校，不涉及技师学院。")]
    store.plans.apply_edits(p.id, edits)
    return p


def check_record_at_foot(pages) -> None:
    """The 版记 closes the last page at its foot (GB/T 9704 7.4): its last line is the page's lowest
    text but for the page number, within one line of the bottom of the text area."""
    last = pages[-1]
    rec = [ln for ln in last.lines if ln.text.startswith("方案编号：")]
    assert rec, [ln.text for ln in last.lines]
    text = [ln for ln in last.lines if not re.fullmatch(r"[—\d\s]+", ln.text)]
    assert rec[0].y1 >= max(ln.y1 for ln in text) - 0.5
    bottom = last.height - (1474 / 20 if last.landscape else BOTTOM_MARGIN)  # landscape: the portrait's right margin
    assert bottom - 1.5 * PITCH < rec[0].y1 <= bottom + 2, (rec[0].y1, bottom)


def test_school_plan_pages(store, soffice, tmp_path, artifacts):
    p = _school_plan(store)
    docx = export_plan_docx(store, p.id, tmp_path / "school.docx", dated=DATED)
    pdf = render_pdf(soffice, docx)
    pages = pdf_pages(pdf)

    check_title(pages, ["甘肃省兰州市城关区现代服务职业技术学校", "“一校一策”实施方案"])  # not “……实施 / 方案”
    measured = check_lines(pages)
    assert measured["full"] >= 10 and measured["indented"] >= 10, measured
    check_full_page(pages[1])  # 基本情况 fills page 2 with text alone
    seen = check_page_numbers(pages)
    assert {"portrait-odd", "portrait-even", "landscape-odd"} <= seen or \
        {"portrait-odd", "portrait-even", "landscape-even"} <= seen, seen
    pg, sig, day = check_signature(pages, "甘肃省兰州市城关区现代服务职业技术学校", "2026年5月20日")

    # 附件说明: a wrapped attachment name starts under its first character
    note = [ln for ln in pg.lines if ln.text.startswith("附件：")]
    assert len(note) == 1
    nxt = min((ln for ln in pg.lines if ln.y0 > note[0].y0), key=lambda ln: ln.y0)
    assert nxt.text.endswith("任务分解表") and abs(nxt.x0 - (note[0].x0 + 3 * CHAR)) < 1.5, (note, nxt)
    assert abs(note[0].x0 - (LEFT + 2 * CHAR)) < 1.5  # 左空二字

    # headings in their faces: 黑体 chapter, 楷体 task and user （一）, 仿宋 body, 小标宋 title
    first = faces(pdf, 1)
    assert "NotoSerif" in first["甘肃省兰州市城关区现代服务职业技术学校"]
    assert "WenQuanYi" in first["一、基本情况"] and "UMing" in first[LONG[:26]]
    task_page = next(pg.number for pg in pages if "（一）制定“一市一策”“一校一策”实施方案" in pg.text)
    on_task = faces(pdf, task_page)
    assert "UKai" in on_task["（一）制定“一市一策”“一校一策”实施方案"]
    lead_page = next(pg.number for pg in pages if "（二）坚持统筹推进。" in pg.text)
    lead = faces(pdf, lead_page)
    assert "UKai" in lead["（二）坚持统筹推进。"] and "UMing" in lead["各部门协同配合，形成工作合力。"]
    assert "UKai" in lead["（一）坚持需求导向"]
    text = "".join(pg.text for pg in pages)
    assert "（二）打造骨干专业和实践基地" in text and "对应《甘肃省工作任务清单》第13项“实施职业教育提质培优行动”。" in text
    assert "清单第5项“将技师学院纳入高等职业院校序列”：本校为中等职业学校，不涉及技师学院。" in text
    for word in ("2028.12.31", "序号", "牵头部门", "完成时限"):  # dates and headers never wrap
        assert any(w.text == word for pg in pages if pg.landscape for w in pg.words), word
    annex = next(pg for pg in pages if pg.landscape)
    check_record_at_foot(pages)
    save_pages(pdf, "school", {"first": 1, "task": task_page, "signature": pg.number, "annex": annex.number}, artifacts)


@pytest.mark.parametrize("lines", [22, 17])
def test_signature_never_alone_on_a_page(soffice, tmp_path, artifacts, lines):
    """The worst cases: the text ends on the last line of a page (22), or leaves too little room
    for the 附件说明 and the 署名 block (17). The block takes the last two lines of text along to
    the next page instead of standing alone there, and the page before keeps the rest."""
    import io

    from docx import Document

    from desktop.core.resources import templates_dir
    from desktop.word.official import Body
    from desktop.word.ooxml import take_pages

    doc = Document(io.BytesIO((templates_dir() / "plan.docx").read_bytes()))
    body = Body(doc, take_pages(doc), "plan.docx")
    for i in range(lines):
        body.text("Normal", f"第{i + 1}行：加强组织领导，完善工作机制。", body=True)
    body.annex_note("附件：兰州市“一市一策”实施方案任务分解表")
    body.signature("兰州市人民政府", "2026年5月20日", right_chars=4, seal_lines=2)
    body.flush()
    doc.save(tmp_path / "edge.docx")
    pdf = render_pdf(soffice, tmp_path / "edge.docx")
    pages = pdf_pages(pdf)
    assert len(pages) == 2
    pg, sig, _ = check_signature(pages, "兰州市人民政府", "2026年5月20日")
    assert pg.number == 2
    moved = [ln.text for ln in _body_lines(pg) if ln.text.startswith("第")]
    assert moved == [f"第{lines - 1}行：加强组织领导，完善工作机制。", f"第{lines}行：加强组织领导，完善工作机制。"]
    assert len(rows_of(pages[0])) == lines - 2
    save_pages(pdf, f"signature-edge-{lines}", {"signature": 2}, artifacts)


def test_city_plan_pages(store, soffice, tmp_path, artifacts):
    p = store.plans.create("620100", FORM, 2026)  # 兰州市 from the shipped registry
    fill_clean(store, p.id)
    view = store.catalog.get(FORM)
    edits = [Edit(it.no, "measures", f"第{it.no}项：" + "统筹全市职业教育资源，推进市域产教联合体建设，" * 4)
             for it in view.items if view.must_answer(it.no, p.kind)]
    edits += [Edit(0, "section:basic_info", "\n".join([LONG] * 6)), Edit(0, "section:organisation", LONG)]
    store.plans.apply_edits(p.id, edits)
    docx = export_plan_docx(store, p.id, tmp_path / "city.docx", dated=DATED)
    pdf = render_pdf(soffice, docx)
    pages = pdf_pages(pdf)

    check_title(pages, ["兰州市“一市一策”实施方案"])
    measured = check_lines(pages)
    assert measured["full"] >= 12, measured
    seen = check_page_numbers(pages)
    assert seen == {"portrait-odd", "portrait-even", "landscape-odd", "landscape-even"}, seen
    pg, sig, day = check_signature(pages, "兰州市人民政府", "2026年5月20日")
    text = "".join(x.text for x in pages)
    assert "结合本市实际" in text and "组织实施" in text
    full = [x for x in pages if not x.landscape and len(rows_of(x)) == 22]
    assert full, "a page of text alone"
    check_full_page(full[0])
    task_page = next(x.number for x in pages if "（一）制定“一市一策”“一校一策”实施方案" in x.text)
    annex = [x.number for x in pages if x.landscape]
    assert len(annex) >= 2
    check_record_at_foot(pages)
    save_pages(pdf, "city", {"first": 1, "task": task_page, "signature": pg.number, "annex": annex[0]}, artifacts)


# ------------------------------------------------------------------------- the 汇总报告
def test_summary_report_pages(store, soffice, tmp_path, artifacts):
    build_demo(store, schools=60, year=2024, seed=7)
    sm = summarise(store, FORM, 2024, None)
    docx = export_summary_docx(store, FORM, 2024, None, tmp_path / "summary.docx", summary=sm,
                               office="甘肃省教育厅", dated=DATED)
    pdf = render_pdf(soffice, docx)
    pages = pdf_pages(pdf)

    check_title(pages, ["甘肃省2024年工作任务清单", "落实情况汇总报告"])
    measured = check_lines(pages)
    assert sum(measured.values()) >= 5 and measured["mixed"] >= 3, measured
    seen = check_page_numbers(pages)
    assert {"portrait-odd", "portrait-even"} <= seen and any(s.startswith("landscape") for s in seen), seen
    pg, sig, day = check_signature(pages, "甘肃省教育厅", "2026年5月20日")
    assert "催报情况" in pg.text  # the last chapter's text shares the page with the 署名
    for word in ("序号", "应报", "已报送", "完成率", "报送率", "联系电话"):  # headers whole
        assert any(w.text == word for x in pages for w in x.words), word
    first = faces(pdf, 1)
    assert "WenQuanYi" in first["一、报送情况"] and "NotoSerif" in first["落实情况汇总报告"]
    annex = next(x.number for x in pages if x.landscape)
    tables = next(x.number for x in pages if "表2" in x.text)
    save_pages(pdf, "summary", {"first": 1, "table": tables, "signature": pg.number, "annex": annex}, artifacts)


def test_summary_signed_by_the_template_when_no_office_is_set(store, tmp_path):
    """Without an office in the settings the 署名 is the template's organ for the node (an organ,
    never the region's name)."""
    from docx import Document

    build_demo(store, schools=12, year=2024, seed=3)
    doc = Document(str(export_summary_docx(store, FORM, 2024, None, tmp_path / "s.docx", dated=DATED)))
    assert [p.text for p in doc.paragraphs if p.style.name == "Signature"] == ["甘肃省教育厅", "2026年5月20日"]
    # the checklist (甘肃省工作任务清单) named after the province without saying 甘肃省 twice
    assert doc.paragraphs[0].text.replace("\n", "") == "甘肃省2024年工作任务清单落实情况汇总报告"
    assert doc.core_properties.title == "甘肃省2024年工作任务清单落实情况汇总报告"
    doc = Document(str(export_summary_docx(store, FORM, 2024, "620100", tmp_path / "c.docx", dated=DATED)))
    assert [p.text for p in doc.paragraphs if p.style.name == "Signature"][0] == "兰州市教育局"
    assert doc.paragraphs[0].text.replace("\n", "") == "兰州市2024年甘肃省工作任务清单落实情况汇总报告"


def test_cli_dated_export_with_a_pdf_beside(cli, store, soffice, tmp_path):
    """``yice export --date --pdf``: the chosen 成文日期 and the PDF the province will see."""
    from docx import Document

    p = _school_plan(store)
    out = tmp_path / "dated.docx"
    code, stdout, err = cli("export", str(p.id), "--format", "docx", "-o", str(out), "--date", "2026-06-01", "--pdf")
    assert code == 0, err
    doc = Document(str(out))
    assert [x.text for x in doc.paragraphs if x.style.name == "Signature"][1] == "2026年6月1日"
    pdf = out.with_suffix(".pdf")
    assert pdf.is_file() and "2026年6月1日" in "".join(pg.text for pg in pdf_pages(pdf))
    code, _, err = cli("export", str(p.id), "--format", "docx", "-o", str(out), "--date", "2026-13-01")
    assert code == 2 and "2026-13-01" in err
