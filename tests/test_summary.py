"""Summaries on a demo province: figures checked against plain Python over the raw rows."""
from __future__ import annotations

import json
import subprocess
import zipfile
from collections import Counter, defaultdict

import openpyxl
import pytest

from desktop.core.demo import build_demo
from desktop.core.store import Store
from desktop.core.errors import InputError
from desktop.core.summary import FILED, indicator_totals, item_detail, item_progress, roster
from desktop.core.vocab import Role
from desktop.excel.filing import export_plan_xlsx
from desktop.excel.importer import import_files
from desktop.excel.summary import export_summary_xlsx, return_letter_xlsx
from desktop.word.summary import export_summary_docx
from tools import edit as Edit
from tools import explain_all, fill_clean

pytestmark = pytest.mark.backends

FORM, YEAR, PROV = "gs2020-annex2", 2024, "620000"
FILER_KINDS = {"school": "一校一策", "city": "一市一策", "area": "一市一策"}


@pytest.fixture
def province(store):
    build_demo(store, schools=60, year=YEAR, seed=7)
    return store


def _branch_of(store, under=PROV):
    """unit code → code of the node's child it sits under (schools right under the node: the node)."""
    units = {u.code: u for u in store.units.list(under)}
    out = {}
    for code in units:
        if code == under:
            continue
        c = code
        while units[c].parent_code != under:
            c = units[c].parent_code
        out[code] = under if units[c].kind == "school" else c
    return units, out


def _counted(store, under=PROV):
    """(PlanData, branch code) of every received plan below ``under``, read plan by plan."""
    units, branch = _branch_of(store, under)
    plans = [p for p in store.plans.list(form_id=FORM, year=YEAR)
             if p.unit_code in units and p.state in FILED and FILER_KINDS.get(units[p.unit_code].kind) == p.kind]
    return [(store.plans.snapshot(p.id), branch[p.unit_code]) for p in plans]


def test_roster_counts_match_units_created(province):
    units = [u for u in province.units.list(PROV) if u.kind in FILER_KINDS]
    assert sum(u.code.startswith("DEMO") for u in units) == 60
    plans = {p.unit_code: p for p in province.plans.list(form_id=FORM, year=YEAR)}
    rows = roster(province, FORM, YEAR)
    assert sorted(r.unit_code for r in rows) == sorted(u.code for u in units)
    expected = Counter(plans[u.code].state if u.code in plans else "not_filed" for u in units)
    got = Counter(r.state for r in rows)
    assert got == expected and got["not_filed"] > 0 and got["submitted"] > 0
    for r in rows:
        assert r.plan_kind == FILER_KINDS[r.unit_kind]
        if r.unit_code in plans:
            p = plans[r.unit_code]
            assert (r.plan_uuid, r.submission_no, r.received_at) == (p.uuid, p.submission_no or None, p.received_at)
    # a city's roster holds only its own subtree
    lz = roster(province, FORM, YEAR, under="620100")
    lz_units = {u.code for u in province.units.list("620100") if u.kind in FILER_KINDS} - {"620100"}
    assert {r.unit_code for r in lz} == lz_units and lz
    with pytest.raises(InputError, match="不存在"):
        roster(province, FORM, YEAR, under="999999")
    with pytest.raises(InputError, match="没有清单"):
        roster(province, "no-such-form", YEAR)


def test_item_progress_equals_raw_rows(province):
    counted = _counted(province)
    view = province.catalog.get(FORM)
    got = {it.no: it for it in item_progress(province, FORM, YEAR)}
    assert len(got) == len(view.items) == 33
    for it in view.items:
        answered = sum(1 for d, _ in counted if any(d.value(it.no, k) for k in ("applicable", "measures", "status")))
        dist = Counter(d.value(it.no, "status") or "未填" for d, _ in counted)
        g = got[it.no]
        assert g.plans == len(counted)
        assert g.answered == answered
        assert {k: v for k, v in g.status.items() if v} == dict(dist)
        assert g.required == sum(1 for d, _ in counted if view.must_answer(it.no, d.plan.kind))
    assert sum(got[13].status.values()) == len(counted) > 20


