"""Every CLI command against a real database file, including its refusals (nothing written)."""
from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout

import pytest

from conftest import ROOT
from tools import dump_db as _dump

pytestmark = pytest.mark.backends


@pytest.fixture
def plan(cli):
    code, out, err = cli("unit", "add", "--code", "4162010730", "--name", "兰州职业技术学院", "--kind", "school",
                         "--parent", "620100", "--school-type", "高职", "--school-code", "4162010730",
                         "--credit-code", "12100000400000624D", "--contact", "张明", "--phone", "0931-1234567")
    assert code == 0, err
    code, out, err = cli("plan", "new", "--unit", "4162010730", "--form", "gs2020-annex2", "--year", "2026")
    assert code == 0, err
    return out.strip()


def test_unit_add_and_list(cli, plan):
    code, out, _ = cli("unit", "list", "--under", "620100", "--json")
    units = json.loads(out)
    assert code == 0
    assert {u["code"] for u in units} >= {"620100", "620102", "4162010730"}
    school = next(u for u in units if u["code"] == "4162010730")
    assert school["parent_code"] == "620100" and school["school_type"] == "高职"
    code, out, _ = cli("unit", "list", "--under", "620100")
    assert "兰州职业技术学院  [学校·高职]" in out


def test_unit_add_warns_on_failed_credit_check_and_strict_refuses(cli, db_path):
    assert cli("unit", "list")[0] == 0  # the database exists (registry seeded) before the refusal
    before = _dump(db_path)
    code, out, err = cli("unit", "add", "--code", "S1", "--name", "某职业学校", "--kind", "school",
                         "--parent", "620100", "--credit-code", "91350100M000100Y4Z", "--strict")
    assert code == 2 and "校验位应为 3" in err and out == ""
    assert _dump(db_path) == before
    code, out, err = cli("unit", "add", "--code", "S1", "--name", "某职业学校", "--kind", "school",
                         "--parent", "620100", "--credit-code", "91350100M000100Y4Z")
    assert code == 0 and "警告" in err and out.strip() == "S1"


@pytest.mark.parametrize("args, words", [
    (("unit", "add", "--code", "X1", "--name", "甲", "--kind", "school", "--parent", "999999"), "999999"),
    (("unit", "add", "--code", "X2", "--name", "乙", "--kind", "school", "--parent", "620100",
      "--credit-code", "12345"), "统一社会信用代码"),
    (("unit", "add", "--code", "X3", "--name", "丙", "--kind", "school", "--parent", "620100",
      "--school-code", "12AB"), "学校标识码"),
    (("plan", "new", "--unit", "NOPE", "--form", "gs2020-annex2", "--year", "2026"), "NOPE"),
    (("plan", "new", "--unit", "4162010730", "--form", "no-such-form", "--year", "2026"), "no-such-form"),
])
def test_refusals_print_one_chinese_line_and_write_nothing(cli, plan, db_path, args, words):
    before = _dump(db_path)
    code, out, err = cli(*args)
    assert code == 2
    assert err.startswith("错误：") and words in err and err.count("\n") == 1
    assert _dump(db_path) == before


@pytest.mark.parametrize("item, key, value, words", [
    ("2", "deadline", "2021年13月", "完成时限"),
    ("2", "status", "差不多", "进度"),
    ("2", "colour", "红", "未知字段"),
    ("99", "measures", "x", "第99项"),
    ("13", "target:quality_secondary_schools", "三十五", "优质中职学校"),
    ("17", "actual:enterprise_internship_ratio", "120", "企业接纳"),
])
def test_plan_set_refuses_bad_values(cli, plan, db_path, item, key, value, words):
    before = _dump(db_path)
    code, _, err = cli("plan", "set", plan, "--item", item, "--field", key, "--value", value)
    assert code == 2 and words in err, err
    assert _dump(db_path) == before


