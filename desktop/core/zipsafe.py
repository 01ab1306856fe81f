"""The one gate every received zip passes before any parser sees it (.xlsx, .docx, 报送包 .zip).

Used by the Excel importer, the 报送包 reader and the policy-document reader alike, so each
gets the strongest check either had before: the size is read from the file system before a
byte is read; the central directory is checked (entry count, duplicate names, encryption,
compression method, declared sizes and ratios) before anything is decompressed; then every
part is decompressed in bounded chunks and every part that is XML — by content, whatever its
name — is parsed by defusedxml with DTDs, entities and external references forbidden
(calamine parses in Rust, outside defusedxml, so nothing hostile may reach it); a part that is
not XML must not carry a DTD either. Worksheets are scanned in the same pass: how far their
cells reach and how many there are is checked before a reader allocates a grid, and what the
readers cannot tell (formula text as typed, percent formats, merged ranges, defined names) is
collected for the importer.

Cost: a part up to ``Limits.quick_bytes`` is read whole and parsed by one expat call with no
Python callback (C speed); a worksheet of the shape writers produce is then read by one linear
regex pass over the bytes expat has just accepted (a "<" there always starts a tag once
comments, CDATA and processing instructions are ruled out). Anything else — a formula, a cell
whose ``r`` is missing or not plain, a prefixed element the scan reads, a percent style in use,
another encoding, a bound crossed, a refusal — goes the exact streaming way (a Python call per
element), which names the refusal. tests/test_zipsafe_quick.py holds the two ways to the same
answers. A 报送表 of the bench (158 kB of XML in 16 parts) is checked in ~2.0 ms on a 2-CPU
AMD EPYC (4.1 ms before); ~1.25 ms of it is the floor of this check — inflating the parts
(~0.4 ms) and one defused expat pass over each (~0.8 ms) — the rest is the worksheets' regex
pass (~0.4 ms) and the _Collect callbacks of workbook.xml, its rels and styles.xml.

Every refusal is :class:`UnsafeFile` with one Chinese sentence.
"""
from __future__ import annotations

import functools
import io
import itertools
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from . import fmt

CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE compound file: .xls/.doc, or an encrypted .xlsx/.docx
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
_CHUNK = 1 << 16
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
# A DTD or entity declaration in a part that is not XML (checked case-insensitively, also UTF-16)
_DTD_MARKS = tuple(m for s in ("<!doctype", "<!entity") for m in (s.encode(), s.encode("utf-16-le"),
                                                                 s.encode("utf-16-be")))
_MARK_LEN = max(len(m) for m in _DTD_MARKS)
_CELL_REF = re.compile(r"\$?([A-Z]{1,3})\$?([0-9]{1,7})")
REQUIRED_PART = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}


class UnsafeFile(ValueError):
    """The file is refused before parsing; ``str()`` is the Chinese reason."""


@dataclass(frozen=True)
class Limits:
    """Bounds on one received file; every one is checked before the work it bounds."""

    file_bytes: int = 20 * 1024 * 1024
    total_bytes: int = 200 * 1024 * 1024  # declared uncompressed size of all entries
    entry_bytes: int = 100 * 1024 * 1024
    ratio: int = 100  # uncompressed / compressed, for entries above ratio_floor
    ratio_floor: int = 1024 * 1024
    entries: int = 2000
    sheet_area: int = 1_000_000  # rows × columns a worksheet's cells span (a reader's grid)
    cells: int = 500_000  # <c> elements in all worksheets
    sheet_elements: int = 1_000_000  # XML elements of one worksheet (scanned in Python)
    quick_bytes: int = 1 << 20  # a part up to this size is held whole: one expat call, worksheets read by byte scans


OOXML = Limits()
# A 报送表 is well under 1 MB; 20 MB bounds what one file may cost (hostile corpus: tests/test_hostile.py).
FILING = Limits(total_bytes=100 * 1024 * 1024, entry_bytes=50 * 1024 * 1024, sheet_area=200_000, cells=200_000,
                sheet_elements=400_000)


