"""Identifier checks: 统一社会信用代码 (GB 32100-2015), 学校标识码, phone numbers, division codes.

Each check returns a list of (severity, message). A failed credit-code checksum is only a
warning: some early pilot codes fail it and were issued all the same.
"""
from __future__ import annotations

import re

from .vocab import UnitKind

CREDIT_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = [pow(3, i, 31) for i in range(17)]
# 学校标识码 type prefixes (reference notes): 36 中职, 41 普通高校, 42 成人高校, 93 中职培训机构, and the
# basic-education types a code may carry (11 幼儿园, 21 小学, 31/34 初中/高中).
CODE_TYPES = {"36", "41", "42", "93", "11", "21", "31", "34"}
_PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)$")

Problems = list[tuple[str, str]]


def credit_check_char(code17: str) -> str:
    total = sum(CREDIT_CHARSET.index(c) * w for c, w in zip(code17, _CREDIT_WEIGHTS))
    return CREDIT_CHARSET[(31 - total % 31) % 31]


def check_credit_code(code: str) -> Problems:
    code = code.strip().upper()
    if len(code) != 18:
        return [("error", f"统一社会信用代码应为18位，现为{len(code)}位")]
    bad = sorted({c for c in code[:17] if c not in CREDIT_CHARSET})
    if bad:
        return [("error", f"统一社会信用代码含有不允许的字符：{''.join(bad)}（不使用 I、O、Z、S、V）")]
    out: Problems = []
    want = credit_check_char(code[:17])
    if code[17] != want:
        out.append(("warning", f"统一社会信用代码校验位应为 {want}，现为 {code[17]}；请核对，确认无误可保留"))
    return out


def check_school_code(code: str, province: str | None = None, category: str | None = None,
                      fitting: tuple[str, ...] | None = None) -> Problems:
    """``fitting``: the type prefixes that fit the school's 学校类别 (vocabulary)."""
    code = code.strip()
    if not re.fullmatch(r"\d{10}", code):
        return [("error", "学校标识码应为10位数字")]
    out: Problems = []
    if code[:2] not in CODE_TYPES:
        out.append(("error", f"学校标识码前两位「{code[:2]}」不是已知的学校类型"))
    elif fitting and code[:2] not in fitting:
        out.append(("warning", f"学校标识码类型「{code[:2]}」与学校类别「{category}」不符"))
    if province and code[2:4] != province[:2]:
        out.append(("error", f"学校标识码第3–4位「{code[2:4]}」不是本省代码「{province[:2]}」"))
    return out


def check_phone(phone: str) -> Problems:
    p = phone.strip().replace(" ", "")
    return [] if _PHONE.match(p) else [("error", f"联系电话「{phone}」格式不正确（手机11位，或区号-号码）")]


def check_division_code(code: str) -> Problems:
    return [] if re.fullmatch(r"[1-9]\d{5}", code.strip()) else [("error", f"行政区划代码「{code}」应为6位数字")]


def check_unit(kind: str, code: str, province: str | None, *, school_code: str | None = None,
               school_type: str | None = None, credit_code: str | None = None,
               phone: str | None = None, fitting: tuple[str, ...] | None = None) -> tuple[list[str], list[str]]:
    """All identifier checks of a unit as (errors, warnings): the store refuses errors and asks
    before accepting warnings; the wizard shows both the same way."""
    problems: Problems = []
    if kind in (UnitKind.PROVINCE, UnitKind.CITY, UnitKind.COUNTY):
        problems += check_division_code(code)
    if school_code:
        problems += check_school_code(school_code, province, school_type, fitting)
    if credit_code:
        problems += check_credit_code(credit_code)
    if phone:
        problems += check_phone(phone)
    return ([m for sev, m in problems if sev == "error"], [m for sev, m in problems if sev == "warning"])