def test_fill_validate_show_status_explain(cli, plan):
    code, out, _ = cli("validate", plan)
    assert code == 1 and "第2项「落实举措」" in out
    assert cli("plan", "set", plan, "--item", "2", "--field", "applicable", "--value", "是")[0] == 0
    assert cli("plan", "set", plan, "--item", "2", "--field", "measures", "--value", "制定“一校一策”方案 & 报备")[0] == 0
    assert cli("plan", "set", plan, "--item", "2", "--field", "deadline", "--value", "2026年12月")[0] == 0
    assert cli("plan", "set", plan, "--item", "2", "--field", "lead", "--value", "教务处")[0] == 0
    assert cli("plan", "set", plan, "--item", "2", "--field", "status", "--value", "推进中")[0] == 0
    assert cli("plan", "section", plan, "--key", "guiding", "--value", "以习近平新时代中国特色社会主义思想为指导")[0] == 0
    code, out, _ = cli("validate", plan, "--json")
    report = json.loads(out)
    assert report["errors"] == 0 and code == 0, report
    code, out, _ = cli("plan", "show", plan, "--json")
    data = json.loads(out)
    assert data["revision"] == 7 and data["kind"] == "一校一策" and data["state"] == "draft"
    item2 = next(i for i in data["items"] if i["no"] == 2)
    assert item2["values"]["measures"] == "制定“一校一策”方案 & 报备"
    assert item2["values"]["deadline"] == "2026-12-31"
    assert data["sections"]["guiding"].startswith("以习近平")
    code, out, _ = cli("plan", "show", plan)
    assert "第2项*" in out and "落实举措=制定" in out
    code, out, err = cli("plan", "review", plan, "受理")  # never filed: the lifecycle refuses
    assert code == 2 and "尚未报送" in err
    code, out, err = cli("plan", "submit", plan)
    assert code == 0 and "第1次报送" in out, err
    code, _, err = cli("plan", "set", plan, "--item", "2", "--field", "owner", "--value", "张三")
    assert code == 2 and "只读" in err and err.count("\n") == 1  # read-only after 报送
    code, out, err = cli("plan", "review", plan, "return")
    assert code == 2 and "理由" in err
    code, out, _ = cli("plan", "review", plan, "退回", "--reason", "请补充佐证材料")
    assert code == 0 and "已退回" in out
    code, out, _ = cli("plan", "list", "--json")
    assert json.loads(out)[0]["review_reason"] == "请补充佐证材料"
    assert cli("plan", "set", plan, "--item", "2", "--field", "owner", "--value", "张三")[0] == 0  # editable again
    assert cli("plan", "submit", plan)[0] == 0
    code, out, _ = cli("plan", "diff", plan, "--json")
    assert code == 0 and json.loads(out) == [{"item": 2, "where": "第2项「责任人」", "old": None, "new": "张三"}]
    code, out, _ = cli("plan", "history", plan)
    assert "第2次报送" in out and "请补充佐证材料" in out
    assert "状态：已报送 → 已退回：第1次报送" in out and "第2项 责任人：（空） → 张三" in out  # words, not ids
    assert not re.search(r"\b(submitted|returned|draft|owner|state)\b", out), out


def test_diff_of_a_returned_plan_resubmitted_as_a_file(cli, plan, new_db, tmp_path):
    """退回 at the province, revised in the school's own copy, 第2次报送 filed as an .xlsx:
    ``plan diff --from 1 --to 2`` at the province lists the change item by item."""
    from desktop.main import main

    def province(*args):
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            code = main(["--db", str(prov), *args])
        return code, out.getvalue(), err.getvalue()

    prov = new_db("province")
    for key, value in (("applicable", "是"), ("measures", "制定方案"), ("lead", "教务处"),
                       ("deadline", "2030-06-30"), ("status", "推进中")):
        assert cli("plan", "set", plan, "--item", "2", "--field", key, "--value", value)[0] == 0
    assert cli("plan", "submit", plan)[0] == 0
    assert cli("export", plan, "--format", "xlsx", "-o", str(tmp_path / "第1次.xlsx"))[0] == 0
    code, out, err = province("import", str(tmp_path / "第1次.xlsx"), "--create-units")
    assert code == 0, out + err
    pid = str(json.loads(province("plan", "list", "--json")[1])[0]["id"])
    assert province("plan", "review", pid, "退回", "--reason", "请细化第2项")[0] == 0
    # the school revises its copy (taken back from 报送) and files again
    assert cli("plan", "withdraw", plan)[0] == 0
    assert cli("plan", "set", plan, "--item", "2", "--field", "measures", "--value", "每季度调度一次")[0] == 0
    assert cli("plan", "set", plan, "--item", "2", "--field", "owner", "--value", "张三")[0] == 0
    assert cli("export", plan, "--format", "xlsx", "-o", str(tmp_path / "第2次.xlsx"))[0] == 0
    code, out, err = province("import", str(tmp_path / "第2次.xlsx"))
    assert code == 0 and "第2次报送" in out, out + err
    code, out, err = province("plan", "diff", pid, "--from", "1", "--to", "2")
    assert code == 0, err
    assert "第2项「落实举措」\n    原：制定方案\n    新：每季度调度一次" in out, out
    assert "第2项「责任人」\n    原：（空）\n    新：张三" in out, out
    code, out, _ = province("plan", "diff", pid, "--from", "1", "--to", "2", "--json")
    assert json.loads(out) == [{"item": 2, "where": "第2项「落实举措」", "old": "制定方案", "new": "每季度调度一次"},
                               {"item": 2, "where": "第2项「责任人」", "old": None, "new": "张三"}]