def test_item_detail_lists_measures(province):
    counted = _counted(province)
    rows = item_detail(province, FORM, YEAR, 13)
    expected = {d.plan.unit_code: d.value(13, "measures") for d, _ in counted if d.values.get(13)}
    assert {r.unit_code: r.values[Role.MEASURES] for r in rows} == expected
    assert all(r.plan_state in FILED for r in rows)
    with pytest.raises(InputError):
        item_detail(province, FORM, YEAR, 99)


def test_indicator_totals_equal_raw_rows(province):
    counted = _counted(province)
    view = province.catalog.get(FORM)
    totals = indicator_totals(province, FORM, YEAR)
    assert {t.key for t in totals} == set(view.indicator_map)
    checked = 0
    for t in totals:
        ind = view.indicator_map[t.key][1]
        vals = defaultdict(lambda: ([], []))
        for d, branch in counted:
            if d.plan.kind != t.plan_kind or t.key not in d.indicators:
                continue
            tgt, act = d.indicators[t.key]
            for b in (branch, "*"):
                if tgt is not None:
                    vals[b][0].append(tgt)
                if act is not None:
                    vals[b][1].append(act)

        def agg(xs):
            if not xs:
                return None
            return sum(xs) / len(xs) if ind.aggregation == "mean" else sum(xs)

        assert t.total.target == pytest.approx(agg(vals["*"][0]))
        assert t.total.actual == pytest.approx(agg(vals["*"][1]))
        for nf in t.nodes:
            assert nf.target == pytest.approx(agg(vals[nf.code][0])), (t.key, nf.code)
            assert nf.actual == pytest.approx(agg(vals[nf.code][1]))
            checked += nf.actual is not None
        if ind.targets:
            assert t.province_target == ind.targets[0].value
    assert checked > 10
    pct = next(t for t in totals if t.key == "enterprise_internship_ratio")
    assert pct.aggregation == "mean" and pct.province_target_text.startswith("≥2")
    secondary = next(t for t in totals if t.key == "quality_secondary_schools")
    assert secondary.province_target == 35 and "35所" in secondary.province_target_text


def _received(store, state="submitted"):
    return next(r for r in roster(store, FORM, YEAR) if r.state == state and r.unit_kind == "school")


def test_return_reason_reaches_the_units_file(province, tmp_path):
    row = _received(province)
    with pytest.raises(InputError, match="退回理由"):
        province.lifecycle.review(row.plan_id, accept=False)
    reason = "第13项落实举措过于笼统 & 缺少时间节点 <请补充>"
    info = province.lifecycle.review(row.plan_id, accept=False, reason=reason)
    assert (info.state, info.review_reason) == ("returned", reason)
    assert next(r for r in roster(province, FORM, YEAR) if r.unit_code == row.unit_code).review_reason == reason

    out = return_letter_xlsx(province, row.plan_id, tmp_path / "退回意见.xlsx")
    ws = openpyxl.load_workbook(out).active
    text = "\n".join(str(c.value) for r in ws.iter_rows() for c in r if c.value is not None)
    assert reason in text and row.unit_name in text and f"第{row.submission_no + 1}次报送" in text
    assert int(ws.page_setup.paperSize) == 9  # A4

    draft = _received(province, "draft")
    with pytest.raises(InputError, match="尚未报送"):
        province.lifecycle.review(draft.plan_id, accept=True)
    with pytest.raises(InputError, match="只有已退回"):
        return_letter_xlsx(province, draft.plan_id, tmp_path / "x.xlsx")
    assert not (tmp_path / "x.xlsx").exists()
    assert province.lifecycle.review(_received(province).plan_id, accept=True).state == "accepted"


