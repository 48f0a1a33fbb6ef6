"""Publish the marts to the serving file that Superset reads.

Superset opens a DuckDB connection per query, so the served file must never be
held open for writing: the marts are copied into a fresh file beside it,
which is closed and then swapped in with os.replace(). Readers see either the
old or the new database, never a half-loaded one, and never block a load.
"""
from __future__ import annotations

import os
from pathlib import Path

import duckdb

# Which serving tables each dataset feeds; refreshing Superset touches only these.
MARTS_BY_DATASET = {
    "epidemic_situation_by_district": [
        "mart_epidemic_district_latest",
        "mart_epidemic_province_slot",
        "mart_epidemic_province_daily",
        "mart_epidemic_province_latest",
    ],
    "case_line_list": ["mart_cases_by_district"],
    "testing": ["mart_testing_daily"],
    "vaccination_by_district": ["mart_vaccination_daily"],
    "returnees_quarantine": ["mart_returnees_daily"],
    "quarantine_facilities": ["mart_quarantine_facilities_current"],
    "checkpoints": ["mart_checkpoints_current"],
    "violations": ["mart_violations"],
    "supply_points": ["mart_supply_points_current"],
    "food_establishments": ["mart_food_establishments_current"],
    "support_policies": ["mart_support_policies_current"],
    "epidemic_levels": ["mart_epidemic_levels_current"],
    "directive_documents": ["mart_directive_documents"],
    "citizen_feedback": ["mart_citizen_feedback_daily"],
}
# Fed by every submission whatever its dataset (raw.submission, raw.validation_issue).
SUBMISSION_MARTS = ["mart_data_quality_submissions", "mart_data_quality_issues"]
# Fed by the compliance audit (compliance.* tables, migration 010), not by a
# load: they change when dags/portal_compliance.py records an audit, which
# refreshes them itself. Unit-level figures only: no personal field.
COMPLIANCE_MARTS = ["mart_compliance_expectations", "mart_compliance_unit_daily",
                    "mart_compliance_open_today", "mart_compliance_freshness_current"]


def all_marts() -> list[str]:
    return [t for tables in MARTS_BY_DATASET.values() for t in tables] + SUBMISSION_MARTS + COMPLIANCE_MARTS


def build_serving(con: duckdb.DuckDBPyConnection, serving_path: Path) -> None:
    serving_path = Path(serving_path)
    serving_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = serving_path.with_name(f".{serving_path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    con.execute(f"ATTACH '{tmp}' AS serving")
    try:
        for table in all_marts():
            con.execute(f"CREATE TABLE serving.main.{table} AS SELECT * FROM marts.{table}")
        con.execute("CHECKPOINT serving")
    finally:
        con.execute("DETACH serving")
    os.replace(tmp, serving_path)


def changed_tables(datasets: list[str], submissions_changed: bool | None = None) -> list[str]:
    """Serving tables to refresh after a run: the marts of the ``datasets``
    it loaded, plus the data-quality marts when it processed any submission
    (a rejected or duplicate file changes them too). By default a run that
    loaded something is taken to have processed submissions."""
    tables = [t for d in datasets for t in MARTS_BY_DATASET.get(d, [])]
    if submissions_changed is None:
        submissions_changed = bool(tables)
    return tables + SUBMISSION_MARTS if submissions_changed else tables