# ------------------------------------------------------------------ size and kind
def check_size(path: Path, limit: int, what: str) -> int:
    """The file's size, refusing a file that is missing, empty or over ``limit`` (nothing is read)."""
    try:
        size = path.stat().st_size
    except OSError as e:
        raise UnsafeFile(f"无法读取文件「{path.name}」：{e.strerror or e}") from None
    if not path.is_file():
        raise UnsafeFile(f"「{path.name}」不是文件")
    if size > limit:
        raise UnsafeFile(f"文件过大（{fmt.size(size)}），{what}不应超过 {fmt.size(limit)}")
    if size == 0:
        raise UnsafeFile(f"文件「{path.name}」是空的")
    return size


def refuse_compound(head: bytes, data: bytes | None, what: str) -> None:
    """An OLE compound file where a zip was expected: an encrypted Office file, or an old .xls/.doc."""
    if not head.startswith(CFB_MAGIC):
        return
    if data is not None and _ENCRYPTED_STREAM in data:
        raise UnsafeFile("文件设有打开密码（已加密），无法读取：请在 Excel/WPS 中取消密码后另存，再导入")
    raise UnsafeFile("这是旧版 Office 文件（.xls/.doc）或已加密的文件：请在 Excel/WPS 中另存为 .xlsx/.docx（不设密码）")


# ------------------------------------------------------------------ the central directory
def open_zip(source: Path | bytes, what: str, limits: Limits = OOXML) -> zipfile.ZipFile:
    """``source`` as a zip after the central-directory checks; the caller closes it."""
    if isinstance(source, (bytes, bytearray)):
        refuse_compound(bytes(source[:8]), bytes(source), what)
        if len(source) > limits.file_bytes:
            raise UnsafeFile(f"文件过大（{fmt.size(len(source))}），{what}不应超过 {fmt.size(limits.file_bytes)}")
        handle = io.BytesIO(source)
    else:
        check_size(source, limits.file_bytes, what)
        with open(source, "rb") as f:
            head = f.read(8)
            if head.startswith(CFB_MAGIC):
                refuse_compound(head, head + f.read(limits.file_bytes), what)
        handle = source
    try:
        zf = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError):
        raise UnsafeFile(f"不是有效的 {what}（文件已损坏、不完整或格式不符）") from None
    try:
        check_directory(zf, what, limits)
    except BaseException:
        zf.close()
        raise
    return zf


def check_directory(zf: zipfile.ZipFile, what: str, limits: Limits) -> None:
    infos = zf.infolist()
    if len(infos) > limits.entries:
        raise UnsafeFile(f"{what}内部件过多（{len(infos)} 个），疑似恶意文件，已拒绝")
    seen: set[str] = set()
    total = 0
    for i in infos:
        key = i.filename.lower()
        if key in seen:  # two readers could pick different copies: one checked, another parsed
            raise UnsafeFile(f"{what}内有重名的部件「{i.filename}」，疑似恶意文件，已拒绝")
        seen.add(key)
        if i.flag_bits & 0x1:
            raise UnsafeFile(f"{what}已加密（设有密码），无法读取：请取消密码后重新保存或打包")
        if i.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise UnsafeFile(f"{what}内「{i.filename}」使用了不支持的压缩方式，请用常规 zip 格式重新保存")
        total += i.file_size
        if i.file_size > limits.entry_bytes or (
                i.file_size > limits.ratio_floor and i.file_size > limits.ratio * max(i.compress_size, 1)):
            raise UnsafeFile(f"{what}内「{i.filename}」解压后过大（{fmt.size(i.file_size)}），疑似压缩炸弹，已拒绝")
    if total > limits.total_bytes:
        raise UnsafeFile(f"{what}解压后总大小过大（{fmt.size(total)}），疑似压缩炸弹，已拒绝")


def chunks(zf: zipfile.ZipFile, info: zipfile.ZipInfo):
    """The entry's bytes in chunks, never more than its declared size (a lying header is refused)."""
    left = info.file_size
    try:
        with zf.open(info) as f:
            while True:
                block = f.read(min(_CHUNK, left + 1))
                if not block:
                    return
                left -= len(block)
                if left < 0:
                    raise UnsafeFile(f"「{info.filename}」的实际大小与声明不符，疑似恶意文件，已拒绝")
                yield block
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError, zipfile.LargeZipFile):
        raise UnsafeFile(f"文件已损坏：无法解压「{info.filename}」") from None


