"""The Excel 报送表: sheets, hidden keys, print setup, drop-downs, protection, injection, template, render."""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from openpyxl import load_workbook

from desktop.excel.filing import export_plan_xlsx, export_template
from desktop.excel.layout import COVER, EVIDENCE, EXPLANATIONS, GUIDE, INDICATORS, LISTS, META, NEED, TASKS, table_fields
from tools import edit as Edit
from tools import explain_all

FORM = "gs2020-annex2"
INJECT = ["=HYPERLINK(\"http://x\",\"点我\")", "+1+1", "-2+3", "@SUM(A1)", "=1+1 注入"]


def fill_plan(store, unit_code: str, year: int = 2024, skip=(5, 6)):
    """A plan with every kind of value: text with newlines, dates, choices, indicators, sections, injection."""
    plan = store.plans.create(unit_code, FORM, year)
    view = store.catalog.get(FORM)
    edits = []
    for item in view.items:
        no = item.no
        if no in skip:
            continue
        edits += [Edit(no, "applicable", "否" if no == 7 else "是"),
                  Edit(no, "measures", INJECT[no % len(INJECT)] if no % 4 == 0 else f"第{no}项举措：\n1. 制定方案；\n2. 落实 A&B <c>"),
                  Edit(no, "lead", "教务处"), Edit(no, "partners", "科研处、财务处"), Edit(no, "owner", f"李{no}"),
                  Edit(no, "deadline", f"{2024 + no % 3}-{1 + no % 12:02d}-{10 + no % 18}"),
                  Edit(no, "status", ["未启动", "推进中", "已完成"][no % 3]), Edit(no, "outcome", f"成果{no}"),
                  Edit(no, "progress_note", "完成过半" if no % 2 else ""), Edit(no, "problems", "-经费不足" if no == 9 else ""),
                  Edit(no, "next_steps", "继续推进")]
        for k, ind in enumerate(item.indicators):
            edits += [Edit(no, f"target:{ind.key}", 10 + k), Edit(no, f"actual:{ind.key}", 2.5 + k)]
    for i, sec in enumerate(store.catalog.base_fields.sections):
        edits.append(Edit(0, f"section:{sec.key}", f"{sec.label}：本校……\n第二段{i}"))
    store.plans.apply_edits(plan.id, edits)
    explain_all(store, plan.id)  # clean: a formal export is a submission
    return store.plans.get(plan.id)


@pytest.fixture
def plan(store, school):
    return fill_plan(store, school.code)


def _col(ws, label: str, header_row: int = 2) -> int:
    return next(c.column for c in ws[header_row] if c.value == label)


def test_workbook_structure_and_keys(store, plan, tmp_path):
    out = export_plan_xlsx(store, plan.id, tmp_path / "p.xlsx")
    wb = load_workbook(out)
    assert wb.sheetnames == [COVER, TASKS, INDICATORS, EXPLANATIONS, EVIDENCE, GUIDE, LISTS, META]
    assert wb[META].sheet_state == "veryHidden" and wb[LISTS].sheet_state == "hidden"
    meta = {r[0]: r[1] for r in wb[META].iter_rows(values_only=True)}
    view = store.catalog.get(FORM)
    data = store.plans.snapshot(plan.id, submission=1)  # the formal export made 第1次报送
    assert meta["form_id"] == FORM and meta["form_version"] == str(view.form.version)
    assert meta["plan_uuid"] == plan.uuid and meta["submission_no"] == "1" and meta["state"] == "submitted"
    assert meta["submission_uuid"] == data.submission.uuid and meta["history"] in (None, "")
    assert meta["unit_code"] == "4162010730" and meta["year"] == "2024" and meta["plan_kind"] == "一校一策"
    assert meta["columns"].split(",") == [f.key for f in table_fields(view)]
    assert meta["sha256"] == data.content_hash == data.submission.content_hash
    ws = wb[TASKS]
    assert [c.value for c in ws[2]] == ["序号", "政策内容", "责任部门", NEED] + [f.label for f in table_fields(view)]
    assert ws.max_row == 2 + len(view.items)
    assert ws.cell(3, 2).value == view.items[0].text
    dcol = _col(ws, "完成时限")
    assert ws.cell(3, dcol).number_format == "yyyy-mm-dd" and ws.cell(3, dcol).is_date
    # indicators: provincial target text, own values
    wi = wb[INDICATORS]
    rows = [r for r in wi.iter_rows(min_row=3, values_only=True)]
    assert len(rows) == sum(len(i.indicators) for i in view.items)
    first = view.items[12].indicators[0]
    assert rows[0][:4] == (13, first.name, first.unit, first.targets[0].describe(first.unit))
    assert rows[0][4:] == data.indicators[first.key]
    cover = {r[0]: r[1] for r in wb[COVER].iter_rows(min_row=3, values_only=True)}
    assert cover["单位名称"] == "兰州职业技术学院" and cover["统一社会信用代码"] == "12100000400000624D"
    rows = list(wb[COVER].iter_rows(min_row=3, values_only=True))  # one paragraph a row: printed whole
    i = next(k for k, r in enumerate(rows) if r[0] == "基本情况")
    assert rows[i + 1][0] is None and "\n".join(r[1] for r in rows[i:i + 2]) == data.sections["basic_info"]


