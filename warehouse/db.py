"""Open the warehouse for writing, one writer at a time, with migrations applied.

DuckDB refuses a second read-write opener outright; the advisory file lock
makes a second writer (a CLI command during a DAG run) wait instead of fail.
"""
from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path

import duckdb

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply pending migrations in order; return the versions applied."""
    con.execute("CREATE SCHEMA IF NOT EXISTS meta")
    con.execute("""CREATE TABLE IF NOT EXISTS meta.schema_migrations (
                       version VARCHAR PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())""")
    done = {v for (v,) in con.execute("SELECT version FROM meta.schema_migrations").fetchall()}
    applied = []
    for path in sorted(MIGRATIONS.glob("*.sql")):
        version = path.stem
        if version in done:
            continue
        con.execute("BEGIN")
        con.execute(path.read_text(encoding="utf-8"))
        con.execute("INSERT INTO meta.schema_migrations (version) VALUES (?)", [version])
        con.execute("COMMIT")
        applied.append(version)
    return applied


@contextlib.contextmanager
def writer(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        con = duckdb.connect(str(path))
        try:
            migrate(con)
            yield con
        finally:
            con.close()
