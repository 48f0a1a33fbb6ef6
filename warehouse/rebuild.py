"""Rebuild the warehouse from the files kept on disk, and compare two warehouses.

The archive of accepted files (archive/<UNIT>/<YYYY-MM>/<id>__<name>) is the
source of truth: replayed in original receipt order into an empty warehouse,
through the pipeline's own warehouse step (ingest.pipeline.record_batch), it
gives back the live warehouse row for row, marts and history alike. A lost or
corrupted warehouse file is therefore never a loss of data.

What is replayed, and why the result is exact:
* receipt time and order come from the journal (submissions/<id>.json), the
  same value the live run read from its receipt; without a journal, from the
  submission id, which `portal submit` derives from the receipt time;
* each file is validated as on the day it was processed (`today` = the local
  date of its journalled processing time, so "no future date" judges alike),
  and its processing time is restored from the journal into raw.submission;
* rejected files are replayed too, from quarantine/<UNIT>/<id>__<name>. They
  load no facts, but raw.submission and raw.validation_issue record them (the
  data-quality marts count them), and a rejection can depend on history (a
  cumulative figure below the last accepted one), so they must be judged in
  their place in the sequence. Skipping them would leave those tables and
  marts short, so the comparison could not be exact;
* duplicates are archived like accepted files and are found duplicate again;
* "no change" confirmations (confirmations/<id>.json) are put back into
  raw.confirmation, and recorded compliance audits (audits/<run_id>.json)
  are recomputed on the rebuilt data (compliance/journal.py).
Anything that disagrees with the journal (a verdict that changed because the
rules changed, an archived file whose SHA-256 no longer matches, a journalled
file that is missing) is reported as a problem, never silently absorbed.
"""
from __future__ import annotations

import datetime as dt
import fcntl
import os
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from ingest import inbox
from ingest.settings import TIMEZONE, Settings

BATCH = 200          # files validated together (one GX run per dataset per batch)
DONE = {"loaded", "duplicate", "rejected", "published"}


@dataclass
class Entry:
    submission_id: str
    unit: str
    original_name: str
    received_at: str           # ISO text, exactly as journalled (the live receipt's value)
    dataset: str | None
    path: Path
    area: str                  # archive | quarantine
    processed_at: dt.datetime | None
    journal: dict

    @property
    def received(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.received_at)

    @property
    def validation_day(self) -> dt.date:
        return (self.processed_at or self.received).astimezone(ZoneInfo(TIMEZONE)).date()

    def receipt(self) -> dict:
        return {"submission_id": self.submission_id, "unit": self.unit, "original_name": self.original_name,
                "received_at": self.received_at, "dataset": self.dataset, "path": self.path}


@dataclass
class Result:
    into: Path
    replayed: dict[str, int] = field(default_factory=dict)   # status -> files
    problems: list[str] = field(default_factory=list)        # Vietnamese, one line each

    def to_dict(self) -> dict:
        return {"into": str(self.into), "replayed": self.replayed, "problems": self.problems}


def _received_from_id(submission_id: str) -> str:
    stamp = dt.datetime.strptime(submission_id[1:22], "%Y%m%dT%H%M%S%f")
    return stamp.replace(tzinfo=dt.timezone.utc).isoformat()


def _processed_at(journal: dict) -> dt.datetime | None:
    if journal.get("processed_at"):
        return dt.datetime.fromisoformat(journal["processed_at"])
    # Journals written before processed_at was recorded: the first final state.
    for step in journal.get("history", []):
        if step.get("state") in DONE:
            return dt.datetime.fromisoformat(step["at"])
    return None