def read_entry(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """The entry whole, by one bounded read (zipfile decompresses in steps, never past the asked size)."""
    try:
        with zf.open(info) as f:
            data = f.read(info.file_size + 1)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError, zipfile.LargeZipFile):
        raise UnsafeFile(f"文件已损坏：无法解压「{info.filename}」") from None
    if len(data) > info.file_size:
        raise UnsafeFile(f"「{info.filename}」的实际大小与声明不符，疑似恶意文件，已拒绝")
    return data


# ------------------------------------------------------------------ every part
class _Stop(Exception):
    """A scan target found the part over a bound; ``str()`` is the refusal."""


class _Null:
    """A parser target that keeps nothing: expat runs at C speed, no tree is built."""

    def close(self):
        return None


_DEFUSED_NAMES = {"EntitiesForbidden": "实体声明（ENTITY）", "ExternalReferenceForbidden": "外部实体引用",
                  "DTDForbidden": "DTD 声明", "NotSupportedError": "不受支持的 XML 结构"}


def _looks_xml(name: str, head: bytes) -> bool:
    if name.lower().endswith((".xml", ".rels", ".vml")) or head.startswith(_BOMS[1:]):
        return True
    return head[:_CHUNK].removeprefix(_BOMS[0]).lstrip(b" \t\r\n").startswith(b"<")


