"""Golden files of the outputs a unit files and an office reads (tests/golden/, compared by
tests/canonical.py — read its docstring for what is normalised and how to regenerate).

- ``word_styles.xml``: word/styles.xml as written into an exported 实施方案 and 汇总报告 (one
  typography: the two must be equal, then equal to the golden).
- ``word_footers.xml``: every section (portrait body, landscape 附件) of a formal 实施方案, a
  draft one (征求意见稿 mark beside the number) and a 汇总报告, with the page-number footers
  each section references.
- ``summary_document.xml`` and ``summary_charts.xml``: word/document.xml and the native charts of
  the 汇总报告 of a fixed demo province.
- ``filing_xlsx.yaml``: a canonical dump of the 报送表 of a plan filed twice (returned once).
- ``plan_document.xml`` (tests/test_word.py): word/document.xml of a fixed 实施方案.

Inputs are fixed through the existing parameters (``plan_uuid``, ``dated``, ``office``, a
Summary's ``made_at``, the demo's ``seed`` and ``year``); the two values the program draws
itself when filing — a submission's uuid and its time — are set in the database afterwards, as
an import would have brought them. Only the 报送表's ``_meta`` export time and program version
are masked (checked for form first).

Each test fails on a change to what it covers, shown by hand (then reverted) on this branch:
``word_styles.xml`` — the Footer style 14 → 15 pt in build_templates.py, templates rebuilt
(diff: ``<w:sz w:val="28"/>`` → ``30``); ``word_footers.xml`` — the page number's dash ``—`` →
``－`` (portrait footers), NUMBER_MM 28.5 → 29.5 (the landscape number's ``wp:posOffset``), the
draft mark in plan.yaml; ``summary_document.xml`` — 统计截至 → 截至 in summary.yaml;
``summary_charts.xml`` — the 已完成 colour in charts.py; ``filing_xlsx.yaml`` — the border
colour in excel/style.py (every bordered cell's line) and the cover label 报送情况 → 报送状态
(one cell).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
import zipfile

import pytest
from lxml import etree
from sqlalchemy import select

from canonical import GOLDEN, check_golden, docx_footers, docx_xml, xlsx_dump, xml_text
from desktop import __version__
from desktop.core.demo import build_demo
from desktop.core.store.models import Plan, Submission
from desktop.core.summary import summarise
from desktop.core.vocab import Meaning, Role
from desktop.excel.filing import export_plan_xlsx
from desktop.excel.layout import META
from desktop.word.plan import export_plan_docx
from desktop.word.summary import export_summary_docx
from tools import edit, explain_all, fill_clean

FORM = "gs2020-annex2"
PLAN_UUID = "3f1c2a4e-0000-4000-8000-000000000002"
DATED = dt.date(2026, 5, 20)
YEAR, SEED, SCHOOLS = 2024, 7, 24  # the demo province of the 汇总报告
MADE_AT = dt.datetime(2024, 9, 30, 17, 0)  # 统计截至
OFFICE = "甘肃省教育厅"


def _fix_submissions(store, plan_id: int) -> None:
    """Give the plan's submissions fixed identities and times (the lifecycle draws a uuid4 and
    reads the clock), keeping each one's link to the one it replaces."""
    with store.session() as s:
        subs = s.scalars(select(Submission).where(Submission.plan_id == plan_id).order_by(Submission.number)).all()
        previous = None
        for sub in subs:
            sub.uuid = f"5ab0c0de-0000-4000-8000-{sub.number:012d}"
            sub.replaces = previous
            sub.made_at = dt.datetime(2026, 5, 10 + sub.number, 9, 30)
            sub.reviewed_at = sub.reviewed_at and sub.made_at + dt.timedelta(days=1)
            previous = sub.uuid
        s.get(Plan, plan_id).received_at = subs[-1].made_at


@pytest.fixture
def plan(store, school, catalog):
    """A clean 一校一策 plan with every kind of cell: several lines, a formula-like text, an item
    not applicable (with its reason), indicators, every chapter and a 佐证材料 file."""
    p = store.plans.create(school.code, FORM, 2026, plan_uuid=PLAN_UUID)
    view = catalog.get(FORM)
    key = view.key
    fill_clean(store, p.id, view)
    ind = next(it for it in view.items if it.indicators)
    skip = next(it for it in view.items if not view.must_answer(it.no, p.kind))
    edits = [edit(2, key(Role.MEASURES), "制定学校实施方案，报省教育厅备案；\n每年修订一次。"),
             edit(2, key(Role.PARTNERS), "=1+1 科研处、财务处"),
             edit(skip.no, key(Role.APPLICABILITY), store.vocab.yes_no(False)),
             edit(skip.no, key(Role.PROGRESS), view.decl(Role.PROGRESS).choice(Meaning.NOT_APPLICABLE)),
             edit(skip.no, key(Role.PROBLEMS), "本校为高职院校，不涉及该项任务。")]
    edits += [edit(ind.no, key(Role.MEASURES), "建设2个高水平专业群。"), edit(ind.no, key(Role.LEAD), "教务处"),
              edit(ind.no, key(Role.DEADLINE), "2027-06-30"),
              edit(ind.no, key(Role.PROGRESS), view.decl(Role.PROGRESS).choice(Meaning.DONE))]
    edits += [edit(ind.no, f"target:{x.key}", 3 + k) for k, x in enumerate(ind.indicators)]
    edits += [edit(ind.no, f"actual:{x.key}", 1.5 + k) for k, x in enumerate(ind.indicators)]
    edits += [edit(0, f"section:{sec.key}", f"{sec.label}：学校现有专业48个。\n与120家企业开展合作。")
              for sec in store.catalog.base_fields.sections]
    store.plans.apply_edits(p.id, edits)
    explain_all(store, p.id)  # a 说明 for any warning the edits raised
    store.evidence.add_bytes(p.id, 2, "实施方案备案回执.pdf", b"%PDF-1.4 receipt")
    return store.plans.get(p.id)


