"""How people really fill the blank template in Excel or WPS: each way is stored exactly as meant,
or refused / warned with the cell named — never stored differently from what the person meant.

Each case fills a fresh copy of the 一校一策 template for its own school and imports it into one
province database; the test prints a table of every case and what became of it.
"""
from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import load_workbook

from desktop.core.store import Store
from desktop.excel.filing import export_template
from desktop.excel.importer import import_files
from desktop.excel.layout import COVER, EXPLANATIONS, INDICATORS, TASKS
from test_sheets_export import FORM

pytestmark = pytest.mark.backends

KIND, YEAR = "一校一策", 2025
COUNT_IND = "quality_secondary_schools"  # 第13项 优质中职学校, 单位 所 (指标 row 3)
PCT_IND = "enterprise_internship_ratio"  # 第17项 企业接纳…实习比例, 单位 % (指标 row 12)
PCT_ROW = 12


def col(ws, label: str) -> int:
    return next(c.column for c in ws[2] if c.value == label)


def put(ws, item: int, label: str, value, fmt: str | None = None):
    c = ws.cell(2 + item, col(ws, label))
    c.value = value
    if isinstance(value, str) and not value.startswith("="):
        c.data_type = "s"
    if fmt:
        c.number_format = fmt
    return c


def base(ws):
    put(ws, 2, "是否适用", "是")
    put(ws, 2, "落实举措", "制定方案")
    put(ws, 2, "牵头部门", "教务处")
    put(ws, 2, "完成时限", "2025-06-30")
    put(ws, 2, "进度", "推进中")


def cell_of(ws, item, label) -> str:
    return f"{ws.title}!{ws.cell(2 + item, col(ws, label)).coordinate}"


def _reverse_rows(ws):
    rows = [[c.value for c in ws[r]] for r in range(3, 36)]
    for r, vals in zip(range(3, 36), reversed(rows)):
        for c, v in enumerate(vals, 1):
            ws.cell(r, c).value = v


def _swap_numbers(ws):
    """Sorted with 序号 and the answers selected but not 政策内容: rows 3 and 4 swap 序号."""
    ws["A3"].value, ws["A4"].value = 2, 1


def _merge_lead(ws):
    put(ws, 3, "牵头部门", "教务处")
    letter = ws.cell(5, col(ws, "牵头部门")).column_letter
    ws.merge_cells(f"{letter}5:{letter}6")


def _merge_across(ws):
    put(ws, 3, "落实举措", "跨列的举措")
    a, b = (ws.cell(5, col(ws, x)).column_letter for x in ("落实举措", "牵头部门"))
    ws.merge_cells(f"{a}5:{b}5")


def _header(ws, old, new):
    ws.cell(2, col(ws, old)).value = new


def _delete(ws, label):
    ws.delete_cols(col(ws, label))


def _extra_column(ws):
    """A column of the person's own, right of the last column of the sheet."""
    c = ws.max_column + 1
    ws.cell(2, c, "备注")
    ws.cell(4, c, "这一列不是报送表的")
    return f"任务清单!{ws.cell(2, c).coordinate}"


def _insert_row(ws, with_content: bool):
    ws.insert_rows(6)
    if with_content:
        ws.cell(6, col(ws, "落实举措"), "插入行里写的")


def ind(ws, row, which, value, fmt=None):
    c = ws.cell(row, 5 if which == "target" else 6)
    c.value = value
    if isinstance(value, str) and not value.startswith("="):
        c.data_type = "s"
    if fmt:
        c.number_format = fmt


def cover(wb, label, value):
    for row in wb[COVER].iter_rows(min_row=3):
        if row[0].value == label:
            row[1].value = value
            return f"封面!{row[1].coordinate}"