def _defused(target):
    """defusedxml's parser (DTD, entities, external references forbidden). A *raw* target (one with
    ``attach``) gets expat's own callbacks — ElementTree's per-event Python wrappers (names
    rebuilt as ``{ns}tag``, attributes as dicts, every text run and every tag of a part nobody
    listens to passed through ``_default``) cost more than the parse; defusedxml's guards are
    handlers on the same expat parser and stay in place."""
    from defusedxml.ElementTree import DefusedXMLParser

    if target is not None and not hasattr(target, "attach"):
        return DefusedXMLParser(target=target, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    parser = DefusedXMLParser(target=_Null(), forbid_dtd=True, forbid_entities=True, forbid_external=True)
    parser.parser.DefaultHandlerExpand = None  # no Python call per tag or text: expat at C speed
    if target is not None:
        target.attach(parser.parser)
    return parser


def parse_part(zf: zipfile.ZipFile, info: zipfile.ZipInfo, target=None, first: bytes | None = None, rest=None) -> None:
    """Stream one part through defusedxml (DTD, entities, external references forbidden)."""
    from xml.etree.ElementTree import ParseError
    from xml.parsers.expat import ExpatError

    from defusedxml import DefusedXmlException

    parser = _defused(target)
    if first is None:
        rest = chunks(zf, info)
        first = next(rest, b"")
    try:
        _feed(parser, first, rest)
    except DefusedXmlException as e:
        kind = type(e).__name__
        if kind == "DTDForbidden" and b"<!ENTITY" in first:  # name the attack the DTD carries
            kind = "ExternalReferenceForbidden" if re.search(rb"<!ENTITY[^>]*(SYSTEM|PUBLIC)", first) else "EntitiesForbidden"
        what = _DEFUSED_NAMES.get(kind, "不安全的 XML 声明")
        raise UnsafeFile(f"文件内「{info.filename}」含有{what}，可能读取本机文件或耗尽内存，已拒绝") from None
    except _Stop as e:
        raise UnsafeFile(f"文件内「{info.filename}」{e}") from None
    except (ParseError, ExpatError, ValueError, UnicodeError, RecursionError):
        raise UnsafeFile(f"文件已损坏：「{info.filename}」不是有效的 XML") from None


def _feed(parser, first: bytes, rest=()) -> None:
    """Every block into expat, the last one as final (a block fed as not final is copied and
    rescanned by expat: a whole part in one final call costs a seventh less)."""
    raw = parser.parser
    block = first
    for following in rest:
        raw.Parse(block, False)
        block = following
    raw.Parse(block, True)


def _blocks(data: bytes):
    """``data`` after its first block, in the blocks :func:`chunks` yields."""
    return (data[i:i + _CHUNK] for i in range(_CHUNK, len(data), _CHUNK))


def check_part(zf: zipfile.ZipFile, info: zipfile.ZipInfo, target=None, quick=None, whole: int = 0) -> None:
    """XML by content or name: parsed; anything else: must not carry a DTD or entity declaration.

    A part of at most ``whole`` bytes is read whole and parsed by one expat call with no Python
    callback; ``quick(data)`` may then read what ``target`` would have collected (True) or decline
    (False). Whatever the guard parse refuses and whatever ``quick`` declines goes through the
    streaming path with ``target``, which raises the same refusal it always did."""
    if info.file_size <= whole:
        data = read_entry(zf, info)
        if _looks_xml(info.filename, data):
            parse_whole(zf, info, data, target, quick)
        else:
            _no_dtd_marks(info, (data,))
        return
    stream = chunks(zf, info)
    first = next(stream, b"")
    if _looks_xml(info.filename, first):
        parse_part(zf, info, target, first, stream)
        return
    _no_dtd_marks(info, itertools.chain((first,), stream))


def parse_whole(zf: zipfile.ZipFile, info: zipfile.ZipInfo, data: bytes, target=None, quick=None) -> None:
    """:func:`parse_part` for a part held whole: one expat call with no Python callback, then
    ``quick(data)``; a refusal, or ``quick`` declining, goes through :func:`parse_part`."""
    try:
        _feed(_defused(None), data)
    except Exception:  # noqa: BLE001 - every refusal is named by the streaming path below
        pass
    else:
        if quick is None or quick(data):
            return
    parse_part(zf, info, target, data[:_CHUNK], _blocks(data))


def _no_dtd_marks(info: zipfile.ZipInfo, blocks) -> None:
    tail = b""
    for block in blocks:
        window = (tail + block).lower()
        if any(m in window for m in _DTD_MARKS):
            raise UnsafeFile(f"文件内「{info.filename}」含有 DTD 声明，已拒绝")
        tail = window[-_MARK_LEN:]


def check_parts(zf: zipfile.ZipFile, target_for=None, skip=(), whole: int = 0) -> None:
    """Every part of the zip; ``target_for(name)`` may give a parser target for a part."""
    for info in zf.infolist():
        if info.is_dir() or info.filename in skip:
            continue
        check_part(zf, info, target_for(info.filename) if target_for else None, whole=whole)


# ------------------------------------------------------------------ xlsx structure
def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def col_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def parse_ref(text: str) -> tuple[int, int] | None:
    """``B12`` / ``$B$12`` → (12, 2); None if not a cell reference."""
    m = _CELL_REF.fullmatch(text.strip().upper())
    if not m:
        return None
    return int(m[2]), col_number(m[1])


def parse_range(text: str) -> tuple[int, int, int, int] | None:
    """``B5:B6`` → (5, 2, 6, 2) as (row, col, last row, last col)."""
    a, _, b = text.partition(":")
    first, last = parse_ref(a), parse_ref(b or a)
    if first is None or last is None:
        return None
    return first[0], first[1], max(first[0], last[0]), max(first[1], last[1])


class _Collect:
    """Parser target for small parts: the attributes of the elements named in ``want``, and text.

    A raw expat target (see :func:`_defused`): ElementTree's per-event wrappers would cost more
    than the part's parse (styles.xml is mostly fonts, fills and borders nobody reads here)."""

    def __init__(self, want: tuple[str, ...], limit: int = 100_000):
        self.want, self.limit = want, limit
        self.found: list[tuple[str, dict, list[str]]] = []
        self._open: list[str] | None = None
        self._n = 0
        self._names: dict[str, str] = {}  # namespace}local → local
        self.raw = None

    def attach(self, raw) -> None:
        self.raw = raw
        raw.ordered_attributes = 0  # a dict, built in C
        raw.StartElementHandler = self.start

    def start(self, tag, attrib):
        self._n += 1
        if self._n > self.limit:
            raise _Stop("结构过于庞大，疑似恶意文件，已拒绝")
        name = self._names.get(tag)
        if name is None:
            name = self._names[tag] = _local(tag)
        if name in self.want:
            if "}" in "".join(attrib):  # a prefixed attribute: by its local name
                attrib = {_local(k): v for k, v in attrib.items()}
            self._open = []
            self.found.append((name, attrib, self._open))
            # text and the next end tag are listened to only while a wanted element is open
            self.raw.CharacterDataHandler = self.data
            self.raw.EndElementHandler = self.end

    def end(self, tag):
        self._open = None
        self.raw.CharacterDataHandler = None
        self.raw.EndElementHandler = None

    def data(self, text):
        if self._open is not None and len(self._open) < 1000:
            self._open.append(text)

    def close(self):
        return None


@dataclass
class SheetScan:
    """What one worksheet holds, as the XML says (1-based rows and columns)."""

    name: str
    part: str
    rows: int = 0  # how far cells reach
    cols: int = 0
    cells: int = 0  # <c> elements
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)  # as typed: "=2+2"
    # style index of the cells with a value whose style shows a percentage (what XlsxScan.percent asks)
    styles: dict[tuple[int, int], int] = field(default_factory=dict)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    quick: bool = field(default=False, compare=False, repr=False)  # read by byte scans (tests count them)


