"""Checks that are not Great Expectations': header mapping, and the
table-level rules (duplicate keys, areas against the registry, the period,
coverage) that look at many rows at once or need the registry or today's
date. They run in DuckDB over a file's typed table (validation/typed.py).
Each check yields error records; none raises."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd

from ingest.registry import Registry, Unit
from ingest.schema import DatasetSchema
from ingest.text import fold, key
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


def rows_matching(typed, cols: list[str], combos: list[tuple]) -> list[tuple[int, int]]:
    """(row, index into ``combos``) of every row whose values in ``cols``
    equal one of the combinations (none blank), in row order."""
    if not combos:
        return []
    con = typed.con
    wanted = pd.DataFrame(combos, columns=cols, dtype=object)
    wanted["__combo"] = range(len(combos))
    con.register("__wanted", wanted)
    try:
        return con.execute(f"SELECT t.__row, w.__combo FROM {typed.name} t "
                           f"JOIN __wanted w ON {' AND '.join(f't.{c} = w.{c}' for c in cols)} "
                           "ORDER BY t.__row").fetchall()
    finally:
        con.unregister("__wanted")


def combinations(schema: DatasetSchema) -> list[tuple[str, ...]]:
    """The column sets whose distinct values the checks below judge (fetched
    for all of them in one pass, see Typed.prefetch)."""
    sets = [(g,) for g in schema.period_key] + [("district_code",)]
    for f in schema.fields:
        if f.type == "area_name" and f.code_field:
            sets.append((f.name, f.code_field))
        if f.type == "area_name" and f.parent_field:
            sets.append((f.name, f.parent_field))
        if f.own_district or f.not_in_future:
            sets.append((f.name,))
        if f.within_days:
            sets.append((f.name, f.within_days_of))
    return sets


def _rows_where(typed, cols: list[str], judge) -> Iterator[tuple[int, tuple, dict]]:
    """(row, values, verdict) for each row the judge flags, in row order. The
    judge sees each distinct combination of non-blank values once, so a
    million rows cost one DISTINCT in DuckDB."""
    combos = [c for c in typed.distinct(cols) if None not in c]
    verdicts = [(combo, verdict) for combo in combos if (verdict := judge(*combo))]
    for number, index in rows_matching(typed, cols, [combo for combo, _ in verdicts]):
        combo, verdict = verdicts[index]
        yield number, combo, dict(verdict) if isinstance(verdict, dict) else verdict


def check_duplicates(schema: DatasetSchema, typed) -> Iterator[ErrorRecord]:
    """Rows repeating an earlier row's key (the schema's grain), each named with
    the first row that holds it. A key entirely blank is left to the
    required-value check."""
    if not schema.grain or any(g not in typed.columns for g in schema.grain):
        return
    keys = ", ".join(schema.grain)
    repeated = f"""SELECT {keys} FROM {typed.name} WHERE NOT ({' AND '.join(g + ' IS NULL' for g in schema.grain)})
                   GROUP BY ALL HAVING count(*) > 1"""
    if not typed.con.execute(f"SELECT EXISTS ({repeated})").fetchone()[0]:
        return          # the common case: one aggregate, no window over every row
    found = typed.con.execute(f"""
        SELECT __row, first_row, {keys} FROM (
            SELECT __row, {keys}, min(__row) OVER (PARTITION BY {keys}) AS first_row
            FROM {typed.name} WHERE ({keys}) IN ({repeated}))
        WHERE __row <> first_row ORDER BY __row""").fetchall()
    for number, first, *values in found:
        yield make_error("duplicate-key", row=number, first_row=first,
                         detail=", ".join(f"{schema.field(g).title} = {_show(v)}"
                                          for g, v in zip(schema.grain, values)))


def check_areas(schema: DatasetSchema, header: HeaderMap, typed,
                registry: Registry, unit: Unit | None = None) -> Iterator[ErrorRecord]:
    """Names against codes, communes within their district, and a district
    unit's rows within its own district."""
    present = header.columns    # the fields the file has
    for f in schema.fields:
        if f.name not in present:
            continue
        where = {"column": header.letter(f.name), "field": f.name, "field_title": f.title}
        if f.type == "area_name" and f.code_field in present:
            def name_matches_code(name, code):
                area = registry.areas.get(code)
                if area is not None and key(name) not in (key(area.name), key(area.short_name)):
                    return {"code": "area-name-mismatch", "area_code": code, "expected": area.name}
            for number, (name, _), verdict in _rows_where(typed, [f.name, f.code_field], name_matches_code):
                yield make_error(verdict.pop("code"), row=number, value=name, **where, **verdict)
        if f.type == "area_name" and f.parent_field in present:
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
            for number, (name, _), verdict in _rows_where(typed, [f.name, f.parent_field], commune_in_district):
                yield make_error(verdict["code"], row=number, value=name, **where,
                                 **{k: v for k, v in verdict.items() if k != "code"})
        if f.own_district and unit is not None and unit.district_code:
            own = registry.areas[unit.district_code]

            def outside_own(code):
                district = registry.district_of(code)
                if district is not None and district.area_code != own.area_code:
                    return {"area": registry.areas[code].name}
            for number, (code,), verdict in _rows_where(typed, [f.name], outside_own):
                yield make_error("not-own-district", row=number, value=code, unit=unit.unit_code,
                                 district=own.name, **where, **verdict)


