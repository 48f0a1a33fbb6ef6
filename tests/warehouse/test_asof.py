"""History and as-of: a correction supersedes without erasing, late data
lands on its own date, and "what did the dashboard say at 16:00 on 10
November?" has one answer, from the SQL macros and from `portal asof` alike."""
import datetime as dt
import json

import pytest
from click.testing import CliRunner

from ingest.pipeline import run_once
from ingest.samples import epidemic_figures
from warehouse.asof import marts_as_of, parse_timestamp, state_at
from warehouse.db import reader
from warehouse.publish import MARTS_BY_DATASET, SUBMISSION_MARTS

from tests.warehouse.history_fixture import EPIDEMIC, VN, add_to, at, query, submit_at, write_sample

NOV8, NOV9, NOV10 = dt.date(2021, 11, 8), dt.date(2021, 11, 9), dt.date(2021, 11, 10)
# (last receipt of a pipeline run, every serving table that run published), filled by `history`.
PUBLISHED = []
FIX = {"new_cases_community": 7, "tests_performed": 120}


@pytest.fixture(scope="module")
def portal_home(tmp_path_factory):
    """One isolated PORTAL_HOME for the module: the tests below only read it."""
    from ingest.settings import Settings

    return Settings(home=tmp_path_factory.mktemp("asof") / "home",
                    superset_url="http://127.0.0.1:9", airflow_url="http://127.0.0.1:9")


@pytest.fixture(scope="module")
def history(portal_home, tmp_path_factory):
    """SYT's epidemic files for 8-10 November 2021, processed day by day:
    the 16:00 file of the 10th corrected at 17:30, the 16:00 file of the 8th
    sent late (on the 10th at 12:00)."""
    files = tmp_path_factory.mktemp("files")
    ids = {}

    def send(key, day, slot, when, **kw):
        ids[key] = submit_at(portal_home, write_sample(files, "SYT", EPIDEMIC, day, slot, suffix=".csv", **kw),
                             "SYT", when, EPIDEMIC)

    def publish(last_receipt):
        """Run the pipeline and keep what it published: every serving table."""
        result = run_once(portal_home)
        tables = [t for (t,) in query(portal_home.serving_path, "SELECT table_name FROM duckdb_tables()")]
        PUBLISHED.append((last_receipt, {t: query(portal_home.serving_path, f"SELECT * FROM {t} ORDER BY ALL")
                                         for t in tables}))
        return result

    send("8/08", NOV8, "08:00", at(NOV8, "07:50"))
    publish(at(NOV8, "07:50"))
    send("9/08", NOV9, "08:00", at(NOV9, "07:45"))
    send("9/16", NOV9, "16:00", at(NOV9, "15:40"))
    publish(at(NOV9, "15:40"))
    send("10/08", NOV10, "08:00", at(NOV10, "07:55"))
    send("8/16", NOV8, "16:00", at(NOV10, "12:00"))
    send("10/16", NOV10, "16:00", at(NOV10, "15:45"))
    publish(at(NOV10, "15:45"))
    send("10/16 fix", NOV10, "16:00", at(NOV10, "17:30"), edit=add_to("380", **FIX), tag="-fix")
    result = publish(at(NOV10, "17:30"))
    assert len(result["loaded"]) == 1, result
    return ids


def _macro(settings, sql, ts):
    with reader(settings.warehouse_path) as con:
        cursor = con.execute(sql, [ts])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]


def _province(day, slots):
    """Province totals of the sample model: flows summed over the slots, stocks at the last one."""
    from ingest.registry import load_registry

    figures = [epidemic_figures(d.area_code, day, s) for d in load_registry().districts for s in slots]
    last = [epidemic_figures(d.area_code, day, slots[-1]) for d in load_registry().districts]
    return {"new_cases": sum(f["new_cases_community"] + f["new_cases_quarantine"] for f in figures),
            "tests_performed": sum(f["tests_performed"] for f in figures),
            "cumulative_cases": sum(f["cumulative_cases"] for f in last),
            "last_slot": slots[-1]}


