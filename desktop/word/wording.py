"""The wording files of report_templates/ (plan.yaml, …): loaded, validated, placeholders checked.

An office edits these files to change a letterhead, a heading or a label without code; a
mistake is reported on load naming the file and the key, never later inside a document.
"""
from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError

from ..core.errors import InputError


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


def load_wording(path: Path, model: type[BaseModel], placeholders: tuple[str, ...]):
    """``path`` validated as ``model``; every text may use only ``placeholders``."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        w = model.model_validate(data)
    except OSError as e:
        raise InputError(f"无法读取模板文件「{path.name}」：{e.strerror or e}") from None
    except yaml.YAMLError as e:
        raise InputError(f"模板文件「{path.name}」不是有效的 YAML：{e}".splitlines()[0]) from None
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(x) for x in first["loc"])
        raise InputError(f"模板文件「{path.name}」中「{where}」有误：{first['msg']}") from None
    for where, text in _strings(w.model_dump()):
        try:
            fill(text, placeholders)
        except (KeyError, IndexError, ValueError) as e:
            raise InputError(f"模板文件「{path.name}」中「{where}」的占位符 {e} 无效"
                             f"（可用：{'、'.join('{' + p + '}' for p in placeholders)}）") from None
    return w
