#!/usr/bin/python3
"""Plays the collaborator's part for ExcelIntegrationTests.swift with the tools people use.

    excel-roundtrip.py TEMPLATE.xlsx WORKDIR ROWS.json

Reads the template's sheets, validations, frozen pane and widths with openpyxl; fills a copy with
the rows (a date as a real Excel date, labels as picked from the drop-down lists) as WORKDIR/filled.xlsx;
opens the template and the filled copy in headless LibreOffice, saving each again as .xlsx into
WORKDIR/lo/ (one LibreOffice start); reads the converted template's validations back; prints all
it found as JSON for the Swift test to check. Debian's python3-openpyxl and libreoffice-calc.
"""
import datetime, json, os, subprocess, sys

import openpyxl


def describe(path):
    wb = openpyxl.load_workbook(path)
    data = wb.worksheets[0]
    lists = wb["Danh mục"]
    return {
        "sheets": wb.sheetnames,
        "states": [ws.sheet_state for ws in wb.worksheets],
        "header": [c.value for c in data[1]],
        "freeze": data.freeze_panes,
        "widths": {key: dim.width for key, dim in data.column_dimensions.items() if dim.width},
        "dateFormat": data.column_dimensions["A"].number_format if "A" in data.column_dimensions else None,
        "validations": [
            {"type": v.type, "sqref": str(v.sqref), "formula1": v.formula1, "formula2": v.formula2,
             "showErrorMessage": bool(v.showErrorMessage)}
            for v in data.data_validations.dataValidation
        ],
        "lists": [[cell.value for cell in row] for row in lists.iter_rows(min_row=2)],
        "instructions": [row[0].value for row in wb["Hướng dẫn"].iter_rows() if row[0].value],
    }


template, work, rows_path = sys.argv[1:4]
result = {"template": describe(template)}
with open(rows_path, encoding="utf-8") as f:
    rows = json.load(f)
wb = openpyxl.load_workbook(template)
sheet = wb.worksheets[0]
for index, (date, topic, group, sentiment) in enumerate(rows, start=2):
    sheet.cell(row=index, column=1, value=datetime.date.fromisoformat(date)).number_format = "dd/mm/yyyy"
    sheet.cell(row=index, column=2, value=topic)
    sheet.cell(row=index, column=3, value=group)
    sheet.cell(row=index, column=4, value=sentiment)
filled = os.path.join(work, "filled.xlsx")
wb.save(filled)
converted = os.path.join(work, "lo")
office = subprocess.run(
    ["soffice", "--headless", f"-env:UserInstallation=file://{os.path.abspath(work)}/lo-profile",
     "--convert-to", "xlsx", "--outdir", converted, template, filled],
    capture_output=True, text=True, timeout=300)
result["libreoffice"] = {"status": office.returncode, "stderr": office.stderr,
                         "files": sorted(os.listdir(converted)) if os.path.isdir(converted) else []}
lo_template = os.path.join(converted, os.path.basename(template))
if os.path.exists(lo_template):
    result["convertedTemplate"] = describe(lo_template)
json.dump(result, sys.stdout, ensure_ascii=False)