def check_period(schema: DatasetSchema, header: HeaderMap, typed,
                 today: dt.date) -> Iterator[ErrorRecord]:
    """One file reports one period (e.g. one date and slot); no future dates;
    dates within the days the schema allows before the period."""
    present = header.columns    # the fields the file has
    for name in schema.period_key:
        if name not in present:
            continue
        # The value most rows agree on is the file's period (the smallest of
        # equally common ones); the others stand out.
        values = [v for (v,) in typed.distinct([name]) if v is not None]
        if len(values) > 1:
            values = [typed.con.execute(f"SELECT {name} FROM {typed.name} WHERE {name} IS NOT NULL GROUP BY "
                                        f"{name} ORDER BY count(*) DESC, {name} LIMIT 1").fetchone()[0]]
        if not values:
            continue
        expected = values[0]
        f = schema.field(name)
        for number, (value,), _ in _rows_where(typed, [name], lambda v: v != expected):
            yield make_error("mixed-period", row=number, column=header.letter(name), field=name,
                             field_title=f.title, value=_show(value), expected=_show(expected))
    for f in schema.fields:
        if f.within_days and f.name in present and f.within_days_of in present:
            anchor = schema.field(f.within_days_of)
            for number, (value, ref), _ in _rows_where(typed, [f.name, f.within_days_of],
                                                        lambda v, r: (r - v).days > f.within_days):
                yield make_error("date-outside-period", row=number, column=header.letter(f.name),
                                 field=f.name, field_title=f.title, value=_show(value),
                                 days=f.within_days, period_title=anchor.title, period=_show(ref))
        if f.not_in_future and f.name in present:
            for number, (value,), _ in _rows_where(typed, [f.name], lambda v: v > today):
                yield make_error("future-date", row=number, column=header.letter(f.name),
                                 field=f.name, field_title=f.title, value=_show(value),
                                 today=_show(today))


def check_coverage(schema: DatasetSchema, header: HeaderMap, typed,
                   registry: Registry) -> Iterator[ErrorRecord]:
    if schema.coverage != "every_district" or "district_code" not in header.columns:
        return
    present = {code for (code,) in typed.distinct(["district_code"]) if code is not None}
    missing = [d for d in registry.districts if d.area_code not in present]
    if missing and present:
        yield make_error("missing-district",
                         detail=", ".join(f"{d.name} ({d.area_code})" for d in missing))


def _show(value) -> str:
    return value.strftime("%d/%m/%Y") if isinstance(value, dt.date) else str(value)