def test_print_setup_validation_protection(store, plan, tmp_path):
    wb = load_workbook(export_plan_xlsx(store, plan.id, tmp_path / "p.xlsx"))
    ws = wb[TASKS]
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9
    # printed at full size (never shrunk to one page width): columns over pages, 序号/政策内容 repeated
    assert not ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.scale == 85
    assert ws.print_title_rows == "$1:$2" and ws.print_title_cols == "$A:$B"
    assert [b.id for b in ws.col_breaks.brk] and ws.page_setup.pageOrder == "overThenDown"
    assert ws.freeze_panes == "E3"
    assert ws.column_dimensions["B"].width >= 30 and ws.cell(3, 2).alignment.wrap_text
    assert ws.cell(3, 2).border.left.style == "thin"
    assert ws.protection.sheet is True
    assert ws.cell(3, 2).protection.locked is True  # policy text
    assert ws.cell(3, _col(ws, "落实举措")).protection.locked is False  # input
    dvs = {dv.formula1: str(dv.sqref) for dv in ws.data_validations.dataValidation}
    status_col = ws.cell(2, _col(ws, "进度")).column_letter
    assert dvs["list_status"] == f"{status_col}3:{status_col}35"
    assert "list_applicable" in dvs
    dn = wb.defined_names["list_status"]
    assert dn.attr_text.replace("'", "") == "_lists!$B$1:$B$4"
    assert [wb[LISTS].cell(r, 2).value for r in range(1, 5)] == list(store.catalog.get(FORM).field_map["status"].choices)


def test_formula_injection_written_as_text(store, plan, tmp_path):
    wb = load_workbook(export_plan_xlsx(store, plan.id, tmp_path / "p.xlsx"))
    ws = wb[TASKS]
    col = _col(ws, "落实举措")
    cells = {ws.cell(2 + no, col).value: ws.cell(2 + no, col) for no in (4, 8, 12, 16, 20)}
    assert set(cells) == {INJECT[no % len(INJECT)] for no in (4, 8, 12, 16, 20)}
    for v, c in cells.items():
        assert c.data_type == "s" and c.quotePrefix, v
    problems = ws.cell(2 + 9, _col(ws, "存在问题"))
    assert problems.value == "-经费不足" and problems.data_type == "s"
    # no formula anywhere in the raw sheet XML
    import zipfile
    with zipfile.ZipFile(tmp_path / "p.xlsx") as zf:
        assert not any(b"<f>" in zf.read(n) or b"<f " in zf.read(n) for n in zf.namelist() if n.startswith("xl/worksheets/"))


def test_template_is_blank_and_keyless(catalog, tmp_path):
    out = export_template(catalog, FORM, tmp_path / "t.xlsx")
    wb = load_workbook(out)
    meta = {r[0]: r[1] for r in wb[META].iter_rows(values_only=True)}
    assert meta["plan_uuid"] in (None, "") and meta["submission_uuid"] in (None, "") and meta["form_id"] == FORM
    ws = wb[TASKS]
    view = catalog.get(FORM)
    assert ws.max_row == 2 + len(view.items)
    assert all(ws.cell(r, c).value is None for r in range(3, ws.max_row + 1) for c in range(5, ws.max_column + 1))
    assert all(r[4] is None and r[5] is None for r in wb[INDICATORS].iter_rows(min_row=3, values_only=True))


def test_cli_export_and_template(cli, store, plan, tmp_path):
    code, out, err = cli("export", plan.uuid, "--format", "xlsx", "-o", str(tmp_path / "e.xlsx"))
    assert code == 0, err
    meta = {r[0]: r[1] for r in load_workbook(tmp_path / "e.xlsx")[META].iter_rows(values_only=True)}
    assert meta["plan_uuid"] == plan.uuid and "第1次报送" in out
    code, out, err = cli("template", FORM, "-o", str(tmp_path / "t.xlsx"))
    assert code == 0 and (tmp_path / "t.xlsx").exists()
    code, out, err = cli("export", "no-such-plan", "--format", "xlsx", "-o", str(tmp_path / "x.xlsx"))
    assert code != 0 and "不存在" in err and not (tmp_path / "x.xlsx").exists()


@pytest.mark.office
def test_renders_as_pdf(store, plan, tmp_path, soffice, artifacts):
    src = export_plan_xlsx(store, plan.id, tmp_path / "filing.xlsx")
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path}/lo", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(src)], check=True, capture_output=True, timeout=180)
    pdf = tmp_path / "filing.pdf"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "兰州职业技术学院" in text and "落实举措" in text and "优质中职学校" in text
    pages = int(next(line.split()[-1] for line in subprocess.run(["pdfinfo", str(pdf)], capture_output=True,
                                                                  text=True).stdout.splitlines()
                     if line.startswith("Pages:")))
    assert 3 <= pages <= 32  # cover, task pages at full size (column blocks side by side per block of rows), the rest
    if shutil.which("pdftoppm"):
        for old in artifacts.glob("sheets_filing-*.png"):
            old.unlink()
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "3", str(pdf), str(artifacts / "sheets_filing")],
                       check=True)
        # pdftoppm pads the page number to the width of the page count: -2, or -02 from 10 pages on
        assert [p for p in artifacts.glob("sheets_filing-*.png") if re.fullmatch(r"sheets_filing-0*2\.png", p.name)]
