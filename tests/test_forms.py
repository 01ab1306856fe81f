"""The forms catalogue: counts, verbatim transcription, numbering, derived kinds, indicators."""
from __future__ import annotations

import json
import shutil

import pytest

from desktop.core.catalog import CatalogError, load_catalog, normalise
from desktop.core.resources import forms_dir

EXPECTED_COUNTS = {
    "gs2020-annex2": 33, "gs2020-annex1": 7, "hn2018-annex": 24, "gs2020-opinion": 30,
    "gs2018-opinion": 30, "gb2017-opinion": 30, "gb2019-pilot": 5, "gz2020-pilot": 5,
}
HEADER_WORDS = {"序号", "政策内容", "责任部门", "工作任务", "主要内容", "责任单位"}


def test_every_form_ships_with_its_item_count(catalog):
    assert {k: len(v.items) for k, v in catalog.forms.items()} == EXPECTED_COUNTS


@pytest.mark.parametrize("form_id", sorted(EXPECTED_COUNTS))
def test_items_stand_verbatim_in_their_source(catalog, form_id):
    view = catalog.get(form_id)
    source = normalise(catalog.source_text(view))
    for it in view.items:
        assert normalise(it.text) in source, f"{form_id} 第{it.no}项 text not in source"
        if it.title:
            assert normalise(it.title) in source, f"{form_id} 第{it.no}项 title not in source"
        for ind in it.indicators:
            if ind.quote:
                assert normalise(ind.quote) in source, f"{form_id} {ind.key} quote not in source"


@pytest.mark.parametrize("form_id", sorted(EXPECTED_COUNTS))
def test_no_header_row_leaked_and_numbering_is_contiguous(catalog, form_id):
    view = catalog.get(form_id)
    assert [i.no for i in view.items] == list(range(1, EXPECTED_COUNTS[form_id] + 1))
    for it in view.items:
        flat = normalise(it.text)
        assert "序号政策内容" not in flat and "主要内容责任单位" not in flat, f"header row in item {it.no}"
        assert flat not in HEADER_WORDS


@pytest.mark.parametrize("form_id", sorted(EXPECTED_COUNTS))
def test_form_records_its_provenance(catalog, form_id):
    f = catalog.get(form_id).form
    assert f.title and f.full_title and f.issuers and f.version >= 1 and f.year >= 2017 and (f.date or f.source.note)
    assert (forms_dir() / "sources" / f.source.file).is_file()
    assert all(it.ref for it in f.items)


def test_annex2_units_kinds_and_indicators(catalog):
    v = catalog.get("gs2020-annex2")
    row2 = v.item_map[2]
    assert [u.name for u in row2.units] == ["省教育厅", "各州市", "各职业院校"]
    assert v.item_kinds[2] == {"一市一策", "一校一策", "省级"}
    assert v.item_kinds[1] == {"省级"}
    assert "一市一策" in v.item_kinds[33] and "一校一策" not in v.item_kinds[33]
    row11 = {u.name: u.remark for u in v.item_map[11].units}
    assert row11["省农业农村厅"] == "等"
    row13 = [(i.name, i.unit, i.targets[0].value) for i in v.item_map[13].indicators]
    assert [t[2] for t in row13] == [35, 10, 100, 30, 100, 100, 100, 50, 500]
    assert row13[0] == ("优质中职学校", "所", 35)
    assert v.item_map[17].indicators[0].kind == "percent" and v.item_map[17].indicators[0].targets[0].value == 2
    assert v.item_map[19].indicators[0].targets[0].value == 30
    assert v.item_map[17].indicators[0].aggregation == "mean"


def test_hunan_categories_carry_down_and_row21_targets(catalog):
    v = catalog.get("hn2018-annex")
    assert all(it.category for it in v.items)
    values = sorted(t.value for i in v.item_map[21].indicators for t in i.targets)
    for want in (100, 500, 1000, 10000):
        assert want in values


def test_guizhou_targets_for_2022_and_end_of_14th_plan(catalog):
    v = catalog.get("gz2020-pilot")
    pairs = sorted(tuple(sorted((t.year, t.value) for t in ind.targets))
                   for it in v.items for ind in it.indicators)
    got = {tuple(val for _, val in p) for p in pairs}
    for want in ((1, 2), (5, 10), (50, 100), (10, 20), (20, 50)):
        assert want in got, (want, got)
    years = {t.year for it in v.items for ind in it.indicators for t in ind.targets}
    assert years == {2022, 2025}


