"""Read a submitted file into rows of cells, numbered as Excel numbers them.

The format is detected from the content, never from the file name. Problems
are returned as error records; nothing here raises on bad input.
"""
from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from validation.errors import ErrorRecord, make_error

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls, or an encrypted .xlsx
MAX_FILE_BYTES = 20 * 1024 * 1024


@dataclass
class RawTable:
    format: str                          # "xlsx" | "csv"
    rows: list[tuple[int, list]]         # (Excel row number, cells)


def detect_format(head: bytes) -> str:
    if not head:
        return "empty"
    if head.startswith(ZIP_MAGIC):
        return "zip"
    if head.startswith(OLE_MAGIC):
        return "ole"
    return "text"


def read_table(path: Path) -> tuple[RawTable | None, list[ErrorRecord]]:
    path = Path(path)
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        return None, [make_error("file-unreadable", detail=str(exc))]
    if size > MAX_FILE_BYTES:
        return None, [make_error("file-unreadable",
                                 detail=f"tệp {size:,} byte vượt giới hạn {MAX_FILE_BYTES:,} byte")]
    kind = detect_format(head)
    if kind == "empty":
        return None, [make_error("file-empty")]
    if kind == "ole":
        return None, [make_error("file-format-unsupported",
                                 detail="tệp Excel 97-2003 (.xls) hoặc tệp Excel có đặt mật khẩu")]
    if kind == "zip":
        return _read_xlsx(path)
    return _read_csv(path)


def _read_xlsx(path: Path) -> tuple[RawTable | None, list[ErrorRecord]]:
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
    except zipfile.BadZipFile as exc:
        return None, [make_error("file-unreadable", detail=f"tệp .xlsx bị hỏng ({exc})")]
    if "xl/workbook.xml" not in names:
        return None, [make_error("file-format-unsupported", detail="tệp nén không phải bảng tính Excel")]
    import python_calamine

    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0)
        cells = sheet.to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises its own error types for corrupt parts
        return None, [make_error("file-unreadable", detail=f"tệp .xlsx bị hỏng ({exc})")]
    rows = [(number, list(row)) for number, row in enumerate(cells, start=1)]
    return RawTable("xlsx", rows), []


def _read_csv(path: Path) -> tuple[RawTable | None, list[ErrorRecord]]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, [make_error("file-encoding")]
    sample = text[:4096]
    delimiter = max((",", ";", "\t"), key=sample.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = [(number, row) for number, row in enumerate(reader, start=1)]
    return RawTable("csv", rows), []
