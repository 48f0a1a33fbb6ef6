"""The audit on the synthetic month of synthetic_month.py, whose true status
of every unit and deadline is known in advance: statuses to the second,
minutes late, corrections, rejected files, a schedule change, a holiday, a
revoked and a newly issued account, "no change" confirmations, and the rates
worked out by hand."""
from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from compliance.audit import audit
from compliance.model import FRESH, LATE, MISSING, ON_TIME, PENDING, REJECTED_ONLY, STALE
from compliance.rates import rates
from tests.compliance.synthetic_month import (
    AS_OF_END, AS_OF_MID, DAYS, END, EPI, HOLIDAY, START, VN, at, build, write_config,
)


@pytest.fixture(scope="module")
def month(tmp_path_factory):
    folder = tmp_path_factory.mktemp("month")
    config = write_config(folder / "config")
    return build(folder / "warehouse.duckdb"), config


@pytest.fixture(scope="module")
def result(month):
    path, config = month
    con = duckdb.connect(str(path), read_only=True)   # the audit must work read-only
    try:
        return audit(con, START, END, AS_OF_END, config=config)
    finally:
        con.close()


@pytest.fixture(scope="module")
def mid(month):
    path, config = month
    con = duckdb.connect(str(path), read_only=True)
    try:
        return audit(con, START, END, AS_OF_MID, config=config)
    finally:
        con.close()


def _row(e):
    return (e.period_date.day, e.slot, e.status, e.minutes_late, e.accepted_files, e.corrections,
            e.late_corrections, e.rejected_files, e.warnings)


def _rate(r):
    return (r.expected, r.received, r.on_time, r.late, r.missing, r.rejected_only, r.reporting_rate,
            r.on_time_rate, r.median_minutes_late)


def test_audit_month_syt_slots_judged_to_the_second(result):
    syt = {(e.period_date.day, e.slot): e for e in result.expected if e.unit_code == "SYT"}
    assert len(syt) == 30 * 2
    chosen = [(1, "08:00"), (1, "16:00"), (2, "08:00"), (2, "16:00"), (3, "08:00"), (3, "16:00"),
              (4, "08:00"), (5, "08:00"), (6, "08:00"), (7, "16:00")]
    # (day, slot, status, minutes late, accepted, corrections, late corrections, rejected, warnings)
    assert [_row(syt[k]) for k in chosen] == [
        (1, "08:00", ON_TIME, None, 1, 0, 0, 0, 0),   # 07:59:59
        (1, "16:00", LATE, 1, 1, 0, 0, 0, 0),         # 16:00:01: one second is a whole minute late
        (2, "08:00", ON_TIME, None, 1, 0, 0, 0, 0),   # 08:00:00 exactly is on time
        (2, "16:00", LATE, 40, 1, 0, 0, 1, 0),        # rejected 15:50, then a valid file 16:40
        (3, "08:00", ON_TIME, None, 2, 1, 1, 0, 3),   # 07:30 on time; its correction at 09:15 is late
        (3, "16:00", REJECTED_ONLY, None, 0, 0, 0, 1, 0),
        (4, "08:00", MISSING, None, 0, 0, 0, 0, 0),
        (5, "08:00", ON_TIME, None, 1, 0, 0, 1, 0),   # rejected 07:30 assigned here, valid 07:45
        (6, "08:00", ON_TIME, None, 1, 0, 0, 0, 0),   # the duplicate at 07:50 is not a file more
        (7, "16:00", LATE, 2520, 1, 0, 0, 0, 0),      # received 09/11 10:00: 42 h × 60
    ]
    assert syt[(1, "08:00")].first_accepted_at == at(START, "07:59:59")
    assert syt[(1, "16:00")].due_at == dt.datetime(2021, 11, 1, 16, 0, tzinfo=VN)
    others = [e for k, e in syt.items() if k not in chosen]
    assert {(e.status, e.accepted_files, e.rejected_files) for e in others} == {(ON_TIME, 1, 0)}


