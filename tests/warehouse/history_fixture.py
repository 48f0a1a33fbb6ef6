"""Submissions with chosen receipt times, for the history, as-of and rebuild tests.

Files go through the real inbox (ingest.inbox.submit) and the real in-process
pipeline (ingest.pipeline.run_once); only the receipt time the server would
have stamped is set by hand in the journal before the file is claimed, so a
test can say "received at 15:45 on 10 November 2021".
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from ingest import inbox
from ingest.samples import sample_rows
from ingest.schema import load_schema
from ingest.templates import write_submission

VN = ZoneInfo("Asia/Ho_Chi_Minh")
EPIDEMIC = "epidemic_situation_by_district"


def at(day: dt.date, hhmm: str) -> dt.datetime:
    """A moment in Viet Nam time."""
    hours, minutes = map(int, hhmm.split(":"))
    return dt.datetime.combine(day, dt.time(hours, minutes), tzinfo=VN)


def write_sample(folder: Path, unit: str, dataset: str, day: dt.date, slot: str | None = None,
                 edit=None, suffix: str = ".xlsx", tag: str = "") -> Path:
    rows = sample_rows(dataset, unit, day, slot)
    if edit:
        edit(rows)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{unit}_{dataset}_{day:%Y%m%d}{'_' + slot.replace(':', '') if slot else ''}{tag}{suffix}"
    return write_submission(load_schema(dataset), rows, folder / name, unit)


def submit_at(settings, path: Path, unit: str, when: dt.datetime, dataset: str | None = None) -> str:
    """Drop a file through the inbox as if the server had received it at `when`."""
    sid = inbox.submit(settings, path, unit, dataset)
    inbox.update_status(settings, sid, "received",
                        received_at=when.astimezone(dt.timezone.utc).isoformat())
    return sid


def query(path: Path, sql: str, params=None) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def add_to(district: str, **deltas):
    """An edit for write_sample: add to some figures of one district's row.
    Only flows (new cases, tests), so no later cumulative figure is contradicted."""
    def edit(rows):
        for row in rows:
            if row.get("district_code") == district:
                for name, delta in deltas.items():
                    row[name] += delta
    return edit
