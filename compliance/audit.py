"""The compliance audit: was every unit's update on time, to the minute?

`audit(con, start, end, as_of)` judges, for every unit, dataset and deadline
of the window, the server-side receipt time of the files later ACCEPTED
(raw.submission.status = 'loaded') against the deadline its schedule gives
(compliance/schedules.yaml). It is a pure computation on a connection to the
warehouse, which may be read-only: nothing is written but temporary tables.
`record_audit(con, result)` then replaces the window's rows in the
`compliance` tables (migration 010), which the marts and the dashboard read.

Which time counts (docs/compliance.md):
* received_at, stamped by the server when the file arrived, never the file's
  mtime or a date typed in it; only accepted files count, so a rejected file
  is never "on time" (it is recorded as an attempt);
* the FIRST accepted file decides on time / late; later accepted files for
  the same period are corrections, counted late when received after the
  deadline, without changing the original's status;
* minutes_late = ceil((first receipt - deadline) / 1 minute): 08:00:01 is one
  minute late, 07:59:59 and 08:00:00 are on time;
* receipts after `as_of` are not seen; a deadline after `as_of` with nothing
  accepted yet is PENDING and counts in no rate.

A rejected file has no report date (it could not be read reliably), so it is
assigned to a deadline by rule: the earliest deadline of the same unit and
dataset that was still unmet when the file arrived (no accepted file received
before it) and is not more than one period of its schedule before the file
(the time since the schedule's previous deadline: 16 h for 08:00, 8 h for
16:00, 24 h for a daily report, 7 days for a weekly one). With no such
deadline (no dataset recognised, a unit not responsible, an "on change"
dataset) it stays an unassigned attempt.

"On change" datasets have no deadline; their freshness (age of the latest
accepted file or "no change" confirmation against the maximum age) is
checked at the close of every day of the window (24:00 local), and at
`as_of` for the day in progress: a daily history, so a report can count the
days a dataset was stale.

Implementation: the expected deadlines are generated in Python from the
schedule (a few thousand a month for the province, about half a million for
10,000 units), and matched with receipts by DuckDB joins; timestamps cross
the boundary as microseconds since the epoch, so the connection's TimeZone
setting never matters.
"""
from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from compliance.model import (
    FRESH, LATE, MISSING, NEVER, ON_TIME, PENDING, REJECTED_ONLY, STALE,
    Attempt, AuditResult, Expectation, Freshness,
)
from compliance.schedules import Config, Rule, default_config

UTC = dt.timezone.utc
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
EPOCH_DAY = dt.date(1970, 1, 1).toordinal()
MINUTE_US = 60_000_000
HOUR_US = 3_600_000_000
DAY_US = 24 * HOUR_US
# Deadlines are generated this many days beyond the window on each side, so a
# rejected file near the window's edge is weighed against its true neighbours
# (a weekly period is the longest look-back).
MARGIN_DAYS = 8


@dataclass(frozen=True)
class UnitInfo:
    unit_code: str
    name: str
    unit_type: str
    district_code: str | None


def _us(moment: dt.datetime) -> int:
    return (moment - EPOCH) // dt.timedelta(microseconds=1)


def plain_datetime(moment: dt.datetime, tz) -> dt.datetime:
    """An aware, plain datetime.datetime for `moment` (a naive one is read in
    `tz`). Airflow hands tasks pendulum DateTimes, whose arithmetic with the
    standard library's timedelta fails; the audit only does plain arithmetic."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    offset = moment.utcoffset()
    utc = dt.datetime(moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second,
                      moment.microsecond) - dt.timedelta(seconds=offset.total_seconds())
    return utc.replace(tzinfo=UTC).astimezone(tz)


def _day_number(day: dt.date) -> int:
    return day.toordinal() - EPOCH_DAY


def minutes_late(received_us: int, due_us: int) -> int:
    """ceil((received - due) / 1 minute), in exact integer arithmetic."""
    return -((due_us - received_us) // MINUTE_US)


def units(con: duckdb.DuckDBPyConnection, config: Config) -> dict[str, UnitInfo]:
    """The warehouse's units (core.dim_unit; the registry if the warehouse has
    none yet), plus accounts.yaml's units that the registry does not know."""
    rows = con.execute("SELECT unit_code, name, unit_type, district_code FROM core.dim_unit").fetchall()
    if not rows:
        from ingest.registry import load_registry

        rows = [(u.unit_code, u.name, u.unit_type, u.district_code or None)
                for u in load_registry().units.values()]
    found = {code: UnitInfo(code, name, unit_type, district or None) for code, name, unit_type, district in rows}
    for extra in config.extra_units:
        found.setdefault(extra.unit_code, UnitInfo(extra.unit_code, extra.name, extra.unit_type,
                                                   extra.district_code))
    return found


