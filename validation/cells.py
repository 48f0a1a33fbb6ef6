"""Typed parsing of single cells. Each parser returns (value, error_code);
error_code is None when the cell parsed (a blank cell parses to None)."""
from __future__ import annotations

import datetime as dt
import re

EXCEL_EPOCH = dt.date(1899, 12, 30)


def is_blank(cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def parse_integer(cell):
    if isinstance(cell, bool):
        return None, "type-integer"
    if isinstance(cell, int):
        return cell, None
    if isinstance(cell, float):
        return (int(cell), None) if cell.is_integer() else (None, "type-integer")
    text = str(cell).strip().replace("\u00a0", "").replace(" ", "")
    # Vietnamese thousands separator is '.', e.g. 1.234 or 12.345.678
    if re.fullmatch(r"[+-]?\d{1,3}(\.\d{3})+", text):
        text = text.replace(".", "")
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text), None
    return None, "type-integer"


def parse_date(cell):
    if isinstance(cell, dt.datetime):
        return cell.date(), None
    if isinstance(cell, dt.date):
        return cell, None
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        if 1 <= cell < 2958466 and float(cell).is_integer():
            return EXCEL_EPOCH + dt.timedelta(days=int(cell)), None
        return None, "type-date"
    text = str(cell).strip()
    match = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text)
    try:
        if match:
            day, month, year = map(int, match.groups())
            return dt.date(year, month, day), None
        match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text)
        if match:
            return dt.date(*map(int, match.groups())), None
    except ValueError:
        pass
    return None, "type-date"


def parse_slot(cell):
    if isinstance(cell, dt.datetime):
        cell = cell.time()
    if isinstance(cell, dt.time):
        return f"{cell.hour:02d}:{cell.minute:02d}", None
    if isinstance(cell, float) and 0 <= cell < 1:  # Excel time as a fraction of a day
        minutes = round(cell * 24 * 60)
        return f"{minutes // 60:02d}:{minutes % 60:02d}", None
    text = str(cell).strip().lower()
    match = re.fullmatch(r"(\d{1,2})\s*(?:[:h]\s*(\d{2})?)?", text)
    if match:
        hour, minute = int(match.group(1)), int(match.group(2) or 0)
        if hour < 24 and minute < 60:
            return f"{hour:02d}:{minute:02d}", None
    return None, "type-slot"


def parse_code(cell):
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return str(cell).strip(), None


def parse_text(cell):
    return " ".join(str(cell).split()), None


PARSERS = {
    "integer": parse_integer,
    "date": parse_date,
    "slot": parse_slot,
    "area_code": parse_code,
    "area_name": parse_text,
    "string": parse_text,
}


def parse_cell(field_type: str, cell):
    if is_blank(cell):
        return None, None
    return PARSERS[field_type](cell)
