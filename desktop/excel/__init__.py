"""Excel workbooks: the 报送表 (export, template, import) and the 汇总表 (openpyxl, python-calamine)."""