# (name, what the person did, change(wb) → cell named, expectation)
# expectation: ("stored", {key: value}) / ("warned", {key: value}, fragment) / ("refused", fragment)
# keys: (item, field) · ("ind", key, "target"|"actual") · ("sec", key) · ("x", item, rule)
T = TASKS
CASES = [
    ("日期 年月", "完成时限 2025年6月", lambda wb: cell_of(wb[T], 3, "完成时限") if put(wb[T], 3, "完成时限", "2025年6月") else "",
     ("stored", {(3, "deadline"): "2025-06-30"})),
    ("日期 斜杠", "2025/7/2", lambda wb: put(wb[T], 3, "完成时限", "2025/7/2") and cell_of(wb[T], 3, "完成时限"),
     ("stored", {(3, "deadline"): "2025-07-02"})),
    ("日期 点号", "2025.6.30", lambda wb: put(wb[T], 3, "完成时限", "2025.6.30") and "",
     ("stored", {(3, "deadline"): "2025-06-30"})),
    ("日期 日期单元格", "Excel 日期 2025-12-31", lambda wb: put(wb[T], 3, "完成时限", dt.date(2025, 12, 31), "yyyy-mm-dd") and "",
     ("stored", {(3, "deadline"): "2025-12-31"})),
    ("日期 全角数字", "２０２５年６月３０日", lambda wb: put(wb[T], 3, "完成时限", "２０２５年６月３０日") and "",
     ("stored", {(3, "deadline"): "2025-06-30"})),
    ("日期 年底", "2026年底", lambda wb: put(wb[T], 3, "完成时限", "2026年底") and "",
     ("stored", {(3, "deadline"): "2026-12-31"})),
    ("日期 序号数字", "常规格式的 45839", lambda wb: put(wb[T], 3, "完成时限", 45839, "General") and cell_of(wb[T], 3, "完成时限"),
     ("warned", {(3, "deadline"): "2025-07-01"}, "按 Excel 日期序号理解")),
    ("日期 无效月份", "2025年13月", lambda wb: put(wb[T], 3, "完成时限", "2025年13月") and cell_of(wb[T], 3, "完成时限"),
     ("refused", "不是有效日期")),
    ("日期 超出范围", "2040-01-01（表内校验同为 2018～2035）", lambda wb: put(wb[T], 3, "完成时限", "2040-01-01") and cell_of(wb[T], 3, "完成时限"),
     ("refused", "超出允许范围（2018-01-01～2035-12-31）")),
    ("日期 美式", "6/30/2025", lambda wb: put(wb[T], 3, "完成时限", "6/30/2025") and cell_of(wb[T], 3, "完成时限"),
     ("refused", "不是有效日期")),
    ("指标 带单位", "目标值 35所", lambda wb: ind(wb[INDICATORS], 3, "target", "35所") or "",
     ("stored", {("ind", COUNT_IND, "target"): 35.0})),
    ("指标 单位不符", "目标值 4个（单位为 所）", lambda wb: ind(wb[INDICATORS], 3, "target", "4个") or "指标!E3",
     ("refused", "「4个」应为数字，单位：所")),
    ("指标 全角数字", "３５", lambda wb: ind(wb[INDICATORS], 3, "actual", "３５") or "",
     ("stored", {("ind", COUNT_IND, "actual"): 35.0})),
    ("指标 千分位", "1,234", lambda wb: ind(wb[INDICATORS], 3, "target", "1,234") or "",
     ("stored", {("ind", COUNT_IND, "target"): 1234.0})),
    ("指标 七位有效数字", "1234567", lambda wb: ind(wb[INDICATORS], 3, "target", 1234567) or "",
     ("stored", {("ind", COUNT_IND, "target"): 1234567.0})),
    ("指标 百分比单元格", "百分比格式单元格里输入 2%（存为 0.02）", lambda wb: ind(wb[INDICATORS], PCT_ROW, "actual", 0.02, "0%") or "",
     ("stored", {("ind", PCT_IND, "actual"): 2.0})),
    ("指标 百分比小数", "百分比格式 12.5%（存为 0.125）", lambda wb: ind(wb[INDICATORS], PCT_ROW, "target", 0.125, "0.0%") or "",
     ("stored", {("ind", PCT_IND, "target"): 12.5})),
    ("指标 百分号文字", "文字 2%", lambda wb: ind(wb[INDICATORS], PCT_ROW, "actual", "2%") or "",
     ("stored", {("ind", PCT_IND, "actual"): 2.0})),
    ("指标 百分比格式但单位为所", "所 指标的单元格设成 0%", lambda wb: ind(wb[INDICATORS], 3, "actual", 0.35, "0%") or "指标!F3",
     ("refused", "单元格为百分比格式（显示为 35%）")),
    ("指标 百分号但单位为所", "文字 2%（单位为 所）", lambda wb: ind(wb[INDICATORS], 3, "actual", "2%") or "指标!F3",
     ("refused", "「2%」应为数字，单位：所")),
    ("指标 小于1的百分数", "% 指标填 0.5", lambda wb: ind(wb[INDICATORS], PCT_ROW, "actual", 0.5) or "指标!F12",
     ("warned", {("ind", PCT_IND, "actual"): 0.5}, "如指 50% 请填写 50")),
    ("指标 负数", "-3", lambda wb: ind(wb[INDICATORS], 3, "actual", -3) or "指标!F3", ("refused", "不能为负数")),
    ("指标 公式", "=2+2", lambda wb: ind(wb[INDICATORS], 3, "actual", "=2+2") or "指标!F3", ("refused", "不能是公式「=2+2」")),
    ("文字 公式", "落实举措写成 =A1&\"x\"", lambda wb: put(wb[T], 3, "落实举措", '=A1&"x"') and cell_of(wb[T], 3, "落实举措"),
     ("refused", '不能是公式「=A1&"x"」')),
    ("文字 以等号开头（文本）", "'=先写等号", lambda wb: setattr(put(wb[T], 3, "落实举措", "=先写等号"), "data_type", "s") or "",
     ("stored", {(3, "measures"): "=先写等号"})),
    ("零宽空格", "牵头部门 教\\u200b务处（从 Word 粘贴）", lambda wb: put(wb[T], 3, "牵头部门", "教\u200b务处") and cell_of(wb[T], 3, "牵头部门"),
     ("warned", {(3, "lead"): "教务处"}, "不可见字符")),
    ("控制字符", "落实举措含 ESC[31m", lambda wb: put(wb[T], 3, "落实举措", "举措ESCMARK[31m红字") and cell_of(wb[T], 3, "落实举措"),
     ("warned", {(3, "measures"): "举措[31m红字"}, "控制字符")),
    ("全角空格首尾", "　教务处　", lambda wb: put(wb[T], 3, "牵头部门", "\u3000教务处\u3000") and "",
     ("stored", {(3, "lead"): "教务处"})),
    ("配合部门 混合分隔", "科研处，财务处 后勤处", lambda wb: put(wb[T], 3, "配合部门", "科研处，财务处 后勤处") and "",
     ("stored", {(3, "partners"): "科研处、财务处、后勤处"})),
    ("是否适用 √", "√", lambda wb: put(wb[T], 3, "是否适用", "√") and "", ("stored", {(3, "applicable"): "是"})),
    ("是否适用 不适用", "不适用", lambda wb: put(wb[T], 3, "是否适用", "不适用") and "", ("stored", {(3, "applicable"): "否"})),
    ("进度 非选项", "完成", lambda wb: put(wb[T], 3, "进度", "完成") and cell_of(wb[T], 3, "进度"), ("refused", "不是可选值")),
    ("合并 纵向", "牵头部门 G5:G6 合并", lambda wb: _merge_lead(wb[T]) or "任务清单!G5:G6",
     ("warned", {(3, "lead"): "教务处", (4, "lead"): "教务处"}, "为合并单元格")),
    ("合并 横向", "落实举措与牵头部门合并", lambda wb: _merge_across(wb[T]) or "任务清单!F5:G5", ("refused", "合并单元格跨越多列")),
    ("表头 说明后缀", "完成时限（年月日）", lambda wb: put(wb[T], 3, "完成时限", "2025-09-30") and _header(wb[T], "完成时限", "完成时限（年月日）"),
     ("stored", {(3, "deadline"): "2025-09-30"})),
    ("表头 星号", "*进度", lambda wb: put(wb[T], 3, "进度", "已完成") and _header(wb[T], "进度", "*进度"),
     ("stored", {(3, "status"): "已完成"})),
    ("表头 换行", "牵头\\n部门", lambda wb: put(wb[T], 3, "牵头部门", "团委") and _header(wb[T], "牵头部门", "牵头\n部门"),
     ("stored", {(3, "lead"): "团委"})),
    ("表头 改名", "牵头部门 改成 牵头单位（列标识仍在）", lambda wb: put(wb[T], 3, "牵头部门", "团委") and (_header(wb[T], "牵头部门", "牵头单位") or "任务清单!G2"),
     ("warned", {(3, "lead"): "团委"}, "按文件内的列标识识别为「牵头部门」")),
    ("删除可选列", "删掉 配合部门 列", lambda wb: put(wb[T], 3, "责任人", "王五") and _delete(wb[T], "配合部门") or "",
     ("warned", {(3, "owner"): "王五"}, "缺少「配合部门」列（选填）")),
    ("删除必填列", "删掉 完成时限 列", lambda wb: _delete(wb[T], "完成时限") or "任务清单!A2", ("refused", "缺少「完成时限」列（必填）")),
    ("多出一列", "加了 备注 列并填写", lambda wb: _extra_column(wb[T]), ("warned", {(2, "measures"): "制定方案"}, "不是报送表的列")),
    ("整行排序", "按序号倒序（选中整行）", lambda wb: put(wb[T], 33, "责任人", "末项") and _reverse_rows(wb[T]) or "",
     ("stored", {(33, "owner"): "末项", (2, "lead"): "教务处"})),
    ("排序漏选政策内容", "只选序号和填报列排序", lambda wb: _swap_numbers(wb[T]) or "任务清单!A3", ("refused", "行的顺序被打乱")),
    ("插入空行", "第6行前插入空行", lambda wb: put(wb[T], 4, "责任人", "赵六") and _insert_row(wb[T], False) or "",
     ("stored", {(4, "owner"): "赵六"})),
    ("插入行无序号", "插入行写了内容", lambda wb: _insert_row(wb[T], True) or "任务清单!A6", ("refused", "此行填写了内容但没有序号")),
    ("序号 写成 第3项", "序号 第3项", lambda wb: put(wb[T], 3, "责任人", "钱七") and setattr(wb[T]["A5"], "value", "第3项") or "",
     ("stored", {(3, "owner"): "钱七"})),
    ("封面 年度中文", "二〇二五", lambda wb: cover(wb, "年度", "二〇二五"), ("refused", "年度「二〇二五」无效")),
    ("封面 电话数字", "联系电话按数字 9311234567", lambda wb: cover(wb, "联系电话", 9311234567), ("refused", "开头的 0 已丢失")),
    ("封面 全角代码", "上级单位代码 ６２０１００", lambda wb: cover(wb, "上级单位代码", "６２０１００") and "", ("stored", {(2, "lead"): "教务处"})),
    ("封面 公式", "单位名称 =B4", lambda wb: cover(wb, "单位名称", "=B4"), ("refused", "不能是公式「=B4」")),
    ("封面 章节分段", "建设目标两段", lambda wb: cover(wb, "建设目标", "第一段\n第二段") and "", ("stored", {("sec", "goals"): "第一段\n第二段"})),
    ("说明 手写", "第2项不适用，在说明表写序号和理由", lambda wb: put(wb[T], 2, "是否适用", "否") and _explain(wb, 2, "本校不承担此项") or "",
     ("stored", {("x", 2, "not_applicable_required"): "本校不承担此项"})),
]


