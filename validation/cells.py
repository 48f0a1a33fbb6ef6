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
    if re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+", text):
        return None, "number-ambiguous"  # 1,234: English thousands, or a Vietnamese decimal?
    return None, "type-integer"


def parse_decimal(cell):
    """Vietnamese style: '.' groups thousands, ',' marks decimals ('1.234,5').
    A lone '.' or ',' that could be either is refused rather than guessed."""
    if isinstance(cell, bool):
        return None, "type-decimal"
    if isinstance(cell, (int, float)):
        return float(cell), None
    text = str(cell).strip().replace("\u00a0", "").replace(" ", "")
    if re.fullmatch(r"[+-]?\d{1,3}(\.\d{3})+(,\d+)?", text):
        return float(text.replace(".", "").replace(",", ".")), None
    if re.fullmatch(r"[+-]?\d+(,\d+)?", text):
        return float(text.replace(",", ".")), None
    if re.fullmatch(r"[+-]?\d+\.\d+", text):
        return None, "number-ambiguous"
    return None, "type-decimal"


def parse_url(cell):
    text = str(cell).strip()
    if re.fullmatch(r"https?://[^\s/$.?#].[^\s]*", text, flags=re.IGNORECASE):
        return text, None
    return None, "type-url"


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
    if re.fullmatch(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2}", text):
        return None, "date-ambiguous"  # two-digit year
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


US_DATE = re.compile(r"\s*(\d{1,2})[/.-](\d{1,2})[/.-]\d{4}\s*")


def day_month_swappable(cell) -> bool | None:
    """For a text date d/m/yyyy: True if both parts could be the day, None if it
    is not such a text, False otherwise."""
    match = US_DATE.fullmatch(cell) if isinstance(cell, str) else None
    if not match:
        return None
    first, second = map(int, match.groups())
    return first <= 12 and second <= 12 and first != second


def month_first_only(cell) -> bool:
    """'10/25/2021': only readable as month/day."""
    match = US_DATE.fullmatch(cell) if isinstance(cell, str) else None
    return bool(match) and int(match.group(1)) <= 12 < int(match.group(2)) <= 31


PARSERS = {
    "decimal": parse_decimal,
    "url": parse_url,
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
