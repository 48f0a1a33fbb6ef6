"""The monthly report's content (compliance/report/content.py) from audit results
built by hand: plain data in, plain data out.

The builders here (`expectation`, `small_month`, `full_month`) are also what
the renderer and delivery tests feed the report with: a month whose every
late or missed deadline is chosen, so the expected figures are worked out by
hand below, not computed by the code under test.
"""
from __future__ import annotations

import datetime as dt
import json
import math
import random
from zoneinfo import ZoneInfo

import pytest

from compliance.model import (
    LATE, MISSING, NEVER, ON_TIME, PENDING, REJECTED_ONLY, STALE, FRESH,
    AuditResult, Expectation, Freshness,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")

UNITS = {
    "SYT": ("Sở Y tế", "SYT", None),
    "CDC": ("Trung tâm Kiểm soát bệnh tật tỉnh", "CDC", None),
    "UBND-QUANHOA": ("UBND Huyện Quan Hóa", "UBND", "385"),
}
TITLES = {
    "epidemic_situation_by_district": "Tình hình dịch theo huyện",
    "case_line_list": "Danh sách ca bệnh",
    "testing": "Xét nghiệm",
    "vaccination_by_district": "Tiêm chủng theo huyện",
    "returnees_quarantine": "Người về từ vùng dịch đang cách ly y tế",
    "citizen_feedback": "Phản ánh, kiến nghị của người dân",
    "quarantine_facilities": "Khu cách ly tập trung",
    "epidemic_levels": "Cấp độ dịch theo xã và huyện",
}
EPI = "epidemic_situation_by_district"


def _registry_units() -> dict:
    from ingest.registry import load_registry

    return {u.unit_code: (u.name, u.unit_type, u.district_code or None) for u in load_registry().units.values()}


def at(day: dt.date, hhmm: str) -> dt.datetime:
    h, m = map(int, hhmm.split(":"))
    return dt.datetime.combine(day, dt.time(h, m), tzinfo=VN)


def expectation(unit: str, dataset: str, day: dt.date, *, slot: str | None = None, deadline: str = "17:00",
                status: str = ON_TIME, received: str | dt.datetime | None = None, rejected: int = 0,
                warnings: int = 0, corrections: int = 0, late_corrections: int = 0,
                units: dict | None = None) -> Expectation:
    """One owed submission, as the audit would give it. `received` is HH:MM on
    `day` (or a datetime); for ON_TIME without one, 10 minutes before the deadline."""
    name, unit_type, district = (units or UNITS)[unit]
    due = at(day, slot or deadline)
    first = None
    if status in (ON_TIME, LATE):
        if received is None:
            received = due - dt.timedelta(minutes=10)
        first = received if isinstance(received, dt.datetime) else at(day, received)
    minutes = math.ceil((first - due).total_seconds() / 60) if status == LATE else None
    accepted = (1 + corrections) if first else 0
    return Expectation(unit, name, unit_type, district, dataset, TITLES[dataset], "slots" if slot else "periodic",
                       day, slot, due, status, first, minutes, accepted, corrections, late_corrections,
                       rejected, warnings)


def audit_result(start, end, expected, freshness=(), as_of=None) -> AuditResult:
    return AuditResult(start, end, as_of or at(end + dt.timedelta(days=1), "07:00"), list(expected),
                       list(freshness), [])


def small_month() -> tuple[AuditResult, AuditResult]:
    """November 2021 for SYT and CDC, and October 22–31 before it (the regulation's first days).

    November, SYT (epidemic figures 08:00 and 16:00, 30 days = 60 deadlines):
      05/11 08:00 late, received 08:12 (12 min), 1 warning
      12/11 16:00 missing
      20/11 08:00 rejected only (2 rejected files)
      everything else on time; 01/11 08:00 has one correction after the deadline
    November, CDC (epidemic 08:00/16:00 + testing by 17:00 = 90 deadlines):
      03/11 08:00 late, 08:45 (45 min)
      03/11 16:00 late, 16:30 (30 min)
      25/11 testing late, received 26/11 09:00 (960 min)
      28/11 testing missing
      one rejected file on 10/11 testing before an on-time file
    Freshness at the audit's clock: UBND Huyện Quan Hóa never sent quarantine
    facilities; its epidemic levels are fresh.
    October 22–31: SYT all on time (20), CDC missing 31/10 16:00, the rest on time (30).
    """
    nov = [dt.date(2021, 11, d) for d in range(1, 31)]
    exps = []
    for day in nov:
        for slot in ("08:00", "16:00"):
            kw = {}
            if (day.day, slot) == (5, "08:00"):
                kw = dict(status=LATE, received="08:12", warnings=1)
            elif (day.day, slot) == (12, "16:00"):
                kw = dict(status=MISSING)
            elif (day.day, slot) == (20, "08:00"):
                kw = dict(status=REJECTED_ONLY, rejected=2)
            elif (day.day, slot) == (1, "08:00"):
                kw = dict(corrections=1, late_corrections=1)
            exps.append(expectation("SYT", EPI, day, slot=slot, **kw))
        for slot in ("08:00", "16:00"):
            kw = {}
            if (day.day, slot) == (3, "08:00"):
                kw = dict(status=LATE, received="08:45")
            elif (day.day, slot) == (3, "16:00"):
                kw = dict(status=LATE, received="16:30")
            exps.append(expectation("CDC", EPI, day, slot=slot, **kw))
        kw = {}
        if day.day == 25:
            kw = dict(status=LATE, received=at(dt.date(2021, 11, 26), "09:00"))
        elif day.day == 28:
            kw = dict(status=MISSING)
        elif day.day == 10:
            kw = dict(rejected=1)
        exps.append(expectation("CDC", "testing", day, **kw))
    as_of = at(dt.date(2021, 12, 1), "07:00")
    fresh = [Freshness("UBND-QUANHOA", "UBND Huyện Quan Hóa", "UBND", "385", "quarantine_facilities",
                       TITLES["quarantine_facilities"], as_of, None, None, 24.0, None, NEVER),
             Freshness("UBND-QUANHOA", "UBND Huyện Quan Hóa", "UBND", "385", "epidemic_levels",
                       TITLES["epidemic_levels"], as_of, at(dt.date(2021, 11, 30), "15:00"), "file", 168.0,
                       16.0, FRESH)]
    current = audit_result(nov[0], nov[-1], exps, fresh, as_of)
    octo = [dt.date(2021, 10, d) for d in range(22, 32)]
    before = []
    for day in octo:
        for slot in ("08:00", "16:00"):
            before.append(expectation("SYT", EPI, day, slot=slot))
            status = MISSING if (day.day, slot) == (31, "16:00") else ON_TIME
            before.append(expectation("CDC", EPI, day, slot=slot, status=status))
        before.append(expectation("CDC", "testing", day))
    previous = audit_result(dt.date(2021, 10, 1), dt.date(2021, 10, 31), before, [], as_of)
    return current, previous


def full_month(seed: int = 4168) -> tuple[AuditResult, AuditResult]:
    """Every unit with a schedule (SYT, CDC and the 27 district health centres)
    over November 2021 and October 22–31, with seeded random lateness: the
    realistic volume (about 2,800 deadlines) the PDF must lay out."""
    rng = random.Random(seed)
    units = _registry_units()
    plan = {"SYT": [(EPI, "08:00"), (EPI, "16:00"), ("citizen_feedback", None)],
            "CDC": [(EPI, "08:00"), (EPI, "16:00"), ("testing", None), ("vaccination_by_district", None),
                    ("returnees_quarantine", None)]}
    for code, (_, unit_type, _) in units.items():
        if unit_type == "TTYT":
            plan[code] = [("case_line_list", None), ("testing", None), ("returnees_quarantine", None)]
    # A few chronic laggards make the "worst units" section meaningful.
    weakness = {code: 0.03 for code in plan}
    weakness.update({"TTYT-MUONGLAT": 0.35, "TTYT-QUANSON": 0.22, "TTYT-NHUXUAN": 0.15, "CDC": 0.06})

    def month(days):
        out = []
        for day in days:
            for code, items in plan.items():
                for dataset, slot in items:
                    roll = rng.random()
                    p = weakness[code]
                    if roll < p * 0.4:
                        out.append(expectation(code, dataset, day, slot=slot, status=MISSING, units=units))
                    elif roll < p * 0.5:
                        out.append(expectation(code, dataset, day, slot=slot, status=REJECTED_ONLY,
                                               rejected=rng.randint(1, 3), units=units))
                    elif roll < p:
                        due = at(day, slot or "17:00")
                        late = due + dt.timedelta(minutes=rng.choice([3, 8, 15, 25, 40, 75, 130, 300]))
                        out.append(expectation(code, dataset, day, slot=slot, status=LATE, received=late,
                                               warnings=rng.choice([0, 0, 1]), units=units))
                    else:
                        out.append(expectation(code, dataset, day, slot=slot, units=units,
                                               warnings=1 if rng.random() < 0.02 else 0,
                                               rejected=1 if rng.random() < 0.01 else 0))
        return out

    nov = [dt.date(2021, 11, d) for d in range(1, 31)]
    octo = [dt.date(2021, 10, d) for d in range(22, 32)]
    as_of = at(dt.date(2021, 12, 1), "07:00")
    fresh = []
    for code, (name, unit_type, district) in units.items():
        if unit_type == "UBND":
            for dataset, max_age in (("quarantine_facilities", 24.0), ("epidemic_levels", 168.0)):
                status = rng.choice([FRESH, FRESH, FRESH, STALE]) if code != "UBND-MUONGLAT" else NEVER
                last = None if status == NEVER else as_of - dt.timedelta(hours=(max_age * 1.5 if status == STALE
                                                                               else max_age / 3))
                fresh.append(Freshness(code, name, unit_type, district, dataset, TITLES[dataset], as_of, last,
                                       None if last is None else "file", max_age,
                                       None if last is None else round((as_of - last).total_seconds() / 3600, 1),
                                       status))
    return (audit_result(nov[0], nov[-1], month(nov), fresh, as_of),
            audit_result(dt.date(2021, 10, 1), dt.date(2021, 10, 31), month(octo), [], as_of))


# --- tests of the report's content -------------------------------------------------------

@pytest.fixture(scope="module")
def small_report():
    from compliance.report.content import build_report

    current, previous = small_month()
    return build_report(current, previous, issued_on=dt.date(2021, 12, 1))


def test_header_follows_the_configured_document(small_report):
    h = small_report.header
    assert (h.parent_agency, h.agency, h.place, h.issued_on, h.title) == (
        "UBND TỈNH THANH HÓA", "SỞ Y TẾ", "Thanh Hóa", dt.date(2021, 12, 1), "BÁO CÁO")
    assert h.subject == "Tình hình cập nhật thông tin trên Cổng thông tin phòng, chống COVID-19 tỉnh tháng 11/2021"
    assert h.addressees == ["Ban Chỉ đạo tỉnh", "UBND tỉnh"]
    assert h.signer_title == "GIÁM ĐỐC"
    assert small_report.period.label == "tháng 11/2021"
    assert small_report.previous_period.label == "tháng 10/2021"


def test_summary_figures_worked_out_by_hand(small_report):
    f = small_report.current
    # 60 SYT + 90 CDC deadlines; late: SYT 1, CDC 3; missing: SYT 1, CDC 1; rejected only: SYT 1.
    assert (f.units, f.expected, f.received, f.on_time, f.late, f.missing, f.rejected_only, f.pending) == (
        2, 150, 147, 143, 4, 2, 1, 0)
    assert f.reporting_rate == pytest.approx(147 / 150)
    assert f.on_time_rate == pytest.approx(143 / 150)
    assert f.median_minutes_late == pytest.approx((30 + 45) / 2)      # 12, 30, 45, 960
    assert (f.rejected_files, f.warnings, f.corrections, f.late_corrections) == (3, 1, 1, 1)
    assert f.units_all_on_time == 0
    assert (f.on_change_items, f.on_change_stale, f.on_change_never) == (2, 0, 1)


def test_unit_rows(small_report):
    rows = [(r.unit_code, r.expected, r.received, r.on_time, r.late, r.median_minutes_late, r.missing,
             r.rejected_files, r.warnings, round(r.on_time_rate, 4), round(r.previous_on_time_rate, 4))
            for r in small_report.units]
    assert rows == [
        ("SYT", 60, 58, 57, 1, 12.0, 2, 2, 1, round(57 / 60, 4), 1.0),
        ("CDC", 90, 89, 86, 3, 45.0, 1, 1, 0, round(86 / 90, 4), round(29 / 30, 4)),
    ]


def test_worst_units_rank_by_deadlines_missed_or_late(small_report):
    assert [(w.rank, w.unit_code, w.missed, w.late) for w in small_report.worst] == [
        (1, "CDC", 1, 3), (2, "SYT", 2, 1)]


def test_comparison_with_the_previous_month(small_report):
    rows = {r.metric: (r.previous, r.current) for r in small_report.comparison}
    assert rows["expected"] == (50, 150)
    assert rows["missed"] == (1, 3)
    assert rows["late"] == (0, 4)
    assert rows["on_time_rate"] == (pytest.approx(49 / 50), pytest.approx(143 / 150))
    assert rows["median_minutes_late"] == (None, pytest.approx(37.5))


def test_annex_lists_every_missed_or_late_deadline_in_time_order(small_report):
    rows = [(a.unit_code, a.dataset, a.period_date.day, a.slot, a.status, a.minutes_late, a.rejected_files)
            for a in small_report.annex]
    assert rows == [
        ("CDC", EPI, 3, "08:00", LATE, 45, 0),
        ("CDC", EPI, 3, "16:00", LATE, 30, 0),
        ("SYT", EPI, 5, "08:00", LATE, 12, 0),
        ("SYT", EPI, 12, "16:00", MISSING, None, 0),
        ("SYT", EPI, 20, "08:00", REJECTED_ONLY, None, 2),
        ("CDC", "testing", 25, None, LATE, 960, 0),
        ("CDC", "testing", 28, None, MISSING, None, 0),
    ]


def test_heatmap_cell_is_the_worst_status_of_the_day(small_report):
    cells = {row.unit_code: row.cells for row in small_report.heatmap}
    assert list(cells) == ["SYT", "CDC"]
    assert len(cells["SYT"]) == 30
    assert [i + 1 for i, c in enumerate(cells["SYT"]) if c != "ok"] == [5, 12, 20]
    assert (cells["SYT"][4], cells["SYT"][11], cells["SYT"][19]) == ("late", "missed", "missed")
    assert {i + 1: c for i, c in enumerate(cells["CDC"]) if c != "ok"} == {3: "late", 25: "late", 28: "missed"}


def test_trend_is_daily_and_previous_month_has_no_figures_before_the_regulation(small_report):
    day3 = small_report.trend[2]
    assert (day3.day, day3.expected, day3.on_time_rate) == (dt.date(2021, 11, 3), 5, pytest.approx(3 / 5))
    assert [p.expected for p in small_report.previous_trend[:21]] == [0] * 21
    assert small_report.previous_trend[21].expected == 5


def test_pending_deadlines_are_counted_apart_and_not_in_rates():
    from compliance.report.content import build_report

    day = dt.date(2021, 11, 30)
    current = audit_result(day, day, [expectation("SYT", EPI, day, slot="08:00"),
                                      expectation("SYT", EPI, day, slot="16:00", status=PENDING)],
                           as_of=at(day, "12:00"))
    report = build_report(current, audit_result(dt.date(2021, 11, 29), dt.date(2021, 11, 29), []))
    assert (report.current.expected, report.current.pending, report.current.on_time_rate) == (1, 1, 1.0)
    assert report.period.label == "từ ngày 30/11/2021 đến ngày 30/11/2021"
    assert report.header.issued_on == day


def test_json_round_trip_and_fingerprint_ignore_issue_date(small_report):
    from compliance.report.content import Report, build_report

    again = Report.from_dict(small_report.to_dict())
    assert again == small_report
    # Read back from JSON, a report keeps its fingerprint even where the audit
    # gave an int for a float field (the DAG's render task reads it back so).
    current, previous = small_month()
    stale = Freshness("UBND-QUANHOA", "UBND Huyện Quan Hóa", "UBND", "385", "quarantine_facilities",
                      TITLES["quarantine_facilities"], current.as_of, None, None, 24, None, NEVER)
    with_int = build_report(audit_result(current.start, current.end, current.expected, [stale], current.as_of),
                            previous)
    assert Report.from_dict(json.loads(json.dumps(with_int.to_dict()))).fingerprint() == with_int.fingerprint()
    current, previous = small_month()
    later = build_report(current, previous, issued_on=dt.date(2021, 12, 3))
    assert later.fingerprint() == small_report.fingerprint()
    changed = build_report(audit_result(current.start, current.end, current.expected[1:], current.freshness,
                                        current.as_of), previous, issued_on=dt.date(2021, 12, 1))
    assert changed.fingerprint() != small_report.fingerprint()


def test_previous_period_of_a_month_is_the_calendar_month_before():
    from compliance.report.content import month_before, period, previous_period

    assert previous_period(period(dt.date(2021, 11, 1), dt.date(2021, 11, 30))) == period(
        dt.date(2021, 10, 1), dt.date(2021, 10, 31))
    assert previous_period(period(dt.date(2021, 11, 10), dt.date(2021, 11, 16))) == period(
        dt.date(2021, 11, 3), dt.date(2021, 11, 9))
    assert month_before(dt.date(2022, 1, 1)) == period(dt.date(2021, 12, 1), dt.date(2021, 12, 31))


# --- a real warehouse for the end-to-end tests -----------------------------------------------

def submission(con, sid: str, unit: str, dataset: str, received: dt.datetime, *, status: str = "loaded",
               report_date: dt.date | None = None, slot: str | None = None, warnings: int = 0) -> str:
    """A row of raw.submission as the pipeline writes it (a rejected file has no report date or slot)."""
    rejected = status == "rejected"
    con.execute("""
        INSERT INTO raw.submission BY NAME
        SELECT ? AS submission_id, ? AS unit_code, ? AS dataset, 'tep.xlsx' AS original_name,
               ? AS file_sha256, 1000 AS file_size, ?::TIMESTAMPTZ AS received_at,
               ?::TIMESTAMPTZ AS processed_at, ? AS status, NULL AS duplicate_of, ? AS stored_path,
               20 AS row_count, ? AS error_count, ? AS warning_count, ?::DATE AS report_date, ? AS slot""",
                [sid, unit, dataset, f"sha-{sid}", received.isoformat(), (received + dt.timedelta(seconds=5)).isoformat(),
                 status, f"{'quarantine' if rejected else 'archive'}/{unit}/{sid}__tep.xlsx", 3 if rejected else 0,
                 warnings, None if rejected else (report_date or received.date()), None if rejected else slot])
    return sid


def test_annex_groups_collapse_consecutive_days(small_report):
    from compliance.report.content import annex_groups, build_report

    assert [(g.unit_code, g.dataset_title, g.status, g.count, g.when, g.median_minutes_late, g.rejected_files)
            for g in annex_groups(small_report)] == [
        ("SYT", "Tình hình dịch theo huyện", LATE, 1, "08:00: 05/11", 12.0, 0),
        ("SYT", "Tình hình dịch theo huyện", MISSING, 1, "16:00: 12/11", None, 0),
        ("SYT", "Tình hình dịch theo huyện", REJECTED_ONLY, 1, "08:00: 20/11", None, 2),
        ("CDC", "Tình hình dịch theo huyện", LATE, 2, "08:00: 03/11; 16:00: 03/11", 37.5, 0),
        ("CDC", "Xét nghiệm", LATE, 1, "25/11", 960.0, 0),
        ("CDC", "Xét nghiệm", MISSING, 1, "28/11", None, 0),
    ]
    days = [dt.date(2021, 11, d) for d in (1, 2, 3, 4, 5, 8, 30)]
    current = audit_result(days[0], days[-1], [expectation("SYT", EPI, d, slot="08:00", status=MISSING) for d in days]
                           + [expectation("SYT", EPI, d, slot="16:00", status=MISSING) for d in days[:2]])
    report = build_report(current, audit_result(dt.date(2021, 10, 1), dt.date(2021, 10, 31), []))
    (group,) = annex_groups(report)
    assert (group.count, group.when) == (9, "08:00: 01/11–05/11, 08/11, 30/11; 16:00: 01/11–02/11")
    assert not report.annex_grouped and report.annex_limit == 400
