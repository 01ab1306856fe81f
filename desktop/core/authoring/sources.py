"""Input formats → one neutral shape: paragraphs and tables in document order.

Word (.docx), Excel (.xlsx), CSV, HTML and plain text (pasted from a PDF or a web page) all
become a ``RawDocument``; the reader never looks at a format again. Tables keep what merges
say (a vertically merged 工作任务 cell in Word, a merged range in Excel) as ``Cell.merge``, so
the reader can tell a merged cell from a blank one. Files are untrusted: the size is checked
before reading and every .docx/.xlsx passes the zip/XML checks of ``core.zipsafe`` first (the
same gate as the 报送表 importer).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from types import MappingProxyType

from .headers import match_header
from .proposal import ReaderError
from .. import zipsafe

MAX_FILE_BYTES = zipsafe.OOXML.file_bytes
KIND_NAMES = MappingProxyType({"docx": "Word（.docx）文件", "xlsx": "Excel（.xlsx）文件"})
MAX_ROWS = 100_000  # rows read from one sheet / table
MAX_COLS = 64
MAX_TABLES = 500  # Word tables read from one document (nested ones included)
MAX_MERGED_CELLS = 1_000_000  # cells covered by merged ranges in one sheet
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
REFUSED = MappingProxyType({".pdf": "PDF 文件请复制其中文字后粘贴，或另存为 Word（.docx）",
           ".doc": "旧版 Word（.doc）文件请在 Word/WPS 中另存为 .docx",
           ".wps": "WPS 文字文件请另存为 .docx",
           ".xls": "旧版 Excel（.xls）文件请另存为 .xlsx",
           ".et": "WPS 表格文件请另存为 .xlsx",
           ".ofd": "OFD 文件请复制其中文字后粘贴"})


def check_size(path: Path) -> int:
    """The file's size, refusing a missing, empty or oversized file before a byte is read."""
    try:
        return zipsafe.check_size(path, MAX_FILE_BYTES, "政策文件")
    except zipsafe.UnsafeFile as e:
        raise ReaderError(str(e)) from None


def check_ooxml(path: Path, kind: str) -> None:
    """The zip/XML gate (core.zipsafe) before python-docx or openpyxl opens the file."""
    try:
        zf, _scan = zipsafe.open_ooxml(path, kind, KIND_NAMES[kind])
        zf.close()
    except zipsafe.UnsafeFile as e:
        raise ReaderError(str(e)) from None


@dataclass(frozen=True)
class Cell:
    text: str
    merge: str | None = None  # "up": continues the merged cell above; "left": covered by its left cell


@dataclass(frozen=True)
class Para:
    text: str  # as received (one line of text, one Word paragraph)
    line: int  # 1-based line (text) or paragraph number (docx)


@dataclass(frozen=True)
class Table:
    rows: tuple[tuple[Cell, ...], ...]
    lines: tuple[int, ...]  # where each row stands: text line, Word row, sheet row
    raw: tuple[str, ...]  # each row exactly as received (cells tab-joined for docx/xlsx)
    where: str = ""  # sheet name (xlsx)


@dataclass(frozen=True)
class Sheet:
    """Start of a worksheet: each sheet is a part of its own."""

    name: str


@dataclass(frozen=True)
class RawDocument:
    name: str
    kind: str  # text / docx / xlsx / csv / html
    blocks: tuple  # Para | Table | Sheet, in document order