def _titles() -> dict[str, str]:
    from ingest.schema import all_schemas

    return {name: schema.title for name, schema in all_schemas().items()}


def _slot_periods(rule: Rule) -> dict[dt.time, int]:
    """Microseconds from the schedule's previous deadline to each slot."""
    times = list(rule.times)
    minutes = [t.hour * 60 + t.minute for t in times]
    out = {}
    for i, t in enumerate(times):
        gap = minutes[i] - minutes[i - 1] if i else minutes[0] + 24 * 60 - minutes[-1]
        out[t] = (gap or 24 * 60) * MINUTE_US
    return out


class _Deadlines:
    """Deadline instants, computed once per (day, local time)."""

    def __init__(self, config: Config):
        self.tz = config.tz
        self._cache: dict[tuple[dt.date, dt.time], int] = {}

    def __call__(self, day: dt.date, at: dt.time) -> int:
        key = (day, at)
        if key not in self._cache:
            self._cache[key] = _us(dt.datetime.combine(day, at, tzinfo=self.tz))
        return self._cache[key]

    def midnight(self, day: dt.date) -> int:
        return self(day, dt.time(0, 0))


def _expected_deadlines(config: Config, segments, first: dt.date, last: dt.date, deadline: _Deadlines):
    """(unit, dataset, kind, period_first, period_last, slot, due_us, period_us)
    for every deadline the segments owe in first..last, as column lists."""
    cols = {k: [] for k in ("unit_code", "dataset", "kind", "period_first", "period_last", "slot", "due_us",
                            "period_us")}

    def add(seg, kind, period_first, period_last, slot, due, period):
        cols["unit_code"].append(seg.unit_code)
        cols["dataset"].append(seg.dataset)
        cols["kind"].append(kind)
        cols["period_first"].append(period_first)
        cols["period_last"].append(period_last)
        cols["slot"].append(slot)
        cols["due_us"].append(due)
        cols["period_us"].append(period)

    days_cache: dict[tuple[dt.date, dt.date], list[dt.date]] = {}
    for seg in segments:
        rule = seg.rule
        if rule.kind not in ("slots", "periodic"):
            continue
        lo, hi = max(seg.first, first), min(seg.last, last)
        if lo > hi:
            continue
        if (lo, hi) not in days_cache:
            days_cache[(lo, hi)] = [lo + dt.timedelta(days=i) for i in range((hi - lo).days + 1)]
        days = days_cache[(lo, hi)]
        if rule.kind == "slots":
            periods = _slot_periods(rule)
            labels = rule.slot_labels
            for day in days:
                number = _day_number(day)
                for t, label in zip(rule.times, labels):
                    add(seg, "slots", number, number, label, deadline(day, t), periods[t])
        elif rule.every == "day":
            for day in days:
                if config.is_holiday(day) or day.isoweekday() not in rule.weekdays:
                    continue
                number = _day_number(day)
                add(seg, "periodic", number, number, None, deadline(day, rule.deadline), DAY_US)
        else:  # weekly: the ISO week's report, due on `weekday`, a holiday moves it to the next day
            for day in days:
                if day.isoweekday() != rule.weekday:
                    continue
                monday = day - dt.timedelta(days=day.isoweekday() - 1)
                due_day = day
                while config.is_holiday(due_day):
                    due_day += dt.timedelta(days=1)
                add(seg, "periodic", _day_number(monday), _day_number(monday) + 6, None,
                    deadline(due_day, rule.deadline), 7 * DAY_US)
    return cols


