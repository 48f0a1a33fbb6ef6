"""Reporting rates with DHIS2's definitions and denominators.

DHIS2 (REPORTING_RATE, REPORTING_RATE_ON_TIME) divides by the reports
expected of the units assigned, over the periods they were open; here the
expected reports are the audit's expectations (one per unit, dataset and
deadline, only on the days the unit's account existed), so:

    reporting_rate = (on_time + late) / expected
    on_time_rate   = on_time / expected

where expected = on_time + late + missing + rejected_only. PENDING
expectations (deadline not passed, nothing accepted yet) count in no
denominator and no numerator. Unlike DHIS2, "on time" is judged to the
minute against the deadline, not in whole days after the period.

Rates are fractions (0–1), not percentages; None when nothing was expected.
"""
from __future__ import annotations

import statistics
from collections.abc import Iterable

from compliance.model import LATE, MISSING, ON_TIME, PENDING, REJECTED_ONLY, Expectation, Rate

KEYS = ("unit_code", "unit_type", "district_code", "dataset", "slot", "day", "week", "month")


def _key(e: Expectation, name: str):
    if name == "day":
        return e.period_date.isoformat()
    if name == "week":
        year, week, _ = e.period_date.isocalendar()
        return f"{year}-W{week:02d}"
    if name == "month":
        return f"{e.period_date:%Y-%m}"
    return getattr(e, name)


def _sort_key(group: tuple) -> tuple:
    # None (a provincial unit's district, a periodic dataset's slot) sorts first.
    return tuple((value is not None, value if value is not None else "") for value in group)


def rates(expected: Iterable[Expectation], by: tuple[str, ...]) -> list[Rate]:
    """One Rate per group of `by` values (e.g. ("unit_code", "month")),
    sorted by those values; `by=()` gives one Rate over everything (none
    when `expected` is empty). A group whose expectations are all PENDING
    appears with expected = 0 and rates None.

    >>> rates([], by=("unit_code",))
    []
    """
    by = tuple(by)
    unknown = [k for k in by if k not in KEYS]
    if unknown:
        raise ValueError(f"Không nhóm được theo {', '.join(unknown)}; chọn trong: {', '.join(KEYS)}.")
    groups: dict[tuple, list[Expectation]] = {}
    for e in expected:
        groups.setdefault(tuple(_key(e, k) for k in by), []).append(e)
    out = []
    for values in sorted(groups, key=_sort_key):
        members = groups[values]
        counts = {ON_TIME: 0, LATE: 0, MISSING: 0, REJECTED_ONLY: 0, PENDING: 0}
        late_minutes = []
        for e in members:
            counts[e.status] += 1
            if e.status == LATE:
                late_minutes.append(e.minutes_late)
        due = counts[ON_TIME] + counts[LATE] + counts[MISSING] + counts[REJECTED_ONLY]
        received = counts[ON_TIME] + counts[LATE]
        out.append(Rate(
            group=dict(zip(by, values)),
            expected=due,
            received=received,
            on_time=counts[ON_TIME],
            late=counts[LATE],
            missing=counts[MISSING],
            rejected_only=counts[REJECTED_ONLY],
            reporting_rate=received / due if due else None,
            on_time_rate=counts[ON_TIME] / due if due else None,
            median_minutes_late=float(statistics.median(late_minutes)) if late_minutes else None,
        ))
    return out