def test_audit_month_every_expectation_is_one_unit_dataset_deadline(result):
    keys = [(e.unit_code, e.dataset, e.due_at) for e in result.expected]
    assert len(keys) == len(set(keys))
    # 60 slots for SYT and CDC, 29 + 19 + 6 testing days (see below): 174.
    assert len(keys) == 60 + 60 + 29 + 19 + 6
    assert {e.unit_code for e in result.expected} == {"SYT", "CDC", "TTYT-DONGSON", "TTYT-NGASON",
                                                      "TTYT-HATRUNG"}
    assert all(e.status != PENDING for e in result.expected)   # as of 01/12 00:00 every deadline passed


def test_audit_month_schedule_change_keeps_the_first_half(result):
    dongson = {e.period_date.day: e for e in result.expected if e.unit_code == "TTYT-DONGSON"}
    # 30 days minus the holiday 10/11; a file at 14:00 every day.
    assert sorted(dongson) == [d for d in range(1, 31) if d != 10]
    assert {(d, e.due_at.strftime("%H:%M"), e.status, e.minutes_late) for d, e in dongson.items() if d <= 15} == \
        {(d, "17:00", ON_TIME, None) for d in range(1, 16) if d != 10}
    # From 16/11 the deadline is 12:00: 14:00 is 120 minutes late.
    assert {(d, e.due_at.strftime("%H:%M"), e.status, e.minutes_late) for d, e in dongson.items() if d >= 16} == \
        {(d, "12:00", LATE, 120) for d in range(16, 31)}


def test_audit_month_holiday_skips_periodic_reports_never_slots(result):
    on_holiday = sorted((e.unit_code, e.slot) for e in result.expected if e.period_date == HOLIDAY)
    assert on_holiday == [("CDC", "08:00"), ("CDC", "16:00"), ("SYT", "08:00"), ("SYT", "16:00")]


def test_audit_month_revoked_and_new_accounts_count_only_their_days(result):
    ngason = sorted(e.period_date.day for e in result.expected if e.unit_code == "TTYT-NGASON")
    assert ngason == [d for d in range(1, 21) if d != 10]          # revoked 21/11: files 21–25/11 owed nothing
    hatrung = [(e.period_date.day, e.status) for e in result.expected if e.unit_code == "TTYT-HATRUNG"]
    assert hatrung == [(25, ON_TIME), (26, ON_TIME), (27, ON_TIME), (28, ON_TIME), (29, ON_TIME), (30, MISSING)]


def test_audit_month_rejected_files_are_attempts_assigned_by_rule(result):
    got = [(a.unit_code, a.dataset, a.received_at.strftime("%d %H:%M"),
            a.period_date.day if a.period_date else None, a.slot) for a in result.attempts]
    assert got == [
        ("SYT", EPI, "02 15:50", 2, "16:00"),     # before its deadline: the 16:00 slot it was meant for
        ("SYT", EPI, "03 16:30", 3, "16:00"),     # after the deadline, still unmet: assigned there
        ("SYT", EPI, "05 07:30", 5, "08:00"),     # 04/11 08:00 is unmet but 23.5 h > 16 h old: the next one
        ("CA", "checkpoints", "12 10:00", None, None),   # "on change": no deadline to assign
        ("CDC", None, "15 10:00", None, None),           # dataset not recognised
    ]
    assert all(a.error_count == 3 for a in result.attempts)


