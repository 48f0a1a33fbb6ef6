"""record_audit: the synthetic month's results land in the compliance tables,
replacing the audited window only, idempotently; the marts the dashboard
reads give the same figures as compliance.rates."""
from __future__ import annotations

import datetime as dt
import shutil

import duckdb
import pytest

from compliance.audit import audit, record_audit
from compliance.rates import rates
from tests.compliance.synthetic_month import AS_OF_END, AS_OF_MID, END, START, VN, build, write_config

TABLES = ("compliance.expectation", "compliance.freshness", "compliance.attempt")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("record")
    return build(folder / "warehouse.duckdb"), write_config(folder / "config")


@pytest.fixture
def con(built, tmp_path):
    path, _ = built
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(path, copy)
    con = duckdb.connect(str(copy))
    yield con
    con.close()


def _rows(con, table):
    return con.execute(f"SELECT * EXCLUDE (run_id) FROM {table} ORDER BY ALL").fetchall()


def test_record_audit_twice_gives_the_same_rows(con, built):
    _, config = built
    result = audit(con, START, END, AS_OF_END, config=config)
    first_id = record_audit(con, result)
    first = {t: _rows(con, t) for t in TABLES}
    second_id = record_audit(con, result)
    assert {t: _rows(con, t) for t in TABLES} == first
    assert [len(first[t]) for t in TABLES] == [174, 30, 5]
    runs = con.execute("SELECT run_id, window_start, window_end, expectations, on_time, late, missing, "
                       "rejected_only, pending, freshness_checks, not_fresh, attempts, config_sha256 "
                       "FROM compliance.audit_run ORDER BY ran_at").fetchall()
    # Both runs logged; counts of the hand-computed month (test_audit_month.py).
    assert runs == [(rid, START, END, 174, 147, 23, 3, 1, 0, 30, 4, 5, config.sha256)
                    for rid in (first_id, second_id)]
    assert {r for (r,) in con.execute("SELECT DISTINCT run_id FROM compliance.expectation").fetchall()} == {second_id}


def test_record_audit_replaces_its_window_only(con, built):
    _, config = built
    record_audit(con, audit(con, START, END, AS_OF_MID, config=config))
    before = con.execute("SELECT count(*) FILTER (WHERE status = 'pending') FROM compliance.expectation").fetchone()
    assert before == (29 + 29 + 14 + 4 + 6,)
    # A later audit of 16–20/11 only: those days' rows change, the rest stay as of the 16th noon.
    record_audit(con, audit(con, dt.date(2021, 11, 16), dt.date(2021, 11, 20), AS_OF_END, config=config))
    by_day = dict(con.execute("""SELECT period_date, count(*) FILTER (WHERE status = 'pending')
                                 FROM compliance.expectation GROUP BY 1""").fetchall())
    assert [by_day[dt.date(2021, 11, d)] for d in (16, 20, 21, 30)] == [0, 0, 2 + 2 + 1, 2 + 2 + 1 + 1]
    assert con.execute("SELECT count(*) FROM compliance.expectation").fetchone() == (174,)
    days = con.execute("SELECT min(check_date), max(check_date), count(*) FROM compliance.freshness").fetchone()
    # Freshness: 01–16/11 from the first audit, 16–20/11 replaced by the second.
    assert days == (START, dt.date(2021, 11, 20), 20)


def test_record_audit_marts_give_the_rates(con, built):
    _, config = built
    result = audit(con, START, END, AS_OF_END, config=config)
    record_audit(con, result)
    mart = {u: (e, r, o, rr, otr) for u, e, r, o, rr, otr in con.execute("""
        SELECT unit_code, sum(expected), sum(received), sum(on_time),
               sum(received)::DOUBLE / sum(expected), sum(on_time)::DOUBLE / sum(expected)
        FROM marts.mart_compliance_unit_daily GROUP BY 1""").fetchall()}
    by_unit = {r.group["unit_code"]: (r.expected, r.received, r.on_time, r.reporting_rate, r.on_time_rate)
               for r in rates(result.expected, by=("unit_code",))}
    assert mart == by_unit
    syt_first = con.execute("""SELECT expected, received, on_time, late, minutes_late, reporting_rate, on_time_rate
                               FROM marts.mart_compliance_unit_daily
                               WHERE unit_code = 'SYT' AND period_date = DATE '2021-11-01'""").fetchone()
    assert syt_first == (2, 2, 1, 1, 1, 1.0, 0.5)     # 07:59:59 on time, 16:00:01 one minute late
    labels = con.execute("""SELECT status_label, count(*) FROM marts.mart_compliance_expectations
                            GROUP BY 1 ORDER BY 1""").fetchall()
    assert labels == [("Chỉ có tệp bị từ chối", 1), ("Không cập nhật", 3), ("Trễ hạn", 23), ("Đúng hạn", 147)]
    due = con.execute("""SELECT due_at, first_accepted_at FROM marts.mart_compliance_expectations
                         WHERE unit_code = 'SYT' AND period_date = DATE '2021-11-01' AND slot = '16:00'""").fetchone()
    assert due == (dt.datetime(2021, 11, 1, 16, 0), dt.datetime(2021, 11, 1, 16, 0, 1))   # Viet Nam time


def test_record_audit_open_today_and_freshness_marts(con, built):
    _, config = built
    record_audit(con, audit(con, START, END, AS_OF_MID, config=config))
    open_today = con.execute("""SELECT unit_code, dataset, slot, status_label, audited_at
                                FROM marts.mart_compliance_open_today ORDER BY 1, 2, 3""").fetchall()
    noon = dt.datetime(2021, 11, 16, 12, 0)
    # 16/11 at noon: the 16:00 slots are pending; the testing reports due at 12:00 were not in.
    assert open_today == [("CDC", "epidemic_situation_by_district", "16:00", "Chưa đến hạn", noon),
                          ("SYT", "epidemic_situation_by_district", "16:00", "Chưa đến hạn", noon),
                          ("TTYT-DONGSON", "testing", None, "Không cập nhật", noon),
                          ("TTYT-NGASON", "testing", None, "Không cập nhật", noon)]
    fresh = con.execute("""SELECT unit_code, check_date, last_update_at, last_update_label, age_hours, status_label,
                                  days_checked, days_not_fresh FROM marts.mart_compliance_freshness_current""").fetchall()
    # 16 days checked in November, stale only at the close of 03/11.
    assert fresh == [("CA", dt.date(2021, 11, 16), dt.datetime(2021, 11, 16, 8, 0), "Xác nhận không thay đổi", 4.0,
                      "Còn mới", 16, 1)]


def test_record_audit_times_do_not_depend_on_the_session_time_zone(con, built):
    _, config = built
    con.execute("SET TimeZone = 'Europe/Paris'")
    record_audit(con, audit(con, START, END, AS_OF_END, config=config))
    con.execute("SET TimeZone = 'UTC'")
    row = con.execute("""SELECT due_at, first_accepted_at FROM compliance.expectation
                         WHERE unit_code = 'SYT' AND slot = '08:00' AND period_date = DATE '2021-11-01'""").fetchone()
    assert row == (dt.datetime(2021, 11, 1, 1, 0, tzinfo=dt.timezone.utc),
                   dt.datetime(2021, 11, 1, 0, 59, 59, tzinfo=dt.timezone.utc))
    assert row[0] == dt.datetime(2021, 11, 1, 8, 0, tzinfo=VN)
