"""Write submission files (.xlsx or .csv) from a dataset schema: empty
templates for agencies, and filled sample submissions.

The header titles, cell formats, input checks and the instructions sheet all
come from the schema file, so the template can never drift from the parser.
"""
from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from ingest.registry import load_registry
from ingest.schema import DatasetSchema

HEADER_FILL = "1F4E79"


def _cell_text(value) -> object:
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return value


def prefilled_rows(schema: DatasetSchema) -> list[dict]:
    """Rows an agency should fill: one per district when the file must cover them all."""
    if schema.coverage != "every_district":
        return []
    return [{"district_code": d.area_code, "district_name": d.name} for d in load_registry().districts]


def write_submission(schema: DatasetSchema, rows: list[dict], out: Path, unit_code: str) -> Path:
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".csv":
        _write_csv(schema, rows, out)
    elif out.suffix.lower() == ".xlsx":
        _write_xlsx(schema, rows, out, unit_code)
    else:
        raise ValueError("tên tệp phải kết thúc bằng .xlsx hoặc .csv")
    return out


def _write_csv(schema: DatasetSchema, rows: list[dict], out: Path) -> None:
    # UTF-8 with BOM: Excel on Windows opens it with the right diacritics.
    with out.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([f.title for f in schema.fields])
        for row in rows:
            writer.writerow([_cell_text(row.get(f.name, "")) for f in schema.fields])


def _write_xlsx(schema: DatasetSchema, rows: list[dict], out: Path, unit_code: str) -> None:
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = "Số liệu"
    ws.append([f.title for f in schema.fields])
    for index, f in enumerate(schema.fields, start=1):
        cell = ws.cell(row=1, column=index)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        cell.comment = Comment(f.description, "Cổng thông tin COVID-19")
        ws.column_dimensions[cell.column_letter].width = max(14, min(32, len(f.title) + 4))
    for row in rows:
        ws.append([row.get(f.name) for f in schema.fields])
    last = max(len(rows) + 1, 200)
    for index, f in enumerate(schema.fields, start=1):
        letter = ws.cell(row=1, column=index).column_letter
        area = f"{letter}2:{letter}{last}"
        if f.type == "date":
            for r in range(2, len(rows) + 2):
                ws[f"{letter}{r}"].number_format = "DD/MM/YYYY"
        rule = None
        if f.enum:
            rule = DataValidation(type="list", formula1='"' + ",".join(f.enum) + '"')
        elif f.type == "integer":
            rule = DataValidation(type="whole", operator="greaterThanOrEqual", formula1=str(int(f.minimum or 0)))
        if rule is not None:
            rule.error = f"Giá trị không hợp lệ cho cột \"{f.title}\"."
            rule.errorTitle = "Dữ liệu không hợp lệ"
            rule.showErrorMessage = True
            ws.add_data_validation(rule)
            rule.add(area)
    ws.freeze_panes = "A2"

    guide = wb.create_sheet("Hướng dẫn")
    guide.append([schema.title])
    guide["A1"].font = Font(bold=True, size=14)
    guide.append([schema.description])
    guide.append([f"Đơn vị nộp: {unit_code}. Không đổi tên, thứ tự các cột ở trang \"Số liệu\"."])
    guide.append([])
    guide.append(["Cột", "Ý nghĩa", "Kiểu", "Ví dụ"])
    for cell in guide[5]:
        cell.font = Font(bold=True)
    kinds = {"date": "Ngày (dd/mm/yyyy)", "slot": "Khung giờ (HH:MM)", "integer": "Số nguyên",
             "area_code": "Mã GSO", "area_name": "Tên đơn vị hành chính", "string": "Văn bản"}
    for f in schema.fields:
        guide.append([f.title, f.description, kinds[f.type], str(f.example or "")])
    for letter, width in zip("ABCD", (32, 70, 22, 18)):
        guide.column_dimensions[letter].width = width
    wb.save(out)
