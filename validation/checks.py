"""Checks that are not Great Expectations': header mapping, cell typing and
table-level rules that need the registry or today's date. Each check yields
error records; none raises."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from ingest.reader import RawTable
from ingest.registry import Registry, Unit
from ingest.schema import DatasetSchema
from ingest.text import fold, key
from validation.cells import day_month_swappable, month_first_only, parse_cell
from validation.errors import ErrorRecord, column_letter, make_error

HEADER_SEARCH_ROWS = 10


@dataclass
class HeaderMap:
    row: int                                  # Excel row number of the header
    columns: dict[str, int] = field(default_factory=dict)  # field name -> column index

    def letter(self, field_name: str) -> str | None:
        index = self.columns.get(field_name)
        return None if index is None else column_letter(index)


def _match(schema: DatasetSchema, cell) -> str | None:
    """The field a header cell names, comparing without diacritics, case or spacing."""
    if cell is None or not isinstance(cell, str):
        return None
    return _header_index(schema.name).get(fold(cell))


@lru_cache(maxsize=None)
def _header_index(dataset: str) -> dict[str, str]:
    from ingest.schema import load_schema

    index = {}
    for f in load_schema(dataset).fields:
        index[fold(f.name)] = f.name
        index[fold(f.title)] = f.name
    return index


def header_score(schema: DatasetSchema, rows: list[tuple[int, list]]) -> int:
    """How many of the schema's fields the best header candidate names."""
    return max((len({_match(schema, c) for c in cells} - {None}) for _, cells in rows[:HEADER_SEARCH_ROWS]),
               default=0)


def map_header(schema: DatasetSchema, rows: list[tuple[int, list]],
               errors: list[ErrorRecord]) -> HeaderMap | None:
    """Find the header row among the first rows and map columns to fields."""
    best, best_hits = None, 0
    for number, cells in rows[:HEADER_SEARCH_ROWS]:
        hits = len({_match(schema, c) for c in cells} - {None})
        if hits > best_hits:
            best, best_hits = (number, cells), hits
    if best is None or best_hits < max(2, len(schema.fields) // 2):
        errors.append(make_error("header-not-found", dataset_title=schema.title))
        return None
    number, cells = best
    header = HeaderMap(row=number)
    for index, cell in enumerate(cells):
        name = _match(schema, cell)
        letter = column_letter(index)
        if name is None:
            if cell is not None and str(cell).strip():
                errors.append(make_error("extra-column", column=letter, value=str(cell).strip()))
            continue
        title = schema.field(name).title
        if name in header.columns:
            errors.append(make_error("duplicate-column", column=letter, field=name, field_title=title,
                                     first_column=column_letter(header.columns[name])))
            continue
        header.columns[name] = index
        if str(cell).strip() != title:
            errors.append(make_error("header-recognised", column=letter, field=name,
                                     field_title=title, value=str(cell)))
    for f in schema.fields:
        if f.name not in header.columns and f.required:
            errors.append(make_error("missing-column", field=f.name, field_title=f.title))
    return header


def _is_blank_cell(cell) -> bool:
    return cell is None or cell == "" or (isinstance(cell, str) and not cell.strip())


def data_positions(table: RawTable, header: HeaderMap) -> np.ndarray:
    """Positions (0 = Excel row 1) of the records below the header that hold
    anything: blank rows between data rows are layout, not data."""
    filled = np.zeros(table.count, dtype=bool)
    for column in table.columns:
        blank = np.fromiter((_is_blank_cell(v) for v in column.values), dtype=bool, count=len(column.values))
        filled |= ~blank[column.codes]
    filled[:header.row] = False
    return np.flatnonzero(filled)


def type_cells(schema: DatasetSchema, header: HeaderMap, table: RawTable,
               errors: list[ErrorRecord]) -> tuple[pd.DataFrame, set[tuple[int, str]]]:
    """Typed frame of the data rows (blank rows dropped), plus the cells that
    failed to parse, so later checks do not report them twice.

    Works on the dictionary-encoded columns: each distinct raw value is parsed
    once (a million-row line list has few distinct dates, codes and statuses),
    and only the rows holding a bad value are visited."""
    positions = data_positions(table, header)
    numbers = positions + 1
    columns: dict[str, list] = {"__row": numbers.tolist()}
    failed: set[tuple[int, str]] = set()
    for name, index in header.columns.items():
        f = schema.field(name)
        letter = column_letter(index)
        column = table.columns[index] if index < len(table.columns) else None
        raw_values = column.values if column is not None else [None]
        codes = column.codes[positions] if column is not None else np.zeros(len(positions), dtype=np.int32)
        enum = {fold(v): v for v in f.enum} if f.enum and f.type == "string" else None
        typed, problem, swappable, month_only = [], [], [], []
        for raw in raw_values:
            value, code = parse_cell(f.type, raw)
            if enum is not None and value is not None and not code:
                # Accept 'nu', 'NỮ', 'Nữ ' for 'Nữ'; anything else is left for the enum check.
                value = enum.get(fold(value), value)
            is_text_date = f.type == "date" and isinstance(raw, str)
            typed.append(None if code else value)
            problem.append(code)
            swappable.append(bool(is_text_date and day_month_swappable(raw)))
            month_only.append(bool(is_text_date and month_first_only(raw)))
        typed_lut = np.empty(len(typed), dtype=object)
        typed_lut[:] = typed
        values = typed_lut[codes]
        bad_lut = np.array([c is not None for c in problem], dtype=bool)
        for position in np.flatnonzero(bad_lut[codes]):
            number, raw = int(numbers[position]), raw_values[codes[position]]
            errors.append(make_error(problem[codes[position]], row=number, column=letter, field=name,
                                     field_title=f.title, value=raw))
            failed.add((number, name))
        # A column that holds a month-first date ('10/25/2021') makes every
        # day/month-swappable date in it ambiguous: report them, never guess.
        month_rows = np.flatnonzero(np.array(month_only, dtype=bool)[codes])
        if len(month_rows):
            month_first = int(numbers[month_rows[0]])
            for position in np.flatnonzero(np.array(swappable, dtype=bool)[codes]):
                number = int(numbers[position])
                errors.append(make_error("date-ambiguous", row=number, column=letter, field=name,
                                         field_title=f.title, value=raw_values[codes[position]],
                                         detail=f" (dòng {month_first} của cột này ghi tháng trước ngày)"))
                failed.add((number, name))
                values[position] = None
        columns[name] = values.tolist()
    return pd.DataFrame(columns, columns=["__row", *header.columns]), failed


def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and pd.isna(value)) or value == ""


