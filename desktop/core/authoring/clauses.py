"""Numbered clauses → items, for documents (or parts) without a task table.

Chinese official documents number their levels 一、 > （一） > 1. > （1） (and 第X条 in 办法).
The checklist is a continuous run of numbers of one style: the run under a heading naming
任务/举措/措施 (三、主要任务 → 1.–30. in 甘政发〔2020〕38号; 四、试点任务 → （一）…（五）, though
the six section numbers 一、…六、 run longer), else the longest run (（一）…（三十） of an 意见).
Numbering that restarts (总体要求's own （一）（二）) makes other runs of the same style; each is
reported as a warning, never silently dropped. Higher levels are the sections (categories),
deeper ones (（1）…) stay inside the item text. The enclosing heading
of the next level up is the item's category, as in the shipped clause forms.

Per item: the lead phrase is the title (``（一）同步规划产教融合与经济社会发展。``), the rest is
the text with page-break splits glued back; responsible units come from trailing
``（省教育厅、省人社厅负责）`` / ``【责任单位：…】`` and stand-alone ``责任单位：…`` lines, and only
the one closing the clause is cut from the text (the shipped forms keep the others).
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from .indicators import find_indicators
from .meta import is_closing, parse_date
from .proposal import IndicatorCandidate, Provenance, ProposedItem, ReaderWarning
from .sources import Para
from .textutil import clean, cn_number, join_fragments, strip_markup, to_cn_numeral
from .units import split_units

_CN = "一二三四五六七八九十百〇零"
_STYLES = (  # (rank, name, pattern); a lower rank is a higher level
    (0, "chapter", re.compile(rf"第([{_CN}]{{1,4}})[章编]")),
    (1, "cn", re.compile(rf"([{_CN}]{{1,4}})\s*、")),
    (2, "article", re.compile(rf"第([{_CN}]{{1,5}})条")),
    (3, "paren_cn", re.compile(rf"[（(]\s*([{_CN}]{{1,4}})\s*[）)]")),
    (4, "arabic", re.compile(r"(\d{1,3})\s*([.．、])(?!\d)")),
    (5, "paren_arabic", re.compile(r"[（(]\s*(\d{1,3})\s*[）)]")),
)
_TASK_WORDS = ("任务", "举措", "措施")
_GOAL_WORDS = ("目标",)
_MAX_GOAL_SECTIONS = 5
_TITLE_MAX = 40  # a longer first sentence is not a lead phrase
_UNIT_END = ("负责", "牵头", "配合", "参与", "落实")
_UNIT_START = ("责任单位", "牵头单位", "责任部门", "负责单位", "牵头部门", "配合单位", "责任主体")
_UNIT_LINE = re.compile(r"[【\[]?(?:责任单位|牵头单位|责任部门|负责单位|牵头部门|责任主体)[：:]")
_MAX_PAREN = 300
_SIGNATURE_MAX = 40


@dataclass
class Heading:
    index: int  # position in the part's paragraphs
    rank: int
    style: str
    number: int
    label: str  # canonical: （一）, 1., 一、
    rest: str  # the line after the label, cleaned
    heading_text: str  # label as printed + rest, e.g. (四)开创产教融合发展新局面


@dataclass
class ClauseRead:
    items: list[ProposedItem]
    warnings: list[ReaderWarning]
    part: str
    columns: dict[str, str] = field(default_factory=dict)
    goal_indicators: list[IndicatorCandidate] = field(default_factory=list)


def classify(line: str, index: int = 0) -> Heading | None:
    s = strip_markup(line)
    for rank, style, rx in _STYLES:
        m = rx.match(s)
        if not m:
            continue
        number = cn_number(m.group(1))
        if not number:
            return None
        printed = clean(m.group(0))
        rest = clean(s[m.end():]).lstrip("　 ")
        if style == "arabic" and not rest:
            return None  # a bare "1." is a list marker, not a heading
        return Heading(index, rank, style, number, _canonical(style, number, m), rest, printed + rest)
    return None


def _canonical(style: str, n: int, m: re.Match) -> str:
    if style == "arabic":
        return f"{n}{'.' if m.group(2) in '.．' else m.group(2)}"
    if style == "paren_arabic":
        return f"（{n}）"
    cn = to_cn_numeral(n)
    return {"chapter": f"第{cn}章", "cn": f"{cn}、", "article": f"第{cn}条", "paren_cn": f"（{cn}）"}[style]


def _body_end(lines: list[str], first_heading: int) -> tuple[int, bool]:
    """Index where the body stops (attachment list, date, 抄送 …) and whether a date stops it."""
    for k in range(first_heading + 1, len(lines)):
        if is_closing(lines[k]):
            return k, parse_date(strip_markup(lines[k])) is not None
    return len(lines), False


def _runs(heads: list[Heading]) -> list[list[Heading]]:
    """Continuous numbering per style; a number 1 after others starts a new run."""
    current: dict[int, list[Heading]] = {}
    runs: list[list[Heading]] = []
    for h in heads:
        run = current.get(h.rank)
        if run is None or h.number == 1:
            run = []
            current[h.rank] = run
            runs.append(run)
        run.append(h)
    return runs


class _Outline:
    """Headings open above each heading, computed in one pass (a new heading closes lower ones)."""

    def __init__(self, heads: list[Heading]):
        self._before: dict[int, dict[int, Heading]] = {}
        open_: dict[int, Heading] = {}
        for h in heads:
            self._before[h.index] = dict(open_)
            for r in [r for r in open_ if r >= h.rank]:
                del open_[r]
            open_[h.rank] = h

    def enclosing(self, h: Heading) -> dict[int, Heading]:
        """Open headings of a higher level than ``h`` (rank → heading)."""
        return {r: x for r, x in self._before[h.index].items() if r < h.rank}


def read_clauses(paras: list[Para], *, part_label: str | None, part_title: str | None,
                 ref_of_part: bool) -> ClauseRead | None:
    """The clause proposal of one part, or None when it has no run of two numbered clauses."""
    lines = [p.text for p in paras]
    heads_all = [h for h in (classify(s, k) for k, s in enumerate(lines)) if h]
    if not heads_all:
        return None
    end, by_date = _body_end(lines, heads_all[0].index)
    if by_date:  # the signature lines right above the date are not clause text
        while end - 1 > heads_all[0].index:
            s = clean(strip_markup(lines[end - 1]))
            if len(s) > _SIGNATURE_MAX or any(p in s for p in "。，；：,;:") or classify(lines[end - 1]):
                break
            end -= 1
    heads = [h for h in heads_all if h.index < end]
    all_runs = _runs(heads)
    runs = [r for r in all_runs if len(r) >= 2]
    if not runs:
        return None

    outline = _Outline(heads)

    def score(run: list[Heading]):
        encl = outline.enclosing(run[0])
        task = any(w in h.rest for h in encl.values() for w in _TASK_WORDS)
        return (task, len(run), -run[0].index)

    best = max(runs, key=score)
    rank = best[0].rank
    warnings = [_dropped(r, outline, part_label) for r in all_runs if r is not best and r[0].rank == rank]
    stops = sorted({h.index for h in heads if h.rank <= rank} | {end})
    items: list[ProposedItem] = []
    prev = 0
    for h in best:
        nxt = stops[bisect.bisect_right(stops, h.index)]
        item, item_warnings = _item(h, paras[h.index + 1:nxt], paras[h.index], outline.enclosing(h),
                                    len(items) + 1, part_label if ref_of_part else None)
        warnings += item_warnings
        if prev and h.number != prev + 1:
            warnings.append(ReaderWarning(f"编号为{h.label}，不是接续的上一条之后的编号，请核对",
                                          ref=item.ref if item else None, line=paras[h.index].line))
        prev = h.number
        if item:
            items.append(item)
    if not items:
        return None
    return ClauseRead(items, warnings, _part_name(best, outline, part_label, part_title),
                      _columns(items), _goal_indicators(heads, lines, end))


def _goal_indicators(heads: list[Heading], lines: list[str], end: int) -> list[IndicatorCandidate]:
    """Targets stated in the part's 目标 sections (二、试点目标, （二）主要目标): not tied to an
    item, proposed for the reviewer to attach (the shipped gz2020/gb2019 forms did so by hand)."""
    out: list[IndicatorCandidate] = []
    goals = [k for k, h in enumerate(heads) if any(w in h.rest[:_TITLE_MAX] for w in _GOAL_WORDS)]
    for k in goals[:_MAX_GOAL_SECTIONS]:
        h = heads[k]
        stop = next((x.index for x in heads[k + 1:] if x.rank <= h.rank), end)
        text = join_fragments([_split_title(h.rest)[1]] + [clean(strip_markup(s)) for s in lines[h.index + 1:stop]])
        out += find_indicators(text)
    return out


def _dropped(run: list[Heading], outline: _Outline, part_label: str | None) -> ReaderWarning:
    encl = outline.enclosing(run[0])
    where = encl[min(encl)].heading_text if encl else "正文"
    span = run[0].label if len(run) == 1 else f"{run[0].label}至{run[-1].label}"
    return ReaderWarning(f"{where}下的{span}另起编号，未列入本清单（如需要，请单独建清单）",
                         ref=part_label, line=None)


def _columns(items: list[ProposedItem]) -> dict[str, str]:
    cols = {"no": "序号"}
    if any(i.category for i in items):
        cols["category"] = "部分"
    if any(i.title for i in items):
        cols["title"] = "条目"
    cols["text"] = "内容"
    if any(i.units for i in items):
        cols["units"] = "负责单位"
    return cols


def _part_name(run: list[Heading], outline: _Outline, part_label: str | None, part_title: str | None) -> str:
    sections: list[Heading] = []
    for h in run:
        encl = outline.enclosing(h)
        if encl:
            top = encl[min(encl)]
            if not sections or sections[-1] is not top:  # sections come in document order
                sections.append(top)
    lead = " ".join(x for x in (part_label or "正文", part_title if part_label else None) if x)
    if len(sections) > 3:
        span = f"{sections[0].label}至{sections[-1].label}{run[0].label}至{run[-1].label}"
    else:
        span = " ".join(s.heading_text for s in sections)
    return f"{lead} {span}".strip()


def _unit_paren(s: str) -> tuple[str, str | None]:
    """``…格局。（省发展改革委、各市州政府负责）`` → (``…格局。``, ``省发展改革委、各市州政府负责``)."""
    t = s.rstrip()
    tail = ""
    if len(t) > 1 and t[-1] in "。；;" and t[-2] in "）)】]":
        t, tail = t[:-1], t[-1]
    if not t or t[-1] not in "）)】]":
        return s, None
    close_, open_ = ("）)", "（(") if t[-1] in "）)" else ("】]", "【[")
    depth, i = 0, len(t) - 1
    floor = max(0, len(t) - _MAX_PAREN)
    while i >= floor:
        ch = t[i]
        if ch in close_:
            depth += 1
        elif ch in open_:
            depth -= 1
            if depth == 0:
                break
        i -= 1
    if i < floor or depth != 0:
        return s, None
    inner = t[i + 1:-1].strip()
    if "。" in inner or not (inner.endswith(_UNIT_END) or inner.startswith(_UNIT_START)):
        return s, None
    return t[:i].rstrip() + tail, inner


def _item(h: Heading, body: list[Para], head_para: Para, encl: dict[int, Heading], no: int,
          part_label: str | None) -> tuple[ProposedItem | None, list[ReaderWarning]]:
    warnings: list[ReaderWarning] = []
    title, first = _split_title(h.rest)
    fragments = ([first] if first else []) + [clean(strip_markup(p.text)) for p in body]
    unit_texts: list[str] = []
    kept: list[str] = []
    for frag in fragments:
        if _UNIT_LINE.match(frag):
            unit_texts.append(frag.strip("【】[]"))
            continue
        text, units = _unit_paren(frag)
        if units:
            unit_texts.append(units)
        kept.append(frag)
    if kept:  # only the parenthesis closing the clause leaves the text
        kept[-1] = _unit_paren(kept[-1])[0]
    text = join_fragments([k for k in kept if k])
    ref = _ref(h, encl, part_label)
    if not text:
        if not title:
            warnings.append(ReaderWarning("此条只有编号，没有内容，未列入清单", ref=ref, line=head_para.line))
            return None, warnings
        text = title
        warnings.append(ReaderWarning("此条只有标题，内容取标题", ref=ref, line=head_para.line))
    units = []
    for u in unit_texts:
        for unit in split_units(u):
            if unit.name not in {x.name for x in units}:
                units.append(unit)
    category = encl[max(encl)].heading_text.rstrip("。") if encl else None
    paras = [head_para, *body]
    return ProposedItem(
        no=no, label=h.label, ref=ref, category=category, title=title, text=text, units=units,
        indicators=find_indicators(text),
        provenance=Provenance(kind="clause", clause=ref, lines=tuple(p.line for p in paras),
                              source="\n".join(p.text for p in paras)),
    ), warnings


def _split_title(rest: str) -> tuple[str | None, str]:
    """Lead phrase (title) and the rest of the heading line."""
    if not rest:
        return None, ""
    cut = rest.find("。")
    if 0 < cut <= _TITLE_MAX:
        return rest[:cut], rest[cut + 1:]
    if cut < 0 and len(rest) <= _TITLE_MAX:
        return rest.rstrip("：:"), ""
    return None, rest


def _ref(h: Heading, encl: dict[int, Heading], part_label: str | None) -> str:
    """``二、（一）`` in the body; in an annex the section is named (``附件1 四、试点任务（一）``),
    as the shipped forms cite them."""
    out = []
    top = encl.get(1)
    if top is not None:
        out.append(top.heading_text if part_label else top.label)
    if h.rank >= 4 and 3 in encl:
        out.append(encl[3].label)
    out.append(f"第{h.number}条" if h.style == "arabic" else h.label)
    ref = "".join(out)
    return f"{part_label} {ref}" if part_label else ref
