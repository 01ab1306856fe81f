"""Responsible units: split a 责任单位 text into ``Unit``s with remarks.

Names are kept exactly as printed (``各州市``, ``各市州人民政府``) because the plan kinds an
item obliges are derived from them by the loader's unit_patterns (through the loader's own
rule, see ``catalog_bridge.derive_item_kinds``), so a proposal derives as a shipped form.
Remarks follow the shipped forms: ``X会同有关部门`` → X + remark ``会同有关部门``, ``X等`` →
X + ``等``; lead/partner roles (牵头/配合) become remarks ``牵头`` / ``配合``.
"""
from __future__ import annotations

from types import MappingProxyType

from .catalog_bridge import Unit

# a piece may open with a label naming the role of its units
_PREFIXES = (("牵头单位", "牵头"), ("牵头部门", "牵头"), ("配合单位", "配合"), ("配合部门", "配合"),
             ("参与单位", "配合"), ("协同单位", "配合"), ("协办单位", "配合"), ("责任单位", None),
             ("责任部门", None), ("负责单位", None), ("负责部门", None), ("主办单位", None),
             ("责任主体", None), ("承办单位", None))
# ... or close with a verb naming it
_SUFFIXES = (("牵头负责", "牵头"), ("负责落实", None), ("负责", None), ("牵头", "牵头"), ("配合", "配合"),
             ("参与", "配合"), ("协助", "配合"), ("协同", "配合"), ("落实", None))
_ROLE_PARENS = MappingProxyType({"（牵头）": "牵头", "(牵头)": "牵头", "（配合）": "配合", "(配合)": "配合"})
_NOT_ETC = ("高等", "中等", "初等", "同等", "平等", "均等", "对等")
_TRIM = " \t\u3000。.；;：:，,、"
MAX_UNITS_TEXT = 2000  # longer is not a list of units


def split_units(text: str, remark: str | None = None) -> list[Unit]:
    """``省教育厅、省人社厅，各州市`` → three units; ``remark`` applies where none is stated."""
    out: list[Unit] = []
    seen: set[str] = set()
    if not text or len(text) > MAX_UNITS_TEXT:
        return out
    for piece in _split_outside_parens(text, "，,；;\n"):
        piece = piece.strip(_TRIM)
        role = remark
        for prefix, r in _PREFIXES:
            if piece.startswith(prefix):
                piece = piece[len(prefix):].lstrip(_TRIM)
                role = r or role
                break
        for suffix, r in _SUFFIXES:
            if piece.endswith(suffix) and len(piece) > len(suffix):
                piece = piece[: -len(suffix)].rstrip(_TRIM)
                role = r or role
                break
        for raw in _split_outside_parens(piece, "、/"):
            unit = _one_unit(raw.strip(_TRIM), role)
            if unit and unit.name not in seen:
                seen.add(unit.name)
                out.append(unit)
    return out


def _split_outside_parens(text: str, seps: str) -> list[str]:
    """Split on ``seps`` except inside parentheses: ``各县（市、区）人民政府`` is one name."""
    out, start, depth = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "（(":
            depth += 1
        elif ch in "）)":
            depth = max(0, depth - 1)
        elif ch in seps and depth == 0:
            out.append(text[start:i])
            start = i + 1
    out.append(text[start:])
    return out


def _one_unit(name: str, role: str | None) -> Unit | None:
    if not name:
        return None
    remark = role
    for paren, r in _ROLE_PARENS.items():
        if name.endswith(paren):
            name, remark = name[: -len(paren)].strip(), r
            break
    cut = name.find("会同")
    if cut > 0:
        name, remark = name[:cut], name[cut:]
    elif name.endswith("等") and len(name) > 2 and not name.endswith(_NOT_ETC):
        name, remark = name[:-1], "等"
    name = name.strip(_TRIM)
    return Unit(name=name, remark=remark) if name else None


_UNIT_ENDINGS = ("厅", "委", "局", "办", "部", "会", "府", "院", "校", "市", "州", "区", "县", "行", "所", "中心",
                 "组", "队", "处", "室", "站", "团", "社", "司", "企业", "单位", "部门", "机构", "协会", "新区")
_SEPARATORS = "、，,；;"
_CONTINUATIONS = ("会同", "等", "牵头", "配合", "负责", "（", "(")


def join_unit_fragments(parts: list[str]) -> str:
    """Cell fragments (Word paragraphs, rows continued over a page) glued into one units text:
    after a complete name (``…厅``) a fragment is another unit, otherwise the name was broken."""
    out: list[str] = []
    for part in parts:
        for frag in part.split("\n"):
            frag = frag.strip()
            if not frag:
                continue
            if out and out[-1][-1] not in _SEPARATORS and frag[0] not in _SEPARATORS \
                    and out[-1].endswith(_UNIT_ENDINGS) and not frag.startswith(_CONTINUATIONS):
                out.append("\n")
            out.append(frag)
    return "".join(out)
