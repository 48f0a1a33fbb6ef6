"""Open the warehouse, one writer at a time, with migrations applied.

DuckDB refuses a second read-write opener outright, and refuses a reader
while a writer holds the file; the advisory file lock makes a second writer
(a CLI command during a DAG run) or a reader (`portal asof`) wait instead of
fail. Migrations are versioned SQL files applied in name order, each in its
own transaction, recorded in meta.schema_migrations.
"""
from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path

import duckdb

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def versions() -> list[str]:
    """Every migration version shipped with the code, oldest first."""
    return [p.stem for p in sorted(MIGRATIONS.glob("*.sql"))]


def applied_versions(con: duckdb.DuckDBPyConnection) -> set[str]:
    exists = con.execute("""SELECT count(*) FROM duckdb_tables()
                            WHERE database_name = current_database()
                              AND schema_name = 'meta' AND table_name = 'schema_migrations'""").fetchone()[0]
    if not exists:
        return set()
    return {v for (v,) in con.execute("SELECT version FROM meta.schema_migrations").fetchall()}


def migrate(con: duckdb.DuckDBPyConnection, upto: str | None = None) -> list[str]:
    """Apply pending migrations in order (only up to version `upto`, inclusive,
    when given: tests build an old warehouse that way); return the versions applied."""
    con.execute("CREATE SCHEMA IF NOT EXISTS meta")
    con.execute("""CREATE TABLE IF NOT EXISTS meta.schema_migrations (
                       version VARCHAR PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())""")
    done = applied_versions(con)
    applied = []
    for path in sorted(MIGRATIONS.glob("*.sql")):
        version = path.stem
        if upto is not None and version > upto:
            break
        if version in done:
            continue
        con.execute("BEGIN")
        try:
            con.execute(path.read_text(encoding="utf-8"))
            con.execute("INSERT INTO meta.schema_migrations (version) VALUES (?)", [version])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        applied.append(version)
    if applied:
        # The loader caches each table's columns; a migration may have changed them.
        from warehouse.load import forget_columns
        forget_columns()
    return applied


@contextlib.contextmanager
def _locked(path: Path, mode: int) -> Iterator[None]:
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, mode)
        yield


@contextlib.contextmanager
def writer(path: Path, upto: str | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _locked(path, fcntl.LOCK_EX):
        con = duckdb.connect(str(path))
        try:
            migrate(con, upto)
            yield con
        finally:
            con.close()


@contextlib.contextmanager
def reader(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection that waits for a running load instead of failing.
    A warehouse behind the code's migrations is migrated first (briefly as writer)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(path)
    with _locked(path, fcntl.LOCK_SH):
        con = duckdb.connect(str(path), read_only=True)
        try:
            pending = set(versions()) - applied_versions(con)
        finally:
            con.close()
    if pending:
        with writer(path):
            pass
    with _locked(path, fcntl.LOCK_SH):
        con = duckdb.connect(str(path), read_only=True)
        try:
            yield con
        finally:
            con.close()


# What "the same schema" means when a fresh and a migrated warehouse are
# compared: every catalogue fact except object ids and data-dependent sizes.
_CATALOGUE = {
    "schemas": "SELECT schema_name, comment, tags FROM duckdb_schemas() WHERE {own}",
    "tables": "SELECT schema_name, table_name, comment, tags, temporary, has_primary_key, column_count, "
              "index_count, check_constraint_count, sql FROM duckdb_tables() WHERE {own}",
    "columns": "SELECT schema_name, table_name, column_index, column_name, data_type, is_nullable, "
               "column_default, numeric_precision, numeric_scale, comment FROM duckdb_columns() WHERE {own}",
    "constraints": "SELECT schema_name, table_name, constraint_type, constraint_text, expression, "
                   "constraint_column_names, constraint_name, referenced_table, referenced_column_names "
                   "FROM duckdb_constraints() WHERE {own}",
    "views": "SELECT schema_name, view_name, comment, tags, temporary, column_count, sql FROM duckdb_views() WHERE {own}",
    "macros": "SELECT schema_name, function_name, function_type, parameters, parameter_types, macro_definition, "
              "comment, tags FROM duckdb_functions() WHERE {own}",
    "indexes": "SELECT schema_name, index_name, table_name, is_unique, is_primary, expressions, sql, comment "
               "FROM duckdb_indexes() WHERE {own}",
    "sequences": "SELECT schema_name, sequence_name, start_value, min_value, max_value, increment_by, cycle, "
                 "comment FROM duckdb_sequences() WHERE {own}",
    "types": "SELECT schema_name, type_name, logical_type, labels, comment FROM duckdb_types() WHERE {own}",
    "migrations": "SELECT version FROM meta.schema_migrations",
}


def catalogue(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    """Every schema object of the connection's database, as sorted plain rows."""
    result = {}
    for kind, sql in _CATALOGUE.items():
        # Constraints, indexes and sequences have no `internal` flag to filter on.
        own = "database_name = current_database()"
        if kind not in ("constraints", "indexes", "sequences"):
            own += " AND NOT internal"
        rows = con.execute(sql.format(own=own)).fetchall()
        result[kind] = sorted(tuple(map(repr, row)) for row in rows)
    return result
