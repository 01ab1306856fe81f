"""The xlsx 汇总表 and the 退回意见 sheet a unit gets back (openpyxl only).

Charts are native Excel bar charts (openpyxl.chart), not pictures: they stay editable in
Excel/WPS, print crisply, and need no image library. Sheets are laid out for printing:
widths, wrapping, borders, frozen header, A4 landscape, header rows repeated, fit to width.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side

from ..files import save_atomic
from ..jobs import NULL_JOB
from ..store.service import InputError, Store
from .core import FILED, ROSTER_STATUSES, Summary, summarise

THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
FORMATS = {"text": "General", "int": "0", "num": "0.##", "pct": "0.0%", "date": "yyyy-mm-dd"}


@dataclass(frozen=True)
class Col:
    label: str
    width: float
    kind: str = "text"  # text / int / num / pct / date


def _styles(wb: Workbook) -> None:
    """Named styles once per workbook: far faster than styling every cell separately."""
    for kind, fmt in FORMATS.items():
        st = NamedStyle(f"yice_{kind}", font=Font(name="宋体", size=10), border=BORDER, number_format=fmt,
                        alignment=Alignment(wrap_text=True, vertical="center",
                                            horizontal="left" if kind == "text" else "center"))
        wb.add_named_style(st)
    wb.add_named_style(NamedStyle("yice_head", font=Font(name="黑体", size=10, bold=True), border=BORDER,
                                  fill=PatternFill("solid", fgColor="D9E1F2"),
                                  alignment=Alignment(wrap_text=True, horizontal="center", vertical="center")))
    wb.add_named_style(NamedStyle("yice_total", font=Font(name="黑体", size=10, bold=True), border=BORDER,
                                  number_format="0.##", alignment=Alignment(horizontal="center", vertical="center")))


def _width(text: str) -> int:
    """Display width in Excel column units: CJK characters count double."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _print_setup(ws, header_row: int) -> None:
    ws.freeze_panes = ws.cell(header_row + 1, 1)
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"


