"""What an agency gets back for each submission: outbox/<UNIT>/.

For every submission, three files named after it (``<submission_id>__<name>``):

- ``.report.json``   the validation report (the ``portal validate --json``
  contract), plus the submission receipt and the import summary;
- ``.summary.txt``   a short Vietnamese summary: accepted or not, the import
  summary in words, and what to fix first;
- ``.annotated.xlsx`` the agency's own workbook with every bad cell filled
  (errors red, warnings orange) and a Vietnamese comment on it, and a first
  sheet "Kết quả kiểm tra" listing every problem with a link to its cell.
  A CSV (or a workbook openpyxl cannot open) is rebuilt as .xlsx from the
  rows the reader read, and annotated the same way.

Annotation never stops the other two files: any failure is caught and said in
the summary. The source file itself is never modified (it is the record of
what was submitted; archive/ and quarantine/ keep it as received).
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

from ingest.settings import TIMEZONE

log = logging.getLogger(__name__)

RESULTS_SHEET = "Kết quả kiểm tra"
AUTHOR = "Cổng thông tin COVID-19 Thanh Hóa"
ERROR_COLOR = "FFFF9B9B"        # red, light enough to read the value through it
WARNING_COLOR = "FFFFC46B"      # orange
LINK_COLOR = "FF0563C1"
# openpyxl loads a workbook at about 10,000 rows a second; past this many rows
# a copy would hold the worker for minutes, so only the error list is written.
MAX_COPY_ROWS = 50_000
MAX_COPY_BYTES = 8 * 1024 * 1024   # when the row count is unknown (file not parsed)
MAX_LISTED = 100_000            # rows of the error list; the JSON always has them all
MAX_GROUPS = 5                  # "what to fix first": the first few kinds of error
MAX_POSITIONS = 8               # cells named per kind of error
SEVERITY_LABELS = {"error": "LỖI", "warning": "CẢNH BÁO", "info": "GHI CHÚ"}

# A short Vietnamese name for each kind of error, used as the heading of its
# group in the summary; a code not listed here is shown by its first message.
CODE_LABELS = {
    "required": "Ô bắt buộc đang để trống",
    "type-integer": "Ô phải là số nguyên",
    "type-decimal": "Ô phải là số",
    "type-date": "Ngày không đúng dạng dd/mm/yyyy",
    "type-slot": "Khung giờ không đúng dạng HH:MM",
    "type-url": "Đường dẫn không hợp lệ",
    "number-ambiguous": "Số không rõ nghĩa",
    "date-ambiguous": "Ngày không rõ nghĩa",
    "out-of-range": "Giá trị nằm ngoài khoảng cho phép",
    "out-of-range-max": "Giá trị nằm ngoài khoảng cho phép",
    "not-in-enum": "Giá trị không thuộc danh sách cho phép",
    "unknown-area": "Mã huyện không đúng",
    "area-name-mismatch": "Tên huyện không khớp với mã huyện",
    "unknown-commune": "Tên xã, phường, thị trấn không đúng",
    "commune-not-in-district": "Xã, phường, thị trấn không thuộc huyện của dòng",
    "not-own-district": "Số liệu ngoài địa bàn của đơn vị",
    "rule-violation": "Số liệu giữa các cột không khớp nhau",
    "duplicate-key": "Dòng bị trùng",
    "mixed-period": "Một tệp có nhiều ngày hoặc khung giờ báo cáo",
    "future-date": "Ngày báo cáo sau ngày hôm nay",
    "missing-district": "Thiếu số liệu của huyện",
    "missing-column": "Thiếu cột",
    "duplicate-column": "Cột bị trùng",
    "extra-column": "Cột không thuộc biểu mẫu",
    "header-not-found": "Không tìm thấy dòng tiêu đề",
    "no-data-rows": "Tệp không có dòng số liệu",
    "csv-ragged-row": "Dòng có nhiều ô hơn dòng tiêu đề",
}


# --- import summary -------------------------------------------------------

def import_summary(inserted: int = 0, updated: int = 0, unchanged: int = 0, rejected: int = 0) -> dict:
    """What the load did with the rows, as DHIS2's import summary gives it."""
    return {"inserted": int(inserted), "updated": int(updated),
            "unchanged": int(unchanged), "rejected": int(rejected)}


