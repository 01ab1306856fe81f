"""Quantified targets in an item's text → ``IndicatorCandidate``s for the reviewer to confirm.

``建设35所优质中职学校`` is 35 所 (count), ``不低于10000元`` is ≥10000 元 (amount), ``60%以上``
is ≥60 % (percent), ``1—2所`` is ≥1 (the lower bound, as the shipped forms record ranges),
``100个左右`` is about 100; a ``到2022年`` or ``“十四五”期末`` in the same sentence gives the
year/label. Each candidate quotes the words it was read from. Candidates are generous on
purpose (the reviewer drops what is not a target); precision against the curated forms is
reported by the tests.

Bounded on hostile text: every pattern is linear (possessive quantifiers, a look-behind so a
digit run is tried from its start only, literal alternations), phrase and sentence bounds
come from positions found once per text, and at most ``MAX_CANDIDATES`` are proposed.
"""
from __future__ import annotations

import bisect
import re
from types import MappingProxyType

from .catalog_bridge import Target
from .proposal import IndicatorCandidate

MAX_CANDIDATES = 200  # per item: more is not a list of targets a reviewer can confirm
_UNITS = "个百分点|个月|万元|亿元|人次|所|个|家|名|人|门|项|本|套|种|座|处|元|%|％"
_NUMBER = re.compile(
    r"(?<![\d.])(\d++(?:\.\d++)?)"  # value, a digit run tried from its start only
    r"(?:\s*+[-—–~～至到]\s*+(\d++(?:\.\d++)?))?"  # optional upper end of a range
    r"\s*+(万(?!元)|亿(?!元))?"  # magnitude: 1万家 is 10000 家
    rf"\s*+({_UNITS})")
_HALF = "半数"
_DIGIT = re.compile(r"\d")
_PHRASE_END = re.compile(r"[，。；：,;:\n]")
_SENTENCE_END = re.compile(r"[。\n]")  # 到2022年，A；B；C。 — the year holds for A, B and C
_YEAR = re.compile(r"(?:到|至|在|于)\s*+(\d{4})\s*+年")
_PLANS = (("十三五", 2020), ("十四五", 2025), ("十五五", 2030))
_WINDOW = 120  # characters looked at on each side of a number
_SENTENCE_WINDOW = 400  # characters looked back for the year of a sentence
_AFTER = ((">=", ("及以上", "以上", "多")), ("<=", ("以内", "以下")), ("about", ("左右",)))
_BEFORE_WORDS = MappingProxyType({"不少于": ">=", "不低于": ">=", "至少": ">=", "最少": ">=", "超过": ">=", "达到": ">=",
                 "高于": ">=", "大于": ">=", "≥": ">=", ">=": ">=", "不超过": "<=", "不高于": "<=",
                 "最多": "<=", "控制在": "<=", "低于": "<=", "≤": "<=", "<=": "<="})
_ABOUT_BEFORE = ("大约", "约", "近")  # only right before the number (约束, 节约 are not)
_BEFORE = re.compile("|".join(sorted(map(re.escape, _BEFORE_WORDS), key=len, reverse=True)))
_LEAD = re.compile("(?:" + "|".join((
    "原则上", "每年", "通过试点布局", "在全国", "在全省", "全省", "全国", "重点", "分批", "集中力量", "建设培育",
    "遴选", "培育", "建设", "创建", "打造", "建成", "新增", "支持", "推动", "力争", "确保", "开发", "组建",
    "培养", "认定", "办好", "扶持", "设立", "完成", "实现", "按规定", "按", "把", "将", "到", "有", "的")) + ")++")
_PERCENT_NAMES = ("比例", "率", "比重", "占比")
_MAX_NAME = 60


class _Bounds:
    """Phrase ends, sentence ends and 、 of a text, found once; bisected per number."""

    def __init__(self, text: str):
        self.text = text
        self.phrase = [m.start() for m in _PHRASE_END.finditer(text)]
        self.sentence = [m.start() for m in _SENTENCE_END.finditer(text)]
        self.pause = [i for i, ch in enumerate(text) if ch == "、"]

    @staticmethod
    def _before(marks: list[int], pos: int, floor: int) -> int:
        k = bisect.bisect_left(marks, pos)
        return max(floor, marks[k - 1] + 1) if k else floor

    @staticmethod
    def _after(marks: list[int], pos: int, ceil: int) -> int:
        k = bisect.bisect_left(marks, pos)
        return min(ceil, marks[k]) if k < len(marks) else ceil

    def segment(self, start: int, end: int) -> tuple[int, int]:
        """The phrase holding [start, end): between delimiters, cut at a 、 whose other side holds a
        number of its own (``35所优质中职学校、10所…``, ``人才100名、产业教授1000名``)."""
        t = self.text
        lo = self._before(self.phrase, start, max(0, start - _WINDOW))
        hi = self._after(self.phrase, end, min(len(t), end + _WINDOW))
        k = bisect.bisect_left(self.pause, start) - 1
        while k >= 0 and self.pause[k] >= lo:
            left = self.pause[k - 1] + 1 if k and self.pause[k - 1] >= lo else lo
            if _DIGIT.search(t, left, self.pause[k]):
                lo = self.pause[k] + 1
                break
            k -= 1
        k = bisect.bisect_left(self.pause, end)
        while k < len(self.pause) and self.pause[k] < hi:
            right = self.pause[k + 1] if k + 1 < len(self.pause) and self.pause[k + 1] < hi else hi
            if _DIGIT.search(t, self.pause[k] + 1, right):
                hi = self.pause[k]
                break
            k += 1
        return lo, hi

    def sentence_before(self, pos: int) -> str:
        return self.text[self._before(self.sentence, pos, max(0, pos - _SENTENCE_WINDOW)):pos]