def test_explain_a_warning(cli, plan):
    for key, value in (("applicable", "是"), ("measures", "建立备案台账"), ("status", "推进中"),
                       ("lead", "教务处"), ("deadline", "2020-06-30")):
        assert cli("plan", "set", plan, "--item", "2", "--field", key, "--value", value)[0] == 0
    code, out, _ = cli("validate", plan, "--json")
    warnings = [p for p in json.loads(out)["problems"] if p["severity"] == "warning"]
    assert warnings, out
    w = warnings[0]
    assert cli("plan", "explain", plan, "--item", str(w["item"]), "--rule", w["rule"],
               "--field", w["field"], "--text", "已按期完成，见佐证")[0] == 0
    code, out, _ = cli("validate", plan)
    assert "警告（已说明）" in out


def test_forms_show_unknown_form(cli):
    code, _, err = cli("forms", "show", "gs2099-none")
    assert code == 2 and "gs2099-none" in err


def test_demo_builds_a_province(cli):
    code, out, err = cli("demo", "--units", "12", "--year", "2026")
    assert code == 0, err
    code, out, _ = cli("unit", "list", "--json")
    demo = [u for u in json.loads(out) if u["code"].startswith("DEMO")]
    assert len(demo) == 12 and all(u["kind"] == "school" for u in demo)
    code, out, _ = cli("plan", "list", "--year", "2026", "--json")
    plans = json.loads(out)
    assert 0 < len([p for p in plans if p["kind"] == "一校一策"]) <= 12
    assert {p["kind"] for p in plans} == {"一校一策", "一市一策"}
    code, _, err = cli("demo", "--units", "3")
    assert code == 2 and "示例数据" in err


