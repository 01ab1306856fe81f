"""What export and import agree on: sheet names, 封面 labels, _meta keys and the content hash.

Import matches everything here by label or key, never by position alone, so a workbook
re-saved by Excel, WPS or LibreOffice (rows styled to 1000, hidden sheets) reads the same.
"""
from __future__ import annotations

import hashlib
import json

from ..catalog import FormView

COVER, TASKS, INDICATORS, META, LISTS = "封面", "任务清单", "指标", "_meta", "_lists"
FORMAT = "yice-filing/1"
NO, TEXT, UNITS = "序号", "政策内容", "责任部门"
IND_HEADERS = ("序号", "指标", "单位", "省定目标", "本单位目标值", "完成值")
# 封面 rows: label -> meaning (values in column B)
COVER_FIELDS = (("unit_name", "单位名称"), ("unit_code", "单位代码"), ("school_code", "学校标识码"),
                ("credit_code", "统一社会信用代码"), ("kind", "方案类型"), ("year", "年度"),
                ("contact_person", "联系人"), ("contact_phone", "联系电话"))
FORMULA_START = ("=", "+", "-", "@", "\t", "\x00")


def table_fields(view: FormView):
    """Fields that are columns of 任务清单 (in_table, not files), in form order."""
    return [f for f in view.fields if f.in_table and f.type != "files"]


def fmt_num(v) -> str:
    return "" if v is None else f"{float(v):g}"


def content_hash(values: dict, indicators: dict, sections: dict) -> str:
    """SHA-256 of a plan's content in one canonical form (shared by export and import).

    ``values`` {item_no: {key: text}}, ``indicators`` {key: (target, actual)}, ``sections``
    {key: text}; blanks are dropped so "absent" and "empty" hash alike.
    """
    doc = {
        "v": sorted([int(no), k, str(v)] for no, kv in values.items() for k, v in kv.items() if v not in (None, "")),
        "i": sorted([k, fmt_num(t), fmt_num(a)] for k, (t, a) in indicators.items() if t is not None or a is not None),
        "s": sorted([k, str(v)] for k, v in sections.items() if v not in (None, "")),
    }
    raw = json.dumps(doc, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()