class _SheetTarget:
    """Linear scan of a worksheet: cell positions (also where ``r`` is omitted), formulas, merges.

    A raw expat target (see :func:`_defused`): names arrive as ``namespace}local``, attributes as
    a dict made by expat; text and end tags are listened to only inside ``<f>`` (a cell's style is
    kept when its ``<v>``, ``<is>`` or ``<f>`` starts, so no Python call per closing tag)."""

    def __init__(self, scan: SheetScan, limits: Limits, budget: list[int], percent: frozenset[int] = frozenset()):
        self.scan, self.limits, self.budget, self.percent = scan, limits, budget, percent
        self.elements = 0
        self.row = 0
        self.col = 0
        self.cell: tuple[int, int] | None = None
        self.style = 0
        self.formula: list[str] | None = None
        self.formula_attr: dict = {}
        self.shared: dict[str, str] = {}
        self.raw = None
        self.names: dict[str, str] = {}  # namespace}local → local
        self.max_elements = limits.sheet_elements

    def attach(self, raw) -> None:
        self.raw = raw
        raw.ordered_attributes = 0  # a dict, built in C
        raw.StartElementHandler = self.start

    def start(self, tag, attrs):
        self.elements += 1
        if self.elements > self.max_elements:
            raise _Stop(f"元素过多（超过 {self.limits.sheet_elements} 个），不像报送表，已拒绝")
        name = self.names.get(tag)
        if name is None:
            name = self.names[tag] = tag[tag.rfind("}") + 1:]
        if name == "c":
            self.budget[0] -= 1
            if self.budget[0] < 0:
                raise _Stop(f"单元格过多（全部工作表超过 {self.limits.cells} 个），不像报送表，已拒绝")
            self.scan.cells += 1
            ref = attrs.get("r")
            pos = _cell_ref(ref) if ref else (self.row or 1, self.col + 1)
            if pos is None:
                raise _Stop(f"单元格坐标「{ref[:20]}」无效，已拒绝")
            if pos[1] > 16384 or pos[0] > 1048576:
                where = ref[:20] if ref else f"{column_letters(pos[1])}{pos[0]}"  # a cell without r: where it falls
                raise _Stop(f"单元格坐标「{where}」超出工作表范围，已拒绝")
            self.row, self.col = pos
            self.cell = pos
            style = _index(attrs.get("s"))
            self.style = style if style in self.percent else 0
            if pos[0] > self.scan.rows or pos[1] > self.scan.cols:
                self._reach(pos)
        elif name == "v" or name == "is":
            if self.style and self.cell is not None:
                self.scan.styles[self.cell] = self.style
        elif name == "row":
            r = attrs.get("r")
            self.row = _index(r) if r and r.isdecimal() else self.row + 1
            self.col = 0
            self.cell = None
        elif name == "f":
            if self.style and self.cell is not None:
                self.scan.styles[self.cell] = self.style
            self.formula, self.formula_attr = [], attrs
            self.raw.CharacterDataHandler = self.formula.append
            self.raw.EndElementHandler = self.end
        elif name == "mergeCell":
            rng = parse_range(attrs.get("ref", ""))
            if rng:
                self._reach((rng[2], rng[3]))
                self.scan.merges.append(rng)
        elif name == "extLst":  # Excel 2010+ data validations keep their list source as <xm:f> here: no cell's
            self.cell = None

    def _reach(self, pos: tuple[int, int]) -> None:
        s = self.scan
        rows, cols = max(s.rows, pos[0]), max(s.cols, pos[1])
        if rows * cols > self.limits.sheet_area:
            where = f"{column_letters(pos[1])}{pos[0]}"
            raise _Stop(f"的单元格延伸到 {where}（{rows} 行 × {cols} 列），超出报送表的合理范围，疑似恶意文件，已拒绝")
        s.rows, s.cols = rows, cols

    def end(self, tag):
        """The end of ``<f>`` (the only element listened to while open: it holds text only)."""
        if self.formula is not None and tag[tag.rfind("}") + 1:] == "f":
            self.raw.CharacterDataHandler = None
            self.raw.EndElementHandler = None
            if self.cell is not None:
                text = "".join(self.formula)
                si = self.formula_attr.get("si")
                if si is not None:
                    text = self.shared.setdefault(si, text) if text else self.shared.get(si, "")
                self.scan.formulas[self.cell] = "=" + text
            self.formula = None


