"""Word documents: the 实施方案 a unit files and the 汇总报告 (python-docx, report_templates/)."""
