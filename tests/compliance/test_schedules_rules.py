"""Schedules as data: the shipped rules agree with every dataset's cadence and
responsible units; rule resolution (unit beats type, latest `from` wins,
exemptions, `until`), holidays and account lifetimes; problems reported all
at once in Vietnamese."""
from __future__ import annotations

import datetime as dt

import pytest

from compliance.schedules import ScheduleError, check_against_schemas, load_config
from ingest.schema import all_schemas
from tests.compliance.synthetic_month import ACCOUNTS, HOLIDAYS, write_config

D = dt.date


def test_schedules_shipped_rules_repeat_every_schema_cadence():
    config = load_config()
    assert check_against_schemas(config) == []
    # Every dataset has a rule, every rule a dataset.
    assert {r.dataset for r in config.rules} == set(all_schemas())
    slots = [r for r in config.rules if r.kind == "slots"]
    assert [(r.dataset, r.unit_types, r.slot_labels) for r in slots] == \
        [("epidemic_situation_by_district", ("SYT", "CDC"), ("08:00", "16:00"))]
    assert {r.start for r in config.rules} == {D(2021, 10, 22)}


def test_schedules_check_catches_a_rule_that_drifts_from_its_schema(tmp_path):
    """Guard the guard: a changed deadline, a missing type and a stray type are all reported."""
    from compliance.schedules import HERE

    schedules = (HERE / "schedules.yaml").read_text(encoding="utf-8")
    drifted = schedules.replace('deadline: "17:00"\n    from: 2021-10-22\n    basis: Điều 16 khoản 2 (các',
                                'deadline: "18:00"\n    from: 2021-10-22\n    basis: Điều 16 khoản 2 (các')
    drifted = drifted.replace("unit_types: [BCHQS, SYT, UBND]", "unit_types: [BCHQS, SYT, CA]")
    assert drifted != schedules
    config = write_config(tmp_path / "drifted", drifted, HOLIDAYS, ACCOUNTS)
    problems = check_against_schemas(config)
    assert problems == [
        "quarantine_facilities: quy tắc thứ 7 giao cho ['CA'], không có trong responsible_unit_types của biểu mẫu.",
        "quarantine_facilities: không có quy tắc cho loại đơn vị UBND.",
        "testing (CDC): quy tắc đầu tiên ('periodic', 'day', '18:00') khác cadence ('periodic', 'day', '17:00').",
        "testing (TTYT): quy tắc đầu tiên ('periodic', 'day', '18:00') khác cadence ('periodic', 'day', '17:00').",
    ]


RULES = """
rules:
  - {dataset: testing, unit_types: [TTYT], kind: periodic, every: day, deadline: "17:00", from: 2021-10-22}
  - {dataset: testing, unit_types: [TTYT], kind: periodic, every: day, deadline: "12:00", from: 2021-11-16}
  - {dataset: testing, units: [TTYT-DONGSON], kind: periodic, every: day, deadline: "09:00", from: 2021-11-01,
     until: 2021-11-20}
  - {dataset: testing, units: [TTYT-NGASON], kind: none, from: 2021-11-05}
  - {dataset: citizen_feedback, unit_types: [SYT], kind: periodic, every: week, weekday: 1, deadline: "10:00",
     from: 2021-10-22}
  - {dataset: case_line_list, unit_types: [TTYT], kind: periodic, every: day, weekdays: [1, 2, 3, 4, 5],
     deadline: "17:00", from: 2021-10-22}
"""


@pytest.fixture
def config(tmp_path):
    return write_config(tmp_path / "c", RULES, "holidays:\n  - {date: 2021-11-15, name: Nghỉ}\n",
                        "default: {issued: 2021-10-22}\naccounts:\n"
                        "  - {unit_code: TTYT-HATRUNG, issued: 2021-10-22, revoked: 2021-11-03}\n"
                        "  - {unit_code: TTYT-HATRUNG, issued: 2021-11-10}\n")


def _deadline(config, unit, day):
    rule = config.rule_for(unit, "TTYT", "testing", day)
    return None if rule is None else f"{rule.deadline:%H:%M}"


def test_schedules_rule_naming_the_unit_beats_its_type_then_latest_from(config):
    # Type rules: 17:00, then 12:00 from 16/11. Đông Sơn's own rule (09:00, 01–20/11) beats both.
    assert [_deadline(config, "TTYT-DONGSON", D(2021, 11, d)) for d in (1, 15, 16, 20, 21)] == \
        ["09:00", "09:00", "09:00", "09:00", "12:00"]
    assert [_deadline(config, "TTYT-DONGSON", D(2021, 10, d)) for d in (22, 31)] == ["17:00", "17:00"]
    assert [_deadline(config, "TTYT-HATRUNG", D(2021, 11, d)) for d in (15, 16)] == ["17:00", "12:00"]
    # Nga Sơn is exempted from 05/11 (kind: none), whatever its type owes.
    assert [_deadline(config, "TTYT-NGASON", D(2021, 11, d)) for d in (4, 5, 30)] == ["17:00", None, None]
    # Before the regulation nothing is owed.
    assert _deadline(config, "TTYT-DONGSON", D(2021, 10, 21)) is None


