"""Checks that are not Great Expectations': header mapping, cell typing and
table-level rules that need the registry or today's date. Each check yields
error records; none raises."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd

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


def type_cells(schema: DatasetSchema, header: HeaderMap, rows: list[tuple[int, list]],
               errors: list[ErrorRecord]) -> tuple[pd.DataFrame, set[tuple[int, str]]]:
    """Typed frame of the data rows (blank rows dropped), plus the cells that
    failed to parse, so later checks do not report them twice."""
    records, failed = [], set()
    enums = {f.name: {fold(v): v for v in f.enum} for f in schema.fields if f.enum and f.type == "string"}
    swappable: dict[str, list[tuple[int, object]]] = {}
    month_first: dict[str, int] = {}
    for number, cells in rows:
        if number <= header.row or all(c is None or str(c).strip() == "" for c in cells):
            continue
        record = {"__row": number}
        for name, index in header.columns.items():
            f = schema.field(name)
            raw = cells[index] if index < len(cells) else None
            value, code = parse_cell(f.type, raw)
            if f.type == "date" and isinstance(raw, str):
                if day_month_swappable(raw):
                    swappable.setdefault(name, []).append((number, raw))
                elif month_first_only(raw):
                    month_first.setdefault(name, number)
            if code:
                errors.append(make_error(code, row=number, column=column_letter(index), field=name,
                                         field_title=f.title, value=raw))
                failed.add((number, name))
            elif name in enums and value is not None:
                # Accept 'nu', 'NỮ', 'Nữ ' for 'Nữ'; anything else is left for the enum check.
                value = enums[name].get(fold(value), value)
            record[name] = value
        records.append(record)
    # A column that holds a month-first date ('10/25/2021') makes every
    # day/month-swappable date in it ambiguous: report them, never guess.
    for name, first_row in month_first.items():
        f = schema.field(name)
        for number, raw in swappable.get(name, []):
            errors.append(make_error("date-ambiguous", row=number, column=header.letter(name), field=name,
                                     field_title=f.title, value=raw,
                                     detail=f" (dòng {first_row} của cột này ghi tháng trước ngày)"))
            failed.add((number, name))
    frame = pd.DataFrame.from_records(records, columns=["__row", *header.columns])
    for number, name in failed:
        frame.loc[frame["__row"] == number, name] = None
    return frame, failed


def check_areas(schema: DatasetSchema, header: HeaderMap, frame: pd.DataFrame,
                registry: Registry, unit: Unit | None = None) -> Iterator[ErrorRecord]:
    """Names against codes, communes within their district, and a district
    unit's rows within its own district."""
    for f in schema.fields:
        if f.name not in frame:
            continue
        letter = header.letter(f.name)
        if f.type == "area_name" and f.code_field in frame:
            for number, name, code in frame[["__row", f.name, f.code_field]].itertuples(index=False):
                area = registry.areas.get(code) if code else None
                if not name or area is None:
                    continue
                if key(name) not in (key(area.name), key(area.short_name)):
                    yield make_error("area-name-mismatch", row=number, column=letter, field=f.name,
                                     field_title=f.title, value=name, area_code=code, expected=area.name)
        if f.type == "area_name" and f.parent_field in frame:
            for number, name, district_code in frame[["__row", f.name, f.parent_field]].itertuples(index=False):
                district = registry.areas.get(district_code) if district_code else None
                if not name or district is None:
                    continue
                matches = registry.communes_named(name)
                if any(m.parent_code == district.area_code for m in matches):
                    continue
                if matches:
                    actual = ", ".join(sorted({registry.areas[m.parent_code].name for m in matches}))
                    yield make_error("commune-not-in-district", row=number, column=letter, field=f.name,
                                     field_title=f.title, value=name, actual=actual, district=district.name)
                else:
                    yield make_error("unknown-commune", row=number, column=letter, field=f.name,
                                     field_title=f.title, value=name, district=district.name)
        if f.own_district and unit is not None and unit.district_code:
            own = registry.areas[unit.district_code]
            for number, code in frame[["__row", f.name]].itertuples(index=False):
                district = registry.district_of(code) if code else None
                if district is not None and district.area_code != own.area_code:
                    yield make_error("not-own-district", row=number, column=letter, field=f.name,
                                     field_title=f.title, value=code, area=registry.areas[code].name,
                                     unit=unit.unit_code, district=own.name)


def check_period(schema: DatasetSchema, header: HeaderMap, frame: pd.DataFrame,
                 today: dt.date) -> Iterator[ErrorRecord]:
    """One file reports one period (e.g. one date and slot); no future dates."""
    for name in schema.period_key:
        values = frame[name].dropna() if name in frame else []
        if len(values) == 0:
            continue
        # The value most rows agree on is the file's period; the others stand out.
        expected = values.mode().iloc[0]
        f = schema.field(name)
        for number, value in frame.loc[frame[name].notna(), ["__row", name]].itertuples(index=False):
            if value != expected:
                yield make_error("mixed-period", row=number, column=header.letter(name), field=name,
                                 field_title=f.title, value=_show(value), expected=_show(expected))
    for f in schema.fields:
        if f.within_days and f.name in frame and f.within_days_of in frame:
            anchor = schema.field(f.within_days_of)
            for number, value, ref in frame[["__row", f.name, f.within_days_of]].itertuples(index=False):
                if value is not None and ref is not None and not pd.isna(value) and not pd.isna(ref) \
                        and (ref - value).days > f.within_days:
                    yield make_error("date-outside-period", row=number, column=header.letter(f.name),
                                     field=f.name, field_title=f.title, value=_show(value),
                                     days=f.within_days, period_title=anchor.title, period=_show(ref))
        if f.not_in_future and f.name in frame:
            for number, value in frame.loc[frame[f.name].notna(), ["__row", f.name]].itertuples(index=False):
                if value > today:
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
