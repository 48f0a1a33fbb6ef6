"""The file areas: inbox -> spool -> archive | quarantine, and the status journal.

A file is always in exactly one area, moved with os.rename (atomic on one
file system). The journal (submissions/<id>.json) records each state change
and is readable at any time without touching the warehouse.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import re
import secrets
import shutil
import time
from pathlib import Path

from ingest.settings import Settings

log = logging.getLogger(__name__)
ID_PATTERN = re.compile(r"^(S\d{8}T\d{6}\d{6}-[0-9a-f]{6})__(.+)$")
# A file copied in by other means (network share) is claimed once it has not
# changed for this long, so a half-copied file is never read.
SETTLE_SECONDS = 1.0


def new_submission_id(now: dt.datetime | None = None) -> str:
    now = now or dt.datetime.now(dt.timezone.utc)
    return f"S{now:%Y%m%dT%H%M%S%f}-{secrets.token_hex(3)}"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    os.replace(tmp, path)


def read_status(settings: Settings, submission_id: str) -> dict | None:
    path = settings.submissions / f"{submission_id}.json"
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def update_status(settings: Settings, submission_id: str, state: str, **fields) -> dict:
    record = read_status(settings, submission_id) or {"submission_id": submission_id, "history": []}
    now = dt.datetime.now(dt.timezone.utc).isoformat()
    record.update(fields)
    record["state"] = state
    record["history"].append({"state": state, "at": now})
    _write_json(settings.submissions / f"{submission_id}.json", record)
    return record


def submit(settings: Settings, source: Path, unit_code: str, dataset: str | None = None) -> str:
    """Drop a file into inbox/<UNIT>/ atomically and return its submission id.

    The file is first copied into a hidden temporary name in the same folder,
    then renamed, so the watcher never sees a partial file."""
    source = Path(source)
    received_at = dt.datetime.now(dt.timezone.utc)
    submission_id = new_submission_id(received_at)
    folder = settings.inbox / unit_code
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{submission_id}__{source.name}"
    tmp = folder / f".{target.name}.tmp"
    shutil.copyfile(source, tmp)
    update_status(settings, submission_id, "received", unit=unit_code, original_name=source.name,
                  received_at=received_at.isoformat(), dataset=dataset)
    os.rename(tmp, target)
    return submission_id


def claim_inbox(settings: Settings) -> list[str]:
    """Move complete files from inbox/<UNIT>/ into spool/<id>/ with a receipt."""
    claimed = []
    if not settings.inbox.exists():
        return claimed
    now = time.time()
    for unit_dir in sorted(p for p in settings.inbox.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for path in sorted(unit_dir.iterdir()):
            if path.name.startswith(".") or not path.is_file():
                continue
            try:
                submission_id = _claim_one(settings, unit_dir.name, path, now)
            except OSError:
                # One unreadable entry must not hold back the others; it is
                # retried on the next poll and the error is in the log.
                log.exception("cannot claim %s", path)
                continue
            if submission_id:
                claimed.append(submission_id)
    return claimed


def _claim_one(settings: Settings, unit: str, path: Path, now: float) -> str | None:
    match = ID_PATTERN.match(path.name)
    if match is None and now - path.stat().st_mtime < SETTLE_SECONDS:
        return None
    if match:
        submission_id, original = match.groups()
        known = read_status(settings, submission_id) or {}
        received_at = known.get("received_at") or dt.datetime.now(dt.timezone.utc).isoformat()
    else:
        submission_id, original, known = new_submission_id(), path.name, {}
        received_at = dt.datetime.now(dt.timezone.utc).isoformat()
    target_dir = settings.spool / submission_id
    target_dir.mkdir(parents=True, exist_ok=True)
    # The dataset is named by `portal submit --dataset`, else recognised from the header.
    receipt = {"submission_id": submission_id, "unit": unit, "original_name": original,
               "received_at": received_at, "dataset": known.get("dataset")}
    _write_json(target_dir / "receipt.json", receipt)
    try:
        os.rename(path, target_dir / original)
    except FileNotFoundError:  # another claimer was faster
        shutil.rmtree(target_dir, ignore_errors=True)
        return None
    update_status(settings, submission_id, "received", unit=unit,
                  original_name=original, received_at=received_at)
    return submission_id


def spooled(settings: Settings) -> list[dict]:
    """Receipts of every spooled submission, oldest receipt first."""
    receipts = []
    if settings.spool.exists():
        for folder in settings.spool.iterdir():
            receipt_path = folder / "receipt.json"
            if receipt_path.exists():
                receipt = json.loads(receipt_path.read_text(encoding="utf-8"))
                receipt["path"] = folder / receipt["original_name"]
                receipts.append(receipt)
    return sorted(receipts, key=lambda r: (r["received_at"], r["submission_id"]))


def file_away(settings: Settings, receipt: dict, accepted: bool, report: dict | None = None,
              report_text: str | None = None) -> Path:
    """Move a processed file to archive/ (accepted) or quarantine/ (rejected,
    with its report beside it) and drop its spool folder."""
    unit, sid, name = receipt["unit"], receipt["submission_id"], receipt["original_name"]
    if accepted:
        folder = settings.archive / unit / receipt["received_at"][:7]
    else:
        folder = settings.quarantine / unit
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{sid}__{name}"
    source = Path(receipt["path"])
    if source.exists():
        os.replace(source, target)
    if report is not None:
        _write_json(folder / f"{sid}__{name}.report.json", report)
    if report_text is not None:
        (folder / f"{sid}__{name}.report.txt").write_text(report_text, encoding="utf-8")
    shutil.rmtree(settings.spool / sid, ignore_errors=True)
    return target
