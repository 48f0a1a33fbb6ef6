"""What the monthly report says, as plain data, before any layout.

`build_report` turns the audit of a period and of the previous period of the
same length into a `Report`: administrative header, summary figures, one row
per unit, the units that missed most, the comparison with the previous period,
the heatmap and trend series, and the annex of every missed or late deadline.
The PDF, .docx and .xlsx renderers only lay this out, so all three say the
same thing, and a test can assert on the figures without reading a PDF.

No audit logic lives here: statuses, minutes late and rates come from
compliance.audit and compliance.rates; this module only groups and sorts.
"""
from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import hashlib
import json
import statistics
import types
import typing
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml

from compliance.model import (
    LATE, MISSING, NEVER, ON_TIME, PENDING, REJECTED_ONLY, STALE,
    AuditResult, Expectation, Freshness, Rate,
)
from compliance.report import text

HERE = Path(__file__).resolve().parent
DOCUMENT_CONFIG = HERE / "document.yaml"

# Order of units in every table: the Health Department and CDC first (they
# answer for the 08:00/16:00 slots), then departments, districts, health centres.
UNIT_TYPE_ORDER = ("SYT", "CDC", "BCHQS", "CA", "SCT", "SLDTBXH", "STTTT", "UBND", "TTYT")

# Heatmap cell categories, worst first.
CELL_MISSED, CELL_LATE, CELL_OK, CELL_PENDING, CELL_NONE = "missed", "late", "ok", "pending", "none"


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date                      # inclusive
    label: str                        # "tháng 10/2021" or "từ ngày 01/10/2021 đến ngày 15/10/2021"
    short_label: str                  # "10/2021" or "01/10/2021–15/10/2021"
    key: str                          # folder name: "2021-10" or "2021-10-01_2021-10-15"

    @property
    def days(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=i) for i in range((self.end - self.start).days + 1)]

    @property
    def is_month(self) -> bool:
        return self.start.day == 1 and self.end == _month_end(self.start)


@dataclass(frozen=True)
class Header:
    parent_agency: str                # "UBND TỈNH THANH HÓA"
    agency: str                       # "SỞ Y TẾ"
    agency_name: str                  # "Sở Y tế", as it reads inside a sentence
    number: str                       # "      /BC-SYT" (the clerk writes the number when it is signed)
    place: str                        # "Thanh Hóa"
    issued_on: dt.date
    title: str                        # "BÁO CÁO"
    subject: str                      # "Tình hình cập nhật thông tin ... tháng 10/2021"
    addressees: list[str]             # Kính gửi
    basis: str                        # the legal basis sentence that opens the body
    distribution: list[str]           # Nơi nhận
    signer_authority: str             # "" or "KT. GIÁM ĐỐC"
    signer_title: str                 # "GIÁM ĐỐC"
    signer_name: str


@dataclass(frozen=True)
class Figures:
    """Summary numbers of one period (PENDING expectations are not counted as expected)."""
    units: int                        # units that owed at least one submission
    expected: int
    received: int
    on_time: int
    late: int
    missing: int
    rejected_only: int
    pending: int
    reporting_rate: float | None
    on_time_rate: float | None
    median_minutes_late: float | None
    rejected_files: int
    warnings: int
    corrections: int
    late_corrections: int
    units_all_on_time: int
    on_change_items: int              # unit × "on change" dataset pairs audited
    on_change_stale: int
    on_change_never: int


@dataclass(frozen=True)
class UnitRow:
    unit_code: str
    unit_name: str
    unit_type: str
    expected: int
    received: int
    on_time: int
    late: int
    median_minutes_late: float | None
    missing: int                      # MISSING + REJECTED_ONLY: no accepted file by the deadline's end
    rejected_only: int
    rejected_files: int
    warnings: int
    corrections: int
    reporting_rate: float | None
    on_time_rate: float | None
    previous_on_time_rate: float | None


@dataclass(frozen=True)
class WorstUnit:
    rank: int
    unit_code: str
    unit_name: str
    missed: int
    late: int
    expected: int
    on_time_rate: float | None
    previous_on_time_rate: float | None
    median_minutes_late: float | None


@dataclass(frozen=True)
class ComparisonRow:
    metric: str
    label: str
    kind: str                         # "count" | "rate" | "minutes"
    higher_is_better: bool
    previous: float | None
    current: float | None


