"""Load validated submissions: raw -> staging -> core, never overwriting.

A file already loaded for the same unit (same SHA-256) adds nothing. A later
file for the same unit and period closes the earlier version (valid_to) and
opens a new one, so history is kept.
"""
from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from ingest.registry import load_registry
from ingest.schema import DatasetSchema

FIGURES = ["new_cases_community", "new_cases_quarantine", "cumulative_cases", "under_treatment",
           "recovered", "deaths", "tests_performed"]


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


def load_epidemic_situation(con: duckdb.DuckDBPyConnection, schema: DatasetSchema, submission: dict,
                            frame: pd.DataFrame) -> None:
    """Insert one accepted file's rows into staging and core (caller holds the transaction)."""
    rows = frame.rename(columns={"__row": "source_row"}).copy()
    rows["submission_id"] = submission["submission_id"]
    staged = rows[["submission_id", "source_row", "report_date", "slot", "district_code", *FIGURES]]
    con.execute("INSERT INTO staging.epidemic_situation_by_district BY NAME SELECT * FROM staged")
    report_date, slot = staged["report_date"].iloc[0], staged["slot"].iloc[0]
    received_at: dt.datetime = submission["received_at"]
    con.execute("""UPDATE core.fact_epidemic_situation SET valid_to = ?
                   WHERE unit_code = ? AND report_date = ? AND slot = ? AND valid_to IS NULL""",
                [received_at, submission["unit_code"], report_date, slot])
    con.execute("""
        INSERT INTO core.fact_epidemic_situation BY NAME
        SELECT submission_id, ? AS unit_code, ? AS file_sha256, ?::TIMESTAMPTZ AS received_at,
               report_date, slot, district_code, new_cases_community, new_cases_quarantine,
               cumulative_cases, under_treatment, recovered, deaths, tests_performed,
               ?::TIMESTAMPTZ AS valid_from, NULL AS valid_to
        FROM staged""", [submission["unit_code"], submission["file_sha256"], received_at, received_at])


LOADERS = {"epidemic_situation_by_district": load_epidemic_situation}