def _n(number: int) -> str:
    return f"{number:,}".replace(",", ".")          # Vietnamese thousands separator


def render_import_summary(summary: dict | None, valid: bool = True) -> str:
    if summary is None:
        return ("Kết quả nạp dữ liệu: không có dòng nào được nạp." if not valid
                else "Kết quả nạp dữ liệu: chưa có.")
    return (f"Kết quả nạp dữ liệu: thêm mới {_n(summary['inserted'])} dòng, "
            f"cập nhật {_n(summary['updated'])} dòng, "
            f"giữ nguyên {_n(summary['unchanged'])} dòng (không thay đổi), "
            f"từ chối {_n(summary['rejected'])} dòng.")


# --- the outbox -----------------------------------------------------------

def outbox_paths(outbox_dir: Path, receipt: dict) -> dict[str, Path]:
    folder = Path(outbox_dir) / receipt["unit"]
    stem = f"{receipt['submission_id']}__{receipt['original_name']}"
    return {"json": folder / f"{stem}.report.json", "summary": folder / f"{stem}.summary.txt",
            "annotated": folder / f"{stem}.annotated.xlsx"}


def write_outbox(outbox_dir: Path, receipt: dict, report, source_path: Path,
                 import_summary: dict | None) -> dict[str, Path]:
    """Write the three outbox files of one submission; returns their paths
    (keys "json", "summary", "annotated"; "annotated" is absent if it could
    not be written). Raises only on I/O errors of the outbox itself."""
    paths = outbox_paths(outbox_dir, receipt)
    paths["json"].parent.mkdir(parents=True, exist_ok=True)
    contract = report.to_dict()
    submission = {k: receipt.get(k) for k in ("submission_id", "unit", "original_name", "received_at")}
    _write_text(paths["json"], json.dumps({**contract, "submission": submission,
                                           "import_summary": import_summary},
                                          ensure_ascii=False, indent=2, default=str))
    marked = [e for e in contract["errors"] if e["severity"] in ("error", "warning")]
    try:
        if not marked:
            # Nothing to mark: copying the agency's own workbook back would cost
            # a full openpyxl load and save per file (a 730-file backfill) for nothing.
            del paths["annotated"]
            note = "Không có ô nào cần sửa, nên không gửi lại bản đánh dấu."
        else:
            note = annotate(report, Path(source_path), paths["annotated"], contract)
    except Exception as exc:  # a workbook openpyxl chokes on must not cost the agency its report
        log.exception("annotating %s failed", source_path)
        paths["annotated"].unlink(missing_ok=True)
        del paths["annotated"]
        note = ("Không tạo được bản đánh dấu lỗi trên tệp (lỗi kỹ thuật: "
                f"{type(exc).__name__}); danh sách lỗi đầy đủ có ở trên và trong tệp "
                f"{paths['json'].name}.")
    _write_text(paths["summary"], render_summary(contract, receipt, import_summary, note,
                                                 paths.get("annotated"), paths["json"]))
    return paths


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


# --- the summary ----------------------------------------------------------

def _where(error: dict) -> str:
    return f"{error['column'] or ''}{error['row'] or ''}"


def _rank(error: dict) -> int:
    """File and header problems (no row) come before cell and row problems:
    until the header is right, the cell errors may be mere consequences."""
    return 0 if error["row"] is None else 1


def fix_first(errors: list[dict], severity: str = "error", limit: int = MAX_GROUPS) -> list[dict]:
    """Errors of one severity grouped by code: file and header problems
    first, then the most frequent kind first (ties: the earliest in the file).
    Each group: {"code", "label", "count", "positions", "example"}."""
    mine = [e for e in errors if e["severity"] == severity]
    counts = Counter(e["code"] for e in mine)
    first: dict[str, int] = {}
    for index, e in enumerate(mine):
        first.setdefault(e["code"], index)
    rank = {code: min(_rank(e) for e in mine if e["code"] == code) for code in counts}
    codes = sorted(counts, key=lambda c: (rank[c], -counts[c], first[c]))
    groups = []
    for code in codes[:limit]:
        hits = [e for e in mine if e["code"] == code]
        groups.append({"code": code, "label": CODE_LABELS.get(code), "count": counts[code],
                       "positions": [_where(e) for e in hits if _where(e)],
                       "example": hits[0]["message"]})
    return groups


