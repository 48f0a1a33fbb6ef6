"""Load validated submissions: raw -> staging -> core, never overwriting.

A file already loaded for the same unit (same SHA-256) adds nothing. A later
file for the same unit and period closes the earlier version (valid_to) and
opens a new one, so history is kept.
"""
from __future__ import annotations

import duckdb
import pandas as pd

from ingest.registry import load_registry
from ingest.schema import DatasetSchema


def _quote(text: str) -> str:
    """An SQL string literal (a view cannot take parameters)."""
    return "'" + str(text).replace("'", "''") + "'"


def sync_dimensions(con: duckdb.DuckDBPyConnection) -> None:
    """Reload the registry into core.dim_area / core.dim_unit (small, so replace)."""
    registry = load_registry()
    areas = pd.DataFrame([vars(a) for a in registry.areas.values()])
    units = pd.DataFrame([vars(u) for u in registry.units.values()])
    units["district_code"] = units["district_code"].replace("", None)
    areas["parent_code"] = areas["parent_code"].replace("", None)
    con.execute("DELETE FROM core.dim_area")
    con.execute("INSERT INTO core.dim_area BY NAME SELECT * FROM areas")
    con.execute("DELETE FROM core.dim_unit")
    con.execute("INSERT INTO core.dim_unit BY NAME SELECT * FROM units")


def already_recorded(con: duckdb.DuckDBPyConnection, submission_id: str) -> str | None:
    row = con.execute("SELECT status FROM raw.submission WHERE submission_id = ?",
                      [submission_id]).fetchone()
    return row[0] if row else None


def find_duplicate(con: duckdb.DuckDBPyConnection, unit_code: str, sha256: str) -> str | None:
    row = con.execute("""SELECT submission_id FROM raw.submission
                         WHERE unit_code = ? AND file_sha256 = ? AND status = 'loaded'
                         ORDER BY received_at LIMIT 1""", [unit_code, sha256]).fetchone()
    return row[0] if row else None


def record_submission(con: duckdb.DuckDBPyConnection, submission: dict) -> None:
    columns = ", ".join(submission)
    marks = ", ".join("?" for _ in submission)
    con.execute(f"INSERT INTO raw.submission ({columns}) VALUES ({marks})", list(submission.values()))


def record_issues(con: duckdb.DuckDBPyConnection, submission_id: str, errors: list) -> None:
    """Every error, warning and note of a submission, for the data-quality view."""
    if not errors:
        return
    # `issues` is read by name in the SQL below (DuckDB's replacement scan).
    issues = pd.DataFrame([{**e.to_dict(), "submission_id": submission_id, "ordinal": i}
                           for i, e in enumerate(errors)])
    con.execute("""INSERT INTO raw.validation_issue BY NAME
                   SELECT submission_id, ordinal, code, severity, "row" AS excel_row, "column" AS excel_column,
                          field, value, message FROM issues""")


# The first dataset's fact table predates the naming rule (core.fact_<dataset>).
FACT_TABLES = {"epidemic_situation_by_district": "core.fact_epidemic_situation"}


def fact_table(dataset: str) -> str:
    return FACT_TABLES.get(dataset, f"core.fact_{dataset}")


_COLUMNS: dict[str, list[str]] = {}


def forget_columns() -> None:
    """Called by migrate() when it changed the catalogue."""
    _COLUMNS.clear()


def _columns(con: duckdb.DuckDBPyConnection, qualified: str) -> list[str]:
    """A table's columns; tables change only by migration, so ask the catalogue once."""
    if qualified not in _COLUMNS:
        _COLUMNS[qualified] = _catalogue_columns(con, qualified)
    return _COLUMNS[qualified]


def _is_table(con: duckdb.DuckDBPyConnection, qualified: str) -> bool:
    schema_name, table = qualified.split(".")
    return con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
                       "AND schema_name = ? AND table_name = ?", [schema_name, table]).fetchone()[0] > 0


def _catalogue_columns(con: duckdb.DuckDBPyConnection, qualified: str) -> list[str]:
    schema_name, table = qualified.split(".")
    return [c for (c,) in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? "
        "ORDER BY column_index", [schema_name, table]).fetchall()]


