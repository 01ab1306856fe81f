"""The xlsx 汇总表 and the 退回意见 sheet a unit gets back (openpyxl only).

Charts are native Excel bar charts (openpyxl.chart), not pictures: they stay editable in
Excel/WPS, print crisply, and need no image library. Sheets are laid out for printing:
widths, wrapping, borders, frozen header, A4 landscape, header rows repeated, fit to width.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font

from ..core.errors import InputError
from ..core.files import save_atomic
from ..core.jobs import Job
from ..core.store import Store
from ..core.summary import FILED, ROSTER_STATES, Summary, summarise
from ..core.edits import Kind, Ref
from ..core.validation import unexplained, validate
from ..core.vocab import PlanState
from .style import Col, add_named_styles, clean, guard, lines_needed, print_setup, table


def _print_setup(ws, header_row: int) -> None:
    ws.freeze_panes = ws.cell(header_row + 1, 1)
    print_setup(ws, f"{header_row}:{header_row}", margin=0.5)


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


def write_summary(wb: Workbook, sm: Summary, vocab, job: Job | None = None) -> None:
    job = job or Job()
    add_named_styles(wb)
    label = vocab.label
    sc, note = sm.scope, _scope_note(sm)
    counts = sm.counts
    filed = sum(counts[s] for s in FILED)

    ws = wb.active
    ws.title = "报送情况"
    cols = [Col("序号", 6, "int"), Col(sc.branch_label, 12), Col("单位代码", 13), Col("单位名称", 34),
            Col("上级单位", 16), Col("方案类型", 10), Col("报送状态", 9), Col("报送次数", 7, "int"),
            Col("收到日期", 12, "date"), Col("退回理由", 36)]
    head_note = (f"应报 {len(sm.roster)} 个单位，{label(PlanState.SUBMITTED)} {filed} 个（其中{label(PlanState.ACCEPTED)} "
                 f"{counts[PlanState.ACCEPTED]} 个），"
                 + "，".join(f"{label(s)} {counts[s]} 个" for s in ROSTER_STATES if s not in FILED) + "。\n" + note)
    table(ws, f"{sm.title}——报送情况", head_note, cols,
          ([i, r.branch_name, r.unit_code, r.unit_name, r.parent_name, r.plan_kind, label(r.state),
            r.submission_no or None, _d(r.received_at), r.review_reason] for i, r in enumerate(sm.roster, 1)))
    _print_setup(ws, 3)
    job.check()

    ws = wb.create_sheet("报送率")
    br = sm.branches
    cols = [Col(sc.branch_label, 14), Col("应报单位", 9, "int")] + [Col(label(s), 8, "int") for s in ROSTER_STATES] \
        + [Col("报送率", 9, "pct")]
    n = len(sm.roster)
    first, last = table(ws, f"{sm.title}——分地区报送率", note, cols,
                        ([b.name, b.units, *(b.counts[s] for s in ROSTER_STATES), b.rate] for b in br),
                        total=["合计", n, *(counts[s] for s in ROSTER_STATES), filed / n if n else None])
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
          ([i, r.branch_name, r.unit_code, r.unit_name, r.parent_name, r.plan_kind, label(r.state), r.review_reason,
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


def export_summary_xlsx(store: Store, form_id: str, year: int, under: str | None, out, job: Job | None = None,
                        summary: Summary | None = None) -> Path:
    """The 汇总表: 报送情况, 报送率, 催报名单, 任务进度, 指标汇总, 指标达成 (pass ``summary`` to reuse one)."""
    job = job or Job()
    sm = summary or summarise(store, form_id, year, under, job)
    wb = Workbook()
    write_summary(wb, sm, store.vocab, job)
    job.check()
    return save_atomic(out, wb.save)


def _field_label(view, key: str) -> str:
    ref = Ref.parse(key)
    if ref.is_indicator and ref.key in view.indicator_map:
        return view.indicator_map[ref.key][1].name + ("目标值" if ref.kind == Kind.TARGET else "完成值")
    return view.field_map[key].label if key in view.field_map else key


def return_letter_xlsx(store: Store, plan_ref, out) -> Path:
    """退回意见: what the unit reads to fix its filing — reasons, the checks that failed, what to do."""
    p = store.plans.get(plan_ref)
    if p.state != PlanState.RETURNED:
        raise InputError(f"{p.unit_name}的方案当前为「{store.vocab.label(p.state)}」，只有已退回的方案才能生成退回意见")
    data = store.plans.snapshot(plan_ref, submission=-1)
    sub = data.submission
    view = store.catalog.for_plan(p)
    wb = Workbook()
    add_named_styles(wb)
    ws = wb.active
    ws.title = "退回意见"
    for c, w in zip("ABCDE", (16, 8, 16, 8, 60)):
        ws.column_dimensions[c].width = w
    title = f"{p.unit_name}{p.year}年“{p.kind}”实施方案退回意见"
    ws.cell(1, 1, clean(title)).font = Font(name="黑体", size=16, bold=True)
    guard(ws.cell(1, 1))
    ws.cell(1, 1).alignment = Alignment(horizontal="center", vertical="center")
    ws.merge_cells("A1:E1")
    ws.row_dimensions[1].height = 30
    facts = [("报送单位", f"{p.unit_name}（{p.unit_code}）"), ("清单", f"{view.form.title}（{view.form.doc_no or view.id}）"),
             ("年度 / 类型", f"{p.year}年 {p.kind}"), ("方案编号", p.uuid), ("退回的报送", f"第{sub.number}次报送"),
             ("报送标识", sub.uuid), ("收到日期", _d(sub.made_at)), ("退回日期", _d(sub.reviewed_at)),
             ("退回理由", sub.review_reason),
             ("处理要求", f"请按退回理由修改方案后重新报送（第{sub.number + 1}次报送）。收到后将替换本次退回的报送。")]
    for i, (k, v) in enumerate(facts, 3):
        ws.cell(i, 1, k).style = "yice_head"
        ws.cell(i, 2, clean(v)).style = "yice_date" if isinstance(v, dt.date) else "yice_text"
        guard(ws.cell(i, 2))
        if isinstance(v, dt.date):
            ws.cell(i, 2).alignment = Alignment(horizontal="left")
        ws.merge_cells(start_row=i, start_column=2, end_row=i, end_column=5)
        ws.row_dimensions[i].height = max(20, 14 * lines_needed(str(v or ""), 80) + 4)
    row = len(facts) + 4
    open_ = unexplained(validate(view, p.kind, data))
    if open_:
        cols = [Col("序号", 16, "int"), Col("项", 8, "int"), Col("字段", 16), Col("级别", 8), Col("问题", 60)]
        rows = [[i, x.item_no or None, _field_label(view, x.field_key), "错误" if x.severity == "error" else "提醒",
                 x.message] for i, x in enumerate(open_, 1)]
        table(ws, "校验发现的问题", "以下问题由系统按清单规则自动检查，供修改时参考。", cols, rows, top=row)
    print_setup(ws, "", landscape=False)
    return save_atomic(out, wb.save)