@dataclass(frozen=True)
class AnnexRow:
    unit_code: str
    unit_name: str
    dataset: str
    dataset_title: str
    period_date: dt.date
    slot: str | None
    due_at: dt.datetime
    status: str
    first_accepted_at: dt.datetime | None
    minutes_late: int | None
    rejected_files: int


@dataclass(frozen=True)
class FreshnessRow:
    """An "on change" dataset of a unit that was out of date at some check of the period."""
    unit_code: str
    unit_name: str
    dataset_title: str
    status: str                       # at the latest check (the audit's clock)
    last_update_at: dt.datetime | None
    age_hours: float | None
    max_age_hours: float
    checks_not_fresh: int             # the audit checks every day's close: how many found it stale or never updated
    checks: int


@dataclass(frozen=True)
class HeatmapRow:
    unit_code: str
    unit_name: str
    cells: list[str]                  # one category per day of the period


@dataclass(frozen=True)
class TrendPoint:
    day: dt.date
    expected: int
    reporting_rate: float | None
    on_time_rate: float | None


@dataclass(frozen=True)
class Report:
    header: Header
    period: Period
    previous_period: Period
    as_of: dt.datetime
    current: Figures
    previous: Figures
    units: list[UnitRow]
    worst: list[WorstUnit]
    comparison: list[ComparisonRow]
    annex: list[AnnexRow]
    freshness: list[FreshnessRow]
    heatmap: list[HeatmapRow]
    trend: list[TrendPoint]
    previous_trend: list[TrendPoint]
    # Beyond this many annex rows the PDF/.docx annex is grouped (annex_groups); the .xlsx lists all.
    annex_limit: int = 400

    @property
    def annex_grouped(self) -> bool:
        return len(self.annex) > self.annex_limit

    def to_dict(self) -> dict:
        return _encode(self)

    @classmethod
    def from_dict(cls, data: dict) -> Report:
        return _decode(cls, data)

    def fingerprint(self) -> str:
        """SHA-256 of what the report says. The issue date and the audit clock
        are left out: producing the same month again tomorrow, with the same
        figures, is the same report (delivery sends it once)."""
        data = self.to_dict()
        data["header"].pop("issued_on")
        data.pop("as_of")
        canonical = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# --- periods ------------------------------------------------------------------

def _month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def period(start: dt.date, end: dt.date) -> Period:
    if end < start:
        raise ValueError(f"Ngày kết thúc {text.date(end)} trước ngày bắt đầu {text.date(start)}.")
    if start.day == 1 and end == _month_end(start):
        return Period(start, end, f"tháng {start:%m/%Y}", f"{start:%m/%Y}", f"{start:%Y-%m}")
    return Period(start, end, f"từ ngày {text.date(start)} đến ngày {text.date(end)}",
                  f"{text.date(start)}–{text.date(end)}", f"{start:%Y-%m-%d}_{end:%Y-%m-%d}")


def previous_period(current: Period) -> Period:
    """The calendar month before a month; otherwise the same number of days just before."""
    if current.is_month:
        last = current.start - dt.timedelta(days=1)
        return period(last.replace(day=1), last)
    length = current.end - current.start
    end = current.start - dt.timedelta(days=1)
    return period(end - length, end)


def month_before(day: dt.date) -> Period:
    """The calendar month before the one `day` falls in (the scheduled report's period)."""
    last = day.replace(day=1) - dt.timedelta(days=1)
    return period(last.replace(day=1), last)


# --- configuration --------------------------------------------------------------

def load_document_config(path: Path | None = None) -> dict:
    return yaml.safe_load((path or DOCUMENT_CONFIG).read_text(encoding="utf-8"))


def make_header(config: dict, current: Period, issued_on: dt.date) -> Header:
    return Header(
        parent_agency=config["parent_agency"],
        agency=config["agency"],
        agency_name=config["agency_name"],
        number=config["number"],
        place=config["place"],
        issued_on=issued_on,
        title=config["title"],
        subject=config["subject"].format(period=current.label),
        addressees=list(config["addressees"]),
        basis=config["basis"].format(period=current.label),
        distribution=list(config["distribution"]),
        signer_authority=config.get("signer_authority") or "",
        signer_title=config["signer_title"],
        signer_name=config.get("signer_name") or "",
    )


