"""The parts of a 公文 (GB/T 9704-2012) both Word documents share, written as XML in order.

Title broken into even lines at the places the wording allows, the unit's own text set by level
(一、 （一） 1. （1）), tables through the one builder, the 附件说明 with its hanging indent, the
署名 and 成文日期 kept on the page of the last lines of text, the 版记. Measures (a character of
the body, of the title, the text widths) are read from the template's styles and page setups, so
an office that restyles the template in Word keeps a correct layout.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from docx.oxml.ns import qn

from ..core.errors import InputError
from ..core.text import display_width
from .ooxml import Pages, TableStyle, append_xml, autospace_gaps, run, start_landscape, table_xml

# a line of the unit's text that opens with a heading number: level, pattern
LEVELS = ((1, re.compile(r"^[一二三四五六七八九十]{1,3}、")), (2, re.compile(r"^[（(][一二三四五六七八九十]{1,3}[）)]")),
          (3, re.compile(r"^\d{1,2}[.．](?!\d)")), (4, re.compile(r"^[（(]\d{1,2}[）)]")))
LEAD_CHARS = 30  # a heading that leads its paragraph (（一）加强组织领导。成立……) is at most this long
BREAK = "|"  # where the wording allows a title to break


@dataclass(frozen=True)
class Metrics:
    """Twips of one character of the body (full-width, half-width, the font's em) and of the title."""

    full: int
    half: int
    title_full: int
    title_half: int
    em: int = 320
    title_em: int = 440

    def width(self, text: str, title: bool = False) -> int:
        """Width of one line of ``text``: characters, and the gap a renderer puts where an ideograph
        meets a digit or a Latin letter (autospace: a fifth of an em in LibreOffice, about a
        quarter in Word), so a 署名 centres over 2026年5月20日 in both."""
        full, half, em = (self.title_full, self.title_half, self.title_em) if title else (self.full, self.half, self.em)
        return sum(full if display_width(c) == 2 else half for c in text) + autospace_gaps(text) * em // 5


def _size_and_spacing(style) -> tuple[int, int]:
    """(font size, character spacing) of a style in twips, following its base styles."""
    size = spacing = None
    st = style
    while st is not None and (size is None or spacing is None):
        rpr = st.element.rPr
        if rpr is not None:
            if size is None and rpr.find(qn("w:sz")) is not None:
                size = int(rpr.find(qn("w:sz")).get(qn("w:val"))) * 10  # half-points → twips
            if spacing is None and rpr.find(qn("w:spacing")) is not None:
                spacing = int(rpr.find(qn("w:spacing")).get(qn("w:val")))
        st = st.base_style
    return size or 320, spacing or 0


def measure(doc) -> Metrics:
    body, body_sp = _size_and_spacing(doc.styles["Normal"])
    title, title_sp = _size_and_spacing(doc.styles["Title"])
    return Metrics(body + body_sp, body // 2 + body_sp, title + title_sp, title // 2 + title_sp, body, title)


def break_title(text: str, line_twips: int, m: Metrics) -> list[str]:
    """The title in the fewest lines that fit, the most even of those (GB/T 9704 7.3.1: 回行时
    词意完整，排列对称). Lines break only where the wording put a '|' or at a space; a piece
    longer than a line is broken inside as a last resort."""
    pieces = []
    for part in text.split(BREAK):
        words = re.split(r"(\s+)", part)
        pieces += [w for w in words if w]
    fitted = []
    for p in pieces:  # a piece longer than a line: cut it into even parts (a last resort)
        parts = -(-m.width(p, True) // line_twips)
        size = -(-len(p) // parts)
        fitted += [p[i:i + size] for i in range(0, len(p), size)]
    n = len(fitted)
    best = None
    for lines in range(1, n + 1):
        for cuts in itertools.combinations(range(1, n), lines - 1):
            bounds = (0, *cuts, n)
            rows = ["".join(fitted[a:b]).strip() for a, b in zip(bounds, bounds[1:])]
            widths = [m.width(r, True) for r in rows]
            if max(widths) > line_twips or not all(rows):
                continue
            key = (max(widths) - min(widths), -widths[-1])
            if best is None or key < best[0]:
                best = (key, rows)
        if best:
            return best[1]
    return ["".join(fitted)]


def plain_title(text: str) -> str:
    """A title as one line of text (file properties, messages): the break marks removed."""
    return text.replace(BREAK, "")


def level_of(line: str) -> tuple[int, int] | None:
    """(level, length of its heading) of a line that opens with a heading number; the heading is
    the whole line, or its first sentence when text follows (length 0: not a heading)."""
    for level, rx in LEVELS:
        m = rx.match(line)
        if not m:
            continue
        rest = line[m.end():]
        stop = rest.find("。")
        if stop == -1:
            return (level, len(line)) if len(rest) <= LEAD_CHARS else None
        if stop <= LEAD_CHARS:
            return level, m.end() + stop + 1
        return None
    return None


class Body:
    """The paragraphs of a document collected as XML (each text escaped by ooxml.run) and
    appended in order; knows the template's styles, measures and page setups."""

    def __init__(self, doc, pages: Pages, template: str):
        self.doc, self.pages, self.template = doc, pages, template
        self.sid = {s.name: s.style_id for s in doc.styles}
        self.m = measure(doc)
        self.parts: list[str] = []
        self.landscape = False
        self._texts: list[int] = []  # indexes in parts of the last two paragraphs of body text

    # ---------------------------------------------------------------- paragraphs
    def style(self, name: str) -> str:
        try:
            return self.sid[name]
        except KeyError:
            raise InputError(f"Word 模板 {self.template} 缺少样式「{name}」") from None

    def para(self, style: str, *runs: str, keep: bool | None = None, body: bool = False, tabs: str = "",
             ind: str = "") -> None:
        """One paragraph; ``keep``: with the next one (None: as its style says); ``body``: a
        paragraph of the text proper (the 署名 keeps with the last one)."""
        keeps = {True: "<w:keepNext/>", False: '<w:keepNext w:val="0"/>', None: ""}[keep]
        ppr = f'<w:pStyle w:val="{self.style(style)}"/>' + keeps + tabs + ind
        xml = f"<w:p><w:pPr>{ppr}</w:pPr>{''.join(runs)}</w:p>"
        if body:
            self._texts = [*self._texts[-1:], len(self.parts)]
        self.parts.append(xml)

    def text(self, style: str, value: str, **kw) -> None:
        self.para(style, run(value), **kw)

    def blank(self, keep: bool | None = None) -> None:
        self.para("Normal", keep=keep)

    def heading(self, level: int, value: str) -> None:
        self.text(f"Heading {level}", value, body=True)

    def user_text(self, value: str | None) -> None:
        """The unit's own text: each line a paragraph; a line opening 一、（一）1.（1） is a heading
        of that level (黑体 / 楷体 / 仿宋 / 仿宋), or — when text follows its first sentence — a
        paragraph led by it."""
        for ln in lines(value):
            lv = level_of(ln)
            if lv is None:
                self.text("Normal", ln, body=True)
            elif lv[1] == len(ln):
                self.heading(lv[0], ln)
            elif lv[0] <= 2:
                self.para("Normal", run(ln[:lv[1]], self.style(f"Lead Heading {lv[0]}")), run(ln[lv[1]:]), body=True)
            else:
                self.text("Normal", ln, body=True)

    def labelled(self, label: str, value: str | None) -> None:
        """``落实举措：…`` — the label in the Field Label style; later lines their own paragraphs."""
        rows = lines(value) or [""]
        self.para("Normal", run(f"{label}：", self.style("Field Label")), run(rows[0]), body=True)
        for ln in rows[1:]:
            self.text("Normal", ln, body=True)

    def title(self, text: str) -> None:
        """The title, broken into even lines at the title's pitch (one paragraph, line breaks)."""
        width = self.width
        rows = break_title(text, width, self.m)
        self.para("Title", "<w:r><w:br/></w:r>".join(run(r) for r in rows), keep=True)

    def table(self, headers, rows, *, center=(), weights=None, keep_last: bool = False) -> None:
        st = TableStyle(self.style("Table Head"), self.style("Table Text"), set(center), keep_last)
        self.parts.append(table_xml(headers, rows, self.width, st, weights))

    @property
    def width(self) -> int:
        """Text width (twips) of the current page setup."""
        return (self.pages.landscape_size if self.landscape else self.pages.portrait_size)[0]

    # -------------------------------------------------- 附件说明, 署名, 成文日期, 版记
    def annex_note(self, text: str) -> None:
        """附件说明: one empty line after the text, 左空二字, a wrapped name under its first character
        (the Annex Note style's hanging indent)."""
        self.blank(keep=True)
        self.text("Annex Note", text, keep=True)

    def signature(self, signer: str, date: str, *, right_chars: int, seal_lines: int) -> None:
        """署名 centred over the 成文日期, the date 右空N字, ``seal_lines`` empty lines above for the
        seal; the whole block keeps with the last lines of text (never a page holding only it)."""
        if self._texts:  # the last two lines of text go with the 署名: the last paragraph's, or
            last = self._texts[-1]  # the last line of the one before too when the last is one line
            first = self._texts[0] if self.m.width(_plain(self.parts[last])) <= self.width - 2 * self.m.full else last
            for i in range(first, len(self.parts)):
                if self.parts[i].startswith("<w:p>"):
                    self.parts[i] = _keep(self.parts[i], widow=i == last)
        for _ in range(seal_lines):
            self.blank(keep=True)
        date_right = right_chars * self.m.full
        sig_w = self.m.width(signer)
        sig_right = date_right + (self.m.width(date) - sig_w) // 2
        floor = 2 * self.m.full if sig_w + 2 * self.m.full <= self.width else 0
        if sig_right < floor:  # a long 署名: 右空二字, the date centred under it (GB/T 9704 7.3.5.2 alike)
            date_right, sig_right = date_right + floor - sig_right, floor
        self.text("Signature", signer, keep=True, ind=f'<w:ind w:right="{sig_right}"/>')
        self.text("Signature", date, ind=f'<w:ind w:right="{date_right}"/>')

    def record(self, rows: list[str]) -> None:
        """版记: lines between rules (the Record style's borders); a tab puts the rest at the right.

        GB/T 9704 closes the last page with the 版记 at its foot: the rows form one frame anchored
        to the bottom of the text area (paragraphs with the same framePr make one frame, in Word
        and LibreOffice alike), so it never hangs at the top of a page the 附件 table filled."""
        self.blank()
        stop = self.width - _size_and_spacing(self.doc.styles["Record"])[0]  # 右空一字
        frame = (f'<w:framePr w:w="{self.width}" w:wrap="around" w:vAnchor="margin" w:hAnchor="margin" '
                 'w:xAlign="center" w:yAlign="bottom"/>')
        tabs = f'{frame}<w:tabs><w:tab w:val="right" w:pos="{stop}"/></w:tabs>'
        for i, row in enumerate(rows):
            runs = "<w:r><w:tab/></w:r>".join(run(part) for part in row.split("\t"))
            self.para("Record", runs, keep=i < len(rows) - 1, tabs=tabs)

    # ------------------------------------------------------------------- output
    def flush(self) -> None:
        """Append what was collected to the document (before a chart or a section break)."""
        if self.parts:
            append_xml(self.doc, "".join(self.parts))
            self.parts = []
            self._texts = []

    def start_landscape(self) -> None:
        self.flush()
        start_landscape(self.doc, self.pages)
        self.landscape = True


def _plain(p: str) -> str:
    """The text of a paragraph's XML (escaped characters count one each)."""
    return re.sub(r"&[a-z]+;", "x", "".join(re.findall(r"<w:t[^>]*>([^<]*)</w:t>", p)))


def _keep(p: str, widow: bool = False) -> str:
    """A paragraph's XML made to keep with the next (and, ``widow``, to take two lines along)."""
    p = p.replace('<w:keepNext w:val="0"/>', "")
    add = ("" if "<w:keepNext/>" in p else "<w:keepNext/>") + ("<w:widowControl/>" if widow else "")
    return re.sub(r'(<w:pStyle w:val="[^"]*"/>(?:<w:keepNext/>)?)', lambda m: m.group(1) + add, p, count=1)


def lines(value: str | None) -> list[str]:
    """The non-empty lines of a user's text, trimmed."""
    return [ln.strip() for ln in (value or "").splitlines() if ln.strip()]
