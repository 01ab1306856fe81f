"""The user's forms folder beside the shipped forms; forms-export files; bad input leaves nothing.

Every refusal is one Chinese line (the CLI prints the schema's problems below it), and leaves
no file in the forms folder and no row in the database.
"""
from __future__ import annotations

import io
import json
import re
import shutil
import zipfile
from pathlib import Path

import pytest
import yaml

from desktop.core.authoring.bundle import export_bundle, import_bundle, read_bundle
from desktop.core.authoring.draft import FormDraft, parse_targets, read_source_path, targets_text, units_text
from desktop.core.catalog import default_catalog, form_hash, installed_catalog
from desktop.core.catalog.user import FormRefused, source_file_name
from desktop.core.errors import InputError
from policy_docs import SCHOOL, write_policy_docx
from test_authoring_reader import CONTENT_TYPES, _zip
from tools import dump_db

ROOT = Path(__file__).resolve().parent.parent


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


@pytest.fixture
def forms_dir(tmp_path) -> Path:
    return tmp_path / "forms"


@pytest.fixture
def saved(tmp_path, forms_dir):
    """A user form authored from the generated notice (id gs2025-tasks)."""
    src = read_source_path(write_policy_docx(tmp_path / "通知.docx"))
    draft = FormDraft.from_proposal(src.reading.proposals[0], src, installed_catalog(forms_dir), "gs2025-tasks")
    return draft.save(installed_catalog(forms_dir))


# ------------------------------------------------------------------ the catalogue