def load_path(path: Path | str) -> RawDocument:
    """Read a file by suffix, or by content when the suffix says nothing; refuses with ReaderError."""
    path = Path(path)
    check_size(path)
    suffix = path.suffix.lower()
    if suffix in REFUSED:
        raise ReaderError(f"不支持的文件格式（{suffix}）：{REFUSED[suffix]}")
    if suffix == ".docx":
        return _from_docx(path)
    if suffix in (".xlsx", ".xlsm"):
        return _from_xlsx(path)
    try:
        with path.open("rb") as f:
            head = f.read(8)
            data = head + f.read() if not head.startswith((b"PK\x03\x04", b"%PDF", b"\xd0\xcf\x11\xe0")) else b""
    except OSError as e:
        raise ReaderError(f"无法读取文件「{path.name}」：{e.strerror or e}") from None
    if head.startswith(b"PK\x03\x04"):
        return _sniff_zip(path)
    if head.startswith(b"%PDF"):
        raise ReaderError(f"不支持的文件格式（PDF）：{REFUSED['.pdf']}")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ReaderError("不支持旧版 Office 文件（.doc/.xls）：请另存为 .docx 或 .xlsx")
    text = decode(data)
    if suffix == ".csv":
        return _from_csv(text, path.name)
    if suffix in (".html", ".htm") or text.lstrip()[:15].lower().startswith(("<!doctype html", "<html")):
        return from_html(text, path.name)
    return from_text(text, path.name)


def _sniff_zip(path: Path) -> RawDocument:
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:  # the central directory only; checks follow in open_ooxml
            names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise ReaderError("文件已损坏或不是可识别的格式") from None
    if "word/document.xml" in names:
        return _from_docx(path)
    if "xl/workbook.xml" in names:
        return _from_xlsx(path)
    raise ReaderError("不支持的压缩文件：只能读取 Word（.docx）和 Excel（.xlsx）文件")


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030 (common for Chinese files)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    raise ReaderError("无法识别文件的文字编码（请另存为 UTF-8 文本或 Word 文件）")


def check_text_size(text: str) -> None:
    """Pasted text has no file size: bound it by length before any work is done on it."""
    if len(text) > MAX_FILE_BYTES:  # characters ≤ bytes: a cheap bound before encoding
        raise ReaderError(f"文本过长（{len(text) / 1048576:.1f} M 字符），政策文件不应超过 {MAX_FILE_BYTES // 1048576} MB")


# --- plain text --------------------------------------------------------------------------

def _tab_cells(line: str) -> list[str] | None:
    """Cells of a tab- or pipe-separated table line, None for any other line."""
    s = line.strip()
    if s.startswith("|") and s.endswith("|") and s.count("|") >= 3:
        inner = s[1:-1]
        if inner.count("|") >= MAX_COLS:
            return None
        if inner.replace("|", "").replace("-", "").replace(":", "").strip() == "":
            return []  # markdown separator row
        return [c.strip() for c in inner.split("|")]
    if "\t" in line.strip("\n"):
        cells = line.rstrip("\n").split("\t", MAX_COLS)
        if len(cells) > MAX_COLS:
            return None  # not a task table's row
        if len(cells) >= 2 and not (cells[0] == "" and len(cells) == 2):  # "\tx" is one cell per line
            return [c.strip() for c in cells]
    return None


def _is_cell_line(line: str) -> bool:
    """One cell per line, as Word tables paste into plain text: a leading tab and no other."""
    return line.startswith("\t") and "\t" not in line[1:]


def from_text(text: str, name: str = "粘贴的文本") -> RawDocument:
    """Paragraphs and tables of pasted text: tab/pipe rows, or one cell per line in blocks."""
    check_text_size(text)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    blocks: list = []
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        cells = _tab_cells(line)
        if cells:
            table, i = _tab_table(lines, i)
            blocks.append(table)
            continue
        if _is_cell_line(line):
            table, j = _cell_table(lines, i)
            if table is not None:
                blocks.append(table)
            else:  # not a table: the block's lines are paragraphs (scanned once)
                blocks.extend(Para(lines[k], k + 1) for k in range(i, j) if lines[k].strip())
            i = max(j, i + 1)
            continue
        if line.strip():
            blocks.append(Para(line, i + 1))
        i += 1
    return RawDocument(name, "text", tuple(blocks))


def _next_nonblank(lines: list[str], j: int) -> int:
    while j < len(lines) and not lines[j].strip():
        j += 1
    return j


