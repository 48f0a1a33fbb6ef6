"""Cell typing in DuckDB: the raw records of a file become a typed table.

The rules of what a cell means live in validation/cells.py, in Python, and
are applied to each DISTINCT raw value once; DuckDB then joins those answers
back onto every record. A million-row line list has a few hundred distinct
dates, codes and statuses, so this costs little more than reading the file.

Text cells that Python would return unchanged (a plain name, a plain integer)
are typed by an SQL expression instead of a round trip through Python: each
such "plain" predicate below is a sufficient condition, checked by the tests
against the Python parsers, under which the parser is the identity (or a cast).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from ingest.reader import RawTable, _table_name
from ingest.schema import DatasetSchema, Field
from ingest.text import fold
from validation.cells import day_month_swappable, month_first_only, parse_cell
from validation.errors import ErrorRecord, column_letter, make_error

SQL_TYPES = {"date": "DATE", "integer": "BIGINT", "decimal": "DOUBLE", "slot": "VARCHAR",
             "string": "VARCHAR", "area_code": "VARCHAR", "area_name": "VARCHAR", "url": "VARCHAR"}

# Every character str.isspace() accepts (what str.strip() and str.split() remove);
# tests check the list against Python's own.
WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
              "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")


def _re2_class(chars: str) -> str:
    return "[" + "".join(f"\\x{{{ord(c):x}}}" for c in chars) + "]"


WS = _re2_class(WHITESPACE)
WS_BUT_SPACE = _re2_class(WHITESPACE.replace(" ", ""))

# A text cell that is blank for Python (None, '' or whitespace only).
BLANK_TEXT = "(@c IS NULL OR regexp_full_match(@c, '" + WS + "*'))"

# text -> text unchanged by " ".join(t.split()): no whitespace but single inner spaces.
_PLAIN_TEXT = "NOT regexp_matches(@c, '" + WS_BUT_SPACE + "|  |^ | $')"
# text -> text unchanged by str.strip().
_PLAIN_CODE = "NOT regexp_matches(@c, '^" + WS + "|" + WS + "$')"
# ASCII digits that parse_integer / parse_decimal read as the same number.
_PLAIN_INTEGER = "regexp_full_match(@c, '[+-]?[0-9]{1,18}')"
_PLAIN_DECIMAL = "regexp_full_match(@c, '[+-]?[0-9]{1,15}')"


def on(template: str, column: str) -> str:
    """An SQL template above applied to a column (``@c`` marks it; braces are the regexes')."""
    return template.replace("@c", column)


def plain_sql(f: Field) -> tuple[str, str] | None:
    """(predicate, typed expression) over a text cell ``@c``, or None when
    every distinct value of this field goes through Python."""
    if f.enum and f.type == "string":
        return None                       # enumerations are folded ('nu' -> 'Nữ') in Python
    if f.type in ("string", "area_name"):
        return _PLAIN_TEXT, "@c"
    if f.type == "area_code":
        return _PLAIN_CODE, "@c"
    if f.type == "integer":
        return _PLAIN_INTEGER, "CAST(@c AS BIGINT)"
    if f.type == "decimal":
        return _PLAIN_DECIMAL, "CAST(@c AS DOUBLE)"
    return None


@dataclass
class Typed:
    """A file's typed data rows: temporary view ``name`` of ``con`` with
    ``__row`` (Excel row) and one column per field the file has.

    A view over the raw records, not a copy: each typed column is a CASE over
    the distinct raw values (or a join when there are many), computed only
    for the columns a query asks for, and once by the load itself."""
    con: object
    name: str
    count: int
    columns: tuple[str, ...]                                     # the fields, in file order
    failed: set[tuple[int, str]] = field(default_factory=set)   # cells already reported
    owned: list[str] = field(default_factory=list)               # temporary tables the view reads
    materialized: bool = False                                    # a table, not a view (see type_cells)
    _distinct: dict = field(default_factory=dict, repr=False)
    _presence: dict = field(default_factory=dict, repr=False)

    def prefetch(self, sets, presence=()) -> None:
        """Fetch in ONE pass over the rows the distinct values of each column
        set in ``sets`` (tuples of field names) and, for each field in
        ``presence``, only whether it is ever blank and one value it takes.
        The table checks and the GX domain then ask for them at no cost."""
        todo = [c for c in dict.fromkeys(map(tuple, sets))
                if c not in self._distinct and all(n in self.columns for n in c)]
        asked = [n for n in dict.fromkeys(presence) if n not in self._presence and n in self.columns]
        parts = [f"list(DISTINCT {c[0]})" if len(c) == 1 else
                 "list(DISTINCT {" + ", ".join(f"'{n}': {n}" for n in c) + "})" for c in todo]
        parts += [f"bool_or({n} IS NULL), any_value({n})" for n in asked]
        if not parts:
            return
        found = iter(self.con.execute(f"SELECT {', '.join(parts)} FROM {self.name}").fetchone())
        for c in todo:
            values = next(found) or []
            self._distinct[c] = [(v,) for v in values] if len(c) == 1 else [tuple(v.values()) for v in values]
        for n in asked:
            self._presence[n] = (bool(next(found)), next(found))

    def distinct(self, columns) -> list[tuple]:
        """The distinct combinations of ``columns`` (blanks included, as None)."""
        columns = tuple(columns)
        self.prefetch([columns])
        return self._distinct[columns]

    def presence(self, column: str) -> tuple[bool, object]:
        """(whether the field is ever blank, one value it takes or None)."""
        self.prefetch((), [column])
        return self._presence[column]

    def frame(self, columns: list[str] | None = None) -> pd.DataFrame:
        """The rows as a DataFrame of Python values (dates as datetime.date),
        in row order. For small files and the few checks that want pandas;
        the validation layers themselves stay in DuckDB."""
        listed = ", ".join(["__row", *(columns if columns is not None else self.columns)])
        cursor = self.con.execute(f"SELECT {listed} FROM {self.name} ORDER BY __row")
        names = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
        return pd.DataFrame({n: [r[i] for r in rows] for i, n in enumerate(names)}, columns=names)

    def first(self, column: str):
        """The value of ``column`` in the first row (the file's period, once checked)."""
        row = self.con.execute(f"SELECT {column} FROM {self.name} ORDER BY __row LIMIT 1").fetchone()
        return row[0] if row else None

    def drop(self) -> None:
        self.con.execute(f"DROP {'TABLE' if self.materialized else 'VIEW'} IF EXISTS {self.name}")
        for table in self.owned:
            self.con.execute(f"DROP TABLE IF EXISTS {table}")


_INT64 = (-(2 ** 63), 2 ** 63 - 1)
# Answers up to this many are inlined as a CASE expression (cheaper than a
# hash join on a million rows); more go into a temporary table and a join.
CASE_LIMIT = 64
# Up to this many records, the typed rows are copied into a table at once
# (the daily district files); beyond it they stay a view over the raw records.
SMALL_FILE_ROWS = 50_000


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


@dataclass
class Answers:
    """Python's answer for each distinct raw value of one column that needed
    one: keys (the cell's text, or its code), the raw values, and per key the
    typed value (None when blank or failed), the problem code, and the
    date-ambiguity flags."""
    keys: list
    raw: list
    typed: list
    problem: list
    swappable: list
    month_only: list

    @property
    def identity(self) -> bool:
        """Every value types to itself: the column can be used as it is."""
        return all(t == k and type(t) is str for k, t in zip(self.keys, self.typed))

    def keys_where(self, flags: list) -> list:
        return [k for k, flag in zip(self.keys, flags) if flag]


def parse_distinct(f: Field, keys: list, values: list) -> Answers:
    enum = {fold(v): v for v in f.enum} if f.enum and f.type == "string" else None
    answers = Answers(keys, values, [], [], [], [])
    for raw in values:
        value, code = parse_cell(f.type, raw)
        if enum is not None and value is not None and not code:
            # Accept 'nu', 'NỮ', 'Nữ ' for 'Nữ'; anything else is left for the enum check.
            value = enum.get(fold(value), value)
        if f.type == "integer" and value is not None and not _INT64[0] <= value <= _INT64[1]:
            value, code = None, "type-integer"
        is_text_date = f.type == "date" and isinstance(raw, str)
        answers.typed.append(None if code else value)
        answers.problem.append(code)
        answers.swappable.append(bool(is_text_date and day_month_swappable(raw)))
        answers.month_only.append(bool(is_text_date and month_first_only(raw)))
    return answers


def literal(value) -> str:
    """An SQL literal for a key or a typed value."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"CAST('{value!r}' AS DOUBLE)"
    if isinstance(value, dt.date):
        return f"DATE '{value.isoformat()}'"
    return "'" + str(value).replace("'", "''") + "'"


def _distinct_text(table: RawTable, wanted: dict[int, str], header_row: int) -> dict[int, list]:
    """For each text column index, its distinct values below the header that
    satisfy a condition (``@c`` marks the column), in one pass over the table:
    one query of many aggregates costs far less than a query per column."""
    if not wanted:
        return {}
    aggregates = [f"list(DISTINCT c{i}) FILTER (WHERE c{i} IS NOT NULL AND ({on(condition, f'c{i}')}))"
                  for i, condition in wanted.items()]
    found = table.con.execute(f"SELECT {', '.join(aggregates)} FROM {table.name} "
                              f"WHERE rowid >= {header_row}").fetchone()
    return {i: values or [] for i, values in zip(wanted, found)}


def _all_answers(schema: DatasetSchema, header, table: RawTable) -> tuple[dict[int, Answers], dict[int, list]]:
    """Python's answers for each mapped column (every dictionary entry of a
    coded column; for a text column, only its distinct values that are not
    plain), and the blank keys of every column (NULL aside)."""
    answers, blanks = {}, {}
    if table.coded:
        for name, index in header.columns.items():
            values = table.dictionaries[index]
            answers[index] = parse_distinct(schema.field(name), list(range(len(values))), values)
        for index, values in enumerate(table.dictionaries):
            blanks[index] = [code for code, v in enumerate(values) if _is_blank(v)]
        return answers, blanks
    wanted = {}
    for name, index in header.columns.items():
        plain = plain_sql(schema.field(name))
        wanted[index] = "true" if plain is None else f"@c = '' OR NOT ({plain[0]})"
    for index in range(table.width):
        if index not in wanted:      # an unmapped column only matters for telling blank rows
            wanted[index] = BLANK_TEXT
    found = _distinct_text(table, wanted, header.row)
    for name, index in header.columns.items():
        answers[index] = parse_distinct(schema.field(name), found[index], found[index])
    for index in range(table.width):
        # Blank text is never plain, so a mapped column's blanks are among its answers.
        blanks[index] = [k for k in found[index] if _is_blank(k)]
    return answers, blanks


def type_cells(schema: DatasetSchema, header, table: RawTable, errors: list[ErrorRecord]) -> Typed:
    """The typed data rows of ``table`` below its header (blank rows dropped),
    as a temporary view that owns ``table`` from now on, with an error for
    every cell that does not parse; those cells are NULL in the view and
    listed in ``Typed.failed`` so that later checks do not report them twice."""
    con = table.con
    answered, blanks = _all_answers(schema, header, table)
    failed: set[tuple[int, str]] = set()
    for name, index in header.columns.items():
        _report_problems(con, table, header, schema.field(name), index, answered[index], failed, errors)
    select, joins, owned = ["CAST(r.rowid + 1 AS INTEGER) AS __row"], [], [table.name]
    for name, index in header.columns.items():
        f = schema.field(name)
        column, sql_type = f"r.c{index}", SQL_TYPES[f.type]
        plain = None if table.coded else plain_sql(f)
        answers = answered[index]
        otherwise = on(plain[1], column) if plain else f"NULL::{sql_type}"
        if not answers.keys:
            expression = otherwise
        elif not table.coded and answers.identity and sql_type == "VARCHAR":
            expression = column      # the answers and the plain rule all keep the text as it is
        elif len(answers.keys) <= CASE_LIMIT:
            cases = " ".join(f"WHEN {literal(k)} THEN {literal(t)}" for k, t in zip(answers.keys, answers.typed))
            expression = f"CASE {column} {cases} ELSE {otherwise} END"
        else:
            dictionary = _table_name("dict")
            con.register("__answers", pd.DataFrame({"key": pd.Series(answers.keys, dtype=object),
                                                    "typed": pd.Series(answers.typed, dtype=object)}))
            try:
                con.execute(f"CREATE TEMP TABLE {dictionary} AS SELECT CAST(key AS "
                            f"{'INTEGER' if table.coded else 'VARCHAR'}) AS key, "
                            f"CAST(typed AS {sql_type}) AS typed FROM __answers")
            finally:
                con.unregister("__answers")
            alias = f"d{len(owned)}"
            owned.append(dictionary)
            joins.append(f"LEFT JOIN {dictionary} {alias} ON {alias}.key = {column}")
            expression = f"CASE WHEN {alias}.key IS NULL THEN {otherwise} ELSE {alias}.typed END"
        select.append(f"{expression} AS {name}")
    filled = []
    for index in range(table.width):
        blank = blanks[index]
        filled.append(f"(r.c{index} IS NOT NULL" +
                      (f" AND r.c{index} NOT IN ({', '.join(map(literal, blank))}))" if blank else ")"))
    typed = _table_name("typed")
    rows = f"""SELECT {', '.join(select)} FROM {table.name} r {' '.join(joins)}
               WHERE r.rowid >= {header.row} AND ({' OR '.join(filled)})"""
    if joins or table.count <= SMALL_FILE_ROWS:
        # A column with many distinct values (a workbook's case ids) is typed
        # by a join: do it once into a table rather than in every later query.
        # A small file too: copying it is cheaper than re-planning its CASEs.
        con.execute(f"CREATE TEMP TABLE {typed} AS {rows}")
        for name in owned:
            con.execute(f"DROP TABLE {name}")
        owned, materialized = [], True
    else:
        con.execute(f"CREATE TEMP VIEW {typed} AS {rows}")
        materialized = False
    count = con.execute(f"SELECT count(*) FROM {typed}").fetchone()[0]
    return Typed(con, typed, count, columns=tuple(header.columns), failed=failed, owned=owned,
                 materialized=materialized)


def _in(keys: list) -> str:
    return "(" + ", ".join(map(literal, keys)) + ")"


def _report_problems(con, table: RawTable, header, f: Field, index: int, answers: Answers,
                     failed: set, errors: list[ErrorRecord]) -> None:
    """An error for each cell whose value did not parse, and for each
    ambiguous date; the ambiguous ones become NULL in ``answers``."""
    letter = column_letter(index)
    where = dict(column=letter, field=f.name, field_title=f.title)
    raw_of = dict(zip(answers.keys, answers.raw))
    cells = f"FROM {table.name} WHERE rowid >= {header.row} AND c{index} IN "
    failing = answers.keys_where(answers.problem)
    if failing:
        problem_of = dict(zip(answers.keys, answers.problem))
        for number, key in con.execute(f"SELECT rowid + 1, c{index} {cells}{_in(failing)} ORDER BY rowid").fetchall():
            errors.append(make_error(problem_of[key], row=number, value=raw_of[key], **where))
            failed.add((number, f.name))
    month_first_keys = answers.keys_where(answers.month_only)
    if not month_first_keys:
        return
    # A column that holds a month-first date ('10/25/2021') makes every
    # day/month-swappable date in it ambiguous: report them, never guess.
    month_first = con.execute(f"SELECT min(rowid) + 1 {cells}{_in(month_first_keys)}").fetchone()[0]
    swappable = answers.keys_where(answers.swappable)
    if month_first is None or not swappable:
        return
    ambiguous = con.execute(f"SELECT rowid + 1, c{index} {cells}{_in(swappable)} ORDER BY rowid").fetchall()
    for number, key in ambiguous:
        errors.append(make_error("date-ambiguous", row=number, value=raw_of[key],
                                 detail=f" (dòng {month_first} của cột này ghi tháng trước ngày)", **where))
        failed.add((number, f.name))
    answers.typed = [None if flag else t for t, flag in zip(answers.typed, answers.swappable)]