def test_split_units_keep_remarks(catalog):
    remarks = [(u.name, u.remark) for v in catalog.forms.values() for it in v.items for u in it.units if u.remark]
    assert remarks, "some unit carries a remark such as 会同有关部门 or 等"
    for name, remark in remarks:
        assert not name.endswith(remark)


def _copy_forms(tmp_path):
    root = tmp_path / "forms"
    shutil.copytree(forms_dir(), root)
    return root


def test_malformed_form_gives_one_message_per_problem_naming_file_item_field(tmp_path):
    root = _copy_forms(tmp_path)
    p = root / "gs2020-annex2.yaml"
    text = p.read_text(encoding="utf-8")
    text = text.replace("ref: 附件2 第7行", "ref: ''", 1).replace("unit: 所", "unit: ''", 1)
    text = text.replace("  text: 支持举办不同类型", "  txt: 支持举办不同类型", 1)
    p.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogError) as e:
        load_catalog(root)
    lines = [str(x) for x in e.value.problems]
    assert "gs2020-annex2.yaml 第7项 ref：不能为空（现为 ''）" in lines, lines
    assert any(l.startswith("gs2020-annex2.yaml 第13项 indicators.0.unit：不能为空") for l in lines), lines
    assert "gs2020-annex2.yaml 第9项 text：缺少必填项" in lines, lines
    assert any(l.startswith("gs2020-annex2.yaml 第9项 txt：不认识的键") for l in lines), lines


def test_gap_in_numbering_is_reported(tmp_path):
    root = _copy_forms(tmp_path)
    p = root / "gs2020-annex2.yaml"
    p.write_text(p.read_text(encoding="utf-8").replace("- no: 5\n", "- no: 6\n", 1), encoding="utf-8")
    with pytest.raises(CatalogError) as e:
        load_catalog(root)
    assert any("序号必须从1起连续编号" in str(x) and x.file == "gs2020-annex2.yaml" for x in e.value.problems)


def test_yaml_syntax_error_names_line(tmp_path):
    root = _copy_forms(tmp_path)
    (root / "gs2020-annex1.yaml").write_text("id: gs2020-annex1\nitems: [\n", encoding="utf-8")
    with pytest.raises(CatalogError) as e:
        load_catalog(root)
    assert any(p.file == "gs2020-annex1.yaml" and "行" in p.message for p in e.value.problems)


def test_unknown_plan_kind_and_missing_source_are_reported(tmp_path):
    root = _copy_forms(tmp_path)
    p = root / "gs2020-annex2.yaml"
    p.write_text(p.read_text(encoding="utf-8").replace("- 一校一策\n", "- 一户一策\n", 1)
                 .replace("file: 001_80d5d4bebfbe2e38.txt", "file: missing.txt"), encoding="utf-8")
    with pytest.raises(CatalogError) as e:
        load_catalog(root)
    msgs = "\n".join(map(str, e.value.problems))
    assert "未知的填报类型「一户一策」" in msgs and "sources/missing.txt" in msgs


def test_cli_forms_list_and_show_json(cli):
    code, out, _ = cli("forms", "list", "--json")
    assert code == 0
    ids = {r["id"]: r["items"] for r in json.loads(out)}
    assert ids == EXPECTED_COUNTS
    code, out, _ = cli("forms", "show", "gs2020-annex2", "--json")
    data = json.loads(out)
    assert {"id", "version", "title", "doc_no", "items", "fields"} <= data.keys()
    it = data["items"][12]
    assert it["no"] == 13 and it["text"].startswith("出台《甘肃省职业教育提质培优三年行动计划》")
    assert {"category", "units", "plan_kinds", "indicators"} <= it.keys()
    assert len(it["indicators"]) == 9
    assert [f["key"] for f in data["fields"]][:3] == ["applicable", "measures", "lead"]
    code, out, err = cli("forms", "show", "nope")
    assert code == 2 and "未知的清单：nope" in err