# --- building -------------------------------------------------------------------

def _unit_key(unit_type: str, district_code: str | None, unit_code: str) -> tuple:
    rank = UNIT_TYPE_ORDER.index(unit_type) if unit_type in UNIT_TYPE_ORDER else len(UNIT_TYPE_ORDER)
    return (rank, district_code or "", unit_code)


def _rates_by_unit(expected: list[Expectation]) -> dict[str, Rate]:
    from compliance.rates import rates

    # A unit whose deadlines are all still PENDING owes nothing yet: left out.
    return {r.group["unit_code"]: r for r in rates(expected, by=("unit_code",)) if r.expected}


def _overall_rate(expected: list[Expectation]) -> Rate:
    from compliance.rates import rates

    found = rates(expected, by=())
    return found[0] if found else None


def _figures(result: AuditResult) -> Figures:
    due = [e for e in result.expected if e.status != PENDING]
    overall = _overall_rate(result.expected) if due else None
    by_unit = _rates_by_unit(result.expected) if due else {}
    latest = _latest_freshness(result.freshness)
    return Figures(
        units=len(by_unit),
        expected=overall.expected if overall else 0,
        received=overall.received if overall else 0,
        on_time=overall.on_time if overall else 0,
        late=overall.late if overall else 0,
        missing=overall.missing if overall else 0,
        rejected_only=overall.rejected_only if overall else 0,
        pending=sum(e.status == PENDING for e in result.expected),
        reporting_rate=overall.reporting_rate if overall else None,
        on_time_rate=overall.on_time_rate if overall else None,
        median_minutes_late=overall.median_minutes_late if overall else None,
        rejected_files=sum(e.rejected_files for e in due),
        warnings=sum(e.warnings for e in due),
        corrections=sum(e.corrections for e in due),
        late_corrections=sum(e.late_corrections for e in due),
        units_all_on_time=sum(1 for r in by_unit.values() if r.expected and r.on_time == r.expected),
        on_change_items=len(latest),
        on_change_stale=sum(f.status == STALE for f in latest),
        on_change_never=sum(f.status == NEVER for f in latest),
    )


def _latest_freshness(rows: list[Freshness]) -> list[Freshness]:
    """The audit may give several instants per unit × dataset: keep the last."""
    latest: dict[tuple[str, str], Freshness] = {}
    for row in rows:
        key = (row.unit_code, row.dataset)
        if key not in latest or row.as_of > latest[key].as_of:
            latest[key] = row
    return list(latest.values())


def _unit_rows(result: AuditResult, previous: AuditResult) -> list[UnitRow]:
    due = [e for e in result.expected if e.status != PENDING]
    by_unit = _rates_by_unit(result.expected) if due else {}
    before = _rates_by_unit(previous.expected) if any(e.status != PENDING for e in previous.expected) else {}
    info: dict[str, Expectation] = {}
    sums: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for e in due:
        info.setdefault(e.unit_code, e)
        for name in ("rejected_files", "warnings", "corrections"):
            sums[e.unit_code][name] += getattr(e, name)
    rows = []
    for code, rate in by_unit.items():
        e = info[code]
        prev = before.get(code)
        rows.append(UnitRow(
            unit_code=code, unit_name=e.unit_name, unit_type=e.unit_type,
            expected=rate.expected, received=rate.received, on_time=rate.on_time, late=rate.late,
            median_minutes_late=rate.median_minutes_late,
            missing=rate.missing + rate.rejected_only, rejected_only=rate.rejected_only,
            rejected_files=sums[code]["rejected_files"], warnings=sums[code]["warnings"],
            corrections=sums[code]["corrections"],
            reporting_rate=rate.reporting_rate, on_time_rate=rate.on_time_rate,
            previous_on_time_rate=prev.on_time_rate if prev else None,
        ))
    order = {e.unit_code: _unit_key(e.unit_type, e.district_code, e.unit_code) for e in due}
    return sorted(rows, key=lambda r: order[r.unit_code])


