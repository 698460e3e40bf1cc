#!/usr/bin/python3
"""Writes the workbooks and files that Tests/SurveyClientTests/WorkbookTests.swift reads.

Run from anywhere: Debian's python3 with python3-openpyxl, and LibreOffice (soffice) headless.
    Tests/SurveyClientTests/Fixtures/make-fixtures.py
- openpyxl.xlsx: openpyxl's writing: inline strings (<is><t>, with character references), a real date, text dates DD/MM/YYYY and
  D/M/YYYY, labels in other cases, an empty row, a note column, formulas (no cached values, as
  openpyxl writes them), a second sheet "Khác" and the template's hidden lists sheet "Danh mục".
- libreoffice.xlsx: openpyxl.xlsx opened and saved by LibreOffice: shared strings, formulas with
  cached values.
- mac1904.xlsx: dates in the 1904 date system.
- unicode-text.txt: Excel's "Unicode Text": UTF-16 little-endian with a byte-order mark, tabs.
The expected responses are in WorkbookTests.swift, written from this description, not from the
reader's output.
"""
import datetime, os, shutil, subprocess, tempfile

import openpyxl
from openpyxl.utils.datetime import CALENDAR_MAC_1904

here = os.path.dirname(os.path.abspath(__file__))
os.chdir(here)


def lists(wb):
    sheet = wb.create_sheet("Danh mục")
    sheet.append(["Mã chủ đề", "Chủ đề", "Mã nhóm", "Nhóm", "Mã thái độ", "Thái độ"])
    sheet.append(["CDS", "Chuyển đổi số", "CB", "Cán bộ", "DONGTINH", "Đồng tình"])
    sheet.append(["YTE", "Y tế", "DV", "Đảng viên", "PHANVAN", "Phân vân"])
    sheet.append([None, None, "ND", "Nhân dân", "KHONGDONGTINH", "Không đồng tình"])
    sheet.sheet_state = "hidden"


wb = openpyxl.Workbook()
ws = wb.active
ws.title = "Phiếu"
ws.append(["Ngày", "Chủ đề", "Nhóm", "Thái độ", "Ghi chú"])
ws.append([datetime.date(2026, 11, 20), "Chuyển đổi số", "Nhân dân", "Đồng tình", "phiếu 1"])   # row 2
ws["A2"].number_format = "dd/mm/yyyy"
ws.append(["29/11/2026", "YTE", "cán bộ", "phân vân"])                                          # row 3
ws.append([])                                                                                   # row 4: empty
ws.append(["1/2/2026", "  y tế ", "DV", "KHONGDONGTINH"])                                       # row 5
ws.append(["31/02/2026", "CDS", "ND", "DONGTINH"])                                              # row 6: no such day
ws.append(["2026-11-21", "CDS", "Nông dân", "DONGTINH"])                                        # row 7: not in the list
ws.append(["=A2+1", "=B3", "ND", "DONGTINH"])                                                   # row 8: formulas
other = wb.create_sheet("Khác")
other.append(["date", "topic", "group", "sentiment"])
other.append(["2026-10-01", "CDS", "CB", "PHANVAN"])
lists(wb)
wb.save("openpyxl.xlsx")

with tempfile.TemporaryDirectory() as work:
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{work}/profile", "--convert-to", "xlsx",
                    "--outdir", work, "openpyxl.xlsx"], check=True, capture_output=True)
    shutil.copy(os.path.join(work, "openpyxl.xlsx"), "libreoffice.xlsx")

mac = openpyxl.Workbook()
mac.epoch = CALENDAR_MAC_1904
sheet = mac.active
sheet.title = "Phiếu"
sheet.append(["date", "topic", "group", "sentiment"])
sheet.append([datetime.date(2026, 11, 20), "CDS", "ND", "DONGTINH"])
sheet.append([datetime.date(2024, 2, 29), "YTE", "CB", "PHANVAN"])
mac.save("mac1904.xlsx")

with open("unicode-text.txt", "wb") as text:
    text.write("Ngày\tChủ đề\tNhóm\tThái độ\r\n29/11/2026\tCDS\tND\tDONGTINH\r\n1/2/2026\t\"YTE\"\tCB\tPHANVAN\r\n".encode("utf-16"))