def test_gansu_opinions_and_annex1_structure(catalog):
    """gs2018 clauses keep their labels, units and （九） training-base targets; gs2020 tasks their headings."""
    v18 = catalog.get("gs2018-opinion")
    assert v18.item_map[1].label == "（一）" and v18.item_map[30].label == "（三十）"
    assert v18.item_map[1].category.startswith("二、") and v18.item_map[30].category.startswith("七、")
    nine = [(i.name, i.targets[0].value, i.targets[0].year) for i in v18.item_map[9].indicators]
    assert [n[1] for n in nine] == [100, 200, 20, 100]
    assert nine[0][0] == "校内实训基地" and nine[0][2] == nine[1][2] == 2020
    units7 = [u.name for u in v18.item_map[7].units]
    assert units7 == ["省教育厅", "省工信委", "省政府国资委", "各市州政府", "有关企业"]
    assert v18.item_kinds[7] == {"一市一策", "省级"} and v18.item_kinds[19] == {"一市一策", "省级"}
    assert v18.item_kinds[16] == {"省级"}
    source18 = normalise(catalog.source_text(v18))
    for it in v18.items:  # the closing （…负责） is carried by units, not by the text
        assert not normalise(it.text).endswith("负责）"), it.no
        assert all(not u.name.endswith(("会同有关部门", "等")) for u in it.units), it.no
        assert normalise(it.category) in source18 and normalise(it.title) in source18
    assert "结合区域发展布局" in v18.item_map[2].text and "健全高等教育学术人才" in v18.item_map[14].text
    quotes = {i.key: i for it in v18.items for i in it.indicators}
    assert quotes["dual_qualified_teachers_trained"].targets[0].value == 500
    assert quotes["industry_teacher_posts_fund"].kind == "amount" and quotes["industry_teacher_posts_fund"].unit == "万元"
    assert quotes["local_edu_surcharge_voc_share"].kind == "percent"

    v20 = catalog.get("gs2020-opinion")
    assert [i.display_no for i in v20.items] == [f"{n}." for n in range(1, 31)]
    cats = list(dict.fromkeys(i.category for i in v20.items))
    assert len(cats) == 9 and [c[1] for c in cats] == list("一二三四五六七八九")
    source20 = normalise(catalog.source_text(v20))
    assert all(normalise(c) in source20 for c in cats)
    assert all(v20.item_kinds[i.no] == {"一校一策", "一市一策"} for i in v20.items)
    assert v20.item_map[1].title == "加快发展高层次职业教育"
    assert v20.item_map[13].indicators[0].targets[0].value == 2

    a1 = catalog.get("gs2020-annex1")
    assert all(not i.units and a1.item_kinds[i.no] == {"省级"} for i in a1.items)


def test_hunan_annex_rows_units_and_kinds(catalog):
    """Merged 工作任务 cells carry down; 会同… suffixes become remarks; 各市州人民政府 obliges 一市一策."""
    v = catalog.get("hn2018-annex")
    cats = [i.category for i in v.items]
    assert cats[1] == cats[2] == cats[0] == "构建产业和教育统筹融合发展格局"
    assert cats[6] == cats[3] == "强化行业企业重要主体作用" and cats[23] == "加大组织保障和支持体系建设"
    assert len(set(cats)) == 5
    assert [(u.name, u.remark) for u in v.item_map[1].units] == [("省发展改革委", "会同有关部门"), ("各市州人民政府", None)]
    row19 = {u.name: u.remark for u in v.item_map[19].units}
    assert row19["省民政厅"] == "会同有关部门和行业协会" and "省农业和农村厅" in row19
    assert v.item_kinds[1] == {"一市一策", "省级"} and v.item_kinds[2] == {"省级"}
    assert v.item_kinds[7] == {"一市一策", "省级"}  # 湖南银保监局 … 各市州人民政府
    row21 = [(i.name, i.unit, i.targets[0].value) for i in v.item_map[21].indicators]
    assert row21 == [("产教融合示范企业", "家", 500), ("产教融合领军人才", "名", 100),
                     ("产业教授（导师）", "名", 1000), ("湖湘工匠和技术能手", "名", 10000)]
    assert all(normalise(i.quote) in normalise(v.item_map[21].text) for i in v.item_map[21].indicators)
    funding = v.indicator_map["secondary_per_student_funding"][1]
    assert funding.kind == "amount" and funding.aggregation == "mean" and funding.targets[0].comparator == ">="
    assert v.form.doc_no == "湘政办发〔2018〕82号" and v.form.province == "430000"