def _worst(rows: list[UnitRow], limit: int) -> list[WorstUnit]:
    """Units with the most deadlines missed or late; ties broken by the ones
    that sent nothing, then by the lower on-time rate."""
    failing = [r for r in rows if r.missing + r.late > 0]
    failing.sort(key=lambda r: (-(r.missing + r.late), -r.missing,
                                r.on_time_rate if r.on_time_rate is not None else 1.0, r.unit_code))
    return [WorstUnit(rank=i + 1, unit_code=r.unit_code, unit_name=r.unit_name, missed=r.missing,
                      late=r.late, expected=r.expected, on_time_rate=r.on_time_rate,
                      previous_on_time_rate=r.previous_on_time_rate,
                      median_minutes_late=r.median_minutes_late)
            for i, r in enumerate(failing[:limit])]


COMPARED = (
    # metric, label, kind, higher is better
    ("expected", "Số lần phải cập nhật", "count", True),
    ("received", "Số lần đã cập nhật", "count", True),
    ("reporting_rate", "Tỷ lệ đã cập nhật", "rate", True),
    ("on_time_rate", "Tỷ lệ cập nhật đúng hạn", "rate", True),
    ("late", "Số lần cập nhật muộn", "count", False),
    ("median_minutes_late", "Thời gian muộn (trung vị, phút)", "minutes", False),
    ("missed", "Số lần không cập nhật", "count", False),
    ("rejected_files", "Số tệp bị từ chối", "count", False),
    ("warnings", "Số cảnh báo chất lượng dữ liệu", "count", False),
    ("units_all_on_time", "Số đơn vị cập nhật đúng hạn toàn bộ", "count", True),
)


def _comparison(current: Figures, previous: Figures) -> list[ComparisonRow]:
    def value(f: Figures, metric: str):
        if metric == "missed":
            return f.missing + f.rejected_only
        return getattr(f, metric)

    return [ComparisonRow(metric, label, kind, better, value(previous, metric), value(current, metric))
            for metric, label, kind, better in COMPARED]


def _annex(result: AuditResult) -> list[AnnexRow]:
    rows = [e for e in result.expected if e.status in (LATE, MISSING, REJECTED_ONLY)]
    rows.sort(key=lambda e: (e.due_at, _unit_key(e.unit_type, e.district_code, e.unit_code), e.dataset))
    return [AnnexRow(e.unit_code, e.unit_name, e.dataset, e.dataset_title, e.period_date, e.slot,
                     e.due_at, e.status, e.first_accepted_at, e.minutes_late, e.rejected_files)
            for e in rows]


def _freshness_rows(result: AuditResult) -> list[FreshnessRow]:
    checks: dict[tuple[str, str], list[Freshness]] = defaultdict(list)
    for f in result.freshness:
        checks[(f.unit_code, f.dataset)].append(f)
    rows = []
    for f in sorted(_latest_freshness(result.freshness),
                    key=lambda f: (_unit_key(f.unit_type, f.district_code, f.unit_code), f.dataset)):
        history = checks[(f.unit_code, f.dataset)]
        bad = sum(c.status in (STALE, NEVER) for c in history)
        if bad:
            rows.append(FreshnessRow(f.unit_code, f.unit_name, f.dataset_title, f.status, f.last_update_at,
                                     f.age_hours, f.max_age_hours, bad, len(history)))
    return rows


def _cell(statuses: list[str]) -> str:
    if not statuses:
        return CELL_NONE
    if any(s in (MISSING, REJECTED_ONLY) for s in statuses):
        return CELL_MISSED
    if LATE in statuses:
        return CELL_LATE
    if ON_TIME in statuses:
        return CELL_OK
    return CELL_PENDING


def _heatmap(result: AuditResult, days: list[dt.date]) -> list[HeatmapRow]:
    statuses: dict[str, dict[dt.date, list[str]]] = defaultdict(lambda: defaultdict(list))
    info: dict[str, Expectation] = {}
    for e in result.expected:
        info.setdefault(e.unit_code, e)
        statuses[e.unit_code][e.period_date].append(e.status)
    codes = sorted(statuses, key=lambda c: _unit_key(info[c].unit_type, info[c].district_code, c))
    return [HeatmapRow(c, info[c].unit_name, [_cell(statuses[c].get(d, [])) for d in days]) for c in codes]


def _trend(result: AuditResult, days: list[dt.date]) -> list[TrendPoint]:
    from compliance.rates import rates

    by_day: dict[dt.date, list[Expectation]] = defaultdict(list)
    for e in result.expected:
        by_day[e.period_date].append(e)
    points = []
    for day in days:
        due = [e for e in by_day.get(day, []) if e.status != PENDING]
        rate = rates(due, by=())[0] if due else None
        points.append(TrendPoint(day, rate.expected if rate else 0,
                                 rate.reporting_rate if rate else None,
                                 rate.on_time_rate if rate else None))
    return points


