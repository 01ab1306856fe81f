"""Policy document → proposed checklists: the entry points of the reader.

A document is split into parts at its 附件 labels (each worksheet of a workbook is a part);
every task table is a proposal of its own, titled by the heading above it (附件2 甘肃省工作
任务清单). Without a task table the numbered clauses of each part are read instead (``auto``);
``tables``/``clauses`` force one reading (甘政发〔2020〕38号 has both: two annex tables and 30
numbered tasks in its body). Nothing here touches Qt or a database.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .clauses import classify, read_clauses
from .meta import parse_date, read_meta
from .proposal import Proposal, ReaderError, ReaderWarning, Reading
from .sources import Para, RawDocument, Sheet, Table, from_html, from_text, load_path
from .tables import find_header, lead_lines, read_table
from .textutil import clean, cn_number, strip_markup

MODES = ("auto", "tables", "clauses")
_ANNEX = re.compile(r"附件\s*([0-9０-９]{1,2}|[一二三四五六七八九十]{1,3})?")
_PART_TITLE_MAX = 50
NO_CHECKLIST = "未找到任务清单：文件中既没有带“序号”列的任务表格，也没有（一）（二）……或 1. 2. 这样编号的条款"
NO_SERIAL = "表格缺少“序号”列，无法确定每一项任务：请在表格中加入序号列后再读取"
NO_TABLE = "文件中没有带“序号”列的任务表格（可改为按编号条款读取）"
NO_CLAUSES = "文件中没有（一）（二）……或 1. 2. 这样连续编号的条款（可改为按表格读取）"


@dataclass
class _Part:
    label: str | None  # 附件2 / 附件 / None (the body)
    title: str | None = None
    blocks: list = field(default_factory=list)


def read_path(path: Path | str, *, mode: str = "auto") -> Reading:
    """Read a .docx, .xlsx, .csv, .html or text file; raises ReaderError with one Chinese sentence."""
    return read_document(load_path(path), mode=mode)


def read_text(text: str, *, name: str = "粘贴的文本", mode: str = "auto") -> Reading:
    """Read pasted text (from a PDF or a web page; pasted HTML is recognised)."""
    head = text.lstrip()[:15].lower()
    if head.startswith(("<!doctype html", "<html", "<table")):
        return read_document(from_html(text, name), mode=mode)
    return read_document(from_text(text, name), mode=mode)


def annex_label(line: str) -> str | None:
    """``附件 2`` / ``附件二`` / ``附件`` standing alone → 附件2 / 附件2 / 附件; else None."""
    s = clean(strip_markup(line))
    m = _ANNEX.fullmatch(s)
    if not m:
        return None
    n = m.group(1)
    if not n:
        return "附件"
    n = n.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    return f"附件{n if n.isdigit() else cn_number(n)}"


def _split_parts(raw: RawDocument) -> list[_Part]:
    parts = [_Part(None)]
    want_title = False
    for b in raw.blocks:
        if isinstance(b, Sheet):
            parts.append(_Part(annex_label(b.name)))
            want_title = False
            continue
        if isinstance(b, Para):
            label = annex_label(b.text)
            if label:
                parts.append(_Part(label))
                want_title = True
                continue
            if want_title:
                want_title = False
                s = clean(strip_markup(b.text))
                if s and len(s) <= _PART_TITLE_MAX and not s.endswith("。") and classify(b.text) is None:
                    parts[-1].title = s
                    continue
        else:
            want_title = False
        parts[-1].blocks.append(b)
    return [p for p in parts if p.blocks or p.label]


def _table_paras(t: Table) -> list[Para]:
    """A table that is not a task table (a layout table) read as its paragraphs."""
    out = []
    for row, line in zip(t.rows, t.lines):
        for cell in row:
            out.extend(Para(x, line) for x in cell.text.split("\n") if x.strip())
    return out


def read_document(raw: RawDocument, *, mode: str = "auto") -> Reading:
    """Proposals of a document already brought into the neutral shape (see ``sources``)."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    parts = _split_parts(raw)
    found: list[tuple[_Part, Table, str | None]] = []  # task tables, with the heading above each
    no_serial = 0
    paras_of: list[list[Para]] = []
    for part in parts:
        paras: list[Para] = []
        heading = part.title
        for b in part.blocks:
            if isinstance(b, Para):
                paras.append(b)
                s = clean(strip_markup(b.text))
                if s and len(s) <= _PART_TITLE_MAX and not s.endswith(("。", "：", ":")) and not parse_date(s):
                    heading = s
                continue
            header = find_header(b)
            if header is None or header[1].no is None:
                no_serial += header is not None
                paras.extend(_table_paras(b))
            else:
                found.append((part, b, heading))
                heading = None
        paras_of.append(paras)
    meta = read_meta(_meta_lines(raw))
    warnings = [ReaderWarning(f"未找到{what}，保存前请填写") for what, value in (
        ("文件标题", meta.title), ("文号", meta.doc_no), ("发文机关", meta.issuers), ("成文日期", meta.date))
        if not value]
    if no_serial:
        warnings.append(ReaderWarning(f"{no_serial} 张表格缺少“序号”列，未作为清单读取"))
    if mode in ("auto", "tables") and found:
        proposals = _table_proposals(found, meta, raw.name, warnings)
        if not proposals:
            raise ReaderError("表格只有表头，没有任何任务条目")
    elif mode == "tables":
        raise ReaderError(NO_SERIAL if no_serial else NO_TABLE)
    else:
        proposals = []
        for part, paras in zip(parts, paras_of):
            got = read_clauses(paras, part_label=part.label, part_title=part.title,
                               ref_of_part=part.label is not None)
            if got:
                proposals.append(Proposal(
                    kind="clauses", meta=meta, items=got.items, part=got.part, part_label=part.label,
                    title=part.title if part.label else meta.title, columns=got.columns,
                    warnings=got.warnings, source_name=raw.name, goal_indicators=got.goal_indicators))
        if not proposals:
            raise ReaderError(NO_CLAUSES if mode == "clauses" else NO_SERIAL if no_serial else NO_CHECKLIST)
    return Reading(meta, proposals, warnings, raw.name, raw.kind)