def _filed_twice(store, plan) -> None:
    """第1次报送, 退回, edited, 第2次报送: the 报送表 then carries its history."""
    store.lifecycle.submit(plan.id)
    store.lifecycle.review(plan.id, accept=False, reason="请细化时间节点")
    view = store.catalog.get(FORM)
    store.plans.apply_edits(plan.id, [edit(2, view.key(Role.MEASURES), "制定学校实施方案，2026年6月底前报省教育厅备案。")])
    store.lifecycle.submit(plan.id)
    _fix_submissions(store, plan.id)


@pytest.fixture
def province(store):
    build_demo(store, schools=SCHOOLS, year=YEAR, seed=SEED)
    return store


def _summary_docx(store, tmp_path):
    sm = dataclasses.replace(summarise(store, FORM, YEAR), made_at=MADE_AT)
    return export_summary_docx(store, FORM, YEAR, None, tmp_path / "summary.docx", summary=sm, office=OFFICE,
                               dated=DATED)


# --------------------------------------------------------------------------- Word
def test_golden_word_styles(store, plan, tmp_path):
    """Fails when a style of either Word template changes (shown: Footer 14 → 15 pt), or when
    the two templates' styles drift apart (one typography)."""
    plan_styles = docx_xml(export_plan_docx(store, plan.id, tmp_path / "plan.docx", dated=DATED), "word/styles.xml")
    build_demo(store, schools=3, year=YEAR, seed=SEED)
    summary_styles = docx_xml(_summary_docx(store, tmp_path), "word/styles.xml")
    assert plan_styles == summary_styles, "实施方案 and 汇总报告 no longer share one styles.xml"
    check_golden("word_styles.xml", plan_styles)


def test_golden_word_footers(store, plan, tmp_path):
    """Fails when a page-number footer (portrait or the landscape 附件's turned number), the
    draft mark beside it, or a section's page size or orientation changes (shown: the dash, the
    landscape number's position, the draft mark)."""
    root = etree.Element("footers")
    root.append(docx_footers(export_plan_docx(store, plan.id, tmp_path / "plan-draft.docx", draft=True,
                                              dated=DATED)))
    root.append(docx_footers(export_plan_docx(store, plan.id, tmp_path / "plan.docx", dated=DATED)))
    build_demo(store, schools=3, year=YEAR, seed=SEED)
    root.append(docx_footers(_summary_docx(store, tmp_path)))
    orients = [s.get("orient") for s in root.iter("section")]
    assert orients == ["portrait", "landscape"] * 3  # each document has its landscape 附件
    check_golden("word_footers.xml", xml_text(root))


def test_golden_summary_document(province, tmp_path):
    """Fails when any paragraph, table cell, figure or section of the 汇总报告 changes (shown:
    one word of the intro in summary.yaml)."""
    out = _summary_docx(province, tmp_path)
    check_golden("summary_document.xml", docx_xml(out))


def test_golden_summary_charts(province, tmp_path):
    """Fails when a chart of the 汇总报告 changes: series, categories, colours, axes, labels
    (shown: the 已完成 colour)."""
    out = _summary_docx(province, tmp_path)
    with zipfile.ZipFile(out) as z:
        parts = sorted((n for n in z.namelist() if re.fullmatch(r"word/charts/chart\d+\.xml", n)),
                       key=lambda n: int(re.sub(r"\D", "", n)))
    assert len(parts) == 3  # filing rate, progress, indicator attainment
    root = etree.Element("charts")
    for part in parts:
        etree.SubElement(root, "chart", part=part).append(etree.fromstring(docx_xml(out, part)))
    check_golden("summary_charts.xml", xml_text(root))


# --------------------------------------------------------------------------- Excel
ISO_SECONDS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")


def _meta_volatile(sheet: str, cell):
    """The 报送表's two values no input fixes: when it was exported (the clock at export) and
    the program version (changes each release). Checked for form, then masked."""
    if sheet != META or cell.column != 2:
        return None
    name = cell.offset(column=-1).value
    if name == "exported_at":
        assert ISO_SECONDS.fullmatch(cell.value), cell.value
        return "<exported_at>"
    if name == "app_version":
        assert cell.value == __version__
        return "<app_version>"
    return None


def test_golden_filing_xlsx(store, plan, tmp_path):
    """Fails when any cell value, number format, font, fill, border, alignment, protection,
    merged range, width, height, freeze pane, data validation, print setting or title, defined
    name or sheet protection of the 报送表 changes (shown: a border colour; one cover label)."""
    _filed_twice(store, plan)
    out = export_plan_xlsx(store, plan.id, tmp_path / "filing.xlsx")
    check_golden("filing_xlsx.yaml", xlsx_dump(out, mask=_meta_volatile))


def test_every_golden_file_has_its_test():
    """A golden file no test reads would go stale unnoticed: each is named in a test module."""
    tests = "".join(p.read_text(encoding="utf-8") for p in GOLDEN.parent.glob("test_*.py"))
    orphans = [p.name for p in GOLDEN.iterdir() if f'"{p.name}"' not in tests]
    assert not orphans, orphans