def test_asof_before_correction_returns_old_figures_after_it_the_new(portal_home, history):
    original = epidemic_figures("380", NOV10, "16:00")
    sql = "SELECT * FROM marts.epidemic_district_as_of($1) WHERE district_code = '380'"

    before = _macro(portal_home, sql, at(NOV10, "16:00"))
    assert [(r["report_date"], r["slot"], r["new_cases_community"], r["tests_performed"], r["submission_id"])
            for r in before] == [(NOV10, "16:00", original["new_cases_community"],
                                  original["tests_performed"], history["10/16"])]
    after = _macro(portal_home, sql, at(NOV10, "17:30"))
    assert [(r["new_cases_community"], r["tests_performed"], r["submission_id"]) for r in after] == [
        (original["new_cases_community"] + FIX["new_cases_community"],
         original["tests_performed"] + FIX["tests_performed"], history["10/16 fix"])]

    # The dashboard's big numbers moved by the correction, and only from its receipt on.
    big = "SELECT new_cases, tests_performed FROM marts.epidemic_province_latest_as_of($1)"
    old, new = _macro(portal_home, big, at(NOV10, "17:29")), _macro(portal_home, big, at(NOV10, "18:00"))
    expected = _province(NOV10, ["08:00", "16:00"])
    assert old == [{"new_cases": expected["new_cases"], "tests_performed": expected["tests_performed"]}]
    assert new == [{"new_cases": expected["new_cases"] + FIX["new_cases_community"],
                    "tests_performed": expected["tests_performed"] + FIX["tests_performed"]}]

    # Nothing was overwritten: both versions are kept, the first closed at the correction's receipt.
    versions = query(portal_home.warehouse_path, """
        SELECT submission_id, valid_from, valid_to FROM core.fact_epidemic_situation
        WHERE district_code = '380' AND report_date = ? AND slot = '16:00' ORDER BY valid_from""", [NOV10])
    assert versions == [(history["10/16"], at(NOV10, "15:45"), at(NOV10, "17:30")),
                        (history["10/16 fix"], at(NOV10, "17:30"), None)]


def test_asof_late_data_for_a_past_date_flows_into_the_daily_trend(portal_home, history):
    daily = "SELECT new_cases, tests_performed, cumulative_cases, last_slot FROM {} WHERE report_date = $1"
    now = query(portal_home.warehouse_path, daily.format("marts.mart_epidemic_province_daily"), [NOV8])
    assert now == [tuple(_province(NOV8, ["08:00", "16:00"]).values())]

    as_of = daily.format("marts.epidemic_province_daily_as_of($2)")
    with reader(portal_home.warehouse_path) as con:
        before_late = con.execute(as_of, [NOV8, at(NOV10, "11:59")]).fetchall()
        after_late = con.execute(as_of, [NOV8, at(NOV10, "12:00")]).fetchall()
    assert before_late == [tuple(_province(NOV8, ["08:00"]).values())]
    assert after_late == now

    # The late file is for the 8th: the latest day on the dashboard stays the 10th.
    latest = query(portal_home.warehouse_path,
                   "SELECT report_date, last_slot FROM marts.mart_epidemic_province_latest")
    assert latest == [(NOV10, "16:00")]
    served = query(portal_home.serving_path,
                   "SELECT new_cases FROM mart_epidemic_province_daily WHERE report_date = ?", [NOV8])
    assert served == [(now[0][0],)]


def test_asof_before_the_first_file_is_empty(portal_home, history):
    assert _macro(portal_home, "SELECT * FROM marts.epidemic_district_as_of($1)", at(NOV8, "07:49")) == []
    marts = marts_as_of(portal_home.warehouse_path, at(NOV8, "07:49"), EPIDEMIC)
    assert marts and all(rows == [] for rows in marts.values())


