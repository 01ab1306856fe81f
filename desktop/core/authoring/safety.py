"""Checks on a received file before any parser sees it: size, zip structure, zip bombs, XML.

The size is read from the file system before a byte is read; the zip checks read only the
central directory; every XML part is then parsed with defusedxml (DTDs and entities refused)
so python-docx/openpyxl never see a hostile part. Every refusal is one Chinese sentence.
(desktop/excel/safety.py does the same for filing workbooks; this one serves Word and Excel
policy documents and forms-export files (desktop/core/authoring/bundle.py), and scans every
part, not only those that look suspicious.)
"""
from __future__ import annotations

import zipfile
from pathlib import Path
from types import MappingProxyType

from .proposal import ReaderError

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_TOTAL_BYTES = 200 * 1024 * 1024  # declared uncompressed size of all entries
MAX_ENTRY_BYTES = 100 * 1024 * 1024
MAX_RATIO = 100  # uncompressed / compressed, for entries above 1 MB
MAX_ENTRIES = 5000
KIND_NAMES = MappingProxyType({"docx": "Word（.docx）", "xlsx": "Excel（.xlsx）", "form": "清单导出（.zip）"})
REQUIRED_PART = MappingProxyType({"docx": "word/document.xml", "xlsx": "xl/workbook.xml", "form": "form.yaml"})
WHAT = MappingProxyType({"form": "清单文件"})  # what a file of each kind is called in a size refusal


def check_size(path: Path, what: str = "政策文件") -> int:
    """The file's size, refusing a file that is missing or over the limit (nothing is read)."""
    try:
        size = path.stat().st_size
    except OSError as e:
        raise ReaderError(f"无法读取文件「{path.name}」：{e.strerror or e}") from None
    if not path.is_file():
        raise ReaderError(f"「{path.name}」不是文件")
    if size > MAX_FILE_BYTES:
        raise ReaderError(f"文件过大（{size / 1048576:.1f} MB），{what}不应超过 {MAX_FILE_BYTES // 1048576} MB")
    if size == 0:
        raise ReaderError(f"文件「{path.name}」是空的")
    return size


def open_ooxml(path: Path, kind: str) -> zipfile.ZipFile:
    """Open a .docx/.xlsx (or a forms-export file, ``kind`` "form") after the size, zip-bomb and
    XML checks; the caller closes it."""
    check_size(path, WHAT.get(kind, "政策文件"))
    what = KIND_NAMES[kind]
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise ReaderError(f"不是有效的 {what} 文件（文件已损坏、不完整或格式不符）") from None
    try:
        _check_entries(zf, what)
        if REQUIRED_PART[kind] not in zf.namelist():
            raise ReaderError(f"不是有效的 {what} 文件（缺少 {REQUIRED_PART[kind]}）")
        _check_xml(zf)
    except BaseException:
        zf.close()
        raise
    return zf


def _check_entries(zf: zipfile.ZipFile, what: str) -> None:
    infos = zf.infolist()
    if len(infos) > MAX_ENTRIES:
        raise ReaderError(f"{what} 文件内部件过多（{len(infos)} 个），疑似恶意文件，已拒绝")
    total = 0
    for i in infos:
        total += i.file_size
        if i.file_size > MAX_ENTRY_BYTES or (
                i.file_size > 1048576 and i.file_size > MAX_RATIO * max(i.compress_size, 1)):
            raise ReaderError(f"文件内「{i.filename}」解压后过大（{i.file_size / 1048576:.0f} MB），疑似压缩炸弹，已拒绝")
    if total > MAX_TOTAL_BYTES:
        raise ReaderError(f"文件解压后总大小过大（{total / 1048576:.0f} MB），疑似压缩炸弹，已拒绝")


def _read_bounded(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """Decompress no more than the declared size (+1 byte to catch a lying header)."""
    try:
        with zf.open(info) as f:
            data = f.read(info.file_size + 1)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError):
        raise ReaderError(f"文件已损坏：无法解压「{info.filename}」") from None
    if len(data) > info.file_size:
        raise ReaderError(f"文件内「{info.filename}」的实际大小与声明不符，疑似恶意文件，已拒绝")
    return data


def read_part(zf: zipfile.ZipFile, name: str, limit: int) -> bytes | None:
    """One part of an already checked zip, at most ``limit`` bytes (None when it is absent)."""
    try:
        info = zf.getinfo(name)
    except KeyError:
        return None
    if info.file_size > limit:
        raise ReaderError(f"文件内「{name}」过大（{info.file_size / 1048576:.1f} MB），已拒绝")
    return _read_bounded(zf, info)


def _check_xml(zf: zipfile.ZipFile) -> None:
    """Parse every XML part with DTDs and entities forbidden (XXE, billion laughs)."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, fromstring

    names = {"EntitiesForbidden": "实体声明（ENTITY）", "ExternalReferenceForbidden": "外部实体引用",
             "DTDForbidden": "DTD 声明", "NotSupportedError": "不受支持的 XML 结构"}
    for info in zf.infolist():
        if info.is_dir() or not info.filename.lower().endswith((".xml", ".rels", ".vml")):
            continue
        data = _read_bounded(zf, info)
        try:
            fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
        except DefusedXmlException as e:
            what = names.get(type(e).__name__, "不安全的 XML 声明")
            raise ReaderError(f"文件内「{info.filename}」含有{what}，可能读取本机文件或耗尽内存，已拒绝") from None
        except (ParseError, ValueError, UnicodeError):
            raise ReaderError(f"文件已损坏：「{info.filename}」不是有效的 XML") from None