def table(ws, title: str, note: str, cols: list[Col], rows, top: int = 1, total: list | None = None) -> tuple[int, int]:
    """Title, note, header and rows from ``top``; returns (first, last) data row."""
    n = len(cols)
    ws.cell(top, 1, title).font = Font(name="黑体", size=14, bold=True)
    ws.cell(top, 1).alignment = Alignment(horizontal="center", vertical="center")
    ws.merge_cells(start_row=top, start_column=1, end_row=top, end_column=n)
    ws.row_dimensions[top].height = 26
    ws.cell(top + 1, 1, note).alignment = Alignment(wrap_text=True, vertical="center")
    ws.cell(top + 1, 1).font = Font(name="宋体", size=10)
    ws.merge_cells(start_row=top + 1, start_column=1, end_row=top + 1, end_column=n)
    ws.row_dimensions[top + 1].height = 30
    head = top + 2
    for j, c in enumerate(cols, 1):
        ws.cell(head, j, c.label).style = "yice_head"
        ws.column_dimensions[ws.cell(head, j).column_letter].width = c.width
    styles = [f"yice_{c.kind}" for c in cols]
    r = head
    for r, values in enumerate(rows, head + 1):
        lines = 1
        for j, v in enumerate(values):
            cell = ws.cell(r, j + 1, v)
            cell.style = styles[j]
            if isinstance(v, str):
                if v[:1] in ("=", "+", "-", "@"):
                    cell.data_type = "s"  # user text is never a formula
                lines = max(lines, -(-_width(v) // max(1, int(cols[j].width) - 1)))
        if lines > 1:  # wrapped text: set the height, LibreOffice/WPS do not always fit rows on open
            ws.row_dimensions[r].height = 13.5 * lines + 3
    if total is not None:
        r += 1
        for j, v in enumerate(total, 1):
            ws.cell(r, j, v).style = "yice_pct" if cols[j - 1].kind == "pct" else "yice_total"
    return head + 1, r


def _bar(title: str, ylabel: str, *, stacked=False, percent=False, width=24, height=10) -> BarChart:
    ch = BarChart()
    ch.type = "col"
    ch.title = title
    ch.y_axis.title = ylabel
    ch.width, ch.height = width, height
    ch.x_axis.delete = False  # openpyxl hides axes by default in recent Excel otherwise
    ch.y_axis.delete = False
    if stacked:
        ch.grouping = "stacked"
        ch.overlap = 100
    if percent:
        ch.y_axis.numFmt = "0%"
        ch.y_axis.majorGridlines = None
    return ch


def _d(x: dt.datetime | None):
    return x.date() if isinstance(x, dt.datetime) else x


def _scope_note(sm: Summary) -> str:
    f = sm.scope.view.form
    return (f"清单：{f.title}（{f.doc_no or f.id}）；汇总范围：{sm.scope.node_name}；年度：{sm.scope.year}；"
            f"进度与指标统计已报送、已受理的方案；生成时间：{sm.made_at:%Y-%m-%d %H:%M}")


def write_summary(wb: Workbook, sm: Summary, job=NULL_JOB) -> None:
    _styles(wb)
    sc, note = sm.scope, _scope_note(sm)
    counts = sm.counts
    filed = sum(counts[s] for s in FILED)

    ws = wb.active
    ws.title = "报送情况"
    cols = [Col("序号", 6, "int"), Col(sc.branch_label, 12), Col("单位代码", 13), Col("单位名称", 34),
            Col("上级单位", 16), Col("方案类型", 10), Col("报送状态", 9), Col("修订号", 7, "int"),
            Col("收到日期", 12, "date"), Col("退回理由", 36)]
    head_note = (f"应报 {len(sm.roster)} 个单位，已报送 {filed} 个（其中已受理 {counts['已受理']} 个），"
                 + "，".join(f"{s} {counts[s]} 个" for s in ROSTER_STATUSES if s not in FILED) + "。\n" + note)
    table(ws, f"{sm.title}——报送情况", head_note, cols,
          ([i, r.branch_name, r.unit_code, r.unit_name, r.parent_name, r.plan_kind, r.status, r.revision,
            _d(r.received_at), r.status_reason] for i, r in enumerate(sm.roster, 1)))
    _print_setup(ws, 3)
    job.check()

    ws = wb.create_sheet("报送率")
    br = sm.branches
    cols = [Col(sc.branch_label, 14), Col("应报单位", 9, "int")] + [Col(s, 8, "int") for s in ROSTER_STATUSES] \
        + [Col("报送率", 9, "pct")]
    n = len(sm.roster)
    first, last = table(ws, f"{sm.title}——分地区报送率", note, cols,
                        ([b.name, b.units, *(b.counts[s] for s in ROSTER_STATUSES), b.rate] for b in br),
                        total=["合计", n, *(counts[s] for s in ROSTER_STATUSES), filed / n if n else None])
    _print_setup(ws, 3)
    if br:
        ch = _bar("报送率（已报送、已受理 / 应报）", "报送率", percent=True)
        ch.add_data(Reference(ws, min_col=len(cols), min_row=first - 1, max_row=first + len(br) - 1), titles_from_data=True)
        ch.set_categories(Reference(ws, min_col=1, min_row=first, max_row=first + len(br) - 1))
        ch.legend = None
        ws.add_chart(ch, f"A{last + 3}")

    ws = wb.create_sheet("催报名单")
    chase = [r for r in sm.roster if r.to_chase]
    cols = [Col("序号", 6, "int"), Col(sc.branch_label, 12), Col("单位代码", 13), Col("单位名称", 34),
            Col("上级单位", 16), Col("方案类型", 10), Col("当前状态", 9), Col("退回理由", 30),
            Col("联系人", 9), Col("联系电话", 14)]
    table(ws, f"{sm.title}——催报名单", f"尚未报送或已退回待重报的单位共 {len(chase)} 个。\n{note}", cols,
          ([i, r.branch_name, r.unit_code, r.unit_name, r.parent_name, r.plan_kind, r.status, r.status_reason,
            r.contact_person, r.contact_phone] for i, r in enumerate(chase, 1)))
    _print_setup(ws, 3)
    job.check()

    ws = wb.create_sheet("任务进度")
    states = list(sm.items[0].status) if sm.items else []
    cols = [Col("序号", 6), Col("政策内容", 60), Col("责任部门", 22), Col("统计方案数", 8, "int"),
            Col("须答方案数", 8, "int"), Col("已填报", 8, "int")] + [Col(s, 8, "int") for s in states] \
        + [Col("完成率", 8, "pct")]
    first, last = table(ws, f"{sm.title}——任务进度", note + "；完成率 = 已完成 /（统计方案数 − 不适用）", cols,
                        ([it.display_no, it.text, it.units, it.plans, it.required, it.answered,
                          *(it.status[s] for s in states), it.done_rate] for it in sm.items))
    _print_setup(ws, 3)
    if sm.items:
        ch = _bar("各项任务进度分布", "方案数", stacked=True, width=30, height=12)
        ch.add_data(Reference(ws, min_col=7, max_col=6 + len(states), min_row=first - 1, max_row=last),
                    titles_from_data=True)
        ch.set_categories(Reference(ws, min_col=1, min_row=first, max_row=last))
        ws.add_chart(ch, f"A{last + 3}")
    job.check()

    ws = wb.create_sheet("指标汇总")
    cols = [Col("序号", 6), Col("指标", 30), Col("单位", 6), Col("填报类型", 10), Col("汇总方式", 8),
            Col("省级目标", 14), Col("地区", 14), Col("填报单位数", 9, "int"), Col("目标值", 11, "num"),
            Col("完成值", 11, "num"), Col("完成率", 9, "pct")]
    rows = []
    for t in sm.indicators:
        agg = "合计" if t.aggregation == "sum" else "平均"
        for nf in (*t.nodes, t.total):
            rows.append([t.item_no, t.name, t.unit, t.plan_kind, agg, t.province_target_text, nf.name, nf.plans,
                         nf.target, nf.actual, nf.attainment])
    table(ws, f"{sm.title}——指标汇总", note + "；完成率 = 完成值 / 目标值；百分比类指标取平均值，其余取合计", cols, rows)
    _print_setup(ws, 3)

    ws = wb.create_sheet("指标达成")
    cols = [Col("序号", 6), Col("指标（填报类型）", 40), Col("单位", 6), Col("省级目标", 14), Col("省级目标值", 10, "num"),
            Col("单位目标值", 11, "num"), Col("完成值", 11, "num"), Col("达成率", 9, "pct")]
    first, last = table(ws, f"{sm.title}——指标达成", note + "；达成率 = 完成值 / 省级目标值（无省级目标时为单位目标值）", cols,
                        ([t.item_no, f"{t.name}（{t.plan_kind}）", t.unit, t.province_target_text, t.province_target,
                          t.total.target, t.total.actual, t.attainment] for t in sm.indicators))
    _print_setup(ws, 3)
    if sm.indicators:
        ch = _bar("指标达成率", "达成率", percent=True, width=30, height=12)
        ch.add_data(Reference(ws, min_col=8, min_row=first - 1, max_row=last), titles_from_data=True)
        ch.set_categories(Reference(ws, min_col=2, min_row=first, max_row=last))
        ch.legend = None
        ws.add_chart(ch, f"A{last + 3}")


def export_summary_xlsx(store: Store, form_id: str, year: int, under: str | None, out, job=NULL_JOB,
                        summary: Summary | None = None) -> Path:
    """The 汇总表: 报送情况, 报送率, 催报名单, 任务进度, 指标汇总, 指标达成 (pass ``summary`` to reuse one)."""
    sm = summary or summarise(store, form_id, year, under, job)
    wb = Workbook()
    write_summary(wb, sm, job)
    job.check()
    return save_atomic(out, wb.save)


def _field_label(view, key: str) -> str:
    if key in view.field_map:
        return view.field_map[key].label
    which, _, ikey = key.partition(":")
    if ikey in view.indicator_map:
        return view.indicator_map[ikey][1].name + ("目标值" if which == "target" else "完成值")
    return key


def return_letter_xlsx(store: Store, plan_ref, out) -> Path:
    """退回意见: what the unit reads to fix its filing — reasons, the checks that failed, what to do."""
    from ..validation import validate

    data = store.plan_data(plan_ref)
    p = data.plan
    if p.status != "已退回":
        raise InputError(f"{p.unit_name}的方案当前为「{p.status}」，只有已退回的方案才能生成退回意见")
    view = store.catalog.get(p.form_id)
    returned = next((h["at"] for h in store.history(p.id, limit=200) if h["entity"] == "status"), None)
    wb = Workbook()
    _styles(wb)
    ws = wb.active
    ws.title = "退回意见"
    for c, w in zip("ABCDE", (16, 8, 16, 8, 60)):
        ws.column_dimensions[c].width = w
    ws.cell(1, 1, f"{p.unit_name}{p.year}年“{p.kind}”实施方案退回意见").font = Font(name="黑体", size=16, bold=True)
    ws.cell(1, 1).alignment = Alignment(horizontal="center", vertical="center")
    ws.merge_cells("A1:E1")
    ws.row_dimensions[1].height = 30
    facts = [("报送单位", f"{p.unit_name}（{p.unit_code}）"), ("清单", f"{view.form.title}（{view.form.doc_no or view.id}）"),
             ("年度 / 类型", f"{p.year}年 {p.kind}"), ("方案编号", p.uuid), ("退回的修订号", p.revision),
             ("收到日期", _d(p.received_at)), ("退回日期", _d(returned)), ("退回理由", p.status_reason),
             ("处理要求", f"请按退回理由修改方案后重新报送。重新报送的文件修订号须大于 {p.revision}，"
                      "收到后将替换本次退回的版本。")]
    for i, (k, v) in enumerate(facts, 3):
        ws.cell(i, 1, k).style = "yice_head"
        ws.cell(i, 2, v).style = "yice_date" if isinstance(v, dt.date) else "yice_text"
        if isinstance(v, dt.date):
            ws.cell(i, 2).alignment = Alignment(horizontal="left")
        ws.merge_cells(start_row=i, start_column=2, end_row=i, end_column=5)
        lines = -(-_width(str(v or "")) // 80)
        ws.row_dimensions[i].height = max(20, 14 * lines + 4)
    row = len(facts) + 4
    problems = validate(view, p.kind, data)
    open_ = [x for x in problems if x.severity == "error" or not x.explained]
    if open_:
        cols = [Col("序号", 16, "int"), Col("项", 8, "int"), Col("字段", 16), Col("级别", 8), Col("问题", 60)]
        rows = [[i, x.item_no or None, _field_label(view, x.field_key), "错误" if x.severity == "error" else "提醒",
                 x.message] for i, x in enumerate(open_, 1)]
        table(ws, "校验发现的问题", "以下问题由系统按清单规则自动检查，供修改时参考。", cols, rows, top=row)
    ws.page_setup.orientation = "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    return save_atomic(out, wb.save)