def _explain(wb, no, text):
    ws = wb[EXPLANATIONS]
    ws["A3"].value, ws["C3"].value = no, text


@pytest.fixture(scope="module")
def template(tmp_path_factory, catalog):
    return export_template(catalog, FORM, tmp_path_factory.mktemp("tpl") / "t.xlsx", kind=KIND)


def _fill(template, path, code: str, change) -> str:
    wb = load_workbook(template)
    for label, v in {"单位名称": f"试点学校{code[-2:]}", "单位代码": code, "上级单位代码": "620100", "上级单位": "兰州市",
                     "学校类别": "高职", "年度": YEAR, "联系电话": "0931-1234567"}.items():
        cover(wb, label, v)
    base(wb[TASKS])
    where = change(wb) or ""
    wb.save(path)
    _escape(path)
    return where


def _escape(path):
    """openpyxl refuses control characters; Excel stores them escaped (_x001B_): put one there."""
    import zipfile

    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    if not any(b"ESCMARK" in d for d in parts.values()):
        return
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data.replace(b"ESCMARK", b"_x001B_"))


def _stored(store, code, key):
    p = store.plans.find(code, FORM, YEAR, KIND)
    snap = store.plans.snapshot(p.id)
    if key[0] == "ind":
        t, a = snap.indicators.get(key[1], (None, None))
        return t if key[2] == "target" else a
    if key[0] == "sec":
        return snap.sections.get(key[1])
    if key[0] == "x":
        return next((v for (no, rule, _f), v in snap.explanations.items() if no == key[1] and rule == key[2]), None)
    return snap.value(*key)