def _group_lines(number: int, group: dict) -> list[str]:
    shown = group["positions"][:MAX_POSITIONS]
    more = len(group["positions"]) - len(shown)
    where = ""
    if shown:
        where = " — vị trí: " + ", ".join(shown) + (f" và {_n(more)} chỗ khác" if more else "")
    if group["label"]:
        head = f"{number}. {group['label']} ({_n(group['count'])} chỗ){where}."
        return [head, f"   Ví dụ: {group['example']}"]
    suffix = f" (và {_n(group['count'] - 1)} chỗ tương tự{where})" if group["count"] > 1 else \
        (f" ({where.strip(' —')})" if where else "")
    return [f"{number}. {group['example']}{suffix}"]


def _local_time(iso: str | None) -> str:
    try:
        moment = dt.datetime.fromisoformat(iso)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.timezone.utc)
        return moment.astimezone(ZoneInfo(TIMEZONE)).strftime("%H:%M ngày %d/%m/%Y")
    except (TypeError, ValueError):
        return str(iso or "")


def _dataset_title(dataset: str | None) -> str:
    if not dataset:
        return "(không xác định)"
    try:
        from ingest.schema import load_schema
        return load_schema(dataset).title
    except Exception:   # an unknown dataset name is itself one of the reported errors
        return dataset


def render_summary(contract: dict, receipt: dict, summary: dict | None, annotation_note: str | None,
                   annotated: Path | None = None, json_path: Path | None = None) -> str:
    errors = contract["errors"]
    lines = [f"KẾT QUẢ TIẾP NHẬN TỆP: {receipt.get('original_name') or contract['file']}",
             f"Đơn vị: {contract['unit']} — Biểu mẫu: {_dataset_title(contract['dataset'])}",
             f"Mã nộp: {receipt.get('submission_id')} — Nhận lúc {_local_time(receipt.get('received_at'))}"]
    if contract["valid"]:
        lines.append(f"Kết luận: ĐÃ TIẾP NHẬN — {_n(contract['rows'])} dòng số liệu hợp lệ"
                     + (f", {_n(contract['warning_count'])} cảnh báo nên xem lại." if contract["warning_count"]
                        else ", không có cảnh báo."))
    else:
        lines.append(f"Kết luận: KHÔNG TIẾP NHẬN — {_n(contract['error_count'])} lỗi, "
                     f"{_n(contract['warning_count'])} cảnh báo. Không có số liệu nào của tệp được nạp; "
                     "tệp được lưu nguyên vẹn trong khu cách ly. Hãy sửa các lỗi rồi nộp lại.")
    lines.append(render_import_summary(summary, contract["valid"]))
    groups = fix_first(errors, "error")
    if groups:
        lines += ["", "CẦN SỬA TRƯỚC (lỗi về tệp và dòng tiêu đề trước, rồi loại lỗi gặp nhiều nhất):"]
        for number, group in enumerate(groups, start=1):
            lines += _group_lines(number, group)
        rest = len({e["code"] for e in errors if e["severity"] == "error"}) - len(groups)
        if rest > 0:
            lines.append(f"... và {rest} loại lỗi khác (xem danh sách đầy đủ).")
    warnings = fix_first(errors, "warning", limit=3)
    if warnings:
        lines += ["", "CẢNH BÁO (không chặn việc tiếp nhận, nhưng nên xem lại):"]
        for number, group in enumerate(warnings, start=1):
            lines += _group_lines(number, group)
    lines.append("")
    if annotated is not None:
        lines.append(f"Tệp đánh dấu lỗi: {annotated.name}")
    if annotation_note:
        lines.append(annotation_note)
    if json_path is not None:
        lines.append(f"Danh sách đầy đủ (dạng máy đọc): {json_path.name}")
    return "\n".join(lines) + "\n"