def build_report(current: AuditResult, previous: AuditResult, *, issued_on: dt.date | None = None,
                 config: dict | None = None) -> Report:
    """The report of `current`'s period, compared with `previous` (the period
    before it, of the same length; see previous_period)."""
    config = config or load_document_config()
    this, before = period(current.start, current.end), period(previous.start, previous.end)
    issued_on = issued_on or text.local(current.as_of).date()
    figures, previous_figures = _figures(current), _figures(previous)
    units = _unit_rows(current, previous)
    return Report(
        header=make_header(config, this, issued_on),
        period=this,
        previous_period=before,
        as_of=current.as_of,
        current=figures,
        previous=previous_figures,
        units=units,
        worst=_worst(units, int(config.get("worst_units", 5))),
        comparison=_comparison(figures, previous_figures),
        annex=_annex(current),
        freshness=_freshness_rows(current),
        heatmap=_heatmap(current, this.days),
        trend=_trend(current, this.days),
        previous_trend=_trend(previous, before.days),
        annex_limit=int(config.get("annex_rows_in_document", 400)),
    )


# --- the annex in short, for a PDF that would otherwise run to dozens of pages -----

@dataclass(frozen=True)
class AnnexGroup:
    """Every missed or late deadline of one unit, dataset and status, as date ranges."""
    unit_code: str
    unit_name: str
    dataset_title: str
    status: str
    count: int
    when: str                         # "08:00: 01/11–05/11, 08/11; 16:00: 01/11–30/11" or "01/11–30/11"
    median_minutes_late: float | None
    rejected_files: int


def _ranges(days: list[dt.date]) -> str:
    runs: list[list[dt.date]] = []
    for day in sorted(set(days)):
        if runs and (day - runs[-1][-1]).days == 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ", ".join(f"{r[0]:%d/%m}" if len(r) == 1 else f"{r[0]:%d/%m}–{r[-1]:%d/%m}" for r in runs)


def annex_groups(report: Report) -> list[AnnexGroup]:
    grouped: dict[tuple, list[AnnexRow]] = {}
    for row in report.annex:
        grouped.setdefault((row.unit_code, row.dataset, row.status), []).append(row)
    order = {u.unit_code: i for i, u in enumerate(report.units)}
    out = []
    for (code, dataset, status), rows in sorted(grouped.items(), key=lambda kv: (order.get(kv[0][0], 1 << 30),
                                                                                kv[0][0], kv[0][1], kv[0][2])):
        slots = sorted({r.slot for r in rows}, key=lambda s: s or "")
        if slots == [None]:
            when = _ranges([r.period_date for r in rows])
        else:
            when = "; ".join(f"{slot or 'trong ngày'}: {_ranges([r.period_date for r in rows if r.slot == slot])}"
                             for slot in slots)
        late = [r.minutes_late for r in rows if r.minutes_late is not None]
        median = float(statistics.median(late)) if late else None
        out.append(AnnexGroup(code, rows[0].unit_name, rows[0].dataset_title, status, len(rows), when, median,
                              sum(r.rejected_files for r in rows)))
    return out


# --- JSON round trip (the DAG's tasks hand the report to each other as a file) ----

def _encode(value):
    if dataclasses.is_dataclass(value):
        return {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, list):
        return [_encode(v) for v in value]
    return value


def _decode(kind, value):
    if value is None:
        return None
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(kind) if a is not type(None)]
        return _decode(options[0], value)
    if origin is list:
        (inner,) = typing.get_args(kind)
        return [_decode(inner, v) for v in value]
    if dataclasses.is_dataclass(kind):
        hints = typing.get_type_hints(kind)
        return kind(**{f.name: _decode(hints[f.name], value[f.name]) for f in dataclasses.fields(kind)})
    if kind is dt.datetime:
        return dt.datetime.fromisoformat(value)
    if kind is dt.date:
        return dt.date.fromisoformat(value)
    # Numbers come back as JSON kept them (an int stays an int), so a report
    # read back has the same fingerprint as the one that was written.
    return value