def _freshness_checks(segments, first: dt.date, last: dt.date, as_of_us: int, deadline: _Deadlines):
    """(unit, dataset, day, check_us, max_age_hours) for every day of first..last
    an "on change" rule is in force and that has begun by as_of."""
    cols = {k: [] for k in ("unit_code", "dataset", "day", "check_us", "max_age_hours")}
    for seg in segments:
        if seg.rule.kind != "on_change":
            continue
        day, hi = max(seg.first, first), min(seg.last, last)
        while day <= hi:
            begins = deadline.midnight(day)
            if begins > as_of_us:
                break
            closes = deadline.midnight(day + dt.timedelta(days=1))
            cols["unit_code"].append(seg.unit_code)
            cols["dataset"].append(seg.dataset)
            cols["day"].append(_day_number(day))
            cols["check_us"].append(min(closes, as_of_us))
            cols["max_age_hours"].append(seg.rule.max_age_hours)
            day += dt.timedelta(days=1)
    return cols


def _frame(cols: dict, ints: tuple[str, ...] = (), floats: tuple[str, ...] = ()) -> pd.DataFrame:
    data = {}
    for name, values in cols.items():
        if name in ints:
            data[name] = np.asarray(values, dtype=np.int64)
        elif name in floats:
            data[name] = np.asarray(values, dtype=np.float64)
        else:
            data[name] = pd.Series(values, dtype=object)
    frame = pd.DataFrame(data)
    frame.insert(0, "row_id", np.arange(len(frame), dtype=np.int64))
    return frame


def audit(con: duckdb.DuckDBPyConnection, start: dt.date, end: dt.date, as_of: dt.datetime,
          *, config: Config | None = None) -> AuditResult:
    """Judge every expected submission of start..end (inclusive) as seen at
    `as_of` (aware; a naive time is read in the schedule's time zone).
    `config` defaults to the YAML files shipped in compliance/."""
    config = config or default_config()
    if end < start:
        raise ValueError(f"Khoảng kiểm tra không hợp lệ: {start:%d/%m/%Y} sau {end:%d/%m/%Y}.")
    tz = config.tz
    as_of = plain_datetime(as_of, tz)
    as_of_us = _us(as_of)
    deadline = _Deadlines(config)
    known = units(con, config)
    titles = _titles()
    lo, hi = start - dt.timedelta(days=MARGIN_DAYS), end + dt.timedelta(days=MARGIN_DAYS)
    segments = [s for info in known.values() for s in config.segments(info.unit_code, info.unit_type, lo, hi)]

    owed = _frame(_expected_deadlines(config, segments, lo, hi, deadline),
                  ints=("period_first", "period_last", "due_us", "period_us"))
    checks = _frame(_freshness_checks(segments, start, end, as_of_us, deadline),
                    ints=("day", "check_us"), floats=("max_age_hours",))
    tag = secrets.token_hex(4)
    names = {"owed": f"compliance_owed_{tag}", "checks": f"compliance_checks_{tag}",
             "judged": f"compliance_judged_{tag}"}
    con.register(names["owed"] + "_df", owed)
    con.register(names["checks"] + "_df", checks)
    try:
        return _judge(con, config, names, known, titles, owed, checks, start, end, lo, as_of, as_of_us, deadline)
    finally:
        for name in names.values():
            con.execute(f"DROP TABLE IF EXISTS temp.{name}")
        con.unregister(names["owed"] + "_df")
        con.unregister(names["checks"] + "_df")


