"""What export and import agree on: sheet names, 封面 labels and the _meta keys.

Import matches everything here by label or key, never by position alone, so a workbook
re-saved by Excel, WPS or LibreOffice (rows styled to 1000, hidden sheets) reads the same.
"""
from __future__ import annotations

from ..core.catalog import FormView

COVER, TASKS, INDICATORS, EXPLANATIONS, META, LISTS = "封面", "任务清单", "指标", "说明", "_meta", "_lists"
FORMAT = "yice-filing/2"
NO, TEXT, UNITS = "序号", "政策内容", "责任部门"
IND_HEADERS = ("序号", "指标", "单位", "省定目标", "本单位目标值", "完成值")
# 说明 sheet: the unit's answers to warnings; the last two columns are the stable keys (hidden)
EXPLAIN_HEADERS = ("序号", "提示", "说明", "规则", "字段")
# 封面 rows: key -> label (values in column B)
COVER_FIELDS = (("unit_name", "单位名称"), ("unit_code", "单位代码"), ("parent_code", "上级单位代码"),
                ("parent_name", "上级单位"), ("school_type", "学校类别"), ("school_code", "学校标识码"),
                ("credit_code", "统一社会信用代码"), ("kind", "方案类型"), ("year", "年度"),
                ("contact_person", "联系人"), ("contact_phone", "联系电话"), ("filing", "报送情况"))
DRAFT_MARK = "（草稿，仅供参考，不作为正式报送）"


def table_fields(view: FormView):
    """Fields that are columns of 任务清单 (in_table, not files), in form order."""
    return [f for f in view.fields if f.in_table and f.type != "files"]
