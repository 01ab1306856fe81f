"""The import report as a sheet a clerk can file or send back (one row per file)."""
from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

from ..core.files import save_atomic
from .style import Col, add_named_styles, print_setup, table

COLUMNS = [Col("文件", 28), Col("结果", 9), Col("单位代码", 14), Col("单位名称", 24), Col("方案标识", 38),
           Col("报送次数", 8, "int"), Col("任务项", 7, "int"), Col("数值", 7, "int"), Col("指标", 7, "int"),
           Col("问题与提示（文件、工作表!单元格）", 80)]


def import_report_rows(report, vocab) -> list[list]:
    """One row per file, in the order imported (the GUI results window shows the same rows)."""
    return [[Path(f.path).name, vocab.label(f.outcome), f.unit_code, f.unit_name, f.plan_uuid, f.submission_no,
             f.counts.get("items"), f.counts.get("values"), f.counts.get("indicators"),
             "\n".join(f.messages + f.warnings)] for f in report.files]


def write_import_report_xlsx(report, vocab, out) -> Path:
    wb = Workbook()
    add_named_styles(wb)
    ws = wb.active
    ws.title = "导入报告"
    n = {o: sum(f.outcome == o for f in report.files) for o in {f.outcome for f in report.files}}
    note = "；".join(f"{vocab.label(o)} {k} 个" for o, k in n.items()) or "没有文件"
    first, last = table(ws, "报送表导入报告", f"共 {len(report.files)} 个文件：{note}。", COLUMNS,
                        import_report_rows(report, vocab))
    ws.freeze_panes = ws.cell(first, 1)
    ws.auto_filter.ref = f"A{first - 1}:J{max(last, first - 1)}"
    print_setup(ws, f"{first - 1}:{first - 1}")
    return save_atomic(out, wb.save)
