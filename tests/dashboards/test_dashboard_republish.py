"""Republishing: the sample load feeds every dataset, and a load refreshes only
the marts (and Superset datasets) of the datasets it changed."""
from __future__ import annotations

import datetime as dt
import shutil
from zoneinfo import ZoneInfo

import duckdb

from ingest.registry import load_registry
from ingest.schema import all_schemas
from ingest.settings import TIMEZONE, Settings
from portal.stack import sample_plan
from serving_fixture import SAMPLE_NOW, state_home
from warehouse.db import migrate
from warehouse.publish import MARTS_BY_DATASET, SUBMISSION_MARTS, all_marts, changed_tables


def test_sample_plan_feeds_every_dataset_from_responsible_units():
    plan = sample_plan(3, SAMPLE_NOW)
    assert {dataset for dataset, *_ in plan} == set(all_schemas())
    registry = load_registry()
    for dataset, unit, day, slot in plan:
        assert registry.unit(unit).unit_type in all_schemas()[dataset].responsible_unit_types, (dataset, unit)
        assert (slot is not None) == (dataset == "epidemic_situation_by_district")
    # Receipt order is the order of the days: cumulative figures only grow.
    days = [day for _, _, day, _ in plan]
    assert days == sorted(days)
    assert len(plan) == len(set(plan))


def test_sample_plan_waits_for_the_slot_deadline():
    morning = dt.datetime(2021, 10, 22, 9, 0, tzinfo=ZoneInfo(TIMEZONE))
    today = [(d, s) for dataset, _, d, s in sample_plan(1, morning) if dataset == "epidemic_situation_by_district"]
    assert today == [(morning.date(), "08:00"), (morning.date(), "08:00")]


def test_marts_by_dataset_names_commented_marts():
    con = duckdb.connect()
    migrate(con)
    views = dict(con.execute("SELECT view_name, comment FROM duckdb_views() WHERE schema_name = 'marts'").fetchall())
    for table in all_marts():
        assert table in views, table
    for table in [t for d, ts in MARTS_BY_DATASET.items() if d != "epidemic_situation_by_district" for t in ts] + SUBMISSION_MARTS:
        assert "Hạt:" in (views[table] or ""), f"{table}: no grain in its comment"
        missing = con.execute("SELECT column_name FROM duckdb_columns() WHERE schema_name = 'marts' "
                              "AND table_name = ? AND comment IS NULL", [table]).fetchall()
        assert missing == [], table


def test_changed_tables_only_the_loaded_datasets_marts():
    assert changed_tables([]) == []
    assert changed_tables(["testing"]) == ["mart_testing_daily", *SUBMISSION_MARTS]
    assert changed_tables(["violations", "checkpoints"]) == ["mart_violations", "mart_checkpoints_current",
                                                             *SUBMISSION_MARTS]


def test_changed_tables_a_run_that_only_rejected_refreshes_data_quality():
    assert changed_tables([], submissions_changed=True) == SUBMISSION_MARTS
    assert changed_tables(["testing"], submissions_changed=False) == ["mart_testing_daily"]


def test_republish_after_only_a_rejection_updates_the_data_quality_marts(tmp_path):
    """A run that rejects every file loads no figures but must still publish:
    the data-quality dashboard counts the rejection."""
    from ingest.inbox import submit
    from ingest.pipeline import run_once

    base = Settings(home=state_home(0), superset_url="http://127.0.0.1:1", airflow_url="http://127.0.0.1:1")
    settings = Settings(home=tmp_path, superset_url="http://127.0.0.1:1", airflow_url="http://127.0.0.1:1")
    settings.warehouse_path.parent.mkdir(parents=True)
    shutil.copyfile(base.warehouse_path, settings.warehouse_path)
    bad = tmp_path / "trong.csv"
    bad.write_text("", encoding="utf-8")

    def rejected_in_serving() -> int:
        with duckdb.connect(str(settings.serving_path), read_only=True) as con:
            return con.execute("SELECT coalesce(sum(rejected), 0) FROM mart_data_quality_submissions").fetchone()[0]

    run_once(settings)                      # publishes the copied warehouse as it stands
    before = rejected_in_serving()
    sid = submit(settings, bad, "SYT", "epidemic_situation_by_district")
    result = run_once(settings)
    assert result["rejected"] == [sid] and result["datasets"] == []
    assert result["tables"] == SUBMISSION_MARTS
    assert rejected_in_serving() == before + 1


def test_republish_after_one_load_refreshes_only_its_datasets(superset, tmp_path):
    from ingest.inbox import submit
    from ingest.pipeline import run_once
    from ingest.samples import sample_rows
    from ingest.schema import load_schema
    from ingest.templates import write_submission

    base = Settings(home=state_home(0), superset_url="http://127.0.0.1:1", airflow_url="http://127.0.0.1:1")
    settings = Settings(home=tmp_path, superset_url=superset.url, airflow_url="http://127.0.0.1:1")
    settings.warehouse_path.parent.mkdir(parents=True)
    shutil.copyfile(base.warehouse_path, settings.warehouse_path)
    schema = load_schema("support_policies")
    day = SAMPLE_NOW.date() + dt.timedelta(days=1)
    path = write_submission(schema, sample_rows(schema.name, "SLDTBXH", day), tmp_path / "policies.xlsx", "SLDTBXH")
    submit(settings, path, "SLDTBXH", schema.name)
    result = run_once(settings)
    assert result["datasets"] == ["support_policies"]
    assert result["tables"] == ["mart_support_policies_current", *SUBMISSION_MARTS]
    refreshed = superset.client().refresh_datasets(result["tables"])
    assert refreshed == sorted(result["tables"])