def test_asof_sql_macros_and_replayed_marts_agree_at_every_receipt(portal_home, history):
    """Two implementations (migration 007's macros; warehouse/asof.py running
    the marts' own SQL over the versions in force) give the same rows."""
    receipts = [r for (r,) in query(portal_home.warehouse_path,
                                    "SELECT DISTINCT received_at FROM raw.submission ORDER BY 1")]
    moments = [m + delta for m in receipts for delta in (dt.timedelta(microseconds=-1), dt.timedelta())]
    pairs = {"mart_epidemic_district_latest": "epidemic_district_as_of",
             "mart_epidemic_province_slot": "epidemic_province_slot_as_of",
             "mart_epidemic_province_daily": "epidemic_province_daily_as_of",
             "mart_epidemic_province_latest": "epidemic_province_latest_as_of"}
    for ts in moments:
        replayed = marts_as_of(portal_home.warehouse_path, ts, EPIDEMIC)
        for mart, macro in pairs.items():
            rows = _macro(portal_home, f"SELECT * FROM marts.{macro}($1) ORDER BY ALL", ts)
            assert rows == replayed[mart], (ts, mart)
    assert len({len(marts_as_of(portal_home.warehouse_path, ts, EPIDEMIC)["mart_epidemic_province_slot"])
                for ts in moments}) > 1


def test_asof_reproduces_each_published_serving_file(portal_home, history):
    """At the last receipt of each pipeline run, the as-of marts are exactly
    the tables that run published for Superset."""
    assert len(PUBLISHED) == 4
    for last_receipt, served in PUBLISHED:
        with state_at(portal_home.warehouse_path, last_receipt) as con:
            for table, rows in served.items():
                assert con.execute(f"SELECT * FROM marts.{table} ORDER BY ALL").fetchall() == rows, \
                    (last_receipt, table)
    assert PUBLISHED[2][1]["mart_epidemic_district_latest"] != PUBLISHED[3][1]["mart_epidemic_district_latest"]


def test_asof_now_equals_every_live_mart(portal_home, history):
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)
    with state_at(portal_home.warehouse_path, later) as con:
        for mart in [m for ms in MARTS_BY_DATASET.values() for m in ms] + SUBMISSION_MARTS:
            replayed = con.execute(f"SELECT * FROM marts.{mart} ORDER BY ALL").fetchall()
            live = query(portal_home.warehouse_path, f"SELECT * FROM marts.{mart} ORDER BY ALL")
            assert replayed == live, mart


def test_asof_cli_answers_what_the_dashboard_said_at_1600(portal_home, history, monkeypatch):
    from portal.cli import main

    monkeypatch.setenv("PORTAL_HOME", str(portal_home.home))
    result = CliRunner().invoke(main, ["asof", "10/11/2021 16:00", "--json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert parse_timestamp(answer["as_of"]) == at(NOV10, "16:00")
    districts = answer["marts"]["mart_epidemic_district_latest"]
    assert {d["submission_id"] for d in districts} == {history["10/16"]}
    expected = _macro(portal_home, "SELECT district_code, new_cases_community FROM "
                                   "marts.epidemic_district_as_of($1) ORDER BY 1", at(NOV10, "16:00"))
    assert [{"district_code": d["district_code"], "new_cases_community": d["new_cases_community"]}
            for d in districts] == expected

    text = CliRunner().invoke(main, ["asof", "2021-11-10 18:00"])
    assert text.exit_code == 0 and history["10/16 fix"] in text.output
    assert CliRunner().invoke(main, ["asof", "hôm qua"]).exit_code == 2
    assert CliRunner().invoke(main, ["asof", "2021-11-10 16:00", "--dataset", "khong-co"]).exit_code == 2


def test_asof_parse_timestamp_reads_a_bare_time_as_viet_nam_time():
    assert parse_timestamp("2021-11-10 16:00") == dt.datetime(2021, 11, 10, 9, 0, tzinfo=dt.timezone.utc)
    assert parse_timestamp("10/11/2021 16:00") == dt.datetime(2021, 11, 10, 16, 0, tzinfo=VN)
    assert parse_timestamp("2021-11-10T16:00:00+00:00").utcoffset() == dt.timedelta(0)
    with pytest.raises(ValueError):
        parse_timestamp("16h chiều qua")