def test_user_forms_load_beside_shipped_and_bad_files_are_skipped(forms_dir, saved):
    cat = saved.catalog
    assert set(default_catalog().forms) < set(cat.forms) and cat.get("gs2025-tasks").origin == "user"
    assert cat.get("gs2020-annex2") is default_catalog().get("gs2020-annex2")  # shipped forms reused
    shipped = ROOT / "forms" / "gs2020-annex2.yaml"
    shutil.copy(shipped, forms_dir / "gs2020-annex2.yaml")  # a user file that takes a shipped id
    (forms_dir / "broken.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    (forms_dir / "versions" / "whatever.yaml").write_text("id: x\n", encoding="utf-8")
    again = installed_catalog(forms_dir)
    assert again.get("gs2020-annex2").shipped and "gs2025-tasks" in again.forms
    text = "\n".join(map(str, again.problems))
    assert "已被随软件提供的清单使用" in text and "broken.yaml" in text and "YAML 格式错误" in text
    assert "<id>.v<版本>.yaml" in text


def test_stored_source_reads_back_into_the_same_checklist(saved):
    """The source kept beside a form made from a .docx is text the reader reads into the same items."""
    from desktop.core.authoring.draft import read_source_text

    view = saved.catalog.get("gs2025-tasks")
    [again] = read_source_text(saved.catalog.source_text(view)).reading.proposals
    assert [(it.text, it.category, list(it.units), it.ref) for it in again.items] == [
        (it.text, it.category, list(it.units), it.ref) for it in view.items]
    assert again.meta.doc_no == view.form.doc_no and again.meta.date == view.form.date


def test_catalog_versions_and_messages(saved):
    cat = saved.catalog
    with pytest.raises(KeyError, match="本机没有清单「gs2025-tasks」的第3版.*请先导入该清单的第3版"):
        cat.get("gs2025-tasks", 3)
    view = cat.get("gs2025-tasks", 1)
    assert view.hash == form_hash(view.form) and len(view.hash) == 64
    assert cat.for_plan(type("P", (), {"form_id": "gs2020-annex2", "form_version": 9})()).version == 1  # shipped fallback
    with pytest.raises(KeyError):
        cat.for_plan(type("P", (), {"form_id": "gs2025-tasks", "form_version": 9})())


def test_units_and_targets_read_back_as_typed():
    """The grid's text forms round-trip for every unit list and target of the shipped forms."""
    for view in default_catalog().forms.values():
        for it in view.items:
            from desktop.core.authoring.draft import parse_units

            assert parse_units(units_text(it.units)) == list(it.units), (view.id, it.no)
            for ind in it.indicators:
                got = parse_targets(targets_text(ind.targets, ind.unit), ind.unit)
                assert tuple(type(t).model_validate(g) for t, g in zip(ind.targets, got)) == ind.targets
    with pytest.raises(InputError, match="无法识别"):
        parse_targets("很多", "个")


def test_roster_follows_a_long_filers_list(tmp_path, saved):
    """A province-wide list (more codes than SQLite takes bound parameters) drives the roster."""
    import time

    from desktop.core.catalog import Distribution
    from desktop.core.catalog.user import UserForms
    from desktop.core.store import Store
    from desktop.core.summary import summarise

    codes = tuple(f"9{n:09d}" for n in range(40_000)) + (SCHOOL,)
    cat = UserForms(saved.catalog).set_distribution(Distribution(form_id="gs2025-tasks", filers=codes, year=2025))
    store = Store.open(tmp_path / "p.sqlite3", catalog=cat)
    try:
        store.units.add(SCHOOL, "兰州职业技术学院", "school", "620100")
        store.units.add("4162013890", "兰州石化职业技术大学", "school", "620100")  # not on the list
        t0 = time.perf_counter()
        sm = summarise(store, "gs2025-tasks", 2025)
        took = time.perf_counter() - t0
        print(f"summary with {len(codes)} filers: {took:.2f} s")
        assert [r.unit_code for r in sm.roster] == [SCHOOL] and took < 5, took
        assert {r.unit_code for r in summarise(store, "gs2025-tasks", 2026).roster} >= {SCHOOL, "4162013890"}
    finally:
        store.close()


# ------------------------------------------------------------------ saving refused

def test_shipped_id_and_taken_id_refused_nothing_written(tmp_path, forms_dir, saved):
    before = _files(forms_dir)
    cat = saved.catalog
    src = read_source_path(write_policy_docx(tmp_path / "又一份.docx"))
    d = FormDraft.from_proposal(src.reading.proposals[0], src, cat, "gs2020-annex2")
    assert "随软件提供" in str(d.problems(cat)[0])
    with pytest.raises(FormRefused, match="随软件提供"):
        d.save(cat)
    d.id = "gs2025-tasks"
    with pytest.raises(FormRefused, match="已存在"):
        d.save(cat)
    assert _files(forms_dir) == before


def test_schema_problems_named_in_the_grid_words(tmp_path, forms_dir):
    cat = installed_catalog(forms_dir)
    text = "关于做好产教融合工作的通知\n一、重点任务\n（一）加强组织领导。（省教育厅负责）\n（二）完善经费投入。（各市州负责）\n"
    from desktop.core.authoring.draft import read_source_text

    src = read_source_text(text)
    d = FormDraft.from_proposal(src.reading.proposals[0], src, cat, "bad-one")
    d.items[1].text = "  "
    d.add_indicator(0)["name"] = ""
    problems = [str(p) for p in d.problems(cat)]
    assert problems == ["bad-one.yaml 第1项 指标1 名称：不能为空（现为 ''）", "bad-one.yaml 第2项 任务内容：不能为空（现为 ''）"]
    with pytest.raises(FormRefused) as e:
        d.save(cat)
    assert "\n" not in str(e.value) and len(e.value.problems) == len(problems)
    d.items[1].text, d.items[0].indicators[0]["name"] = "完善经费投入", "联席会议"
    assert [str(p) for p in d.problems(cat)] == [
        "bad-one.yaml：缺少成文日期 date（来源未载日期时须在 source.note 中说明，且文号须含年份）"]
    assert _files(forms_dir) == []


# ------------------------------------------------------------------ the CLI

@pytest.fixture
def yice(cli):
    """``yice --db <test db> ARGS`` (conftest's ``cli``), named for what it runs."""
    return cli


def _user_forms() -> Path:
    from desktop.core.paths import AppPaths

    return AppPaths.user().user_forms_dir


def test_cli_new_prints_proposal_and_saves(yice, tmp_path):
    docx = write_policy_docx(tmp_path / "通知.docx")
    code, out, err = yice("forms", "new", "--from", str(docx))
    assert code == 0, err
    assert "清单 1/1：" in out and "（7项，按表格读取）" in out and "甘教职成〔2025〕7号" in out
    assert "指标候选：市域产教联合体 2025年 35个" in out and "须填报：一校一策" in out
    assert _files(_user_forms()) == []  # not saved without --save
    code, out, err = yice("forms", "new", "--from", str(docx), "--id", "gs2025-tasks", "--save")
    assert code == 0 and "已保存" in out, err
    code, out, _ = yice("forms", "list")
    assert re.search(r"gs2025-tasks\s+v1\s+本机\s+7项", out)
    code, out, _ = yice("forms", "show", "gs2025-tasks")
    assert code == 0 and "（本机清单）" in out and "出处：附件 第4行" in out


def test_cli_user_form_everywhere_plan_template_summary(yice, tmp_path):
    """A saved user form is a form like any other for every command (the CLI opens the installed catalogue)."""
    docx = write_policy_docx(tmp_path / "通知.docx")
    assert yice("forms", "new", "--from", str(docx), "--id", "gs2025-tasks", "--save")[0] == 0
    assert yice("unit", "add", "--code", SCHOOL, "--name", "兰州职业技术学院", "--kind", "school",
                "--parent", "620100")[0] == 0
    code, out, err = yice("plan", "new", "--unit", SCHOOL, "--form", "gs2025-tasks", "--year", "2025")
    assert code == 0, err
    plan = out.strip()
    assert yice("plan", "set", plan, "--item", "3", "--field", "measures", "--value", "制定方案")[0] == 0
    code, out, err = yice("plan", "show", plan, "--json")
    assert json.loads(out)["form"] == {"id": "gs2025-tasks", "version": 1}
    code, out, err = yice("template", "gs2025-tasks", "-o", str(tmp_path / "模板.xlsx"))
    assert code == 0 and (tmp_path / "模板.xlsx").is_file(), err
    code, out, err = yice("summary", "--form", "gs2025-tasks", "--year", "2025", "--under", "620100")
    assert code == 0 and "2025年职业教育产教融合重点任务" in out and "应报" in out, err


def test_cli_pasted_text_from_stdin(yice, monkeypatch):
    text = "关于推进产教融合的通知\n甘教发〔2024〕3号\n（一）加强组织领导。（省教育厅负责）\n（二）完善经费投入。（各市州负责）\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    code, out, err = yice("forms", "new", "--from", "-", "--json")
    assert code == 0, err
    [got] = json.loads(out)
    assert [it["text"] for it in got["form"]["items"]] == ["加强组织领导", "完善经费投入"]


def test_cli_export_import_between_installations(yice, tmp_path, monkeypatch, store):
    docx = write_policy_docx(tmp_path / "通知.docx")
    assert yice("forms", "new", "--from", str(docx), "--id", "gs2025-tasks", "--save")[0] == 0
    store.units.add(SCHOOL, "兰州职业技术学院", "school", "620100")
    (tmp_path / "名单.csv").write_text(f"单位代码,单位名称\n{SCHOOL},兰州职业技术学院\n4162099999,某校\n", encoding="utf-8")
    code, out, err = yice("forms", "export", "gs2025-tasks", "-o", str(tmp_path / "send.zip"), "--deadline",
                          "2025-06-30", "--year", "2025", "--filers", str(tmp_path / "名单.csv"))
    assert code == 0 and "已导出" in out, err
    assert "1 个单位代码不在本机单位名录中（4162099999）" in err and "须报送单位 2" in err
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "other-installation"))
    code, out, err = yice("forms", "import", str(tmp_path / "send.zip"))
    assert code == 0 and "已导入清单" in out and "报送截止：2025-06-30；须报送单位：2" in out, err
    assert "gs2025-tasks.yaml" in _files(_user_forms()) and (_user_forms() / "distribution" / "gs2025-tasks.yaml").is_file()
    code, out, _ = yice("forms", "import", str(tmp_path / "send.zip"))
    assert code == 0 and "内容相同" in out