def _stored_files(settings: Settings):
    """(area, unit, path, submission id, original name) of every kept file."""
    for area, root, depth in (("archive", settings.archive, 2), ("quarantine", settings.quarantine, 1)):
        if not root.exists():
            continue
        pattern = "/".join(["*"] * (depth + 1))
        for path in sorted(root.glob(pattern)):
            match = inbox.ID_PATTERN.match(path.name)
            if not path.is_file() or match is None:
                continue
            sid, name = match.groups()
            # Reports sit beside the file they describe (<id>__<name>.report.json / .txt);
            # the journal names the file itself, even when the file is gone.
            original = (inbox.read_status(settings, sid) or {}).get("original_name")
            if original is not None and name != original:
                continue
            if original is None and name.endswith((".report.json", ".report.txt")):
                continue
            unit = path.relative_to(root).parts[0]
            yield area, unit, path, sid, name


def plan(settings: Settings) -> tuple[list[Entry], list[str]]:
    """Every kept file in receipt order, and the problems found on the way."""
    entries, problems, seen = [], [], set()
    for area, unit, path, sid, name in _stored_files(settings):
        journal = inbox.read_status(settings, sid) or {}
        if not journal:
            problems.append(f"{sid}: không có nhật ký lần nộp; thời điểm nhận lấy từ mã lần nộp.")
        received_at = journal.get("received_at") or _received_from_id(sid)
        if journal.get("file_sha256") and journal["file_sha256"] != inbox.sha256_of(path):
            problems.append(f"{sid}: tệp lưu trữ {path} không còn khớp SHA-256 đã ghi khi nhận.")
        entries.append(Entry(sid, journal.get("unit") or unit, journal.get("original_name") or name,
                             received_at, journal.get("dataset"), path, area, _processed_at(journal), journal))
        seen.add(sid)
    if settings.submissions.exists():
        for journal_path in sorted(settings.submissions.glob("*.json")):
            sid = journal_path.stem
            if sid in seen:
                continue
            journal = inbox.read_status(settings, sid) or {}
            if journal.get("state") in DONE:
                problems.append(f"{sid}: nhật ký ghi '{journal['state']}' nhưng không tìm thấy tệp "
                                "trong archive/ hoặc quarantine/.")
    entries.sort(key=lambda e: (e.received, e.submission_id))
    problems.extend(_out_of_order(entries))
    return entries, problems


def _out_of_order(entries: list[Entry]) -> list[str]:
    """The live run processes oldest receipt first, but a file still being
    copied in when a batch was claimed is processed in a later batch than a
    file received after it. Replaying in receipt order may then settle a
    correction differently from the live run: say so rather than differ silently."""
    problems, latest = [], None
    for entry in entries:
        if entry.processed_at is None:
            continue
        if latest is not None and entry.processed_at < latest.processed_at:
            problems.append(f"{latest.submission_id}: nhận trước {entry.submission_id} nhưng được xử lý sau; "
                            "bản dựng lại (theo thứ tự nhận) có thể khác kho đang chạy ở các phiên bản này.")
        else:
            latest = entry
    return problems


