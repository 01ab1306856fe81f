"""Document metadata as printed: title, 文号, issuing organs, date; and where the body ends.

Official documents follow GB/T 9704: the issuing organs' header (``教育部 甘肃省人民政府 文件``),
the number (``甘政发〔2020〕38号``) on a line of its own, the title (``…关于…的意见``), the
salutation, the body, then the signature and the date on lines of their own. Only such
stand-alone lines count, so a number or date quoted in the body (``（国办发〔2017〕95号）``,
``2020年7月28日印发``) is never taken for the document's own.
"""
from __future__ import annotations

import datetime as dt
import re

from .proposal import DocumentMeta
from .textutil import clean, cn_number, strip_markup

_DOC_NO = re.compile(r"[\u4e00-\u9fff]{1,12}[〔\[［【(（]\d{4}[〕\]］】)）]第?\d{1,5}号")
_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
_CN_DATE = re.compile(r"([〇零○一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日")
_TITLE_ENDS = ("意见", "通知", "方案", "办法", "决定", "规划", "通报", "批复", "清单", "计划", "要点", "细则",
               "规定", "纲要", "措施", "的函")
_HEAD_LINES = 40  # the header never runs longer
_CLOSING_STARTS = ("抄送", "附件：", "附件:", "（此件", "(此件", "此件", "主题词")
# full province names and the one-character abbreviations that open their document numbers
_PROVINCES = (
    ("北京", "京", "110000"), ("天津", "津", "120000"), ("河北", "冀", "130000"), ("山西", "晋", "140000"),
    ("内蒙古", "蒙", "150000"), ("辽宁", "辽", "210000"), ("吉林", "吉", "220000"), ("黑龙江", "黑", "230000"),
    ("上海", "沪", "310000"), ("江苏", "苏", "320000"), ("浙江", "浙", "330000"), ("安徽", "皖", "340000"),
    ("福建", "闽", "350000"), ("江西", "赣", "360000"), ("山东", "鲁", "370000"), ("河南", "豫", "410000"),
    ("湖北", "鄂", "420000"), ("湖南", "湘", "430000"), ("广东", "粤", "440000"), ("广西", "桂", "450000"),
    ("海南", "琼", "460000"), ("重庆", "渝", "500000"), ("四川", "川", "510000"), ("贵州", "黔", "520000"),
    ("云南", "滇", "530000"), ("西藏", "藏", "540000"), ("陕西", "陕", "610000"), ("甘肃", "甘", "620000"),
    ("青海", "青", "630000"), ("宁夏", "宁", "640000"), ("新疆", "新", "650000"))


def parse_date(line: str) -> dt.date | None:
    """``2020年7月27日`` or ``二〇二〇年七月二十七日`` standing alone on a line → date."""
    s = clean(line).strip("（）()")
    m = _DATE.fullmatch(s)
    if m:
        y, mo, d = (int(x) for x in m.groups())
    else:
        m = _CN_DATE.fullmatch(s)
        if not m:
            return None
        y = int("".join(str(cn_number(ch)) for ch in m.group(1).replace("○", "〇")))
        mo, d = cn_number(m.group(2)), cn_number(m.group(3))
    try:
        return dt.date(y, mo, d)
    except (TypeError, ValueError):
        return None


def is_closing(line: str) -> bool:
    """The body of a part ends here: the attachment list, a date line, 抄送, 此件公开发布."""
    s = clean(strip_markup(line))
    return s.startswith(_CLOSING_STARTS) or parse_date(s) is not None or (
        s.endswith("印发") and _DATE.search(s) is not None)


def _is_salutation(s: str) -> bool:
    return s.endswith(("：", ":")) and ("，" in s or "、" in s or s.startswith("各"))


def read_meta(lines: list[str]) -> DocumentMeta:
    """Metadata from the document's paragraphs (all parts, in order)."""
    head: list[str] = []
    for raw in lines[:_HEAD_LINES]:
        s = strip_markup(raw)
        if _is_salutation(clean(s)):
            break
        head.append(s)
    doc_no = next((clean(s) for s in head if _DOC_NO.fullmatch(clean(s))), None)
    title = _title(head)
    issuers = _issuers(head, title) or _signature(lines)
    date = next((d for d in (parse_date(strip_markup(s)) for s in lines) if d), None)
    return DocumentMeta(title=title, doc_no=doc_no, issuers=tuple(issuers), date=date,
                        province_guess=_province(issuers, title, doc_no))


def _title(head: list[str]) -> str | None:
    """The first header line naming a document (``…关于…``), joined with its wrapped lines."""
    for i, s in enumerate(head):
        c = clean(s)
        if not c or _DOC_NO.fullmatch(c) or c.endswith("文件") or parse_date(c):
            continue
        if "关于" in c or c.endswith(_TITLE_ENDS):
            parts = [s.strip()]
            j = i + 1
            while not parts[-1].rstrip().endswith(_TITLE_ENDS) and j < len(head) and j < i + 4 and head[j].strip():
                parts.append(head[j].strip())
                j += 1
            return _join_title(parts)
    return None


def _join_title(parts: list[str]) -> str:
    """Wrapped title lines glued back; spaces inside a line (between organs) are kept single."""
    text = "".join(p.strip() for p in parts)
    return " ".join(text.split())


def _issuers(head: list[str], title: str | None) -> list[str]:
    for i, s in enumerate(head):
        c = " ".join(s.split())
        if c.endswith("文件") and len(c) <= 80:
            names = c[:-2].split()
            if names:
                return names
            return [clean(x) for x in head[:i] if clean(x) and not clean(x).isdigit()][-12:]
    if title and "关于" in title:
        prefix = title.split("关于", 1)[0].strip()
        names = [n for n in re.split(r"[\s、]+", prefix) if n]
        if names and not any("等" in n for n in names):
            return names
    return []


def _signature(lines: list[str]) -> list[str]:
    """Organ lines standing right above the first stand-alone date (the signature block)."""
    for i, raw in enumerate(lines):
        if parse_date(strip_markup(raw)):
            names: list[str] = []
            j = i - 1
            while j >= 0 and len(names) < 8:
                s = clean(strip_markup(lines[j]))
                if not s or len(s) > 30 or any(p in s for p in "。，；：,;:") or s[0].isdigit():
                    break
                names.insert(0, s)
                j -= 1
            return names
    return []


def _province(issuers: list[str], title: str | None, doc_no: str | None) -> str | None:
    text = " ".join(issuers) + " " + (title or "")
    for name, _, code in _PROVINCES:
        if name in text:
            return code
    if doc_no:
        for _, abbr, code in _PROVINCES:
            if doc_no.startswith(abbr):
                return code
    return None