# --- the annotated workbook -------------------------------------------------

def _column_index(letters: str) -> int:
    from openpyxl.utils import column_index_from_string
    return column_index_from_string(letters)


def _header_row(dataset: str | None, rows: list[tuple[int, list]]) -> int:
    """The Excel row of the header, found the way the validator finds it."""
    if dataset:
        try:
            from ingest.schema import load_schema
            from validation.checks import map_header
            header = map_header(load_schema(dataset), rows, [])
            if header is not None:
                return header.row
        except Exception:
            log.debug("header row not found for %s", dataset, exc_info=True)
    return 1


def cell_of(error: dict, header_row: int, first_column: int) -> tuple[int, int] | None:
    """The (row, column) an error is shown on. A row error (no column) marks
    the row's first cell, a column error (no row) the header cell; a file
    error has no cell and is only listed."""
    if error["row"] is not None and error["column"]:
        return error["row"], _column_index(error["column"])
    if error["row"] is not None:
        return error["row"], first_column
    if error["column"]:
        return header_row, _column_index(error["column"])
    return None


def _comment_text(errors: list[dict]) -> str:
    return "\n".join(f"{SEVERITY_LABELS[e['severity']]}: {e['message']}" for e in errors)


def _mark(ws, targets: dict[tuple[int, int], list[dict]]) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    fills = {"error": PatternFill("solid", fgColor=ERROR_COLOR),
             "warning": PatternFill("solid", fgColor=WARNING_COLOR)}
    for (row, column), errors in targets.items():
        severities = {e["severity"] for e in errors}
        if "error" in severities:
            fill = fills["error"]
        elif "warning" in severities:
            fill = fills["warning"]
        else:
            continue                          # notes (info) are listed, not painted
        cell = ws.cell(row=row, column=column)
        cell.fill = fill
        text = _comment_text(errors)
        if cell.comment is not None and cell.comment.text:
            # The template puts each column's description on its header cell; keep it.
            text += "\n\n(Ghi chú có sẵn) " + cell.comment.text
        comment = Comment(text, AUTHOR)
        comment.width = 360
        comment.height = min(400, 40 + 18 * (text.count("\n") + 1 + len(text) // 60))
        cell.comment = comment


def _quote_sheet(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def _results_sheet(wb, contract: dict, targets_of: dict[int, tuple[int, int]], data_title: str | None,
                   note: str | None):
    """The first sheet: what was found, one line per problem, linked to its cell."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.hyperlink import Hyperlink

    title = RESULTS_SHEET
    n = 2
    while title in wb.sheetnames:
        title, n = f"{RESULTS_SHEET} ({n})", n + 1
    ws = wb.create_sheet(title, 0)
    _results_head(ws, contract, note)
    for number, error in enumerate(contract["errors"][:MAX_LISTED], start=1):
        target = targets_of.get(number - 1)
        where = f"{get_column_letter(target[1])}{target[0]}" if target else (_where(error) or "Toàn tệp")
        ws.append([number, SEVERITY_LABELS[error["severity"]], where, error["message"], error["code"]])
        row = ws.max_row
        if target and data_title:
            link = ws.cell(row=row, column=3)
            link.hyperlink = Hyperlink(ref=link.coordinate, location=f"{_quote_sheet(data_title)}!{where}",
                                       display=where)
            link.font = Font(color=LINK_COLOR, underline="single")
        if error["severity"] in ("error", "warning"):
            ws.cell(row=row, column=2).fill = PatternFill(
                "solid", fgColor=ERROR_COLOR if error["severity"] == "error" else WARNING_COLOR)
        ws.cell(row=row, column=4).alignment = Alignment(wrap_text=True, vertical="top")
    for letter, width in zip("ABCDE", (6, 11, 10, 100, 22)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A7"
    for sheet in wb.worksheets:
        sheet.sheet_view.tabSelected = False   # several selected tabs would group the sheets in Excel
    ws.sheet_view.tabSelected = True
    wb.active = 0
    return ws


def _results_head(ws, contract: dict, note: str | None) -> None:
    from openpyxl.styles import Font

    verdict = ("HỢP LỆ" if contract["valid"] else "KHÔNG HỢP LỆ")
    ws.append([f"KẾT QUẢ KIỂM TRA TỆP: {contract['file']}"])
    ws.append([f"Đơn vị: {contract['unit']} — Biểu mẫu: {_dataset_title(contract['dataset'])}"])
    ws.append([f"Kết luận: {verdict} — {_n(contract['error_count'])} lỗi, "
               f"{_n(contract['warning_count'])} cảnh báo."])
    ws.append([note or "Ô có lỗi được tô đỏ, ô có cảnh báo tô cam; di chuột vào ô để đọc ghi chú. "
                       "Bấm vào vị trí để đến ô đó."])
    if len(contract["errors"]) > MAX_LISTED:
        ws.append([f"Chỉ liệt kê {_n(MAX_LISTED)} trên {_n(len(contract['errors']))} mục; "
                   "danh sách đầy đủ có trong tệp .report.json."])
    else:
        ws.append([])
    ws.append(["STT", "Mức độ", "Vị trí", "Nội dung", "Mã lỗi"])
    ws["A1"].font = Font(bold=True, size=14)
    for cell in ws[6]:
        cell.font = Font(bold=True)


def _source_kind(path: Path) -> str:
    """'zip' (an .xlsx, whatever its name says) or something else: by content."""
    from ingest.reader import detect_format
    with path.open("rb") as fh:
        return detect_format(fh.read(8))


def _too_big(report, contract: dict, path: Path) -> bool:
    if report.typed is not None:
        return contract["rows"] > MAX_COPY_ROWS
    return path.stat().st_size > MAX_COPY_BYTES


def annotate(report, source: Path, out: Path, contract: dict | None = None) -> str:
    """Write the annotated workbook; returns the sentence the summary says about it."""
    contract = contract or report.to_dict()
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        if _too_big(report, contract, source):
            _write_list_only(tmp, contract)
            note = (f"Tệp có {_n(contract['rows'])} dòng, quá lớn để tô màu trên bản sao; tệp đánh dấu "
                    f"chỉ gồm trang \"{RESULTS_SHEET}\" liệt kê từng lỗi với vị trí ô.")
        else:
            wb = None
            if _source_kind(source) == "zip":
                wb = _load_copy(source)
            if wb is not None:
                _annotate_copy(wb, report, contract)
                note = ("Tệp đánh dấu lỗi là bản sao tệp của đơn vị: ô có lỗi tô đỏ, ô có cảnh báo tô cam, "
                        f"kèm ghi chú; trang \"{RESULTS_SHEET}\" liệt kê mọi lỗi.")
            else:
                wb = _rebuilt(report, source, contract)
                note = ("Tệp đánh dấu lỗi là bảng Excel dựng lại từ nội dung tệp đã nộp: ô có lỗi tô đỏ, "
                        f"ô có cảnh báo tô cam, kèm ghi chú; trang \"{RESULTS_SHEET}\" liệt kê mọi lỗi.")
            wb.save(tmp)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return note


def _load_copy(source: Path):
    """The agency's workbook as openpyxl sees it, or None if it cannot be opened."""
    from openpyxl import load_workbook
    try:
        with source.open("rb") as fh:     # a file object: openpyxl then ignores the extension
            return load_workbook(fh)
    except Exception:
        log.info("openpyxl cannot open %s; rebuilding from the rows read", source, exc_info=True)
        return None


def _data_sheet(wb, contract: dict):
    chosen = next((e["value"] for e in contract["errors"] if e["code"] == "sheet-chosen"), None)
    if chosen and chosen in wb.sheetnames:
        return wb[chosen]
    visible = [ws for ws in wb.worksheets if ws.sheet_state == "visible"]
    return visible[0] if visible else wb.worksheets[0]


def _first_column(report) -> int:
    return min(report.header_columns.values(), default=0) + 1


def _targets(report, contract: dict, rows_for_header) -> tuple[dict, dict]:
    """cell -> errors shown on it, and error index -> cell (for the links)."""
    errors = contract["errors"]
    header_row = 1
    if any(e["row"] is None and e["column"] for e in errors):
        header_row = _header_row(contract["dataset"], rows_for_header())
    first_column = _first_column(report)
    targets: dict[tuple[int, int], list[dict]] = {}
    by_index: dict[int, tuple[int, int]] = {}
    for index, error in enumerate(errors):
        cell = cell_of(error, header_row, first_column)
        if cell is not None:
            targets.setdefault(cell, []).append(error)
            by_index[index] = cell
    return targets, by_index


def _annotate_copy(wb, report, contract: dict) -> None:
    from validation.checks import HEADER_SEARCH_ROWS

    ws = _data_sheet(wb, contract)

    def head_rows():
        return [(n, list(cells)) for n, cells in
                enumerate(ws.iter_rows(max_row=HEADER_SEARCH_ROWS, values_only=True), start=1)]

    targets, by_index = _targets(report, contract, head_rows)
    _mark(ws, targets)
    _results_sheet(wb, contract, by_index, ws.title, None)


def _cell_value(value):
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    if value is None or isinstance(value, (int, float, dt.date, dt.time, dt.timedelta)):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    return text[:32767]                      # Excel's limit for one cell


def _rebuilt(report, source: Path, contract: dict):
    """A new workbook holding the rows the reader read (CSV, or a workbook
    openpyxl cannot open), at the same row and column numbers."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from ingest.reader import read_table
    from validation.checks import HEADER_SEARCH_ROWS

    table, _ = read_table(source)
    rows = table.rows if table is not None else []
    wb = Workbook()
    ws = wb.active
    ws.title = "Số liệu"
    for number, cells in rows:
        for index, value in enumerate(cells, start=1):
            value = _cell_value(value)
            if value is not None and value != "":
                ws.cell(row=number, column=index, value=value)
    targets, by_index = _targets(report, contract, lambda: rows[:HEADER_SEARCH_ROWS])
    if rows:
        header_row = _header_row(contract["dataset"], rows[:HEADER_SEARCH_ROWS]) if contract["dataset"] else None
        if header_row:
            for cell in ws[header_row]:
                cell.font = Font(bold=True)
            ws.freeze_panes = ws.cell(row=header_row + 1, column=1).coordinate
        widths = {}
        for _, cells in rows[:200]:
            for index, value in enumerate(cells, start=1):
                widths[index] = max(widths.get(index, 8), min(40, len(str(value or "")) + 2))
        from openpyxl.utils import get_column_letter
        for index, width in widths.items():
            ws.column_dimensions[get_column_letter(index)].width = width
    _mark(ws, targets)
    _results_sheet(wb, contract, by_index, ws.title, None)
    return wb


def _write_list_only(path: Path, contract: dict) -> None:
    """Big files: the error list alone, streamed (write-only mode, no cell copy)."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(RESULTS_SHEET)
    head = [[f"KẾT QUẢ KIỂM TRA TỆP: {contract['file']}"],
            [f"Đơn vị: {contract['unit']} — Biểu mẫu: {_dataset_title(contract['dataset'])}"],
            [f"Kết luận: {'HỢP LỆ' if contract['valid'] else 'KHÔNG HỢP LỆ'} — "
             f"{_n(contract['error_count'])} lỗi, {_n(contract['warning_count'])} cảnh báo."],
            [f"Tệp có {_n(contract['rows'])} dòng, quá lớn để sao chép và tô màu; "
             "dưới đây là vị trí từng lỗi (cột và dòng như trong tệp đã nộp)."],
            [f"Chỉ liệt kê {_n(MAX_LISTED)} trên {_n(len(contract['errors']))} mục; danh sách đầy đủ có "
             "trong tệp .report.json." if len(contract["errors"]) > MAX_LISTED else ""],
            ["STT", "Mức độ", "Vị trí", "Nội dung", "Mã lỗi"]]
    for line in head:
        ws.append(line)
    for number, error in enumerate(contract["errors"][:MAX_LISTED], start=1):
        ws.append([number, SEVERITY_LABELS[error["severity"]], _where(error) or "Toàn tệp",
                   error["message"], error["code"]])
    wb.save(path)