def _meta_lines(raw: RawDocument) -> list[str]:
    """The document's lines in order, layout tables (a Word header grid) included."""
    out: list[str] = []
    for b in raw.blocks:
        if isinstance(b, Para):
            out.append(b.text)
        elif isinstance(b, Table) and find_header(b) is None:
            out.extend(p.text for p in _table_paras(b))
    return out


def _table_proposals(found, meta, name: str, warnings: list[ReaderWarning]) -> list[Proposal]:
    per_part: dict[int, int] = {}
    for part, _, _ in found:
        per_part[id(part)] = per_part.get(id(part), 0) + 1
    out: list[Proposal] = []
    seen: dict[int, int] = {}
    for n, (part, table, heading) in enumerate(found, 1):
        lead = lead_lines(table)
        label = part.label or next((annex_label(x) for x in lead if annex_label(x)), None)
        lead_titles = [x for x in lead if not annex_label(x)]
        title = (lead_titles[-1] if lead_titles else None) or heading or part.title
        seen[id(part)] = seen.get(id(part), 0) + 1
        prefix = label or ""
        if per_part[id(part)] > 1:
            prefix = f"{prefix} 表{seen[id(part)]}".strip()
        elif not label and len(found) > 1:
            prefix = f"表{n}"
        got = read_table(table, index=n, ref_prefix=prefix)
        if got is None or not got.items:
            warnings.append(ReaderWarning("表格只有表头，没有任何任务条目", ref=prefix or None))
            continue
        out.append(Proposal(
            kind="table", meta=meta, items=got.items, part=" ".join(x for x in (label, title) if x) or None,
            part_label=label, title=title, columns=got.columns, warnings=got.warnings, source_name=name))
    return out