def _rows_where(frame: pd.DataFrame, cols: list[str], judge) -> Iterator[tuple[int, tuple, dict]]:
    """(row, values, verdict) for each row the judge flags. The judge sees each
    distinct combination of values once, so big files cost little."""
    verdicts = {}
    for values in frame[cols].drop_duplicates().itertuples(index=False, name=None):
        if not any(_blank(v) for v in values) and (verdict := judge(*values)):
            verdicts[values] = verdict
    if verdicts:
        for number, *values in frame[["__row", *cols]].itertuples(index=False, name=None):
            verdict = verdicts.get(tuple(values))
            if verdict:
                yield number, tuple(values), verdict


def check_areas(schema: DatasetSchema, header: HeaderMap, frame: pd.DataFrame,
                registry: Registry, unit: Unit | None = None) -> Iterator[ErrorRecord]:
    """Names against codes, communes within their district, and a district
    unit's rows within its own district."""
    for f in schema.fields:
        if f.name not in frame:
            continue
        where = {"column": header.letter(f.name), "field": f.name, "field_title": f.title}
        if f.type == "area_name" and f.code_field in frame:
            def name_matches_code(name, code):
                area = registry.areas.get(code)
                if area is not None and key(name) not in (key(area.name), key(area.short_name)):
                    return {"code": "area-name-mismatch", "area_code": code, "expected": area.name}
            for number, (name, _), verdict in _rows_where(frame, [f.name, f.code_field], name_matches_code):
                yield make_error(verdict.pop("code"), row=number, value=name, **where, **verdict)
        if f.type == "area_name" and f.parent_field in frame:
            def commune_in_district(name, district_code):
                district = registry.areas.get(district_code)
                if district is None:
                    return None
                matches = registry.communes_named(name)
                if any(m.parent_code == district.area_code for m in matches):
                    return None
                if matches:
                    actual = ", ".join(sorted({registry.areas[m.parent_code].name for m in matches}))
                    return {"code": "commune-not-in-district", "actual": actual, "district": district.name}
                return {"code": "unknown-commune", "district": district.name}
            for number, (name, _), verdict in _rows_where(frame, [f.name, f.parent_field], commune_in_district):
                yield make_error(verdict["code"], row=number, value=name, **where,
                                 **{k: v for k, v in verdict.items() if k != "code"})
        if f.own_district and unit is not None and unit.district_code:
            own = registry.areas[unit.district_code]

            def outside_own(code):
                district = registry.district_of(code)
                if district is not None and district.area_code != own.area_code:
                    return {"area": registry.areas[code].name}
            for number, (code,), verdict in _rows_where(frame, [f.name], outside_own):
                yield make_error("not-own-district", row=number, value=code, unit=unit.unit_code,
                                 district=own.name, **where, **verdict)


def check_period(schema: DatasetSchema, header: HeaderMap, frame: pd.DataFrame,
                 today: dt.date) -> Iterator[ErrorRecord]:
    """One file reports one period (e.g. one date and slot); no future dates;
    dates within the days the schema allows before the period."""
    for name in schema.period_key:
        values = frame[name].dropna() if name in frame else []
        if len(values) == 0:
            continue
        # The value most rows agree on is the file's period; the others stand out.
        expected = values.mode().iloc[0]
        f = schema.field(name)
        for number, (value,), _ in _rows_where(frame, [name], lambda v: v != expected):
            yield make_error("mixed-period", row=number, column=header.letter(name), field=name,
                             field_title=f.title, value=_show(value), expected=_show(expected))
    for f in schema.fields:
        if f.within_days and f.name in frame and f.within_days_of in frame:
            anchor = schema.field(f.within_days_of)
            for number, (value, ref), _ in _rows_where(frame, [f.name, f.within_days_of],
                                                        lambda v, r: (r - v).days > f.within_days):
                yield make_error("date-outside-period", row=number, column=header.letter(f.name),
                                 field=f.name, field_title=f.title, value=_show(value),
                                 days=f.within_days, period_title=anchor.title, period=_show(ref))
        if f.not_in_future and f.name in frame:
            for number, (value,), _ in _rows_where(frame, [f.name], lambda v: v > today):
                yield make_error("future-date", row=number, column=header.letter(f.name),
                                 field=f.name, field_title=f.title, value=_show(value),
                                 today=_show(today))


def check_coverage(schema: DatasetSchema, frame: pd.DataFrame,
                   registry: Registry) -> Iterator[ErrorRecord]:
    if schema.coverage != "every_district" or "district_code" not in frame:
        return
    present = set(frame["district_code"].dropna())
    missing = [d for d in registry.districts if d.area_code not in present]
    if missing and present:
        yield make_error("missing-district",
                         detail=", ".join(f"{d.name} ({d.area_code})" for d in missing))


def _show(value) -> str:
    return value.strftime("%d/%m/%Y") if isinstance(value, dt.date) else str(value)