NOT_CLEAN = "不是可受理的正式报送"


def test_human_input_corpus(template, tmp_path, catalog, capsys, new_db):
    assert len(CASES) >= 30
    store = Store.open(new_db("province"), catalog=catalog)
    table, wrong = [], []
    for k, (name, what, change, expect) in enumerate(CASES, 1):
        code = f"41620107{k:02d}"
        path = tmp_path / f"{k:02d}.xlsx"
        where = _fill(template, path, code, change)
        f = import_files(store, [path], create_units=True).files[0]
        notes = "\n".join(f.messages + f.warnings)
        kind = expect[0]
        got = "拒收" if f.outcome == "rejected" else "导入"
        ok = True
        if kind == "refused":
            ok = f.outcome == "rejected" and expect[1] in notes and (not where or f"{path.name} {where}" in notes)
            shown = next((m for m in f.messages if expect[1] in m), f.messages[:1])
        else:
            values = {key: _stored(store, code, key) for key in expect[1]} if f.outcome != "rejected" else {}
            # a file with open problems is received as a draft copy that says why, a clean one as a
            # filing (the rule itself: test_import::test_a_filing_that_is_not_clean_is_received_as_a_draft)
            clean = not store.lifecycle.problems(store.plans.find(code, FORM, YEAR, KIND).id)
            ok = (f.outcome == ("accepted" if clean else "draft") and values == expect[1]
                  and any(NOT_CLEAN in w for w in f.warnings) != clean)
            others = [w for w in f.warnings if NOT_CLEAN not in w]
            if kind == "warned":
                ok = ok and expect[2] in notes and (not where or f"{path.name} {where}" in notes)
            else:  # stored as meant and nothing to warn about but the school created from the cover
                ok = ok and all("已按封面新建单位" in w for w in others)
            shown = values
        table.append((k, name, what, got + ("（提示）" if kind == "warned" else ""), str(shown)[:90], "✓" if ok else "✗"))
        if not ok:
            wrong.append((name, expect, f.outcome, notes))
    with capsys.disabled():
        print("\n--- 人工填写的各种方式（每种：按原意存入，或拒收/提示并指明单元格） ---")
        for row in table:
            print(" | ".join(str(x) for x in row))
    assert not wrong, wrong