def _judge(con, config, names, known, titles, owed, checks, start, end, lo, as_of, as_of_us, deadline):
    tz = config.tz
    owed_t, checks_t, judged_t = names["owed"], names["checks"], names["judged"]
    con.execute(f"""CREATE TEMP TABLE {owed_t} AS
                    SELECT *, DATE '1970-01-01' + period_first::INTEGER AS first_date,
                              DATE '1970-01-01' + period_last::INTEGER AS last_date
                    FROM {owed_t}_df""")
    con.execute(f"CREATE TEMP TABLE {checks_t} AS SELECT * FROM {checks_t}_df")
    params = {"as_of": as_of_us, "lo": _day_number(lo), "hi": _day_number(end + dt.timedelta(days=MARGIN_DAYS))}
    # Accepted files per deadline: the first receipt decides, the rest are
    # corrections. Matched on equality keys first, then filtered, so DuckDB
    # hash-joins instead of comparing every file with every deadline.
    con.execute(f"""
        CREATE TEMP TABLE {judged_t} AS
        WITH accepted AS (
            SELECT unit_code, dataset, report_date, slot, epoch_us(received_at) AS at_us, warning_count
            FROM raw.submission
            WHERE status = 'loaded' AND epoch_us(received_at) <= $as_of
              AND report_date BETWEEN DATE '1970-01-01' + $lo::INTEGER AND DATE '1970-01-01' + $hi::INTEGER
        ),
        matched AS (
            SELECT o.row_id,
                   min(a.at_us) AS first_us,
                   count(*) AS files,
                   count(*) FILTER (WHERE a.at_us > o.due_us) AS after_due,
                   sum(a.warning_count) AS warnings
            FROM {owed_t} o
            JOIN accepted a ON a.unit_code = o.unit_code AND a.dataset = o.dataset
            WHERE a.report_date >= o.first_date AND a.report_date <= o.last_date
              AND (o.slot IS NULL OR a.slot = o.slot)
            GROUP BY o.row_id
        )
        SELECT o.row_id, o.unit_code, o.dataset, o.due_us, o.period_us, m.first_us,
               coalesce(m.files, 0) AS files, coalesce(m.after_due, 0) AS after_due,
               coalesce(m.warnings, 0) AS warnings
        FROM {owed_t} o LEFT JOIN matched m USING (row_id)""", params)
    # Rejected files: the earliest deadline still unmet when the file arrived,
    # at most one period of its schedule before the receipt.
    rejected = con.execute(f"""
        WITH rejected AS (
            SELECT submission_id, unit_code, dataset, epoch_us(received_at) AS at_us, error_count
            FROM raw.submission
            WHERE status = 'rejected' AND epoch_us(received_at) BETWEEN $lo_us AND $as_of
        ),
        assigned AS (
            SELECT r.submission_id, arg_min(j.row_id, j.due_us) AS row_id
            FROM rejected r
            JOIN {judged_t} j
              ON j.unit_code = r.unit_code AND j.dataset = r.dataset
             AND j.due_us >= r.at_us - j.period_us
             AND (j.first_us IS NULL OR j.first_us > r.at_us)
            GROUP BY r.submission_id
        )
        SELECT r.submission_id, r.unit_code, r.dataset, r.at_us, r.error_count, a.row_id
        FROM rejected r LEFT JOIN assigned a USING (submission_id)
        ORDER BY r.at_us, r.submission_id""", {"lo_us": deadline.midnight(lo), "as_of": as_of_us}).fetchall()
    rejected_by_row: dict[int, int] = {}
    for *_, row_id in rejected:
        if row_id is not None:
            rejected_by_row[row_id] = rejected_by_row.get(row_id, 0) + 1

    start_n, end_n = _day_number(start), _day_number(end)
    judged = con.execute(f"""
        SELECT j.row_id, j.first_us, j.files, j.after_due, j.warnings
        FROM {judged_t} j JOIN {owed_t} o USING (row_id)
        WHERE o.period_first BETWEEN $s AND $e
        ORDER BY o.due_us, o.unit_code, o.dataset, o.period_first""", {"s": start_n, "e": end_n}).fetchall()

    cache_dt: dict[int, dt.datetime] = {}

    def local(us: int) -> dt.datetime:
        found = cache_dt.get(us)
        if found is None:
            found = cache_dt[us] = (EPOCH + dt.timedelta(microseconds=us)).astimezone(tz)
        return found

    cache_day: dict[int, dt.date] = {}

    def day_of(number: int) -> dt.date:
        found = cache_day.get(number)
        if found is None:
            found = cache_day[number] = dt.date.fromordinal(number + EPOCH_DAY)
        return found

    o_unit, o_dataset, o_kind = owed["unit_code"].tolist(), owed["dataset"].tolist(), owed["kind"].tolist()
    o_first, o_slot, o_due = owed["period_first"].tolist(), owed["slot"].tolist(), owed["due_us"].tolist()
    expected = []
    for row_id, first_us, files, after_due, warnings in judged:
        due_us = o_due[row_id]
        rejected_files = rejected_by_row.get(row_id, 0)
        if first_us is not None:
            status = ON_TIME if first_us <= due_us else LATE
        elif due_us > as_of_us:
            status = PENDING
        else:
            status = REJECTED_ONLY if rejected_files else MISSING
        late = status == LATE
        info = known[o_unit[row_id]]
        dataset = o_dataset[row_id]
        expected.append(Expectation(
            unit_code=info.unit_code, unit_name=info.name, unit_type=info.unit_type,
            district_code=info.district_code, dataset=dataset, dataset_title=titles.get(dataset, dataset),
            kind=o_kind[row_id], period_date=day_of(o_first[row_id]), slot=o_slot[row_id],
            due_at=local(due_us), status=status,
            first_accepted_at=local(first_us) if first_us is not None else None,
            minutes_late=minutes_late(first_us, due_us) if late else None,
            accepted_files=files, corrections=max(files - 1, 0),
            late_corrections=after_due - (1 if late else 0),
            rejected_files=rejected_files, warnings=int(warnings)))

    attempts = []
    for submission_id, unit_code, dataset, at_us, error_count, row_id in rejected:
        if row_id is not None:
            period_date, slot, due_at = day_of(o_first[row_id]), o_slot[row_id], local(o_due[row_id])
            audit_day = period_date
        else:
            period_date = slot = due_at = None
            audit_day = local(at_us).date()
        if start <= audit_day <= end:
            attempts.append(Attempt(submission_id, unit_code, dataset, local(at_us), error_count,
                                    period_date, slot, due_at))

    freshness = _freshness(con, names, checks, known, titles, as_of_us, local, day_of)
    return AuditResult(start=start, end=end, as_of=as_of.astimezone(tz), expected=expected,
                       freshness=freshness, attempts=attempts, config_sha256=config.sha256)