# ------------------------------------------------------------------ bad input leaves nothing

def _docx(path: Path, build) -> Path:
    import docx

    d = docx.Document()
    build(d)
    d.save(path)
    return path


def _no_table(d):
    d.add_paragraph("关于做好有关工作的通知")
    d.add_paragraph("请各单位认真学习，抓好落实。")


def _no_serial(d):
    t = d.add_table(rows=2, cols=2)
    for c, v in enumerate(("主要内容", "牵头单位")):
        t.cell(0, c).text = v
    t.cell(1, 0).text, t.cell(1, 1).text = "加强组织领导", "省教育厅"


def _sparse(path: Path) -> Path:
    with open(path, "wb") as f:
        f.truncate(300 * 1024 * 1024)
    return path


XXE_DOC = (b'<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
           b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p>'
           b'<w:r><w:t>&xxe;</w:t></w:r></w:p></w:body></w:document>')

BAD_DOCUMENTS = {
    "no_table": (lambda p: _docx(p / "通知.docx", _no_table), "未找到任务清单"),
    "no_serial": (lambda p: _docx(p / "无序号.docx", _no_serial), "序号"),
    "huge": (lambda p: _sparse(p / "巨大.docx"), "过大"),
    "external_entity": (lambda p: _zip(p / "xxe.docx", {"[Content_Types].xml": CONTENT_TYPES,
                                                      "word/document.xml": XXE_DOC}), "外部实体"),
}