def test_console_entry_point_runs_as_module(tmp_path):
    out = subprocess.run([sys.executable, "-m", "desktop", "--db", str(tmp_path / "m.sqlite3"), "forms", "list"],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "gs2020-annex2" in out.stdout and "33项" in out.stdout



def test_output_piped_into_head_stops_quietly(tmp_path):
    """`yice forms show … | head -1`: the reader goes away mid-output; no 错误 line, exit 0.
    The pipe is shrunk to one page so the program is still writing when it closes."""
    import fcntl

    r, w = os.pipe()
    fcntl.fcntl(w, fcntl.F_SETPIPE_SZ, 4096)  # the output (~11 KB) cannot fit: the write blocks
    p = subprocess.Popen([sys.executable, "-m", "desktop", "--db", str(tmp_path / "m.sqlite3"), "forms", "show",
                          "gs2020-annex2"], cwd=ROOT, stdout=w, stderr=subprocess.PIPE, text=True)
    os.close(w)
    with os.fdopen(r, "rb") as out:
        first = out.readline()
    err = p.stderr.read()
    assert p.wait(timeout=60) == 0 and first.strip() and err == "", err


# Every bad input the issue found (and its neighbours): one Chinese line, exit 2, nothing written.
LONG_NAME, LONG_CODE = "名" * 300, "C" * 44
BAD_INPUT = [
    (("unit", "add", "--code", "X1", "--name", LONG_NAME, "--kind", "school", "--parent", "620100"),
     "「单位名称」过长（300 字），最多 200 字"),
    (("unit", "add", "--code", LONG_CODE, "--name", "甲", "--kind", "school", "--parent", "620100"),
     "「单位代码」过长（44 字），最多 32 字"),
    (("unit", "add", "--code", "X2", "--name", "乙", "--kind", "school", "--parent", "620100", "--contact", "张" * 51),
     "「联系人」过长"),
    (("unit", "add", "--code", "X3", "--name", "丙\x1b[31m", "--kind", "school", "--parent", "620100"),
     "「单位名称」含有不可见的控制字符（U+001B）"),
    (("unit", "add", "--code", "X4\x00", "--name", "丁", "--kind", "school", "--parent", "620100"),
     "「单位代码」含有不可见的控制字符（U+0000）"),
    (("plan", "explain", "{plan}", "--item", "999", "--rule", "overdue", "--field", "deadline", "--text", "x"),
     "没有第999项"),
    (("plan", "explain", "{plan}", "--item", "2", "--rule", "overdue", "--field", "f" * 100, "--text", "x"),
     "第2项没有字段"),
    (("plan", "explain", "{plan}", "--item", "2", "--rule", "overdue", "--field", "deadline", "--text", "说" * 2001),
     "说明过长（2001 字）"),
    (("plan", "explain", "{plan}", "--item", "2", "--rule", "overdue", "--field", "deadline", "--text", "a\x07b"),
     "「说明」含有不可见的控制字符（U+0007）"),
    (("plan", "set", "{plan}", "--item", "2", "--field", "measures", "--value", "红\x1b[31m字"),
     "「第2项落实举措」含有不可见的控制字符（U+001B）"),
    (("plan", "section", "{plan}", "--key", "goals", "--value", "目标\x00"), "「建设目标」含有不可见的控制字符（U+0000）"),
    (("plan", "section", "{plan}", "--key", "k" * 100, "--value", "x"), "未知的方案章节"),
    (("plan", "show", "9" * 30), "方案「" + "9" * 30 + "」不存在"),
    (("plan", "show", "²"), "方案「²」不存在"),
    (("plan", "set", "9" * 19, "--item", "2", "--field", "measures", "--value", "x"), "不存在"),
    (("plan", "set", "{plan}", "--item", "9" * 25, "--field", "measures", "--value", "x"), "条目序号应在 0～9999 之间"),
    (("plan", "show", "{plan}", "--submission", "9" * 25), "次数应在 1～2147483647 之间"),
    (("plan", "diff", "{plan}", "--from", "-3"), "次数应在 1～2147483647 之间"),
    (("plan", "history", "{plan}", "--limit", "-5"), "条数应在 1～100000 之间"),
    (("plan", "list", "--year", "9" * 25), "年度应在 2000～2100 之间"),
    (("summary", "--form", "gs2020-annex2", "--year", "２０２６x"), "年度应为整数"),
    (("import", "{tmp}", "--jobs", "abc"), "参数 --jobs 的取值「abc」无效（应为整数）"),
    (("plan", "new", "--unit", "4162010730", "--form", "gs2020-annex2"), "缺少必需的参数：--year"),
    (("plan", "frobnicate"), "没有子命令「frobnicate」"),
    (("plan", "review", "{plan}", "同意"), "审核结论「同意」无效，应为 受理（accept）、退回（return）"),
    (("--as", "张" * 60, "plan", "set", "{plan}", "--item", "2", "--field", "measures", "--value", "x"),
     "「操作人姓名」过长（60 字），最多 50 字"),
    (("--role", "king", "unit", "list"), "参数 --role 的取值「king」无效"),
    (("plan", "show", "\udcff\udcfe"), "不是 UTF-8 编码"),  # undecodable bytes in argv
    (("unit", "add", "--code", "X5", "--name", "名\udcff", "--kind", "school", "--parent", "620100"), "不是 UTF-8 编码"),
    (("--db", "{tmp}", "unit", "list"), "是文件夹，请指定数据库文件"),
    (("--db", "{tmp}/没有的文件夹/子目录/x.sqlite3", "unit", "list"), "没有的文件夹/子目录」不存在"),
    (("--db", "{notdb}", "unit", "list"), "不是本程序的数据库文件"),
    (("--db", "mysql://h/db", "unit", "list"), "不支持的数据库「mysql」"),
    (("--db", "postgresql://x:pw@[::1", "unit", "list"), "格式无效"),
    (("--db", "postgresql://nobody@127.0.0.1:1/yice", "unit", "list"), "服务器未运行，或不接受来自本机的连接"),
    (("--db", "{tmp}/a\x1b]0;x\x07.sqlite3", "unit", "list"), "含有无效字符"),
    (("restore", "{notdb}", "--yes"), ("不是一策通的备份文件", "PostgreSQL 服务器上的数据库请由管理员用 pg_dump")),
    (("backup", "-o", "{tmp}"), ("是文件夹，请指定备份文件名", "PostgreSQL 服务器上的数据库请由管理员用 pg_dump")),
]


@pytest.mark.parametrize("args, words", BAD_INPUT, ids=[f"{a[0]}-{a[1]}-{i}" for i, (a, _) in enumerate(BAD_INPUT)])
def test_bad_input_is_one_chinese_line_exit_2_and_writes_nothing(cli, plan, db_path, tmp_path, args, words):
    notdb = tmp_path / "notes.txt"
    notdb.write_text("这不是数据库" * 100, encoding="utf-8")
    args = [a.format(plan=plan, tmp=tmp_path, notdb=notdb) if "{" in a else a for a in args]
    before = _dump(db_path)
    code, out, err = cli(*args)
    assert code == 2, (code, out, err)
    assert err.startswith("错误：") and err.count("\n") == 1 and "Traceback" not in err, err
    assert any(w in err for w in ((words,) if isinstance(words, str) else words)), err
    assert _dump(db_path) == before


def test_a_mistyped_db_folder_is_refused_not_created(tmp_path, monkeypatch):
    """--db in a folder that does not exist: one line naming the folder, exit 2, nothing made;
    the default data folder (no --db) is still created on first use."""
    from desktop.main import main

    missing = tmp_path / "没有的文件夹" / "子目录"
    for env, argv in ((None, ["--db", str(missing / "x.sqlite3")]), (str(missing / "y.sqlite3"), [])):
        if env:
            monkeypatch.setenv("YICE_DB", env)
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            code = main([*argv, "unit", "list"])
        assert code == 2 and err.getvalue() == f"错误：数据库所在的文件夹「{missing}」不存在：请检查路径（新建数据库请先建好该文件夹）\n"
        assert not (tmp_path / "没有的文件夹").exists()
    from desktop.core.paths import AppPaths

    monkeypatch.delenv("YICE_DB")
    assert not AppPaths.user().database.parent.exists()  # a fresh profile (conftest isolates HOME)
    with redirect_stdout(io.StringIO()):
        assert main(["unit", "list"]) == 0
    assert AppPaths.user().database.is_file()


def test_undecodable_bytes_in_a_real_argv_are_one_line(tmp_path):
    """The shell passes bytes that are not UTF-8 (a GBK terminal): one line, exit 2."""
    out = subprocess.run([sys.executable.encode(), b"-m", b"desktop", b"--db", str(tmp_path / "m.sqlite3").encode(),
                          b"unit", b"add", b"--code", b"X1", b"--name", "测试学校".encode("gbk"), b"--kind", b"school",
                          b"--parent", b"620100"], cwd=ROOT, capture_output=True, timeout=60)
    err = out.stderr.decode("utf-8", "replace")
    assert out.returncode == 2 and err.count("\n") == 1 and "不是 UTF-8 编码" in err, err
    assert not (tmp_path / "m.sqlite3").exists()  # refused before anything was opened


def test_summary_prints_means_to_two_decimals(cli, db_path):
    """``yice summary`` shows an indicator's total or mean as the 汇总报告 does (two decimals at
    most), not the raw mean of percentages (完成 22.2266666666667); --json keeps the exact value."""
    import re

    from desktop.core.store import Store
    from desktop.core.summary import summarise

    assert cli("demo", "--units", "40", "--year", "2024", "--seed", "3")[0] == 0
    code, out, err = cli("summary", "--form", "gs2020-annex2", "--year", "2024")
    assert code == 0, err
    store = Store.open(db_path)
    try:
        totals = [x.total for x in summarise(store, "gs2020-annex2", 2024, None).indicators]
    finally:
        store.close()
    values = [v for t in totals for v in (t.target, t.actual)]
    assert any(v is not None and round(v, 2) != v for v in values)  # a long mean is among them
    shown = [v for pair in re.findall(r"\t目标 (\S+)\t完成 (\S+)\t", out) for v in pair]
    assert len(shown) == len(values)
    for text, v in zip(shown, values):
        if v is None:
            assert text == "—"
        else:
            assert re.fullmatch(r"-?\d+(\.\d{1,2})?", text) and abs(float(text) - v) <= 0.005, (text, v)
    code, out, err = cli("summary", "--form", "gs2020-annex2", "--year", "2024", "--json")
    assert code == 0, err
    exact = [v for x in json.loads(out)["indicators"] for v in (x["total"]["target"], x["total"]["actual"])]
    assert exact == pytest.approx(values)