def _freshness(con, names, checks, known, titles, as_of_us, local, day_of) -> list[Freshness]:
    if checks.empty:
        return []
    checks_t = names["checks"]
    rows = con.execute(f"""
        WITH updates AS (
            SELECT unit_code, dataset, at_us, max(kind) AS kind   -- a file beats a confirmation of the same instant
            FROM (
                SELECT unit_code, dataset, epoch_us(received_at) AS at_us, 'file' AS kind
                FROM raw.submission
                WHERE status = 'loaded' AND epoch_us(received_at) <= $as_of
                UNION ALL
                SELECT unit_code, dataset, epoch_us(confirmed_at), 'confirmation'
                FROM raw.confirmation
                WHERE epoch_us(confirmed_at) <= $as_of
            ) u
            SEMI JOIN (SELECT DISTINCT unit_code, dataset FROM {checks_t}) p USING (unit_code, dataset)
            GROUP BY ALL
        )
        SELECT c.row_id, u.at_us, u.kind
        FROM {checks_t} c
        ASOF LEFT JOIN updates u
          ON c.unit_code = u.unit_code AND c.dataset = u.dataset AND c.check_us >= u.at_us
        ORDER BY c.day, c.unit_code, c.dataset""", {"as_of": as_of_us}).fetchall()
    c_unit, c_dataset = checks["unit_code"].tolist(), checks["dataset"].tolist()
    c_day, c_check, c_max = checks["day"].tolist(), checks["check_us"].tolist(), checks["max_age_hours"].tolist()
    out = []
    for row_id, at_us, kind in rows:
        info = known[c_unit[row_id]]
        dataset, check_us, max_age = c_dataset[row_id], c_check[row_id], c_max[row_id]
        if at_us is None:
            age, status = None, NEVER
        else:
            age = (check_us - at_us) / HOUR_US
            status = STALE if age > max_age else FRESH
        out.append(Freshness(
            unit_code=info.unit_code, unit_name=info.name, unit_type=info.unit_type,
            district_code=info.district_code, dataset=dataset, dataset_title=titles.get(dataset, dataset),
            as_of=local(check_us), last_update_at=local(at_us) if at_us is not None else None,
            last_update_kind=kind, max_age_hours=max_age, age_hours=age, status=status,
            day=day_of(c_day[row_id])))
    return out


# --- recording ----------------------------------------------------------------------

def new_run_id(now: dt.datetime | None = None) -> str:
    now = now or dt.datetime.now(UTC)
    return f"A{now.astimezone(UTC):%Y%m%dT%H%M%S%f}-{secrets.token_hex(3)}"


def _ts(column: str) -> str:
    """SQL turning a microseconds-since-epoch column into TIMESTAMPTZ, whatever the session's TimeZone."""
    return f"CASE WHEN {column} IS NULL THEN NULL ELSE timezone('UTC', make_timestamp({column})) END"


