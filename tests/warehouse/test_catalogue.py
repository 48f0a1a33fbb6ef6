"""The warehouse's catalogue: every object documented, and versioned
migrations that give the same schema whether a warehouse is built fresh or
upgraded from an older version that already holds data."""
import datetime as dt

import duckdb
import pytest

from ingest.samples import sample_rows
from ingest.schema import load_schema
from ingest.templates import write_submission
from validation.validate import Request, validate_files
from warehouse.db import catalogue, migrate, versions

# One accepted file per dataset kind the old warehouses are filled with: a
# period dataset with slots, a personal-data list, and a "key" dataset.
SAMPLES = [("SYT", "epidemic_situation_by_district", "08:00"),
           ("TTYT-THANHHOA", "case_line_list", None),
           ("BCHQS", "quarantine_facilities", None)]
DATE = dt.date(2021, 11, 10)


def _fresh(tmp_path, name="fresh.duckdb", upto=None):
    con = duckdb.connect(str(tmp_path / name))
    migrate(con, upto)
    return con


def test_catalogue_every_table_view_column_and_macro_has_a_comment(tmp_path):
    """Every migration counts, other engineers' later ones included. DuckDB
    1.4.4 cannot comment schemas, so schemas are left out."""
    con = _fresh(tmp_path)
    offenders = con.execute("""
        SELECT 'table ' || schema_name || '.' || table_name FROM duckdb_tables()
        WHERE database_name = current_database() AND NOT internal AND comment IS NULL
        UNION ALL
        SELECT 'view ' || schema_name || '.' || view_name FROM duckdb_views()
        WHERE database_name = current_database() AND NOT internal AND comment IS NULL
        UNION ALL
        SELECT 'column ' || schema_name || '.' || table_name || '.' || column_name FROM duckdb_columns()
        WHERE database_name = current_database() AND NOT internal AND comment IS NULL
        UNION ALL
        SELECT 'macro ' || schema_name || '.' || function_name FROM duckdb_functions()
        WHERE database_name = current_database() AND NOT internal AND comment IS NULL
        ORDER BY 1""").fetchall()
    counted = con.execute("""SELECT count(*) FROM duckdb_columns()
                             WHERE database_name = current_database() AND NOT internal""").fetchone()[0]
    con.close()
    assert counted > 0
    assert not offenders, "objects without COMMENT ON ...:\n" + "\n".join(o for (o,) in offenders)


def test_catalogue_every_table_states_its_grain(tmp_path):
    con = _fresh(tmp_path)
    missing = con.execute("""
        SELECT schema_name || '.' || table_name FROM duckdb_tables()
        WHERE database_name = current_database() AND NOT internal AND comment NOT LIKE '%Hạt:%'
        UNION ALL
        SELECT schema_name || '.' || view_name FROM duckdb_views()
        WHERE database_name = current_database() AND NOT internal AND comment NOT LIKE '%Hạt:%'
        ORDER BY 1""").fetchall()
    con.close()
    assert not missing, "comments that do not state the grain ('Hạt: ...'):\n" + "\n".join(m for (m,) in missing)


@pytest.fixture(scope="module")
def accepted_reports(tmp_path_factory):
    """Valid sample files, one per dataset (validated by each test in the
    warehouse connection it loads them into, as the pipeline does)."""
    folder = tmp_path_factory.mktemp("samples")
    requests = []
    for unit, dataset, slot in SAMPLES:
        path = write_submission(load_schema(dataset), sample_rows(dataset, unit, DATE, slot),
                                folder / f"{unit}_{dataset}.xlsx", unit)
        requests.append(Request(path, unit, dataset))
    return requests


def _tables(con) -> set[str]:
    return {f"{s}.{t}" for s, t in con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database()").fetchall()}


def _fill(con, reports) -> dict[str, int]:
    """Load every sample whose tables exist at this version, through the real
    loader; return the row count of each table that received rows."""
    from ingest.inbox import sha256_of
    from warehouse.load import fact_table, load_dataset, record_submission, sync_dimensions

    tables = _tables(con)
    sync_dimensions(con)
    reports = validate_files(reports, con=con)
    assert all(r.valid for r in reports), [r.to_dict()["errors"][:3] for r in reports]
    loaded = {}
    for number, report in enumerate(reports):
        fact = fact_table(report.dataset)
        if fact not in tables:
            continue
        at = dt.datetime(2021, 11, 10, 1, number, tzinfo=dt.timezone.utc)
        submission = {"submission_id": f"S{number}", "unit_code": report.unit, "dataset": report.dataset,
                      "original_name": report.path.name, "file_sha256": sha256_of(report.path),
                      "file_size": report.path.stat().st_size, "received_at": at, "processed_at": at,
                      "status": "loaded", "duplicate_of": None, "stored_path": f"archive/{report.path.name}",
                      "row_count": report.rows, "error_count": 0, "warning_count": 0,
                      "report_date": DATE, "slot": None}
        record_submission(con, submission)
        load_dataset(con, load_schema(report.dataset), submission, report.typed)
        loaded[fact] = report.rows
    loaded["raw.submission"] = len([r for r in reports if fact_table(r.dataset) in tables])
    return loaded


@pytest.mark.parametrize("old_version", versions()[:-1])
def test_catalogue_migrated_old_warehouse_with_data_equals_fresh(tmp_path, accepted_reports, old_version):
    fresh = _fresh(tmp_path)
    expected = catalogue(fresh)
    fresh.close()

    old = _fresh(tmp_path, "old.duckdb", upto=old_version)
    assert {v for (v,) in old.execute("SELECT version FROM meta.schema_migrations").fetchall()} == \
        {v for v in versions() if v <= old_version}
    loaded = _fill(old, accepted_reports)
    assert loaded["raw.submission"] > 0
    applied = migrate(old)
    assert applied == [v for v in versions() if v > old_version]
    got = catalogue(old)
    for table, count in loaded.items():
        assert old.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == count, table
    old.close()
    differences = {kind: (sorted(set(got[kind]) - set(expected[kind]))[:5],
                          sorted(set(expected[kind]) - set(got[kind]))[:5])
                   for kind in expected if got[kind] != expected[kind]}
    assert not differences, f"migrated from {old_version} (only there, only in fresh): {differences}"