def load_dataset(con: duckdb.DuckDBPyConnection, schema: DatasetSchema, submission: dict, typed) -> dict:
    """Insert one accepted file's rows into staging and core (the caller holds
    the transaction) and return the import summary, as DHIS2 gives one:
    rows inserted, updated, unchanged, and earlier rows withdrawn.

    ``typed`` is the file's typed table (validation/typed.py), a temporary
    table of this same connection: the rows go from it to the warehouse
    without passing through Python."""
    fields = [f.name for f in schema.fields if f.name in typed.columns]
    con.execute(f"CREATE OR REPLACE TEMP VIEW incoming AS SELECT __row AS source_row, {', '.join(fields)}, "
                f"$sid AS submission_id FROM {typed.name}".replace("$sid", _quote(submission["submission_id"])))
    try:
        if _is_table(con, f"staging.{schema.name}"):   # else a view of the fact table (migration 009)
            staging_cols = [c for c in _columns(con, f"staging.{schema.name}")
                            if c in ("source_row", "submission_id", *fields)]
            con.execute(f"INSERT INTO staging.{schema.name} ({', '.join(staging_cols)}) "
                        f"SELECT {', '.join(staging_cols)} FROM incoming")
        fact = fact_table(schema.name)
        fact_cols = _columns(con, fact)
        values = [c for c in fields if c in fact_cols]
        grain = list(schema.grain)
        params = {"unit": submission["unit_code"]}
        if schema.supersede == "period":
            # The file holds one period (checked by validation): bind it as values.
            scope = " AND ".join(f"p.{c} = $period_{c}" for c in schema.period_key)
            params.update({f"period_{c}": typed.first(c) for c in schema.period_key})
        else:
            scope = f"({', '.join('p.' + c for c in grain)}) IN (SELECT ({', '.join(grain)}) FROM incoming)"
        previous = (f"SELECT *, 1 AS was_open FROM {fact} p "
                    f"WHERE p.unit_code = $unit AND p.valid_to IS NULL AND {scope}")
        on = " AND ".join(f"i.{c} = p.{c}" for c in grain)
        same = " AND ".join(f"i.{c} IS NOT DISTINCT FROM p.{c}" for c in values)
        superseding = con.execute(f"SELECT EXISTS ({previous})", params).fetchone()[0]
        if superseding:
            counts = con.execute(f"""
                WITH p AS ({previous}), i AS (SELECT *, 1 AS is_new FROM incoming)
                SELECT count(*) FILTER (WHERE p.was_open IS NULL),
                       count(*) FILTER (WHERE i.is_new = 1 AND p.was_open = 1 AND NOT ({same})),
                       count(*) FILTER (WHERE i.is_new = 1 AND p.was_open = 1 AND ({same})),
                       count(*) FILTER (WHERE i.is_new IS NULL)
                FROM i FULL JOIN p ON {on}""", params).fetchone()
        else:      # a first statement for its period or keys: every row is new, nothing to close
            counts = (typed.count, 0, 0, 0)
        withdrawn = counts[3]
        # Supersede, never overwrite: close the versions this file replaces.
        if superseding:
            con.execute(f"UPDATE {fact} AS p SET valid_to = $at WHERE p.unit_code = $unit "
                        f"AND p.valid_to IS NULL AND {scope}", {**params, "at": submission["received_at"]})
        lineage = {"submission_id": "$sid", "unit_code": "$unit", "file_sha256": "$sha",
                   "received_at": "$at", "valid_from": "$at", "valid_to": "NULL"}
        targets = [c for c in fact_cols if c in lineage or c in ("source_row", *fields)]
        select = [f"{lineage[c]}" if c in lineage else c for c in targets]
        con.execute(f"INSERT INTO {fact} ({', '.join(targets)}) SELECT {', '.join(select)} FROM incoming",
                    {"unit": submission["unit_code"], "sid": submission["submission_id"], "sha": submission["file_sha256"],
                     "at": submission["received_at"]})
    finally:
        con.execute("DROP VIEW IF EXISTS temp.incoming")
    return {"inserted": counts[0], "updated": counts[1], "unchanged": counts[2],
            "withdrawn": withdrawn, "rejected": 0}