def _tab_table(lines: list[str], i: int) -> tuple[Table, int]:
    """Rows from line ``i`` on; blank lines (page breaks) are crossed when a row follows; a
    tab-less line glued to a row, before another data row, continues that row's last cell."""
    rows, nums, raws = [], [], []
    j, last = i, -2
    while j < len(lines):
        line = lines[j]
        cells = _tab_cells(line)
        if cells is not None:
            if cells:
                rows.append(tuple(Cell(c) for c in cells))
                nums.append(j + 1)
                raws.append(line)
            last = j
            j += 1
            continue
        if not line.strip():
            k = _next_nonblank(lines, j)
            if k < len(lines) and _tab_cells(lines[k]) is not None:
                j = k
                continue
            break
        k = _next_nonblank(lines, j + 1)
        nxt = _tab_cells(lines[k]) if k < len(lines) else None
        if last == j - 1 and rows and nxt and match_header(nxt) is None:
            prev = rows[-1]
            col = max((c for c, cell in enumerate(prev) if cell.text), default=len(prev) - 1)
            rows.append(tuple(Cell(line.strip() if c == col else "") for c in range(len(prev))))
            nums.append(j + 1)
            raws.append(line)
            last = j
            j += 1
            continue
        break
    return Table(tuple(rows), tuple(nums), tuple(raws)), j


def _blank_cell_line(line: str) -> bool:
    """Blank in the one-cell-per-line format: a lone tab is an empty cell, not a blank line."""
    return line.strip(" \u3000") == ""


def _cell_table(lines: list[str], i: int) -> tuple[Table | None, int]:
    """Blocks of one-cell lines separated by blank lines; the first block must be a header."""
    def block(j: int) -> tuple[list[tuple[int, str]], int]:
        out = []
        while j < len(lines) and not _blank_cell_line(lines[j]):
            out.append((j, lines[j]))
            j += 1
        return out, j

    head, j = block(i)
    if len(head) < 2 or not all(_is_cell_line(x) for _, x in head):
        return None, j
    header = [x[1:].strip() for _, x in head]
    cols = match_header(header)
    if cols is None:
        return None, j
    width = len(header)
    rows = [tuple(Cell(h) for h in header)]
    nums, raws = [head[0][0] + 1], ["\n".join(x for _, x in head)]
    while True:
        k = j
        while k < len(lines) and _blank_cell_line(lines[k]):
            k += 1
        if k >= len(lines) or not lines[k].startswith("\t"):
            break
        blk, j = block(k)
        cells: list[str] = []
        for _, x in blk:
            if x.startswith("\t") or not cells:
                cells.append(x.strip())
            else:  # a line without its tab continues the cell above
                cells[-1] += "\n" + x.strip()
        if len(cells) > width and cols.text is not None:  # extra paragraphs: the text cell's
            extra = len(cells) - width
            cells[cols.text:cols.text + extra + 1] = ["\n".join(cells[cols.text:cols.text + extra + 1])]
        cells += [""] * (width - len(cells))
        rows.append(tuple(Cell(c) for c in cells[:width]))
        nums.append(blk[0][0] + 1)
        raws.append("\n".join(x for _, x in blk))
    return Table(tuple(rows), tuple(nums), tuple(raws)), j


# --- CSV and HTML ------------------------------------------------------------------------

def _from_csv(text: str, name: str) -> RawDocument:
    rows, nums, raws = [], [], []
    try:
        for n, rec in enumerate(csv.reader(io.StringIO(text)), 1):
            if n > MAX_ROWS:
                break
            if any(c.strip() for c in rec):
                rows.append(tuple(Cell(c.strip()) for c in rec[:MAX_COLS]))
                nums.append(n)
                raws.append(",".join(rec))
    except csv.Error:
        raise ReaderError("CSV 文件格式有误（引号不配对或单元格过长），请用 Excel 另存为 .xlsx 后再读取") from None
    return RawDocument(name, "csv", (Table(tuple(rows), tuple(nums), tuple(raws)),))