def _index(text: str | None) -> int:
    """A row number or style index as written (0 when absent or not a number; int() would refuse
    「²」 or 5,000 digits, and a number past any sheet stays past it)."""
    if not text or not text.isdecimal():
        return 0
    return int(text) if len(text) < 10 else 10 ** 9


_PLAIN_REF = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")


def _cell_ref(text: str) -> tuple[int, int] | None:
    """``B12`` → (12, 2): the plain form every writer uses, quickly; anything else via :func:`parse_ref`."""
    m = _PLAIN_REF.fullmatch(text)
    if m is None:
        return parse_ref(text)
    return int(m[2]), _column(m[1])


@functools.lru_cache(maxsize=1024)
def _column(letters: str) -> int:
    return col_number(letters)


def column_letters(n: int) -> str:
    """Column letters of any position (openpyxl's get_column_letter refuses those past XFD, which a
    hostile file's error message must still name). The importer names cells with it too: importing
    openpyxl for this alone costs ~8 MB in each of its processes."""
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s

# ------------------------------------------------------------------ worksheets at C speed
# A worksheet that expat has just accepted whole (well-formed, no DTD) and that holds no comment,
# CDATA section or processing instruction has a tag wherever it has a "<": text and attribute
# values cannot hold one. On the shape every writer produces, the scan's answers are then read
# from the bytes by one regex pass (the matching runs in C): each cell's r, each merged range.
# Anything else the scan listens to — a formula, a cell whose r is not first or not plain, a
# prefixed element with a name the scan reads, a percent style in use, another encoding — makes
# the part go the exact streaming way (_SheetTarget); a doubt never yields a smaller reach or count.
_REF = rb"[A-Z]{1,3}[1-9][0-9]{0,6}"
# One pass, C speed: only a "<" before c, f, m, !, ? or a prefix is looked at further.
_SHEET_TAGS = re.compile(
    rb'<(?=[cfm!?]|[^\s/>:]+:)(?:c r="([A-Z]{1,3})([1-9][0-9]{0,6})"'  # 1, 2: a cell, r first and plain
    rb'|mergeCell ref="(' + _REF + rb"(?::" + _REF + rb')?)"\s*/?>'  # 3: a merged range, its ref alone
    # 4: a comment, CDATA or PI (any may hold "<"); a formula; another cell or merged range; a
    # prefixed element with a name the scan reads
    rb"|([!?]|[fc][\s/>]|mergeCell[\s/>]|[^\s/>:]+:(?:c|v|is|row|f|mergeCell)[\s/>]))")