class _Micros:
    """_us() with a cache by object: the audit hands out one datetime object per
    instant (deadlines repeat across units), and aware arithmetic is the cost."""

    def __init__(self):
        self._seen: dict[int, tuple[dt.datetime, int]] = {}

    def __call__(self, moment: dt.datetime | None) -> int | None:
        if moment is None:
            return None
        found = self._seen.get(id(moment))
        if found is None or found[0] is not moment:
            found = self._seen[id(moment)] = (moment, _us(moment))
        return found[1]


def record_audit(con: duckdb.DuckDBPyConnection, result: AuditResult, *, run_id: str | None = None,
                 ran_at: dt.datetime | None = None) -> str:
    """Replace the audited window's rows of compliance.expectation,
    compliance.freshness and compliance.attempt with `result`, and log the
    run in compliance.audit_run, in one transaction. Recording the same
    result twice leaves the same rows (only a second run is logged).
    Returns the run id (journalled runs pass their own id and time)."""
    ran_at = ran_at or dt.datetime.now(UTC)
    run_id = run_id or new_run_id(ran_at)
    e, f, a = result.expected, result.freshness, result.attempts
    _us_or_none = _Micros()
    expectations = pd.DataFrame({
        "unit_code": pd.Series([x.unit_code for x in e], dtype=object),
        "unit_name": pd.Series([x.unit_name for x in e], dtype=object),
        "unit_type": pd.Series([x.unit_type for x in e], dtype=object),
        "district_code": pd.Series([x.district_code for x in e], dtype=object),
        "dataset": pd.Series([x.dataset for x in e], dtype=object),
        "dataset_title": pd.Series([x.dataset_title for x in e], dtype=object),
        "kind": pd.Series([x.kind for x in e], dtype=object),
        "period_day": np.asarray([_day_number(x.period_date) for x in e], dtype=np.int64),
        "slot": pd.Series([x.slot for x in e], dtype=object),
        "due_us": np.asarray([_us_or_none(x.due_at) for x in e], dtype=np.int64),
        "status": pd.Series([x.status for x in e], dtype=object),
        "first_us": pd.Series([_us_or_none(x.first_accepted_at) for x in e], dtype="Int64"),
        "minutes_late": pd.Series([x.minutes_late for x in e], dtype="Int64"),
        "accepted_files": np.asarray([x.accepted_files for x in e], dtype=np.int64),
        "corrections": np.asarray([x.corrections for x in e], dtype=np.int64),
        "late_corrections": np.asarray([x.late_corrections for x in e], dtype=np.int64),
        "rejected_files": np.asarray([x.rejected_files for x in e], dtype=np.int64),
        "warnings": np.asarray([x.warnings for x in e], dtype=np.int64),
    })
    freshness = pd.DataFrame({
        "unit_code": pd.Series([x.unit_code for x in f], dtype=object),
        "unit_name": pd.Series([x.unit_name for x in f], dtype=object),
        "unit_type": pd.Series([x.unit_type for x in f], dtype=object),
        "district_code": pd.Series([x.district_code for x in f], dtype=object),
        "dataset": pd.Series([x.dataset for x in f], dtype=object),
        "dataset_title": pd.Series([x.dataset_title for x in f], dtype=object),
        "check_day": np.asarray([_day_number(x.day) for x in f], dtype=np.int64),
        "as_of_us": np.asarray([_us_or_none(x.as_of) for x in f], dtype=np.int64),
        "last_us": pd.Series([_us_or_none(x.last_update_at) for x in f], dtype="Int64"),
        "last_update_kind": pd.Series([x.last_update_kind for x in f], dtype=object),
        "max_age_hours": np.asarray([x.max_age_hours for x in f], dtype=np.float64),
        "age_hours": pd.Series([x.age_hours for x in f], dtype="Float64"),
        "status": pd.Series([x.status for x in f], dtype=object),
    })
    tz = result.as_of.tzinfo
    attempts = pd.DataFrame({
        "submission_id": pd.Series([x.submission_id for x in a], dtype=object),
        "unit_code": pd.Series([x.unit_code for x in a], dtype=object),
        "dataset": pd.Series([x.dataset for x in a], dtype=object),
        "received_us": np.asarray([_us(x.received_at) for x in a], dtype=np.int64),
        "error_count": np.asarray([x.error_count for x in a], dtype=np.int64),
        "period_day": pd.Series([_day_number(x.period_date) if x.period_date else None for x in a], dtype="Int64"),
        "slot": pd.Series([x.slot for x in a], dtype=object),
        "due_us": pd.Series([_us_or_none(x.due_at) for x in a], dtype="Int64"),
        "audit_day": np.asarray([_day_number(x.period_date or x.received_at.astimezone(tz).date()) for x in a],
                                dtype=np.int64),
    })
    counts = {s: 0 for s in (ON_TIME, LATE, MISSING, REJECTED_ONLY, PENDING)}
    for x in e:
        counts[x.status] += 1
    not_fresh = sum(1 for x in f if x.status != FRESH)
    tag = secrets.token_hex(4)
    frames = {"e": (f"compliance_e_{tag}", expectations), "f": (f"compliance_f_{tag}", freshness),
              "a": (f"compliance_a_{tag}", attempts)}
    for name, frame in frames.values():
        con.register(name, frame)
    window = {"s": _day_number(result.start), "e": _day_number(result.end)}
    day = "DATE '1970-01-01' + {}::INTEGER"
    own = _begin(con)
    try:
        con.execute(f"DELETE FROM compliance.expectation WHERE period_date BETWEEN {day.format('$s')} "
                    f"AND {day.format('$e')}", window)
        con.execute(f"DELETE FROM compliance.freshness WHERE check_date BETWEEN {day.format('$s')} "
                    f"AND {day.format('$e')}", window)
        con.execute(f"DELETE FROM compliance.attempt WHERE audit_date BETWEEN {day.format('$s')} "
                    f"AND {day.format('$e')} OR submission_id IN (SELECT submission_id FROM {frames['a'][0]})",
                    window)
        con.execute(f"""
            INSERT INTO compliance.expectation BY NAME
            SELECT unit_code, unit_name, unit_type, district_code, dataset, dataset_title, kind,
                   {day.format('period_day')} AS period_date, slot,
                   {_ts('due_us')} AS due_at, status, {_ts('first_us')} AS first_accepted_at,
                   minutes_late, accepted_files, corrections, late_corrections, rejected_files, warnings,
                   $run AS run_id
            FROM {frames['e'][0]}""", {"run": run_id})
        con.execute(f"""
            INSERT INTO compliance.freshness BY NAME
            SELECT unit_code, unit_name, unit_type, district_code, dataset, dataset_title,
                   {day.format('check_day')} AS check_date, {_ts('as_of_us')} AS as_of,
                   {_ts('last_us')} AS last_update_at, last_update_kind, max_age_hours, age_hours, status,
                   $run AS run_id
            FROM {frames['f'][0]}""", {"run": run_id})
        con.execute(f"""
            INSERT INTO compliance.attempt BY NAME
            SELECT submission_id, unit_code, dataset, {_ts('received_us')} AS received_at, error_count,
                   CASE WHEN period_day IS NULL THEN NULL ELSE {day.format('period_day')} END AS period_date,
                   slot, {_ts('due_us')} AS due_at, {day.format('audit_day')} AS audit_date, $run AS run_id
            FROM {frames['a'][0]}""", {"run": run_id})
        con.execute(f"""
            INSERT INTO compliance.audit_run VALUES (
                $run, {day.format('$s')}, {day.format('$e')}, {_ts('$as_of::BIGINT')}, {_ts('$ran::BIGINT')},
                $sha, $n, $on_time, $late, $missing, $rejected_only, $pending, $fresh_rows, $not_fresh, $attempts)""",
                    {**window, "run": run_id, "as_of": _us(result.as_of), "ran": _us(ran_at),
                     "sha": result.config_sha256, "n": len(e), "on_time": counts[ON_TIME], "late": counts[LATE],
                     "missing": counts[MISSING], "rejected_only": counts[REJECTED_ONLY],
                     "pending": counts[PENDING], "fresh_rows": len(f), "not_fresh": not_fresh,
                     "attempts": len(a)})
        if own:
            con.execute("COMMIT")
    except BaseException:
        if own:
            con.execute("ROLLBACK")
        raise
    finally:
        for name, _ in frames.values():
            con.unregister(name)
    return run_id


def _begin(con) -> bool:
    """Start a transaction unless the caller holds one (then it commits)."""
    try:
        con.execute("BEGIN")
        return True
    except duckdb.TransactionException:
        return False