def find_indicators(text: str) -> list[IndicatorCandidate]:
    """Candidates in reading order; one per number-with-unit (and one for 半数)."""
    out: list[IndicatorCandidate] = []
    seen: set[tuple] = set()
    bounds = _Bounds(text)
    for m in _NUMBER.finditer(text):
        cand = _candidate(bounds, m)
        if cand:
            key = (cand.targets[0].value, cand.unit, cand.quote)
            if key not in seen:
                seen.add(key)
                out.append(cand)
                if len(out) >= MAX_CANDIDATES:
                    return out
    pos = text.find(_HALF)
    while pos >= 0 and len(out) < MAX_CANDIDATES:
        cand = _half(bounds, pos)
        if cand:
            out.append(cand)
        pos = text.find(_HALF, pos + len(_HALF))
    return out


def _comparator(before: str, after: str, ranged: bool) -> tuple[str, int]:
    """Comparator and where, in ``before``, the words naming it start (len(before) if none)."""
    for comp, words in _AFTER:
        if after.startswith(words):
            return comp, _first_before(before)[1]
    comp, cut = _first_before(before)
    if comp is None and before.rstrip().endswith(_ABOUT_BEFORE):
        comp = "about"
    return comp or (">=" if ranged else "="), cut


def _first_before(before: str) -> tuple[str | None, int]:
    """The comparator word nearest the number, and where the first one starts."""
    words = [(m.start(), m.group()) for m in _BEFORE.finditer(before)]
    if not words:
        return None, len(before)
    return _BEFORE_WORDS[words[-1][1]], words[0][0]


def _when(bounds: _Bounds, pos: int) -> tuple[int | None, str | None]:
    """Year and label (“十四五”末 / 每年) from the sentence before ``pos``."""
    sentence = bounds.sentence_before(pos)
    year = label = None
    if "年" in sentence:
        for m in _YEAR.finditer(sentence):
            year = int(m.group(1))
    if "五" in sentence:
        for plan, end in _PLANS:
            i = sentence.rfind(plan)
            if i >= 0 and "末" in sentence[i:i + 6]:
                year, label = end, f"“{plan}”末"
    if label is None and "每年" in sentence:
        label = "每年"
    return year, label


def _strip_lead(name: str) -> str:
    m = _LEAD.match(name)
    if m and m.end() < len(name):
        name = name[m.end():]
    return name.strip("“”\"（(、 ")


def _candidate(bounds: _Bounds, m: re.Match) -> IndicatorCandidate | None:
    text = bounds.text
    start, end = m.span()
    if start and text[start - 1] in "第+×*.／/":
        return None  # 第2批, 1+X, ratios and versions are not targets
    value = float(m.group(1))
    if m.group(3):
        value *= 10000 if m.group(3) == "万" else 100_000_000
    unit = m.group(4).replace("％", "%")
    lo, hi = bounds.segment(start, end)
    before, after = text[lo:start], text[end:hi]
    comp, cut = _comparator(before, after, bool(m.group(2)))
    kind = "percent" if unit in ("%", "个百分点") else "amount" if unit.endswith("元") else "count"
    rest = after
    for word in ("及以上", "以上", "多", "以内", "以下", "左右", "的"):
        if rest.startswith(word):
            rest = rest[len(word):]
    name = _name(before[:cut], rest, kind)
    if not name:
        return None
    year, label = _when(bounds, start)
    return IndicatorCandidate(name=name, unit=unit, kind=kind, quote=text[lo:hi].strip(),
                              targets=(Target(value=value, comparator=comp, year=year, label=label),))


def _name(before: str, after: str, kind: str) -> str:
    before, after = _strip_lead(before.strip()).rstrip("的"), after.strip()
    if kind == "percent":
        name = (before + after).strip("的")
        if name and not name.endswith(_PERCENT_NAMES):
            name += "的比例"
    else:
        name = after if after else before
    return name[:_MAX_NAME]


def _half(bounds: _Bounds, pos: int) -> IndicatorCandidate | None:
    """``半数左右省属本科高校`` → about 50 %."""
    lo, hi = bounds.segment(pos, pos + len(_HALF))
    after = bounds.text[pos + len(_HALF):hi]
    comp = "about" if after.startswith("左右") else ">=" if after.startswith("以上") else "="
    for w in ("左右", "以上"):
        if after.startswith(w):
            after = after[len(w):]
    name = _strip_lead(after)
    if not name:
        return None
    return IndicatorCandidate(name=name[:_MAX_NAME] + "比例", unit="%", kind="percent",
                              quote=bounds.text[lo:hi].strip(), targets=(Target(value=50, comparator=comp),))