@pytest.mark.parametrize("case", sorted(BAD_DOCUMENTS))
def test_bad_documents_refused_leaving_nothing(case, yice, tmp_path, store):
    make, words = BAD_DOCUMENTS[case]
    path = make(tmp_path)
    before = dump_db(store.engine.url.database)
    code, out, err = yice("forms", "new", "--from", str(path), "--save", "--id", "x-1")
    assert code == 2 and out == "", (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误：") and words in lines[0], err
    assert "Traceback" not in err and "Error" not in err
    assert _files(_user_forms()) == [] and dump_db(store.engine.url.database) == before


def _parts(bundle: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(bundle) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _rehash(parts: dict, form_dict: dict) -> dict:
    """A bundle whose manifest matches its (changed) form: only the checks after the hash can refuse it."""
    from desktop.core.catalog import Form

    text = yaml.safe_dump(form_dict, allow_unicode=True, sort_keys=False)
    parts = dict(parts, **{"form.yaml": text.encode("utf-8")})
    try:
        h = form_hash(Form.model_validate(form_dict))
    except Exception:  # noqa: BLE001 - a form that fails the schema has no hash
        h = "x"
    m = json.loads(parts["manifest.json"])
    m.update(form_id=form_dict["id"], version=form_dict["version"], form_hash=h)
    parts["manifest.json"] = json.dumps(m).encode()
    return parts


def _hostile_bundles(tmp_path: Path, good: Path) -> dict[str, tuple[Path, str]]:
    p = _parts(good)
    form = yaml.safe_load(p["form.yaml"])
    out: dict[str, tuple[Path, str]] = {}

    def add(name, parts, words):
        out[name] = (_zip(tmp_path / f"{name}.zip", parts), words)

    (tmp_path / "text.zip").write_text("这不是压缩包" * 50, encoding="utf-8")
    out["not_zip"] = (tmp_path / "text.zip", "不是有效的")
    out["huge"] = (_sparse(tmp_path / "huge.zip"), "过大")
    add("zip_bomb", dict(p, **{"form.yaml": b"#" + b" " * (120 * 1024 * 1024)}), "压缩炸弹")
    add("xxe_part", dict(p, **{"extra.xml": XXE_DOC}), "外部实体")
    add("no_manifest", {k: v for k, v in p.items() if k != "manifest.json"}, "manifest.json")
    laughs = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b]\n"
    add("yaml_aliases", dict(p, **{"form.yaml": laughs.encode()}), "别名")
    add("python_tag", dict(p, **{"form.yaml": b"!!python/object/apply:os.system ['touch /tmp/pwned']\n"}), "YAML 格式错误")
    tampered = dict(form, items=[dict(form["items"][0], text="被改过的任务")] + form["items"][1:])
    add("tampered", dict(p, **{"form.yaml": yaml.safe_dump(tampered, allow_unicode=True).encode()}), "校验值不符")
    schema = dict(form, items=[dict(it, no=it["no"] * 2) for it in form["items"]], plan_kinds=["一省一策"])
    add("fails_schema", _rehash(p, schema), "处问题")
    kinds = dict(form, plan_kinds=["一县一策x"])
    add("unknown_kind", _rehash(p, kinds), "未知的填报类型")
    traversal = dict(form, source=dict(form["source"], file="../../../etc/passwd"))
    add("source_path", _rehash(p, traversal), "来源")
    shipped = dict(form, id="gs2020-annex2", source=dict(form["source"], file=source_file_name(
        "gs2020-annex2", p["source.txt"].decode())))
    add("shipped_id", _rehash(p, shipped), "随软件提供")
    newer = json.loads(p["manifest.json"])
    newer["format_version"] = 99
    add("newer_format", dict(p, **{"manifest.json": json.dumps(newer).encode()}), "升级")
    add("bad_filers", dict(p, **{"distribution.yaml": "form_id: gs2025-tasks\nfilers: ['../x', '1', '1']\n".encode()}),
        "报送名单")
    add("binary_source", dict(p, **{"source.txt": b"\xff\xfe\x00bad"}), "UTF-8")
    return out


def test_hostile_forms_export_files_refused_leaving_nothing(tmp_path, yice, store, saved, monkeypatch):
    good = export_bundle(saved.catalog, "gs2025-tasks", tmp_path / "good.zip")
    cases = _hostile_bundles(tmp_path, good)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "receiver"))
    before = dump_db(store.engine.url.database)
    for name, (path, words) in cases.items():
        code, out, err = yice("forms", "import", str(path))
        head = err.strip().splitlines()[0] if err.strip() else ""
        assert code == 2 and out == "" and head.startswith("错误："), (name, out, err)
        assert words in err, (name, words, err)
        assert "Traceback" not in err and "Error" not in head, (name, err)
        assert _files(_user_forms()) == [], (name, _files(_user_forms()))
    assert dump_db(store.engine.url.database) == before
    assert not Path("/tmp/pwned").exists()
    # the same good file is then accepted
    assert yice("forms", "import", str(good))[0] == 0


