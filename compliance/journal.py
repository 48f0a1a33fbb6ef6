"""Journals of what the compliance side adds to the warehouse, and their replay.

Like the submissions journal (PORTAL_HOME/submissions/<id>.json), each fact
the warehouse learns from outside a file is first written as a small JSON
file under PORTAL_HOME, so `portal rebuild` can put it back:

* confirmations/<id>.json: a unit's "no change" confirmation (raw.confirmation);
* audits/<run_id>.json: a recorded audit run (its window, as_of, run time
  and counts). The audit is a pure function of the warehouse and the
  schedule files, so a rebuild recomputes the runs whose rows survive (the
  latest run covering each day) and restores the others' log rows as
  journalled; a recomputed run whose counts differ from the journal (the
  schedule files changed since, or a file was still being processed when the
  live audit ran) is reported as a problem, never absorbed.
"""
from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

from ingest.settings import Settings

COUNTS = ("expectations", "on_time", "late", "missing", "rejected_only", "pending", "freshness_checks",
          "not_fresh", "attempts")


def confirmations_dir(settings: Settings) -> Path:
    return settings.home / "confirmations"


def audits_dir(settings: Settings) -> Path:
    return settings.home / "audits"


def write_json(path: Path, data: dict) -> None:
    """Atomically (temporary file + os.replace), like ingest/inbox.py's journal."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    os.replace(tmp, path)


def _read_all(folder: Path) -> list[dict]:
    if not folder.exists():
        return []
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]


def record_confirmation(con, record: dict) -> None:
    """Insert a journalled confirmation into raw.confirmation (once)."""
    con.execute("""INSERT INTO raw.confirmation (confirmation_id, unit_code, dataset, confirmed_at, note)
                   VALUES (?, ?, ?, ?::TIMESTAMPTZ, ?) ON CONFLICT DO NOTHING""",
                [record["confirmation_id"], record["unit_code"], record["dataset"], record["confirmed_at"],
                 record.get("note") or ""])


def audit_journal(run_id: str, result, ran_at: dt.datetime) -> dict:
    from compliance.model import FRESH, LATE, MISSING, ON_TIME, PENDING, REJECTED_ONLY

    statuses = [e.status for e in result.expected]
    return {"run_id": run_id, "start": result.start.isoformat(), "end": result.end.isoformat(),
            "as_of": result.as_of.isoformat(), "ran_at": ran_at.isoformat(),
            "config_sha256": result.config_sha256,
            "counts": {"expectations": len(statuses), "on_time": statuses.count(ON_TIME),
                       "late": statuses.count(LATE), "missing": statuses.count(MISSING),
                       "rejected_only": statuses.count(REJECTED_ONLY), "pending": statuses.count(PENDING),
                       "freshness_checks": len(result.freshness),
                       "not_fresh": sum(1 for f in result.freshness if f.status != FRESH),
                       "attempts": len(result.attempts)}}


def _superseded(run: dict, later: list[dict]) -> bool:
    """A later run whose window covers this one replaced all of its rows."""
    return any(o["start"] <= run["start"] and o["end"] >= run["end"] for o in later)


def replay(settings: Settings, con) -> list[str]:
    """Put journalled confirmations and audit runs back into the warehouse of
    `con` (inside a rebuild). Returns problems, one Vietnamese line each."""
    from compliance.audit import audit, record_audit
    from compliance.schedules import default_config

    problems = []
    for record in _read_all(confirmations_dir(settings)):
        record_confirmation(con, record)
    runs = sorted(_read_all(audits_dir(settings)), key=lambda r: (r["ran_at"], r["run_id"]))
    config = default_config() if runs else None
    for i, run in enumerate(runs):
        ran_at = dt.datetime.fromisoformat(run["ran_at"])
        if _superseded(run, runs[i + 1:]):
            counts = [run["counts"][k] for k in COUNTS]
            con.execute(f"""INSERT INTO compliance.audit_run VALUES
                            (?, ?::DATE, ?::DATE, ?::TIMESTAMPTZ, ?::TIMESTAMPTZ, ?, {', '.join('?' * len(COUNTS))})""",
                        [run["run_id"], run["start"], run["end"], run["as_of"], run["ran_at"],
                         run["config_sha256"], *counts])
            continue
        result = audit(con, dt.date.fromisoformat(run["start"]), dt.date.fromisoformat(run["end"]),
                       dt.datetime.fromisoformat(run["as_of"]), config=config)
        record_audit(con, result, run_id=run["run_id"], ran_at=ran_at)
        if result.config_sha256 != run["config_sha256"]:
            problems.append(f"{run['run_id']}: cấu hình lịch cập nhật đã thay đổi kể từ lần kiểm tra này; "
                            "kết quả dựng lại theo cấu hình hiện tại.")
        again = audit_journal(run["run_id"], result, ran_at)["counts"]
        if again != run["counts"]:
            changed = ", ".join(f"{k} {run['counts'][k]} → {again[k]}" for k in COUNTS if again[k] != run["counts"][k])
            problems.append(f"{run['run_id']}: lần kiểm tra dựng lại cho kết quả khác ban đầu ({changed}).")
    return problems
