"""Header words of task tables and the role each column plays in a checklist.

A task table is recognised by its header row alone (序号 + a content column), whatever the
format it came in, so the words live in one place. When a table has two task-like columns
(湘政办发〔2018〕82号: 工作任务 + 主要内容) the more content-like one is the item text and the
other the category, as the shipped hn2018-annex form transcribes it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType

from .textutil import flat

NO_WORDS = frozenset({"序号", "编号", "序", "序列", "条目序号"})
# item text candidates: rank 1 reads as content, rank 2 as a task name (category if both exist)
TEXT_WORDS = (
    (1, frozenset({"政策内容", "主要内容", "具体内容", "任务内容", "工作内容", "内容", "具体措施", "工作措施",
                   "主要措施", "措施", "政策措施", "改革举措", "举措", "具体任务", "任务要求", "工作要求",
                   "事项", "工作事项", "任务事项", "政策条款", "条款内容", "支持政策"})),
    (2, frozenset({"工作任务", "重点任务", "主要任务", "任务", "任务名称", "重点工作", "工作项目"})),
)
CATEGORY_WORDS = frozenset({"类别", "分类", "任务类别", "工作类别", "重点领域", "领域", "板块", "方面",
                            "项目类别", "任务分类", "部分"})
UNIT_WORDS = MappingProxyType({
    "责任单位": None, "责任部门": None, "负责单位": None, "负责部门": None, "责任主体": None,
    "承办单位": None, "实施主体": None, "责任处室": None, "责任单位（部门）": None,
    "牵头单位": "牵头", "牵头部门": "牵头", "牵头处室": "牵头",
    "配合单位": "配合", "配合部门": "配合", "参与单位": "配合", "协同单位": "配合", "协办单位": "配合",
})
EXTRA_WORDS = frozenset({"完成时限", "完成时间", "时间进度", "时限", "时限要求", "进度安排", "时间节点",
                         "完成时间节点", "备注", "预期成效", "成果形式", "工作目标"})
MAX_HEADER_CELL = 20  # a longer cell is content, not a header


def header_key(cell: str) -> str:
    """``主　　要　　内　　容`` → 主要内容, ``责任单位（部门）`` → 责任单位."""
    key = flat(cell).strip("*：:")
    for open_ in ("（", "("):
        i = key.find(open_)
        if i > 0:
            key = key[:i]
    return key


def _role(key: str) -> str | None:
    if key in NO_WORDS:
        return "no"
    if key in UNIT_WORDS:
        return "units"
    if key in CATEGORY_WORDS:
        return "category"
    if any(key in words for _, words in TEXT_WORDS):
        return "text"
    if key in EXTRA_WORDS:
        return "extra"
    return None


@dataclass
class Columns:
    """Which column holds what; ``headers`` are the header texts as printed (whitespace removed)."""

    headers: list[str]
    no: int | None = None
    text: int | None = None
    category: int | None = None
    units: list[tuple[int, str | None]] = field(default_factory=list)  # (column, remark)
    extra: list[int] = field(default_factory=list)

    def form_columns(self) -> dict[str, str]:
        """The ``columns`` mapping of a form: field → source header."""
        out = {}
        if self.no is not None:
            out["no"] = self.headers[self.no]
        if self.category is not None:
            out["category"] = self.headers[self.category]
        if self.text is not None:
            out["text"] = self.headers[self.text]
        if self.units:
            out["units"] = "、".join(self.headers[c] for c, _ in self.units)
        return out


def match_header(cells: list[str]) -> Columns | None:
    """Columns of a header row, or None when the row is not one (needs a text or unit column
    and at least two recognised header words)."""
    keys = [header_key(c) if len(c) <= 4 * MAX_HEADER_CELL else "" for c in cells]
    if any(len(k) > MAX_HEADER_CELL for k in keys):
        return None
    roles = [_role(k) for k in keys]
    known = sum(r is not None for r in roles)
    if known < 2 or not ({"text", "units"} & set(roles)):
        return None
    cols = Columns(headers=keys)
    texts = []
    for i, (k, r) in enumerate(zip(keys, roles)):
        if r == "no" and cols.no is None:
            cols.no = i
        elif r == "units":
            cols.units.append((i, UNIT_WORDS[k]))
        elif r == "category" and cols.category is None:
            cols.category = i
        elif r == "text":
            rank = next(rank for rank, words in TEXT_WORDS if k in words)
            texts.append((rank, i))
        elif k:
            cols.extra.append(i)
    if texts:
        texts.sort()
        cols.text = texts[0][1]
        for _, i in texts[1:]:
            if cols.category is None and i < cols.text:
                cols.category = i
            else:
                cols.extra.append(i)
    if cols.text is None:
        return None
    cols.extra.sort()
    return cols