def test_schema_problems_listed_for_a_received_form(tmp_path, saved):
    good = export_bundle(saved.catalog, "gs2025-tasks", tmp_path / "good.zip")
    form = yaml.safe_load(_parts(good)["form.yaml"])
    form["items"][2]["text"] = ""
    form["date"] = "2025-13-01"
    bad = _zip(tmp_path / "bad.zip", _rehash(_parts(good), form))
    with pytest.raises(FormRefused) as e:
        read_bundle(bad)
    msgs = [str(p) for p in e.value.problems]
    assert any("第3项 text" in m and "不能为空" in m for m in msgs), msgs
    assert any("date" in m and "日期" in m for m in msgs), msgs
    assert str(e.value).startswith("「bad.zip」中的清单有 2 处问题，未导入")


def test_older_version_received_after_newer_goes_to_versions(tmp_path, saved):
    a = saved.catalog
    v1 = export_bundle(a, "gs2025-tasks", tmp_path / "v1.zip")
    d = FormDraft.from_view(a.get("gs2025-tasks"), a)
    d.items[0].text += "（修订）"
    a = d.save(a).catalog
    v2 = export_bundle(a, "gs2025-tasks", tmp_path / "v2.zip")
    b = installed_catalog(tmp_path / "b-forms")
    b = import_bundle(b, v2).catalog
    got = import_bundle(b, v1)
    assert "旧版本第1版" in got.message and got.catalog.get("gs2025-tasks").version == 2
    assert (tmp_path / "b-forms" / "versions" / "gs2025-tasks.v1.yaml").is_file()
    # the same id and version with other content is refused
    other = installed_catalog(tmp_path / "c-forms")
    d2 = FormDraft.from_view(a.get("gs2025-tasks", 1), a)
    d2.items[1].text += "（另一个版本）"
    d2.edit_of = None
    c = d2.save(other).catalog
    with pytest.raises(FormRefused, match="内容不同"):
        import_bundle(c, v1)
