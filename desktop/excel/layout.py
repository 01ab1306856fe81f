"""What export and import agree on: sheet names, 封面 labels, headers and the _meta keys.

Import matches everything here by label or key, never by position alone, so a workbook
re-saved by Excel, WPS or LibreOffice (rows styled to 1000, hidden sheets) reads the same.
"""
from __future__ import annotations

import re

from ..core.catalog import FormView
from ..core.text import INVISIBLE

COVER, TASKS, INDICATORS, EXPLANATIONS, EVIDENCE, GUIDE = "封面", "任务清单", "指标", "说明", "佐证材料", "填表说明"
META, LISTS = "_meta", "_lists"
FORMAT = "yice-filing/3"
NO, TEXT, UNITS, NEED = "序号", "政策内容", "责任部门", "填报要求"
MUST, OPTIONAL = "须填报", "选填"
IND_HEADERS = ("序号", "指标", "单位", "省定目标", "本单位目标值", "完成值")
# 说明 sheet: the unit's answers to warnings; the last two columns are the stable keys (hidden)
EXPLAIN_HEADERS = ("序号", "提示", "说明", "规则", "字段")
EVIDENCE_HEADERS = ("序号", "文件名", "大小（字节）", "SHA-256")
# 封面 rows: key -> label (values in column B)
COVER_FIELDS = (("unit_name", "单位名称"), ("unit_code", "单位代码"), ("unit_kind", "单位类型"),
                ("parent_code", "上级单位代码"), ("parent_name", "上级单位"), ("school_type", "学校类别"),
                ("school_code", "学校标识码"), ("credit_code", "统一社会信用代码"), ("kind", "方案类型"),
                ("year", "年度"), ("contact_person", "联系人"), ("contact_phone", "联系电话"), ("filing", "报送情况"))
CONTINUED = "（续）"  # 封面 column A of a row that continues the paragraph above (long text, split for print)
COLUMN_NAME = "yice.{key}"  # defined name of a field's column: survives renamed headers and moved columns
DRAFT_MARK = "（草稿，仅供参考，不作为正式报送）"

_SUFFIX = re.compile(r"(?:[（(【\[][^）)】\]]*[）)】\]])+$")
_MARKS = re.compile(r"^[*＊★☆※]+|[*＊★☆※]+$")


def header_key(text) -> str:
    """A header as people write it → the label it names: 「完成时限（年月日）」「*进度」→ 完成时限 / 进度."""
    s = INVISIBLE.sub("", "" if text is None else str(text))
    s = "".join(s.split())
    s = _MARKS.sub("", s)
    return _SUFFIX.sub("", s) or s


def table_fields(view: FormView):
    """Fields that are columns of 任务清单 (in_table, not files), in form order."""
    return [f for f in view.fields if f.in_table and f.type != "files"]
