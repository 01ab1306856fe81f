"""The wording files of report_templates/ (plan.yaml, summary.yaml): loaded, validated, placeholders
checked. Word and Excel writers both read them, so the loader lives in the core.

An office edits these files to change a letterhead, a signature, a heading or a column label
without code; a mistake is reported on load naming the file and the key, never later inside a
document.
"""
from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError

from .errors import InputError

SUMMARY_FILE = "summary.yaml"  # one file, a part per writer: the Word 汇总报告, the Excel 汇总表, 退回意见
SUMMARY_PARTS = ("report", "sheets", "return_letter")


def fill(template: str, placeholders: tuple[str, ...], **values) -> str:
    """``str.format`` where every known placeholder exists (unknown ones fail at load)."""
    return template.format(**{**dict.fromkeys(placeholders, ""), **values})


def _strings(obj, where=""):
    if isinstance(obj, str):
        yield where, obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from _strings(v, f"{where}.{k}" if where else str(k))
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            yield from _strings(v, f"{where}[{i}]")


def _read(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as e:
        raise InputError(f"无法读取模板文件「{path.name}」：{e.strerror or e}") from None
    except yaml.YAMLError as e:
        raise InputError(f"模板文件「{path.name}」不是有效的 YAML：{e}".splitlines()[0]) from None
    if not isinstance(data, dict):
        raise InputError(f"模板文件「{path.name}」应为“键: 值”的映射")
    return data


def load_wording(path: Path, model: type[BaseModel], placeholders: tuple[str, ...], *, part: str | None = None,
                 parts: tuple[str, ...] = ()):
    """``path`` (or its top-level key ``part``) validated as ``model``; every text may use only
    ``placeholders``. A file shared by several writers names its ``parts``: any other top-level
    key is a mistake (a misspelt part would otherwise be ignored silently)."""
    data = _read(path)
    if part is not None:
        unknown = [k for k in data if k not in parts]
        if unknown:
            raise InputError(f"模板文件「{path.name}」中「{unknown[0]}」不认识（可用：{'、'.join(parts)}）")
        data = data.get(part) or {}
    try:
        w = model.model_validate(data)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(x) for x in ((part,) if part else ()) + tuple(first["loc"]))
        raise InputError(f"模板文件「{path.name}」中「{where}」有误：{first['msg']}") from None
    for where, text in _strings(w.model_dump()):
        try:
            fill(text, placeholders)
        except (KeyError, IndexError, ValueError) as e:
            where = f"{part}.{where}" if part else where
            raise InputError(f"模板文件「{path.name}」中「{where}」的占位符 {e} 无效"
                             f"（可用：{'、'.join('{' + p + '}' for p in placeholders)}）") from None
    return w