def test_guizhou_pilot_tasks_and_two_stage_targets(catalog):
    v = catalog.get("gz2020-pilot")
    assert [i.display_no for i in v.items] == ["（一）", "（二）", "（三）", "（四）", "（五）"]
    assert v.item_map[1].title == "完善产教融合发展规划和资源布局" and v.item_map[5].title.startswith("探索产教融合")
    assert "参与校企合作比例" in v.item_map[2].text  # the page break inside （二） is joined
    where = {key: it.no for key, (it, _) in v.indicator_map.items()}
    assert where == {"integration_cities": 1, "integration_pilot_enterprises": 2, "integration_alliances": 3,
                     "integration_demo_bases": 4, "integration_engineering_projects": 4}
    for _, ind in v.indicator_map.values():
        t22, t25 = ind.targets
        assert (t22.comparator, t22.year, t22.label) == (">=", 2022, None)
        assert (t25.comparator, t25.year, t25.label) == (">=", 2025, "“十四五”末")
        assert t25.value == 2 * t22.value or (t22.value, t25.value) == (20, 50)
    assert v.indicator_map["integration_cities"][1].targets[1].describe("个") == "“十四五”末 ≥2个"
    assert all(v.item_kinds[i.no] == {"一市一策", "一校一策"} for i in v.items)


def test_national_opinion_clauses_sections_and_targets(catalog):
    """gb2017: （一）…（三十） under 一、…七、, lead phrase as title, page breaks joined, two percent targets."""
    v = catalog.get("gb2017-opinion")
    assert v.form.province is None and v.form.doc_no == "国办发〔2017〕95号" and v.form.year == 2017
    assert v.item_map[1].label == "（一）" and v.item_map[30].label == "（三十）"
    cats = list(dict.fromkeys(i.category for i in v.items))
    assert [c[0] for c in cats] == list("一二三四五六七") and cats[1] == "二、构建教育和产业统筹融合发展格局"
    assert v.item_map[3].title == "同步规划产教融合与经济社会发展" and v.item_map[3].ref == "二、（三）"
    assert not normalise(v.item_map[3].text).startswith(normalise(v.item_map[3].title))
    assert "振兴发展急需" in v.item_map[4].text  # split by a page break in the source
    assert "健全高等教育学术人才" in v.item_map[15].text and "附件" not in v.item_map[30].text
    assert all(not i.units and v.item_kinds[i.no] == {"省级"} for i in v.items)
    inds = {k: (it.no, ind) for k, (it, ind) in v.indicator_map.items()}
    assert {k: (no, ind.kind, ind.targets[0].value, ind.targets[0].comparator) for k, (no, ind) in inds.items()} == {
        "frontline_training_fund_share": (12, "percent", 60, ">="), "practical_teaching_share": (15, "percent", 50, ">=")}
    assert {f.id for f in catalog.forms_for("620000", "省级")} >= {"gb2017-opinion", "gs2018-opinion"}


def test_national_pilot_tasks_and_goals(catalog):
    """gb2019: the 5 试点任务 of 附件1 only, 试点目标 as indicators on tasks （一）（二）."""
    v = catalog.get("gb2019-pilot")
    assert [i.display_no for i in v.items] == ["（一）", "（二）", "（三）", "（四）", "（五）"]
    assert v.item_map[1].title == "完善产教融合发展规划和资源布局" and v.item_map[5].title.startswith("探索产教融合")
    assert "创新实训基地建设和运行模式" in v.item_map[4].text
    assert "各地可在指导开展城市试点基础上" not in v.item_map[5].text  # closing paragraph of 四、 is not （五）
    where = {k: (it.no, ind.unit, ind.targets[0].value, ind.targets[0].comparator) for k, (it, ind) in v.indicator_map.items()}
    assert where == {"integration_cities": (1, "个", 50, "about"), "first_batch_integration_cities": (1, "个", 20, "about"),
                     "integration_enterprises": (2, "家", 10000, ">=")}
    assert v.indicator_map["first_batch_integration_cities"][1].targets[0].year == 2019
    assert v.form.date is None and "发改社会〔2019〕1558号" in v.form.source.note
    assert all(v.item_kinds[i.no] == {"省级", "一市一策"} for i in v.items)


def test_review_decisions_come_from_the_vocabulary(catalog):
    """受理 / 退回 on the command line are the vocabulary's words: rename one and the new word works."""
    import copy

    from desktop.core.errors import InputError
    from desktop.core.vocab import Decision, parse_vocabulary

    vocab = catalog.vocab
    assert [vocab.decision(vocab.label(d)) for d in Decision] == list(Decision)
    assert [vocab.decision(d.value) for d in Decision] == list(Decision)
    raw = copy.deepcopy(vocab.data.model_dump(mode="json"))
    raw["review_decisions"]["accept"] = "同意"
    renamed = parse_vocabulary(raw)
    assert renamed.decision("同意") == Decision.ACCEPT
    with pytest.raises(InputError, match="同意（accept）"):
        renamed.decision(vocab.label(Decision.ACCEPT))
