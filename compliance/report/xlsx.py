"""The report's .xlsx annex: every missed or late deadline, and the per-unit table.

For the department's staff to sort, filter and check: real dates and numbers
(not text), Vietnamese headers, one sheet per table, each with a title line,
the header row frozen and filters on. Times are Viet Nam local time (Excel has
no time zones). Sheet order and columns are the contract the tests read back.
"""
from __future__ import annotations

from pathlib import Path

from compliance.report import prose, text
from compliance.report.content import Report

HEADER_ROW = 4          # rows 1-2: title and period; row 3 empty

ANNEX_SHEET = "Muộn, không cập nhật"
UNITS_SHEET = "Theo đơn vị"
COMPARISON_SHEET = "So sánh kỳ trước"
FRESHNESS_SHEET = "Cập nhật khi biến động"

ANNEX_HEADERS = ("TT", "Mã đơn vị", "Đơn vị", "Mã thông tin", "Thông tin", "Ngày số liệu", "Khung giờ",
                 "Hạn cập nhật", "Tình trạng", "Nhận lần đầu", "Muộn (phút)", "Tệp bị từ chối")
UNIT_HEADERS = ("TT", "Mã đơn vị", "Đơn vị", "Loại đơn vị", "Phải cập nhật", "Đã cập nhật", "Đúng hạn", "Muộn",
                "Muộn trung vị (phút)", "Không cập nhật", "Trong đó: chỉ có tệp bị từ chối", "Tệp bị từ chối",
                "Cảnh báo dữ liệu", "Bổ sung, điều chỉnh", "Tỷ lệ đã cập nhật", "Tỷ lệ đúng hạn",
                "Tỷ lệ đúng hạn kỳ trước")
FRESHNESS_HEADERS = ("TT", "Mã đơn vị", "Đơn vị", "Thông tin", "Tình trạng khi tổng hợp", "Cập nhật gần nhất",
                     "Đã qua (giờ)", "Thời hạn (giờ)", "Số lần kiểm tra quá hạn", "Số lần kiểm tra")

DATE = "dd/mm/yyyy"
MOMENT = "dd/mm/yyyy hh:mm"
PERCENT = "0.0%"


def _naive_local(value):
    return text.local(value).replace(tzinfo=None) if value is not None else None


def _sheet(wb, title: str, heading: str, report: Report, headers, rows, formats: dict[int, str], widths):
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title)
    ws.cell(1, 1, heading).font = Font(bold=True, size=13)
    ws.cell(2, 1, f"{report.header.agency_name} tỉnh Thanh Hóa — {report.period.label}; "
                  f"số liệu tính đến {text.moment(report.as_of)}").font = Font(italic=True)
    thin = Side(style="thin", color="999999")
    for col, name in enumerate(headers, 1):
        cell = ws.cell(HEADER_ROW, col, name)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E6E6E6")
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
    for r, row in enumerate(rows, HEADER_ROW + 1):
        for c, value in enumerate(row, 1):
            cell = ws.cell(r, c, value)
            if c in formats:
                cell.number_format = formats[c]
    for col, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.row_dimensions[HEADER_ROW].height = 45
    ws.freeze_panes = ws.cell(HEADER_ROW + 1, 1)
    if rows:
        ws.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(len(headers))}{HEADER_ROW + len(rows)}"
    return ws


def annex_rows(report: Report) -> list[tuple]:
    return [(i, a.unit_code, a.unit_name, a.dataset, a.dataset_title, a.period_date, a.slot,
             _naive_local(a.due_at), text.STATUS_LABELS[a.status], _naive_local(a.first_accepted_at),
             a.minutes_late, a.rejected_files) for i, a in enumerate(report.annex, 1)]


def unit_rows(report: Report) -> list[tuple]:
    rows = [(i, r.unit_code, r.unit_name, r.unit_type, r.expected, r.received, r.on_time, r.late,
             r.median_minutes_late, r.missing, r.rejected_only, r.rejected_files, r.warnings, r.corrections,
             r.reporting_rate, r.on_time_rate, r.previous_on_time_rate) for i, r in enumerate(report.units, 1)]
    f = report.current
    rows.append((None, None, "Tổng cộng", None, f.expected, f.received, f.on_time, f.late, f.median_minutes_late,
                 f.missing + f.rejected_only, f.rejected_only, f.rejected_files, f.warnings, f.corrections,
                 f.reporting_rate, f.on_time_rate, report.previous.on_time_rate))
    return rows


def render(report: Report, path: Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.creator = f"{report.header.agency_name} tỉnh Thanh Hóa"
    wb.properties.title = f"Phụ lục báo cáo {report.header.subject}"
    # Fixed document dates: the same report gives the same workbook properties.
    wb.properties.created = wb.properties.modified = _naive_local(report.as_of)

    _sheet(wb, ANNEX_SHEET, prose.ANNEX_TITLES[0][1].format(period=report.period.label), report,
           ANNEX_HEADERS, annex_rows(report), {6: DATE, 8: MOMENT, 10: MOMENT},
           (5, 16, 36, 28, 34, 12, 9, 16, 20, 16, 9, 9))
    ws = _sheet(wb, UNITS_SHEET, f"Kết quả cập nhật của từng đơn vị {report.period.label}", report,
                UNIT_HEADERS, unit_rows(report), {15: PERCENT, 16: PERCENT, 17: PERCENT},
                (5, 16, 36, 10, 10, 10, 10, 8, 11, 11, 13, 10, 10, 11, 11, 11, 12))
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)

    before, now = report.previous_period.short_label, report.period.short_label
    comparison = [(row.label, row.previous, row.current,
                   None if row.previous is None or row.current is None else row.current - row.previous)
                  for row in report.comparison]
    ws = _sheet(wb, COMPARISON_SHEET, f"So sánh {report.period.label} với {report.previous_period.label}", report,
                ("Chỉ tiêu", before, now, "Tăng (+), giảm (-)"), comparison, {}, (40, 14, 14, 16))
    for r, row in enumerate(report.comparison, HEADER_ROW + 1):
        fmt = PERCENT if row.kind == "rate" else ("0.0" if row.kind == "minutes" else "#,##0")
        for c in (2, 3, 4):
            ws.cell(r, c).number_format = fmt if not (row.kind == "rate" and c == 4) else "+0.0%;-0.0%;0.0%"

    freshness = [(i, f.unit_code, f.unit_name, f.dataset_title, text.FRESHNESS_LABELS[f.status],
                  _naive_local(f.last_update_at), None if f.age_hours is None else round(f.age_hours, 1),
                  f.max_age_hours, f.checks_not_fresh, f.checks) for i, f in enumerate(report.freshness, 1)]
    _sheet(wb, FRESHNESS_SHEET, prose.ANNEX_TITLES[1][1].format(period=report.period.label), report,
           FRESHNESS_HEADERS, freshness, {6: MOMENT}, (5, 16, 36, 34, 20, 16, 10, 10, 12, 10))
    wb.save(path)
    return path
