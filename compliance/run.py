"""The compliance steps the DAG (dags/portal_compliance.py) and the CLI call.

audit_and_record -> publish -> refresh_superset. Each is safe to repeat: an
audit replaces its window's rows, a publish swaps the whole serving file.
"""
from __future__ import annotations

import calendar
import datetime as dt
import logging

from compliance.journal import audit_journal, audits_dir, write_json
from ingest.settings import Settings

log = logging.getLogger(__name__)

# During the first days of a month, files for the previous month's last days
# still arrive (late data, corrections): its audit is redone until then.
CARRY_DAYS = 5


def month_window(day: dt.date) -> tuple[dt.date, dt.date]:
    return day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1])


def windows(now: dt.datetime, tz) -> list[tuple[dt.date, dt.date]]:
    """The months an audit at `now` covers: the current month, and the
    previous one during the first CARRY_DAYS days."""
    today = now.astimezone(tz).date()
    out = []
    if today.day <= CARRY_DAYS:
        out.append(month_window(today.replace(day=1) - dt.timedelta(days=1)))
    out.append(month_window(today))
    return out


def audit_and_record(settings: Settings, now: dt.datetime | None = None,
                     spans: list[tuple[dt.date, dt.date]] | None = None) -> list[dict]:
    """Audit each window (default: `windows(now)`) as of `now`, record it in
    the warehouse and journal the run. Returns one summary per window."""
    from compliance.audit import audit, new_run_id, record_audit
    from compliance.schedules import default_config
    from warehouse.db import writer

    from compliance.audit import plain_datetime

    config = default_config()
    now = plain_datetime(now or dt.datetime.now(dt.timezone.utc), config.tz)
    summaries = []
    with writer(settings.warehouse_path) as con:
        for start, end in spans or windows(now, config.tz):
            result = audit(con, start, end, now, config=config)
            ran_at = dt.datetime.now(dt.timezone.utc)
            run_id = new_run_id(ran_at)
            journal = audit_journal(run_id, result, ran_at)
            write_json(audits_dir(settings) / f"{run_id}.json", journal)
            record_audit(con, result, run_id=run_id, ran_at=ran_at)
            summaries.append(journal)
            log.info("audit %s..%s as of %s: %s", start, end, result.as_of, journal["counts"])
    return summaries


def publish(settings: Settings) -> list[str]:
    """Swap in a serving file with the new compliance marts; return their names."""
    from warehouse.db import writer
    from warehouse.publish import COMPLIANCE_MARTS, build_serving

    with writer(settings.warehouse_path) as con:
        build_serving(con, settings.serving_path)
    return list(COMPLIANCE_MARTS)


def refresh_superset(settings: Settings, tables: list[str]) -> list[str]:
    """Ask Superset to refresh the compliance tables (dashboards/refresh.py)."""
    from dashboards.refresh import refresh_tables

    return refresh_tables(settings, tables)
