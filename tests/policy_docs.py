"""Policy documents made in the tests (python-docx), as a provincial office would receive them:
a red-header notice with its 文号, an annex with a task table whose category cells are merged
down and whose header row repeats after a page break."""
from __future__ import annotations

from pathlib import Path

TITLE = "甘肃省教育厅关于印发2025年职业教育产教融合重点任务的通知"
DOC_NO = "甘教职成〔2025〕7号"
HEADER = ("序号", "工作任务", "主要内容", "责任单位", "完成时限")
# (category, text, units, deadline); a None category continues the merged cell above
ROWS = (
    ("健全统筹机制", "建立省级产教融合联席会议制度，每年至少召开2次联席会议，研究解决重点问题。", "省教育厅（牵头）、省发展改革委", "2025年6月"),
    (None, "各市州制定产教融合年度工作要点，报省教育厅备案。", "各市州", "2025年5月"),
    (None, "各职业院校制定“一校一策”年度实施方案，明确专业群对接产业链的具体举措。", "各职业院校", "2025年5月"),
    ("深化校企合作", "到2025年，全省建设35个市域产教联合体，覆盖主要产业园区。", "省教育厅、省工业和信息化厅、各市州", "2025年12月"),
    (None, "推动职业院校与龙头企业共建产业学院，新增校企合作订单培养学生5000人。", "各职业院校", "2025年12月"),
    (None, "落实企业接收学生实习责任，实习岗位覆盖率达到90%以上。", "省人社厅会同有关部门、各职业院校", "2025年10月"),
    ("强化保障", "将产教融合工作纳入市州政府履行教育职责评价，评价结果向社会公开。", "省政府教育督导委员会办公室、各市州", "2025年11月"),
)
SCHOOL = "4162010730"  # 兰州职业技术学院 (under 兰州市 620100)
OTHER_SCHOOL = "4162013890"


def write_policy_docx(path: Path, rows=ROWS, *, repeat_header_before: int | None = 5) -> Path:
    """The notice with 附件 1 as a Word table: merged 工作任务 cells, the header repeated before row
    ``repeat_header_before`` (a page break as Word prints it), one content cell in two paragraphs."""
    import docx

    d = docx.Document()
    d.add_paragraph(TITLE)
    d.add_paragraph(DOC_NO)
    d.add_paragraph("各市州教育局，各职业院校：")
    d.add_paragraph("现将《2025年职业教育产教融合重点任务》印发给你们，请认真抓好落实。")
    d.add_paragraph("甘肃省教育厅")
    d.add_paragraph("2025年3月1日")
    d.add_paragraph("附件")
    d.add_paragraph("2025年职业教育产教融合重点任务")
    body = [list(HEADER)]
    for n, (cat, text, units, when) in enumerate(rows, 1):
        if repeat_header_before == n:
            body.append(list(HEADER))
        body.append([str(n), cat or "", text, units, when])
    t = d.add_table(rows=len(body), cols=len(HEADER))
    for r, row in enumerate(body):
        for c, v in enumerate(row):
            cell = t.cell(r, c)
            if c == 2 and row[0] == "1":
                cell.text = v[:12]
                cell.add_paragraph(v[12:])
            else:
                cell.text = v
    start = None
    for r in range(1, len(body) + 1):
        blank = r < len(body) and body[r][1] == "" and body[r][0].isdigit()
        if blank and start is None and body[r - 1][0].isdigit():  # never merged into a repeated header
            start = r - 1
        if not blank and start is not None:
            t.cell(start, 1).merge(t.cell(r - 1, 1))
            t.cell(start, 1).text = body[start][1]
            start = None
    d.save(path)
    return path
