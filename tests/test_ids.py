"""Identifier checks with real examples (GB 32100 credit codes, 学校标识码, phones, divisions)."""
import pytest

from desktop.core.ids import check_credit_code, check_division_code, check_phone, check_school_code, credit_check_char

VALID = ["12100000400000624D", "12100000425006117P", "12130000401761003G", "12440300455752807L",
         "51320000MJ5500855M", "911100006000650192", "9112011656269768XB"]


@pytest.mark.parametrize("code", VALID)
def test_real_credit_codes_pass(code):
    assert check_credit_code(code) == []


def test_bad_check_character_is_a_warning_naming_the_right_one():
    [(sev, msg)] = check_credit_code("91350100M000100Y4Z")
    assert sev == "warning" and "应为 3" in msg
    assert credit_check_char("91350100M000100Y4") == "3"


def test_credit_code_length_and_charset_are_errors():
    assert check_credit_code("1210000040000062")[0][0] == "error"
    assert check_credit_code("12100000I00000624D")[0] == ("error", "统一社会信用代码含有不允许的字符：I（不使用 I、O、Z、S、V）")


def test_school_code_structure():
    assert check_school_code("4162010730", "620000", "高职") == []  # 兰州大学's pattern, Gansu
    assert check_school_code("3662000001", "620000", "中职") == []
    assert check_school_code("416201073", "620000")[0][0] == "error"
    assert "本省代码" in check_school_code("4143010730", "620000")[0][1]
    assert check_school_code("9962010730")[0][0] == "error"
    assert check_school_code("3662000001", "620000", "高职", fitting=("41",))[0][0] == "warning"


@pytest.mark.parametrize("phone,ok", [("13912345678", True), ("0931-8123456", True), ("09318123456", True),
                                      ("12345", False), ("1391234567a", False)])
def test_phone(phone, ok):
    assert (check_phone(phone) == []) is ok


def test_division_code():
    assert check_division_code("620100") == [] and check_division_code("62010")[0][0] == "error"