def test_audit_month_rates_by_unit_equal_the_hand_computed_values(result):
    got = {r.group["unit_code"]: _rate(r) for r in rates(result.expected, by=("unit_code",))}
    assert got == {
        # 60 slots; late 1, 40, 2520 min; missing 04/11 08:00; rejected only 03/11 16:00
        "SYT": (60, 58, 55, 3, 1, 1, 58 / 60, 55 / 60, 40.0),
        # 60 slots; missing 30/11 16:00
        "CDC": (60, 59, 59, 0, 1, 0, 59 / 60, 59 / 60, None),
        # 29 days: 14 on time (01–15 but 10), 15 late 120 min (16–30)
        "TTYT-DONGSON": (29, 29, 14, 15, 0, 0, 29 / 29, 14 / 29, 120.0),
        # 19 days (01–20 but 10): 14 on time, 5 late 240 min (16–20)
        "TTYT-NGASON": (19, 19, 14, 5, 0, 0, 19 / 19, 14 / 19, 240.0),
        # 6 days (25–30): 5 on time, 30/11 missing
        "TTYT-HATRUNG": (6, 5, 5, 0, 1, 0, 5 / 6, 5 / 6, None),
    }


def test_audit_month_rates_rolled_up(result):
    # Everything: 60 + 60 + 29 + 19 + 6 = 174 expected; received 58 + 59 + 29 + 19 + 5 = 170;
    # on time 55 + 59 + 14 + 14 + 5 = 147. Late minutes: 1, 40, 2520, 120 × 15, 240 × 5: the 12th of
    # 23 sorted values is 120.
    [overall] = rates(result.expected, by=())
    assert (overall.group, *_rate(overall)) == ({}, 174, 170, 147, 23, 3, 1, 170 / 174, 147 / 174, 120.0)
    by_type = {r.group["unit_type"]: _rate(r)[:6] for r in rates(result.expected, by=("unit_type",))}
    assert by_type == {"SYT": (60, 58, 55, 3, 1, 1), "CDC": (60, 59, 59, 0, 1, 0),
                       "TTYT": (54, 53, 33, 20, 1, 0)}        # 29 + 19 + 6; 14 + 14 + 5 on time
    by_district = {r.group["district_code"]: _rate(r)[:3] for r in rates(result.expected, by=("district_code",))}
    # Provincial units have no district; Đông Sơn 405, Nga Sơn 401, Hà Trung 392.
    assert by_district == {None: (120, 117, 114), "392": (6, 5, 5), "401": (19, 19, 14), "405": (29, 29, 14)}
    by_dataset_slot = {(r.group["dataset"], r.group["slot"]): _rate(r)[:3]
                       for r in rates(result.expected, by=("dataset", "slot"))}
    # 08:00: SYT 29 on time + missing 04/11; CDC 30. 16:00: SYT 26 on time, 3 late, 1 rejected only; CDC 29.
    assert by_dataset_slot == {(EPI, "08:00"): (60, 59, 59), (EPI, "16:00"): (60, 58, 55),
                               ("testing", None): (54, 53, 33)}
    weeks = {r.group["week"]: _rate(r)[:3] for r in rates([e for e in result.expected if e.unit_code == "SYT"],
                                                          by=("week",))}
    # ISO week 44 = 01–07/11 (14 slots: late 01, 02, 07 16:00; rejected only 03 16:00; missing 04 08:00).
    assert weeks["2021-W44"] == (14, 12, 9)
    assert sorted(weeks) == ["2021-W44", "2021-W45", "2021-W46", "2021-W47", "2021-W48"]
    month = rates(result.expected, by=("unit_code", "month"))
    assert [(r.group["unit_code"], r.group["month"]) for r in month][:2] == [("CDC", "2021-11"), ("SYT", "2021-11")]
    day = {r.group["day"]: _rate(r)[:3] for r in rates(result.expected, by=("day",))}
    # 01/11: 4 slots (SYT 16:00 late) + 2 testing reports (on time).
    assert day["2021-11-01"] == (6, 6, 5)
    # 10/11, the holiday: the 4 slots only.
    assert day["2021-11-10"] == (4, 4, 4)