# a cell's style written otherwise than s="digits" (only looked for when a percent style exists)
_ODD_STYLE = re.compile(rb"""<c(?:\s+[^\s=]+\s*=\s*(?:"[^"]*"|'[^']*'))*?\s+s\s*=\s*(?!"(?:0|[1-9][0-9]*)")""")
_SPACES = re.compile(rb"[ \t\r\n]*")
_ENCODING = re.compile(rb"""\sencoding\s*=\s*["']([A-Za-z0-9._-]*)["']""")


def _body(data: bytes) -> int:
    """Where the root element starts in UTF-8 ``data`` (after a BOM and the XML declaration); -1
    for another encoding or anything before the root (the quick readers then decline)."""
    start = 3 if data.startswith(_BOMS[0]) else 0
    if data.startswith(b"<?xml", start):
        end = data.find(b"?>", start) + 2
        m = _ENCODING.search(data, start, end)
        if (m is None and b"encoding" in data[start:end]) or (m and m[1].lower() != b"utf-8"):
            return -1
        start = _SPACES.match(data, end).end()
    if data[start:start + 1] != b"<" or data[start + 1:start + 2] in (b"\0", b"!", b"?"):
        return -1  # UTF-16 without a BOM, or a comment, PI or text before the root
    return start


def _quick_sheet(data: bytes, scan: SheetScan, limits: Limits, budget: list[int], percent: frozenset[int]) -> bool:
    """What :class:`_SheetTarget` would collect from ``data`` (already parsed by expat), or False
    to decline. Declining leaves ``scan`` and ``budget`` untouched; so does any refusal, which the
    exact path then names at the element it meets first."""
    start = _body(data)
    if start < 0:
        return False
    if len(data) // 4 > limits.sheet_elements:  # an element takes 4 bytes at least: counted only when needed
        if data.count(b"<", start) - data.count(b"</", start) > limits.sheet_elements:
            return False
    found = _SHEET_TAGS.findall(data, start)
    letters, digits, ranges, odd = zip(*found) if found else ((), (), (), ())
    if any(odd):
        return False
    # after that pass every "<c" starts a tag, so _ODD_STYLE stays within tags
    if percent and (_ODD_STYLE.search(data, start) or _styles_in_use(percent).search(data, start)):
        return False  # cells may show a percentage: the exact path keeps their styles
    cells = len(letters) - letters.count(b"")
    rows = cols = 0
    if cells:
        cols = max(map(_column_of, set(letters) - {b""}))
        rows = max(map(int, set(digits) - {b""}))
        if cols > 16384 or rows > 1048576:
            return False
    merges = [parse_range(text.decode()) for text in filter(None, ranges)]
    for rng in merges:
        rows, cols = max(rows, rng[2]), max(cols, rng[3])
    if cells > budget[0] or rows * cols > limits.sheet_area:
        return False
    budget[0] -= cells
    scan.cells += cells
    scan.rows, scan.cols = max(scan.rows, rows), max(scan.cols, cols)
    scan.merges.extend(merges)
    scan.quick = True
    return True


@functools.lru_cache(maxsize=64)
def _styles_in_use(styles: frozenset[int]) -> re.Pattern:
    """An attribute s="i" for any i of ``styles`` (the canonical form: others are _ODD_STYLE)."""
    return re.compile(rb'\ss="(?:%s)"' % b"|".join(b"%d" % i for i in sorted(styles)))


def _column_of(letters: bytes) -> int:
    return _column(letters.decode())


_PERCENT_BUILTIN = {9, 10}


def _is_percent(code: str) -> bool:
    """A number format that shows a share as a percentage (% outside quotes and brackets)."""
    code = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", code)
    return "%" in code