def test_resubmission_through_the_importer_replaces_the_returned_plan(province, tmp_path, db_path, clone_db):
    """The office returns a filing; the unit (its own copy of the data) revises and files 第2次报送;
    the office imports it: the roster, the figures and the diff all show the new submission."""
    row = _received(province)
    province.lifecycle.review(row.plan_id, accept=False, reason="请补充第13项举措")
    province.engine.dispose()
    school_db = clone_db(db_path, "school")
    school = Store.open(school_db, catalog=province.catalog)
    try:
        fill_clean(school, row.plan_uuid)
        school.plans.apply_edits(row.plan_uuid, [Edit(13, "measures", "重新报送的举措：共建产业学院。")])
        explain_all(school, row.plan_uuid)
        f = export_plan_xlsx(school, row.plan_uuid, tmp_path / "resubmit.xlsx")
        assert school.plans.get(row.plan_uuid).submission_no == row.submission_no + 1
    finally:
        school.close()
    report = import_files(province, [f])
    assert report.ok, [x.messages for x in report.files]
    new = next(r for r in roster(province, FORM, YEAR) if r.unit_code == row.unit_code)
    assert (new.state, new.submission_no, new.plan_id) == ("submitted", row.submission_no + 1, row.plan_id)
    assert new.review_reason is None
    assert sum(r.unit_code == row.unit_code for r in roster(province, FORM, YEAR)) == 1
    detail = {r.unit_code: r.values[Role.MEASURES] for r in item_detail(province, FORM, YEAR, 13)}
    assert detail[row.unit_code] == "重新报送的举措：共建产业学院。"
    changes = province.plans.diff(row.plan_id)
    assert any(d.where == "第13项「落实举措」" and d.new == "重新报送的举措：共建产业学院。" for d in changes)


def _sheet_rows(ws, header_row=3):
    heads = [c.value for c in ws[header_row]]
    return [dict(zip(heads, (c.value for c in r))) for r in ws.iter_rows(min_row=header_row + 1)
            if any(c.value is not None for c in r)]


def test_xlsx_reopens_with_the_same_figures(province, tmp_path):
    rows = roster(province, FORM, YEAR)
    items = item_progress(province, FORM, YEAR)
    inds = indicator_totals(province, FORM, YEAR)
    out = export_summary_xlsx(province, FORM, YEAR, None, tmp_path / "汇总表.xlsx")
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[:1] == ["报送情况"] and {"催报名单", "任务进度", "指标汇总"} <= set(wb.sheetnames)
    got = _sheet_rows(wb["报送情况"])
    label = province.vocab.label
    assert [(r["单位代码"], r["报送状态"], r["报送次数"]) for r in got] == \
        [(r.unit_code, label(r.state), r.submission_no) for r in rows]
    chase = _sheet_rows(wb["催报名单"])
    assert [r["单位代码"] for r in chase] == [r.unit_code for r in rows if r.state not in FILED]
    prog = _sheet_rows(wb["任务进度"])
    assert len(prog) == 33
    for r, it in zip(prog, items):
        assert (r["序号"], r["已填报"], r["已完成"], r["推进中"], r["未启动"], r["不适用"]) == \
            (it.display_no, it.answered, it.status["已完成"], it.status["推进中"], it.status["未启动"], it.status["不适用"])
    totals = [r for r in _sheet_rows(wb["指标汇总"]) if r["地区"].endswith("合计")]
    assert len(totals) == len(inds)
    for r, t in zip(totals, inds):
        assert (r["指标"], r["填报类型"]) == (t.name, t.plan_kind)
        assert r["目标值"] == pytest.approx(t.total.target) and r["完成值"] == pytest.approx(t.total.actual)
    rate = _sheet_rows(wb["报送率"])[-1]
    assert rate["应报单位"] == len(rows) and rate["报送率"] == pytest.approx(sum(r.filed for r in rows) / len(rows))
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.freeze_panes == "A4"
        assert ws.print_title_rows == "$3:$3"
    with zipfile.ZipFile(out) as z:
        assert sum(n.startswith("xl/charts/chart") for n in z.namelist()) == 3  # native Excel charts


