"""Checks on a received .xlsx before any parser sees it: size, zip structure, zip bombs, XML.

Costs well under a millisecond per file for the zip checks (only the central directory
is read); the XML scan decompresses parts within the declared, already-bounded sizes.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_TOTAL_BYTES = 200 * 1024 * 1024  # declared uncompressed size of all entries
MAX_ENTRY_BYTES = 100 * 1024 * 1024
MAX_RATIO = 200  # uncompressed / compressed, for entries above 1 MB
MAX_ENTRIES = 2000


class UnsafeFile(ValueError):
    """The file is refused before parsing; ``str()`` is the Chinese reason."""


def check_zip(path: Path) -> zipfile.ZipFile:
    """Open ``path`` as a zip after checking its size and central directory; raises UnsafeFile."""
    try:
        size = path.stat().st_size
    except OSError as e:
        raise UnsafeFile(f"无法读取文件：{e.strerror or e}") from None
    if size > MAX_FILE_BYTES:
        raise UnsafeFile(f"文件过大（{size / 1048576:.1f} MB），报送表不应超过 {MAX_FILE_BYTES // 1048576} MB")
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise UnsafeFile("不是有效的 xlsx 文件（文件已损坏、不完整或不是 Excel 工作簿）") from None
    infos = zf.infolist()
    total = sum(i.file_size for i in infos)
    if len(infos) > MAX_ENTRIES:
        zf.close()
        raise UnsafeFile(f"压缩包内文件过多（{len(infos)} 个），疑似恶意文件")
    for i in infos:
        if i.file_size > MAX_ENTRY_BYTES or (i.file_size > 1048576 and i.file_size > MAX_RATIO * max(i.compress_size, 1)):
            zf.close()
            raise UnsafeFile(f"压缩包内「{i.filename}」解压后过大（{i.file_size / 1048576:.0f} MB），疑似压缩炸弹")
    if total > MAX_TOTAL_BYTES:
        zf.close()
        raise UnsafeFile(f"解压后总大小过大（{total / 1048576:.0f} MB），疑似压缩炸弹")
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
        zf.close()
        raise UnsafeFile("不是有效的 xlsx 文件（缺少工作簿结构）")
    return zf


def check_xml(zf: zipfile.ZipFile) -> None:
    """Refuse DTDs and entities in any XML part (billion laughs, external entities).

    OOXML never needs a DTD, so any is refused; defusedxml names the attack for the message.
    """
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    for info in zf.infolist():
        if not info.filename.endswith((".xml", ".rels", ".vml")):
            continue
        try:
            data = zf.read(info)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
            raise UnsafeFile(f"文件已损坏：无法解压「{info.filename}」") from None
        head = data[:4096]
        if b"<!DOCTYPE" not in head and b"<!ENTITY" not in data and b"\x00" not in head[:4]:
            continue
        try:
            fromstring(data)
        except DefusedXmlException as e:
            kind = type(e).__name__
            if b"SYSTEM" in head or b"PUBLIC" in head:
                kind = "ExternalReferenceForbidden"
            what = {"EntitiesForbidden": "实体声明（可能是“十亿笑”攻击）",
                    "ExternalReferenceForbidden": "外部实体引用",
                    "DTDForbidden": "DTD 声明"}.get(kind, "不安全的 XML 声明")
            raise UnsafeFile(f"「{info.filename}」含有{what}，已拒绝") from None
        except Exception:  # noqa: BLE001 - any parse failure of a hostile part is a refusal
            raise UnsafeFile(f"「{info.filename}」不是有效的 XML") from None
        raise UnsafeFile(f"「{info.filename}」含有 DTD 声明，已拒绝")
