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
}


def all_marts() -> list[str]:
    return [t for tables in MARTS_BY_DATASET.values() for t in tables]


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


def changed_tables(datasets: list[str]) -> list[str]:
    return [t for d in datasets for t in MARTS_BY_DATASET.get(d, [])]
