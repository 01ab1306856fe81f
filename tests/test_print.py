"""Readable print, measured on a LibreOffice PDF render: the 任务清单 body prints at 9 pt or more on
A4 (a CJK glyph is one em wide, so a word's width over its characters is its printed size), and
no 封面 text is cut (every line of a long section lies above the next row's label)."""
from __future__ import annotations

import re
import statistics
import subprocess
from xml.etree import ElementTree

import pytest

from desktop.excel.filing import export_plan_xlsx
from test_sheets_export import fill_plan
from tools import edit

CJK = re.compile(r"^[\u4e00-\u9fff]{4,}$")
LONG_GOALS = "\n".join(["到2027年，" + "建成一批产教融合实训基地，" * 12, "一、" + "深化校企合作，" * 40,
                        "二、" + "完善人才培养体系并推进专业群建设，" * 60])


def words(pdf, first: int, last: int):
    xml = subprocess.run(["pdftotext", "-f", str(first), "-l", str(last), "-bbox", str(pdf), "-"],
                         capture_output=True, text=True, check=True).stdout
    root = ElementTree.fromstring(re.sub(r"<!DOCTYPE[^>]*>", "", xml).replace('xmlns="http://www.w3.org/1999/xhtml"', ""))
    out = []
    for n, page in enumerate(root.iter("page"), first):
        for w in page.iter("word"):
            out.append((n, w.text or "", *(float(w.get(k)) for k in ("xMin", "yMin", "xMax", "yMax"))))
    return out


def pages_with(pdf, text: str) -> list[int]:
    n = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout)[1])
    return [p for p in range(1, n + 1) if text in subprocess.run(["pdftotext", "-f", str(p), "-l", str(p), str(pdf), "-"],
                                                                 capture_output=True, text=True).stdout]


@pytest.mark.office
def test_task_list_prints_at_nine_points_and_cover_is_whole(store, school, tmp_path, soffice, artifacts, capsys):
    plan = fill_plan(store, school.code)
    store.plans.apply_edits(plan.id, [edit(0, "section:goals", LONG_GOALS)])
    src = export_plan_xlsx(store, plan.id, tmp_path / "filing.xlsx", draft=True)
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path}/lo", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(src)], check=True, capture_output=True, timeout=180)
    pdf = tmp_path / "filing.pdf"
    tasks = pages_with(pdf, "甘肃省工作任务清单（一校一策）")  # the title row every 任务清单 page repeats
    assert tasks == list(range(tasks[0], tasks[0] + len(tasks)))
    body = [w for w in words(pdf, min(tasks), max(tasks)) if CJK.match(w[1]) and w[3] > 110]  # below the title
    sizes = [(w[4] - w[2]) / len(w[1]) for w in body]
    size = statistics.median(sizes)
    title = [w for w in words(pdf, min(tasks), min(tasks)) if w[1].startswith("甘肃省工作任务清单")][0]
    with capsys.disabled():
        print(f"\n任务清单: {len(set(tasks))} pages, body text {size:.2f} pt (median of {len(sizes)} words, "
              f"min {min(sizes):.2f}), title {(title[4] - title[2]) / len(title[1]):.2f} pt")
    small = sorted((s, w[1]) for s, w in zip(sizes, body))[:5]
    assert min(sizes) >= 9.0 and size >= 9.0, small
    # every answer column is printed somewhere, each page repeating 序号 and 政策内容
    for label in ("落实举措", "完成时限", "进度", "预期成果", "下一步计划"):
        assert pages_with(pdf, label)
    # 封面: the long 建设目标 is printed whole, above 保障措施
    cover_pages = pages_with(pdf, "建设目标")
    cw = words(pdf, min(cover_pages), max(cover_pages) + 1)
    text = "".join(w[1] for w in cw)
    assert all(part.replace("，", "") in text.replace("，", "") for part in ("深化校企合作" * 3, "推进专业群建设"))
    label = next(w for w in cw if w[1] == "保障措施")
    goals = [w for w in cw if "专业群建设" in w[1] and w[0] == label[0]]
    assert all(w[5] <= label[3] + 1 for w in goals)
    subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", str(min(tasks) + 1), str(pdf),
                    str(artifacts / "print_filing")], check=True)