def test_audit_month_freshness_history_counts_stale_days(result):
    ca = [f for f in result.freshness if f.unit_code == "CA"]
    assert [f.day for f in ca] == DAYS
    assert all(f.as_of == at(f.day + dt.timedelta(days=1), "00:00") for f in ca)   # checked at each day's close
    stale = [(f.day.day, f.age_hours, f.last_update_kind) for f in ca if f.status == STALE]
    # 03/11: last "no change" 02/11 09:00, 39 h; 20–22/11: last 19/11 08:00, 40, 64, 88 h.
    assert stale == [(3, 39.0, "confirmation"), (20, 40.0, "confirmation"), (21, 64.0, "confirmation"),
                     (22, 88.0, "confirmation")]
    fresh = {f.day.day: (f.age_hours, f.last_update_kind) for f in ca if f.status == FRESH}
    assert fresh[1] == (15.0, "confirmation")     # 09:00 to 24:00
    assert fresh[4] == (14.0, "file")             # the file of 04/11 10:00
    assert len(fresh) == 26
    # The rejected file of 12/11 is no update: that day's age runs from the 08:00 confirmation.
    assert fresh[12] == (16.0, "confirmation")
    assert {f.max_age_hours for f in ca} == {24.0}


def test_audit_month_as_of_mid_month(mid):
    # 16/11 12:00: receipts after noon are unseen, deadlines after noon are pending.
    by_unit = {r.group["unit_code"]: _rate(r) for r in rates(mid.expected, by=("unit_code",))}
    assert by_unit["SYT"] == (31, 29, 26, 3, 1, 1, 29 / 31, 26 / 31, 40.0)   # 30 slots of 01–15 + 16/11 08:00
    # 16/11 is due at 12:00 (= as_of, so judged); its 14:00 file is not seen yet: missing.
    assert by_unit["TTYT-DONGSON"] == (15, 14, 14, 0, 1, 0, 14 / 15, 14 / 15, None)
    # Nothing of Hà Trung's is due yet: expected 0, no rate.
    assert by_unit["TTYT-HATRUNG"] == (0, 0, 0, 0, 0, 0, None, None, None)
    pending = [e for e in mid.expected if e.status == PENDING]
    # SYT and CDC: 16/11 16:00 + 14 days × 2 = 29 each; testing: Đông Sơn 17–30 (14), Nga Sơn 17–20 (4),
    # Hà Trung 25–30 (6).
    assert len(pending) == 29 + 29 + 14 + 4 + 6
    assert all(e.due_at > AS_OF_MID and e.first_accepted_at is None for e in pending)
    last = [f for f in mid.freshness if f.unit_code == "CA"][-1]
    assert (last.day, last.as_of, last.age_hours, last.status) == (dt.date(2021, 11, 16), AS_OF_MID, 4.0, FRESH)


def test_audit_month_ignores_the_session_time_zone(month, result):
    path, config = month
    con = duckdb.connect(str(path), read_only=True)
    try:
        con.execute("SET TimeZone = 'America/Los_Angeles'")
        again = audit(con, START, END, AS_OF_END, config=config)
    finally:
        con.close()
    assert again == result


def test_audit_month_part_of_a_window_equals_the_same_days_of_the_whole(month, result):
    path, config = month
    con = duckdb.connect(str(path), read_only=True)
    try:
        part = audit(con, dt.date(2021, 11, 2), dt.date(2021, 11, 5), AS_OF_END, config=config)
    finally:
        con.close()
    assert part.expected == [e for e in result.expected if dt.date(2021, 11, 2) <= e.period_date
                             <= dt.date(2021, 11, 5)]
    assert [a.submission_id for a in part.attempts] == [a.submission_id for a in result.attempts[:3]]


def test_audit_month_accepts_airflow_pendulum_times(month, result):
    """Airflow gives tasks pendulum DateTimes; the audit's answer is the same."""
    import pendulum

    path, config = month
    con = duckdb.connect(str(path), read_only=True)
    try:
        again = audit(con, START, END, pendulum.instance(AS_OF_END), config=config)
        naive = audit(con, START, END, AS_OF_END.replace(tzinfo=None), config=config)   # read as Viet Nam time
    finally:
        con.close()
    assert again == result == naive