@dataclass
class XlsxScan:
    sheets: dict[str, SheetScan] = field(default_factory=dict)
    percent_styles: frozenset[int] = frozenset()
    defined_names: dict[str, str] = field(default_factory=dict)  # name → formula text (e.g. 任务清单!$E:$E)
    hidden: frozenset[str] = frozenset()  # sheet names not visible

    def percent(self, sheet: str, row: int, col: int) -> bool:
        s = self.sheets.get(sheet)
        return s is not None and s.styles.get((row, col)) in self.percent_styles


def _resolve(base: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), target))


def _small(zf: zipfile.ZipFile, name: str, want: tuple[str, ...]) -> list[tuple[str, dict, list[str]]]:
    """One streaming parse with :class:`_Collect` (for parts this small its callbacks cost less
    than a second pass over the bytes would)."""
    try:
        info = zf.getinfo(name)
    except KeyError:
        return []
    target = _Collect(want)
    parse_part(zf, info, target)
    return target.found


def scan_xlsx(zf: zipfile.ZipFile, limits: Limits = OOXML) -> XlsxScan:
    """Check every part of a workbook and collect its worksheets' structure (one pass per part)."""
    wb_part = REQUIRED_PART["xlsx"]
    rels_part = "xl/_rels/workbook.xml.rels"
    rels = {a.get("Id"): (a.get("Target", ""), a.get("Type", "")) for _n, a, _t in _small(zf, rels_part, ("Relationship",))}
    out = XlsxScan()
    parts: dict[str, SheetScan] = {}
    hidden = set()
    for name, a, text in _small(zf, wb_part, ("sheet", "definedName")):
        if name == "definedName":
            out.defined_names[a.get("name", "")] = "".join(text)
            continue
        rid = next((v for k, v in a.items() if k == "id"), None)
        target, kind = rels.get(rid, ("", ""))
        if a.get("state") in ("hidden", "veryHidden"):
            hidden.add(a.get("name", ""))
        if target and kind.endswith("/worksheet"):
            part = _resolve(wb_part, target)
            parts[part] = out.sheets[a.get("name", "")] = SheetScan(a.get("name", ""), part)
    out.hidden = frozenset(hidden)
    styles_part = next((_resolve(wb_part, t) for t, k in rels.values() if k.endswith("/styles")), "xl/styles.xml")
    found = _small(zf, styles_part, ("numFmt", "cellXfs", "xf"))
    codes = {int(a["numFmtId"]): a.get("formatCode", "") for n, a, _t in found
             if n == "numFmt" and a.get("numFmtId", "").isdigit()}
    xfs, in_cell_xfs = [], False
    for n, a, _t in found:  # xf elements after <cellXfs> are the cell formats, in index order
        if n == "cellXfs":
            in_cell_xfs = True
        elif n == "xf" and in_cell_xfs:
            xfs.append(int(a.get("numFmtId", "0")) if a.get("numFmtId", "0").isdigit() else 0)
    out.percent_styles = frozenset(i for i, fmt_id in enumerate(xfs)
                                   if fmt_id in _PERCENT_BUILTIN or _is_percent(codes.get(fmt_id, "")))
    budget = [limits.cells]
    percent = out.percent_styles
    skip = (wb_part, rels_part, styles_part)
    for info in zf.infolist():
        if info.is_dir() or info.filename in skip:
            continue
        sheet = parts.get(info.filename)
        if sheet is None:
            check_part(zf, info, whole=limits.quick_bytes)
        else:
            check_part(zf, info, _SheetTarget(sheet, limits, budget, percent),
                       functools.partial(_quick_sheet, scan=sheet, limits=limits, budget=budget, percent=percent),
                       limits.quick_bytes)
    return out


def open_ooxml(source: Path | bytes, kind: str, what: str, limits: Limits = OOXML):
    """Check a .docx/.xlsx whole; returns (open ZipFile, XlsxScan or None). The caller closes the zip."""
    zf = open_zip(source, what, limits)
    try:
        if REQUIRED_PART[kind] not in zf.namelist():
            raise UnsafeFile(f"不是有效的 {what}（缺少 {REQUIRED_PART[kind]}）")
        if kind == "xlsx":
            return zf, scan_xlsx(zf, limits)
        check_parts(zf, whole=limits.quick_bytes)
        return zf, None
    except BaseException:
        zf.close()
        raise