class _HtmlText(HTMLParser):
    """Web page → text lines: block elements end a line, table cells are tab-separated."""

    BLOCKS = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table", "section", "article"}
    SKIP = {"script", "style", "head", "title", "noscript"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0
        self.cells_in_row = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skip += 1
        elif tag == "tr":
            self.out.append("\n")
            self.cells_in_row = 0
        elif tag in ("td", "th"):
            if self.cells_in_row:
                self.out.append("\t")
            self.cells_in_row += 1
        elif tag in self.BLOCKS and not self.cells_in_row:
            self.out.append("\n")

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in ("tr", "table"):
            self.out.append("\n")
            self.cells_in_row = 0
        elif tag in self.BLOCKS and not self.cells_in_row:
            self.out.append("\n")

    def handle_data(self, data):
        if not self.skip:
            self.out.append(data.replace("\t", " ").replace("\n", " ") if self.cells_in_row else data)


def from_html(html: str, name: str = "网页") -> RawDocument:
    check_text_size(html)
    p = _HtmlText()
    p.feed(html)
    p.close()
    doc = from_text("".join(p.out), name)
    return RawDocument(name, "html", doc.blocks)


# --- Word --------------------------------------------------------------------------------

def _para_text(p) -> str:
    parts = []
    for el in p.iter(f"{W}t", f"{W}tab", f"{W}br", f"{W}cr"):
        tag = el.tag
        if tag == f"{W}t":
            parts.append(el.text or "")
        elif tag == f"{W}tab":
            parts.append("\t")
        else:
            parts.append("\n")
    return "".join(parts)


def _val(el, name: str) -> str | None:
    child = el.find(f"{W}{name}") if el is not None else None
    return None if child is None else child.get(f"{W}val", "")


def _word_table(tbl, number: int, nested: list) -> Table:
    """Rows of a Word table; a merged cell's continuations are marked, nested tables collected."""
    rows, nums, raws = [], [], []
    for r, tr in enumerate(tbl.iterfind(f"{W}tr"), 1):
        if r > MAX_ROWS:
            break
        cells: list[Cell] = []
        before = _val(tr.find(f"{W}trPr"), "gridBefore")
        cells += [Cell("")] * min(int(before) if before and before.isdigit() else 0, MAX_COLS)
        for tc in tr.iter(f"{W}tc"):
            if tc.getparent() is not tr and tc.getparent().tag != f"{W}sdtContent":
                continue  # a nested table's cell
            pr = tc.find(f"{W}tcPr")
            span = _val(pr, "gridSpan")
            vmerge = _val(pr, "vMerge")
            nested.extend(tc.iterfind(f"{W}tbl"))  # a task table inside a layout table
            paras = [_para_text(p).strip() for p in tc.iterfind(f"{W}p")]
            text = "\n".join(x for x in paras if x)
            merge = "up" if vmerge is not None and vmerge != "restart" else None
            cells.append(Cell("" if merge else text, merge))
            extra = int(span) - 1 if span and span.isdigit() else 0
            cells += [Cell("", "left")] * min(extra, MAX_COLS)
            if len(cells) >= MAX_COLS:
                break
        rows.append(tuple(cells))
        nums.append(r)
        raws.append("\t".join(c.text for c in cells))
    return Table(tuple(rows), tuple(nums), tuple(raws), where=f"表{number}")


def _from_docx(path: Path) -> RawDocument:
    check_ooxml(path, "docx")
    import docx  # python-docx, after the file passed the zip/XML checks

    try:
        body = docx.Document(str(path)).element.body
    except Exception:  # noqa: BLE001 - any failure of a checked but odd package is one refusal
        raise ReaderError("Word 文件无法打开（文件已损坏或不是正文文档）") from None
    blocks: list = []
    n_para = n_table = 0

    def walk(parent):
        nonlocal n_para, n_table
        for child in parent.iterchildren():
            tag = child.tag
            if tag == f"{W}p":
                n_para += 1
                for k, line in enumerate(_para_text(child).split("\n")):
                    if line.strip():
                        blocks.append(Para(line, n_para))
            elif tag == f"{W}tbl":
                pending = [child]
                while pending and n_table < MAX_TABLES:
                    n_table += 1
                    nested: list = []
                    blocks.append(_word_table(pending.pop(0), n_table, nested))
                    pending.extend(nested)
            elif tag in (f"{W}sdt", f"{W}sdtContent", f"{W}customXml"):
                walk(child)

    walk(body)
    return RawDocument(path.name, "docx", tuple(blocks))


# --- Excel -------------------------------------------------------------------------------

def _cell_str(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time() else v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v).strip()


def _merge_flags(ws, max_row: int, max_col: int):
    """Per row, the merge flag of each cell, by a sweep over the merged ranges (memory per range,
    time per merged cell); a sheet merging more than ``MAX_MERGED_CELLS`` cells is refused."""
    ranges = sorted((rng.min_row, min(rng.max_row, max_row), rng.min_col, min(rng.max_col, max_col))
                    for rng in ws.merged_cells.ranges if rng.min_row <= max_row and rng.min_col <= max_col)
    if sum((r1 - r0 + 1) * (c1 - c0 + 1) for r0, r1, c0, c1 in ranges) > MAX_MERGED_CELLS:
        raise ReaderError(f"工作表「{ws.title}」合并的单元格过多，不像任务清单，已拒绝")
    active: list[tuple[int, int, int, int]] = []
    k = 0

    def flags(r: int, width: int) -> list[str | None]:
        nonlocal k, active
        while k < len(ranges) and ranges[k][0] <= r:
            active.append(ranges[k])
            k += 1
        active = [a for a in active if a[1] >= r]
        out: list[str | None] = [None] * width
        for r0, _, c0, c1 in active:
            for c in range(c0, min(c1, width) + 1):
                if (r, c) != (r0, c0):
                    out[c - 1] = "up" if c == c0 else "left"
        return out

    return flags


def _from_xlsx(path: Path) -> RawDocument:
    check_ooxml(path, "xlsx")
    import openpyxl  # after the zip/XML checks

    try:
        wb = openpyxl.load_workbook(path, data_only=True)
    except Exception:  # noqa: BLE001 - any failure of a checked but odd workbook is one refusal
        raise ReaderError("Excel 文件无法打开（文件已损坏或不是工作簿）") from None
    blocks: list = []
    try:
        for ws in wb.worksheets:
            blocks.append(Sheet(ws.title))
            max_row, max_col = min(ws.max_row, MAX_ROWS), min(ws.max_column, MAX_COLS)
            flags_of = _merge_flags(ws, max_row, max_col)
            rows, nums, raws = [], [], []
            for r, values in enumerate(ws.iter_rows(max_row=max_row, max_col=max_col, values_only=True), 1):
                texts = [_cell_str(v) for v in values]
                flags = flags_of(r, len(texts))
                if not any(texts) and "up" not in flags:
                    continue
                rows.append(tuple(Cell(t, f) for t, f in zip(texts, flags)))
                nums.append(r)
                raws.append("\t".join(texts))
            if rows:
                blocks.append(Table(tuple(rows), tuple(nums), tuple(raws), where=ws.title))
    finally:
        wb.close()
    return RawDocument(path.name, "xlsx", tuple(blocks))


def document_text(raw: RawDocument) -> str:
    """The document as plain text, to keep beside a saved checklist as its source (its provenance).

    Paragraphs one per line, table rows tab-separated (a cell's paragraphs joined), each sheet
    under a 附件-style heading line of its name: text the reader itself reads back into the
    same tables, so the stored source stays a document the checklist can be rebuilt from."""
    out: list[str] = []
    for b in raw.blocks:
        if isinstance(b, Sheet):
            out += ["", b.name]
        elif isinstance(b, Para):
            out.append(b.text)
        else:
            if out and out[-1] != "":
                out.append("")
            out += ["\t".join(c.text.replace("\n", "") for c in row) for row in b.rows]
            out.append("")
    return "\n".join(out).strip("\n") + "\n"