def test_docx_reopens_with_the_same_figures(province, tmp_path):
    from docx import Document
    from docx.oxml.ns import qn

    rows = roster(province, FORM, YEAR)
    items = item_progress(province, FORM, YEAR)
    out = export_summary_docx(province, FORM, YEAR, None, tmp_path / "汇总报告.docx", office="甘肃省教育厅")
    doc = Document(out)
    assert doc.paragraphs[0].text == f"甘肃省{YEAR}年工作任务清单\n落实情况汇总报告"  # broken between words, 甘肃省 once
    assert doc.paragraphs[0].style.name == "Title"
    body = "\n".join(p.text for p in doc.paragraphs)
    filed = sum(r.filed for r in rows)
    assert f"应报送单位{len(rows)}个" in body and f"已报送{filed}个" in body
    t1, t2 = doc.tables[0], doc.tables[1]
    assert [c.text for c in t1.rows[-1].cells][:3] == ["合计", str(len(rows)), str(filed)]
    assert [r.cells[0].text for r in t2.rows[1:]] == [it.display_no for it in items]
    assert [r.cells[2].text for r in t2.rows[1:]] == [str(it.answered) for it in items]
    view = province.catalog.get(FORM)  # whole topics, never a text cut with ……
    assert [r.cells[1].text for r in t2.rows[1:]] == [view.item_map[it.no].topic for it in items]
    assert "……" not in "".join(c.text for t in doc.tables for r in t.rows for c in r.cells)
    chase = [r for r in rows if r.to_chase]
    annex = doc.tables[-1]
    assert [r.cells[2].text for r in annex.rows[1:]] == [r.unit_name for r in chase]
    assert annex.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert [p.text for p in doc.paragraphs if p.style.name == "Annex Note"] == [f"附件：甘肃省{YEAR}年催报名单"]
    assert [p.text for p in doc.paragraphs if p.style.name == "Signature"][0] == "甘肃省教育厅"
    normal = doc.styles["Normal"].element.rPr.find(qn("w:rFonts"))
    assert normal.get(qn("w:eastAsia")) == "仿宋_GB2312"
    sec = doc.sections[0]
    assert (round(sec.top_margin.mm), round(sec.bottom_margin.mm), round(sec.left_margin.mm),
            round(sec.right_margin.mm)) == (37, 35, 28, 26)
    assert doc.sections[-1].page_width > doc.sections[-1].page_height  # 附件 in landscape


