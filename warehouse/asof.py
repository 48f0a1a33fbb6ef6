"""As-of: the marts as they stood at a past moment.

"What did the dashboard say at 16:00 on 10 November?" Two answers that must
agree (tests/warehouse/test_asof.py):

* in SQL, the table macros of migration 007 (``marts.epidemic_district_as_of(ts)``
  and friends) for the epidemic marts, usable from Superset's SQL Lab;
* here, for every mart of every dataset: `state_at` copies into an in-memory
  database the versions in force at ts (valid_from <= ts < valid_to, each
  reopened as it was then) and the submissions received by ts, then re-creates
  every view and macro of the warehouse over them, so the marts' own SQL
  computes the past state. Nothing is duplicated per mart, so a mart added by a
  later migration has an as-of answer at once.

The clock is the receipt time, for the reasons given at the top of
migrations/007_as_of.sql: it orders every version, it is kept with the archive
(so a rebuilt warehouse answers the same), and the pipeline publishes each load
within seconds of committing it.
"""
from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from ingest.settings import TIMEZONE

_FORMATS = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y")


def parse_timestamp(text: str) -> dt.datetime:
    """'2021-11-10 16:00', '2021-11-10T16:00:00+07:00', '10/11/2021 16:00' ->
    an aware datetime. A time without an offset is Viet Nam time; a bare
    date means 00:00 of that day."""
    text = text.strip()
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        for fmt in _FORMATS:
            try:
                value = dt.datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        else:
            raise ValueError(f"Không hiểu thời điểm '{text}'. Ví dụ hợp lệ: '2021-11-10 16:00' "
                             "hoặc '10/11/2021 16:00' (giờ Việt Nam) hoặc '2021-11-10T09:00:00+00:00'.")
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(TIMEZONE))
    return value


def _versioned(con, alias: str) -> list[str]:
    """Tables that carry a validity interval."""
    return [f"{s}.{t}" for s, t in con.execute("""
        SELECT schema_name, table_name FROM duckdb_columns()
        WHERE database_name = ? AND column_name IN ('valid_from', 'valid_to')
        GROUP BY ALL HAVING count(*) = 2 ORDER BY ALL""", [alias]).fetchall()]


def _copy_state(con, alias: str, ts: dt.datetime) -> None:
    versioned = set(_versioned(con, alias))
    tables = con.execute("""SELECT schema_name, table_name FROM duckdb_tables()
                            WHERE database_name = ? AND NOT internal ORDER BY ALL""", [alias]).fetchall()
    for schema in sorted({s for s, _ in tables} | {"marts"}):
        con.execute(f"CREATE SCHEMA IF NOT EXISTS memory.{schema}")
    received = f"SELECT submission_id FROM {alias}.raw.submission WHERE received_at <= $ts"
    for schema, table in tables:
        source, target = f"{alias}.{schema}.{table}", f"memory.{schema}.{table}"
        columns = {c for (c,) in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = ? AND schema_name = ? "
            "AND table_name = ?", [alias, schema, table]).fetchall()}
        if f"{schema}.{table}" in versioned:
            # In force at ts, and open as it was then: a later correction had not closed it yet.
            sql = (f"SELECT * REPLACE (NULL::TIMESTAMPTZ AS valid_to) FROM {source} "
                   "WHERE valid_from <= $ts AND (valid_to IS NULL OR valid_to > $ts)")
        elif schema == "raw" and table == "submission":
            sql = f"SELECT * FROM {source} WHERE received_at <= $ts"
        elif "submission_id" in columns and schema in ("raw", "staging"):
            sql = f"SELECT * FROM {source} WHERE submission_id IN ({received})"
        else:  # dimensions, reference data, migration log
            sql = f"SELECT * FROM {source}"
        con.execute(f"CREATE TABLE {target} AS {sql}", {"ts": ts} if "$ts" in sql else {})


def _macro_sql(schema, name, kind, parameters, definition) -> str:
    body = f"TABLE {definition}" if kind == "table_macro" else f"({definition})"
    return f"CREATE MACRO {schema}.{name}({', '.join(parameters)}) AS {body}"


def _recreate_views_and_macros(con, alias: str) -> None:
    pending = [sql for (sql,) in con.execute(
        "SELECT sql FROM duckdb_views() WHERE database_name = ? AND NOT internal ORDER BY view_oid",
        [alias]).fetchall()]
    pending += [_macro_sql(*row) for row in con.execute(
        """SELECT schema_name, function_name, function_type, parameters, macro_definition
           FROM duckdb_functions() WHERE database_name = ? AND NOT internal
             AND function_type IN ('macro', 'table_macro') ORDER BY function_oid""", [alias]).fetchall()]
    # A view may read a view or macro created after it (CREATE OR REPLACE in a
    # later migration): retry until a pass makes no progress.
    while pending:
        failed = []
        for sql in pending:
            try:
                con.execute(sql)
            except duckdb.CatalogException:
                failed.append(sql)
        if len(failed) == len(pending):
            raise RuntimeError("cannot re-create: " + "; ".join(s[:80] for s in failed))
        pending = failed


@contextlib.contextmanager
def state_at(warehouse: Path, ts: dt.datetime) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory database holding the warehouse as it stood at `ts`, with
    every view and macro; query its marts as usual (``SELECT * FROM marts.x``)."""
    from warehouse.db import reader

    with reader(warehouse):  # migrated, and no load half-way through
        con = duckdb.connect()
        try:
            con.execute(f"ATTACH '{warehouse}' AS wh (READ_ONLY)")
            _copy_state(con, "wh", ts)
            _recreate_views_and_macros(con, "wh")
            con.execute("DETACH wh")
        except BaseException:
            con.close()
            raise
    try:
        yield con
    finally:
        con.close()


def _rows(con, sql: str, params=None) -> list[dict]:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def marts_as_of(warehouse: Path, ts: dt.datetime, dataset: str) -> dict[str, list[dict]]:
    """Every serving mart of `dataset` as published at ts (warehouse/publish.py
    names them), rows in a stable order."""
    from warehouse.publish import MARTS_BY_DATASET, SUBMISSION_MARTS

    names = SUBMISSION_MARTS if dataset == "data_quality" else MARTS_BY_DATASET[dataset]
    with state_at(warehouse, ts) as con:
        return {name: _rows(con, f"SELECT * FROM marts.{name} ORDER BY ALL") for name in names}


def epidemic_as_of(con: duckdb.DuckDBPyConnection, ts: dt.datetime) -> dict:
    """The epidemic dashboard at ts through the SQL macros: big numbers and the
    district table (on a connection to the warehouse itself)."""
    province = _rows(con, "SELECT * FROM marts.epidemic_province_latest_as_of($1)", [ts])
    districts = _rows(con, "SELECT * FROM marts.epidemic_district_as_of($1) ORDER BY district_code", [ts])
    return {"province": province[0] if province else None, "districts": districts}


def known_datasets() -> list[str]:
    from warehouse.publish import MARTS_BY_DATASET

    return [*MARTS_BY_DATASET, "data_quality"]
