"""The plain data the compliance audit produces and its consumers read.

The audit (compliance/audit.py) turns schedules, account lifetimes, receipts
and confirmations into these records; the warehouse tables of the
`compliance` schema, the dashboard "Tuân thủ cập nhật", the early warnings and
the monthly report all read them. They are the contract between those parts:
add fields at the end, never change a meaning.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# Status of one expected submission, judged on the server-side receipt time of
# accepted files only (a rejected file is an attempt, never an update).
ON_TIME = "on_time"              # first accepted file received at or before the deadline
LATE = "late"                    # first accepted file received after the deadline
MISSING = "missing"              # deadline passed, no accepted file (and no rejected attempt)
REJECTED_ONLY = "rejected_only"  # deadline passed, only rejected files were received
PENDING = "pending"              # deadline not yet passed and nothing accepted: not yet due
STATUSES = (ON_TIME, LATE, MISSING, REJECTED_ONLY, PENDING)

# Freshness of an "on change" dataset: age of the last update against its maximum.
FRESH, STALE, NEVER = "fresh", "stale", "never"


@dataclass(frozen=True)
class Expectation:
    """One submission a unit owed. Grain: unit × dataset × deadline."""
    unit_code: str
    unit_name: str
    unit_type: str
    district_code: str | None
    dataset: str
    dataset_title: str
    kind: str                         # "slots" | "periodic"
    period_date: dt.date              # the report date the submission is for
    slot: str | None                  # "08:00" / "16:00" for slot schedules, else None
    due_at: dt.datetime               # deadline, timezone-aware
    status: str                       # one of STATUSES
    first_accepted_at: dt.datetime | None
    minutes_late: int | None          # ceil((first_accepted_at - due_at) / 1 min) when LATE, else None
    accepted_files: int               # accepted (loaded) files for this period
    corrections: int                  # accepted files after the first
    late_corrections: int             # corrections received after the deadline
    rejected_files: int               # rejected attempts assigned to this expectation
    warnings: int                     # data-quality warnings on its accepted files


@dataclass(frozen=True)
class Freshness:
    """An "on change" dataset of one unit at one instant. Grain: unit × dataset × as_of."""
    unit_code: str
    unit_name: str
    unit_type: str
    district_code: str | None
    dataset: str
    dataset_title: str
    as_of: dt.datetime
    last_update_at: dt.datetime | None   # latest accepted file or "no change" confirmation
    last_update_kind: str | None         # "file" | "confirmation"
    max_age_hours: float
    age_hours: float | None
    status: str                          # FRESH | STALE | NEVER
    day: dt.date | None = None           # the day this check closes (its 24:00, or as_of for the day in progress)


@dataclass(frozen=True)
class Attempt:
    """A rejected file: recorded as an attempt, never as an update."""
    submission_id: str
    unit_code: str
    dataset: str | None
    received_at: dt.datetime
    error_count: int
    # The deadline the attempt is assigned to (compliance/audit.py states the
    # rule); None when no deadline fits (dataset not recognised, "on change"...).
    period_date: dt.date | None = None
    slot: str | None = None
    due_at: dt.datetime | None = None


@dataclass(frozen=True)
class AuditResult:
    start: dt.date
    end: dt.date                     # inclusive
    as_of: dt.datetime               # the audit's clock: later receipts are not seen
    expected: list[Expectation]
    freshness: list[Freshness]
    attempts: list[Attempt]
    config_sha256: str = ""          # fingerprint of the schedules, holidays and accounts judged against


@dataclass(frozen=True)
class Rate:
    """DHIS2's reporting rates over a group of expectations (PENDING excluded):
    reporting_rate = (on_time + late) / expected, on_time_rate = on_time / expected."""
    group: dict                      # e.g. {"unit_code": "SYT"} or {"unit_type": "TTYT", "month": "2021-11"}
    expected: int
    received: int
    on_time: int
    late: int
    missing: int
    rejected_only: int
    reporting_rate: float | None     # None when expected == 0
    on_time_rate: float | None
    median_minutes_late: float | None