def test_summary_wording_is_data(province, tmp_path, monkeypatch):
    """An office changes the 署名 organ, the letterhead and the Excel labels in
    report_templates/summary.yaml, without code; mistakes are named on load."""
    import shutil

    from docx import Document

    from desktop.core.resources import templates_dir
    from desktop.excel.summary import load_letter_wording, load_sheet_wording
    from desktop.word.summary import load_template

    folder = tmp_path / "tpl"
    shutil.copytree(templates_dir(), folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    y = folder / "summary.yaml"
    orig = y.read_text(encoding="utf-8")
    y.write_text(orig.replace('  letterhead: ""', '  letterhead: "{signer}文件"')
                 .replace('      province: "{node}教育厅"', '      province: "{node}人民政府教育督导委员会办公室"')
                 .replace("    name: 报送情况", "    name: 各单位报送情况"), encoding="utf-8")
    doc = Document(str(export_summary_docx(province, FORM, YEAR, None, tmp_path / "r.docx",
                                           template=load_template(folder))))
    styled = {p.style.name: p.text for p in doc.paragraphs}
    assert styled["Letterhead"] == "甘肃省人民政府教育督导委员会办公室文件"
    assert [p.text for p in doc.paragraphs if p.style.name == "Signature"][0] == "甘肃省人民政府教育督导委员会办公室"
    monkeypatch.setattr("desktop.excel.summary.templates_dir", lambda: folder)
    out = export_summary_xlsx(province, FORM, YEAR, None, tmp_path / "s.xlsx")
    assert openpyxl.load_workbook(out).sheetnames[0] == "各单位报送情况"
    bad = {"    title: 校验发现的问题": ("    titel: 校验发现的问题", [load_letter_wording], "return_letter.problems"),
           '  scope: "清单': ('  scope: "{bad}清单', [load_sheet_wording], "sheets.scope.*占位符 'bad'"),
           '  intro: "根据': ('  intro: "{年份}根据', [load_template], "report.intro"),
           "sheets:": ("sheet:", [load_sheet_wording, load_letter_wording, load_template], "「sheet」不认识")}
    for old, (new, loaders, message) in bad.items():
        assert old in orig, old
        y.write_text(orig.replace(old, new, 1), encoding="utf-8")
        for loader in loaders:
            with pytest.raises(InputError, match=message):
                loader(folder)


def test_cli_summary(cli, tmp_path, db_path):
    assert cli("demo", "--units", "40", "--year", str(YEAR))[0] == 0
    code, out, err = cli("summary", "--form", FORM, "--year", str(YEAR), "--json")
    assert code == 0, err
    data = json.loads(out)
    store = Store.open(db_path)
    try:
        rows = roster(store, FORM, YEAR)
        items = item_progress(store, FORM, YEAR)
    finally:
        store.close()
    assert data["must_file"] == len(rows) == 40 + 15
    assert data["counts"] == dict(Counter(r.state for r in rows)) | {k: 0 for k in data["counts"]
                                                                      if k not in Counter(r.state for r in rows)}
    assert [i["answered"] for i in data["items"]] == [it.answered for it in items]

    code, out, err = cli("summary", "--form", FORM, "--year", str(YEAR), "--under", "620100",
                         "-o", str(tmp_path / "s.xlsx"))
    assert code == 0 and "报送情况：应报" in out and "任务进度" in out and "指标" in out
    assert openpyxl.load_workbook(tmp_path / "s.xlsx")["报送情况"]["A1"].value.startswith("兰州市")
    code, out, err = cli("summary", "--form", FORM, "--year", str(YEAR), "-o", str(tmp_path / "s.docx"))
    assert code == 0 and (tmp_path / "s.docx").stat().st_size > 10_000
    assert cli("summary", "--form", FORM, "--year", str(YEAR), "-o", str(tmp_path / "s.pdf"))[0] == 2
    code, _, err = cli("summary", "--form", FORM, "--year", str(YEAR), "--under", "nowhere")
    assert code == 2 and "不存在" in err
    assert not (tmp_path / "s.pdf").exists()


def test_cancel_leaves_nothing_half_written(province, tmp_path):
    from desktop.core.jobs import Cancelled, Job
    from desktop.core.summary import summarise

    seen = []
    job = Job(on_progress=lambda d, t, m: seen.append(m))
    sm = summarise(province, FORM, YEAR, None, job)
    assert seen[0] == "报送情况" and len(sm.items) == 33
    job.cancel()
    with pytest.raises(Cancelled):
        summarise(province, FORM, YEAR, None, job)
    with pytest.raises(Cancelled):
        export_summary_xlsx(province, FORM, YEAR, None, tmp_path / "c.xlsx", job=job, summary=sm)
    with pytest.raises(Cancelled):
        export_summary_docx(province, FORM, YEAR, None, tmp_path / "c.docx", job=job, summary=sm)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("c.")]


def test_formula_like_names_and_reasons_stay_text_in_the_summary_and_the_return_letter(store, cli, tmp_path):
    """A unit named like a formula (=HYPERLINK…) and a return reason starting with "=" are written
    as text through the real exports (yice summary -o …xlsx, the 退回意见): every cell that starts
    with "=" is a string with the quote prefix, never a formula a spreadsheet would run."""
    name = '=HYPERLINK("http://x","点")'
    store.units.add("F0001", name, "school", "620100", school_type="中职")
    p = store.plans.create("F0001", FORM, YEAR)
    fill_clean(store, p.id)
    store.lifecycle.submit(p.id)
    store.lifecycle.review(p.id, False, "=1+1 请细化举措")

    def formulas(path) -> tuple[int, list]:
        wb = openpyxl.load_workbook(path)
        cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row
                 if isinstance(c.value, str) and c.value.startswith("=")]
        return len(cells), [(c.parent.title, c.coordinate, c.value, c.data_type) for c in cells
                            if c.data_type != "s" or not c.quotePrefix]

    out = tmp_path / "汇总表.xlsx"
    code, _, err = cli("summary", "--form", FORM, "--year", str(YEAR), "--under", "620100", "-o", str(out))
    assert code == 0, err
    seen, bad = formulas(out)
    assert seen >= 1 and bad == [], bad  # the unit's name is there (報送情况), as text
    letter = return_letter_xlsx(store, p.id, tmp_path / "退回意见.xlsx")
    seen, bad = formulas(letter)
    assert seen >= 2 and bad == [], bad  # the name and the reason