def rebuild(settings: Settings, into: Path) -> Result:
    """Replay every kept file into a new, empty warehouse at `into`."""
    from ingest.pipeline import record_batch
    from validation.validate import Request, validate_files
    from warehouse.db import writer

    into = Path(into)
    if into.exists():
        raise FileExistsError(into)
    entries, problems = plan(settings)
    result = Result(into, problems=problems)
    with writer(into) as con:
        for day, same_day in groupby(entries, key=lambda e: e.validation_day):
            same_day = list(same_day)
            for start in range(0, len(same_day), BATCH):
                batch = same_day[start:start + BATCH]
                receipts = [e.receipt() for e in batch]
                reports = validate_files([Request(e.path, e.unit, e.dataset) for e in batch],
                                         today=day, con=con)
                con.execute("BEGIN")
                outcomes = record_batch(con, settings, receipts, reports, [],
                                        processed_at={e.submission_id: e.processed_at
                                                      for e in batch if e.processed_at})
                con.execute("COMMIT")
                for report in reports:
                    report.release()
                for entry, (_, _, status, _, _, _) in zip(batch, outcomes):
                    result.replayed[status] = result.replayed.get(status, 0) + 1
                    journalled = entry.journal.get("state")
                    journalled = "loaded" if journalled == "published" else journalled
                    if journalled in DONE and journalled != status:
                        problems.append(f"{entry.submission_id}: lần nạp lại cho kết quả '{status}', "
                                        f"khác với kết quả ban đầu '{journalled}'.")
                    expected_area = "quarantine" if status == "rejected" else "archive"
                    if entry.area != expected_area:
                        problems.append(f"{entry.submission_id}: tệp nằm trong {entry.area}/ nhưng "
                                        f"kết quả nạp lại là '{status}'.")
        # "No change" confirmations (raw.confirmation) and recorded compliance
        # audits are journalled beside the submissions: put them back too.
        from compliance.journal import replay

        problems.extend(replay(settings, con))
        con.execute("CHECKPOINT")
    return result


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def rebuild_in_place(settings: Settings) -> Result:
    """Rebuild beside the live warehouse, then swap it in (the previous file is
    kept as warehouse.duckdb.before-rebuild) and republish the serving file."""
    from ingest.pipeline import publish
    from ingest.schema import all_schemas

    live = settings.warehouse_path
    live.parent.mkdir(parents=True, exist_ok=True)
    tmp = live.with_name(f".{live.name}.rebuild.{os.getpid()}")
    for leftover in (tmp, _wal(tmp), tmp.with_suffix(".lock")):
        leftover.unlink(missing_ok=True)
    try:
        result = rebuild(settings, tmp)
    except BaseException:
        for leftover in (tmp, _wal(tmp)):
            leftover.unlink(missing_ok=True)
        raise
    tmp.with_suffix(".lock").unlink(missing_ok=True)
    with open(live.with_suffix(".lock"), "w") as lock:
        # The same lock the pipeline's writer takes: no load runs during the swap.
        fcntl.flock(lock, fcntl.LOCK_EX)
        backup = live.with_name(live.name + ".before-rebuild")
        if live.exists():
            os.replace(live, backup)
        # A WAL left by the old file must never be replayed onto the new one.
        if _wal(live).exists():
            os.replace(_wal(live), _wal(backup))
        os.replace(tmp, live)
    result.into = live
    publish(settings, list(all_schemas()))
    return result


def compare(left: Path, right: Path) -> dict[str, dict]:
    """Every table and view of raw, staging, core and marts, row for row (as
    multisets). Returns {object: {"left_only": n, "right_only": n}} for each
    object that differs or exists on one side only; empty when identical.
    meta.schema_migrations is left out: it records when each file was built."""
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH '{left}' AS l (READ_ONLY)")
        con.execute(f"ATTACH '{right}' AS r (READ_ONLY)")

        def objects(alias):
            return {f"{s}.{t}" for s, t in con.execute(f"""
                SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = '{alias}' AND NOT internal
                UNION ALL
                SELECT schema_name, view_name FROM duckdb_views() WHERE database_name = '{alias}' AND NOT internal
            """).fetchall() if s != "meta"}

        ours, theirs = objects("l"), objects("r")
        differences = {}
        for name in sorted(ours | theirs):
            if name not in ours or name not in theirs:
                differences[name] = {"left_only": "object" if name in ours else 0,
                                     "right_only": "object" if name in theirs else 0}
                continue
            left_only, right_only = con.execute(f"""
                SELECT (SELECT count(*) FROM (SELECT * FROM l.{name} EXCEPT ALL SELECT * FROM r.{name})),
                       (SELECT count(*) FROM (SELECT * FROM r.{name} EXCEPT ALL SELECT * FROM l.{name}))
            """).fetchone()
            if left_only or right_only:
                differences[name] = {"left_only": left_only, "right_only": right_only}
        return differences
    finally:
        con.close()


def compare_with_live(settings: Settings, other: Path) -> dict[str, dict]:
    """compare() against the live warehouse, holding its lock so no load runs meanwhile."""
    live = settings.warehouse_path
    with open(live.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_SH)
        return compare(live, other)