def test_schedules_segments_follow_rules_and_account_lifetimes(config):
    def spans(unit, dataset):
        return [(s.first.day, s.last.day, s.rule.kind, f"{s.rule.deadline:%H:%M}" if s.rule.deadline else None)
                for s in config.segments(unit, "TTYT", D(2021, 11, 1), D(2021, 11, 30)) if s.dataset == dataset]

    assert spans("TTYT-DONGSON", "testing") == [(1, 20, "periodic", "09:00"), (21, 30, "periodic", "12:00")]
    assert spans("TTYT-NGASON", "testing") == [(1, 4, "periodic", "17:00")]
    # Revoked 03/11 (owes 01–02), issued again 10/11.
    assert spans("TTYT-HATRUNG", "testing") == [(1, 2, "periodic", "17:00"), (10, 15, "periodic", "17:00"),
                                                (16, 30, "periodic", "12:00")]


def test_schedules_holidays_weekly_and_weekdays(config, tmp_path):
    """The holiday 15/11 (a Monday) owes no daily report and moves the weekly one to Tuesday."""
    import duckdb

    from compliance.audit import audit
    from warehouse.db import migrate
    from warehouse.load import sync_dimensions

    con = duckdb.connect()
    migrate(con)
    sync_dimensions(con)
    as_of = dt.datetime(2021, 12, 1, tzinfo=dt.timezone.utc)
    result = audit(con, D(2021, 11, 8), D(2021, 11, 21), as_of, config=config)
    weekly = [(e.period_date, e.due_at.strftime("%a %d %H:%M")) for e in result.expected
              if e.dataset == "citizen_feedback"]
    assert weekly == [(D(2021, 11, 8), "Mon 08 10:00"), (D(2021, 11, 15), "Tue 16 10:00")]
    lines = sorted({e.period_date.day for e in result.expected
                    if e.dataset == "case_line_list" and e.unit_code == "TTYT-DONGSON"})
    # Weekdays only, and not the holiday: 8–12, 16–19.
    assert lines == [8, 9, 10, 11, 12, 16, 17, 18, 19]


def test_schedules_problems_are_reported_together_in_vietnamese(tmp_path):
    bad_rules = """
rules:
  - {dataset: no_such_dataset, unit_types: [SYT], kind: slots, times: ["08:00"], from: 2021-10-22}
  - {dataset: testing, unit_types: [CDC], kind: periodic, every: month, deadline: "25:00", from: 2021-10-22}
  - {dataset: checkpoints, kind: on_change, max_age_hours: -1}
"""
    with pytest.raises(ScheduleError) as caught:
        write_config(tmp_path / "bad", bad_rules, "holidays:\n  - {date: 31/02/2021}\n",
                     "default: {}\naccounts:\n  - {unit_code: CA, issued: 2021-11-10, revoked: 2021-11-01}\n")
    assert caught.value.problems == [
        "schedules.yaml, quy tắc thứ 1 (no_such_dataset): không có biểu mẫu 'no_such_dataset' trong ingest/schemas.",
        "schedules.yaml, quy tắc thứ 2 (testing): 'every' phải là day (hằng ngày) hoặc week (hằng tuần).",
        "schedules.yaml, quy tắc thứ 2 (testing): giờ '25:00' không hợp lệ (dùng HH:MM, ví dụ \"08:00\").",
        "schedules.yaml, quy tắc thứ 3 (checkpoints): cần 'units' hoặc 'unit_types'.",
        "schedules.yaml, quy tắc thứ 3 (checkpoints): thiếu ngày hiệu lực 'from'.",
        "schedules.yaml, quy tắc thứ 3 (checkpoints): cập nhật khi có biến động cần 'max_age_hours' là số giờ dương.",
        "holidays.yaml, dòng thứ 1: ngày '31/02/2021' không hợp lệ (dùng YYYY-MM-DD hoặc dd/mm/yyyy).",
        "accounts.yaml: thiếu ngày cấp tài khoản mặc định (default: issued).",
        "accounts.yaml, tài khoản thứ 1 (CA): ngày thu hồi phải sau ngày cấp.",
    ]
    assert str(caught.value).startswith("Cấu hình lịch cập nhật không hợp lệ:")


def test_schedules_fingerprint_changes_with_any_file(tmp_path):
    first = write_config(tmp_path / "a")
    same = write_config(tmp_path / "b")
    other = write_config(tmp_path / "c", accounts="default: {issued: 2021-10-23}\naccounts: []\n")
    assert first.sha256 == same.sha256 != other.sha256
