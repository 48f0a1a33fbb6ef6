"""The ingest pipeline's steps, called by the Airflow DAG tasks and by the CLI.

claim_inbox -> process_spool -> publish -> (Superset refresh) -> mark_published.
Each step is idempotent and safe to re-run after a crash: a file is always in
exactly one of inbox/, spool/, archive/ or quarantine/, and a submission
already recorded in the warehouse is never loaded twice.
"""
from __future__ import annotations

import datetime as dt
import logging

from ingest import inbox
from ingest.outbox import write_outbox
from ingest.schema import load_schema
from ingest.settings import Settings
from validation.validate import Request, render_text, validate_files

log = logging.getLogger(__name__)
claim_inbox = inbox.claim_inbox


def _destination(settings: Settings, receipt: dict, accepted: bool) -> str:
    area = "archive" if accepted else "quarantine"
    parts = [area, receipt["unit"]] + ([receipt["received_at"][:7]] if accepted else [])
    return "/".join(parts + [f"{receipt['submission_id']}__{receipt['original_name']}"])


def process_spool(settings: Settings) -> dict:
    """Validate and load every spooled submission, oldest receipt first.

    Returns ``{"loaded": [ids], "duplicate": [ids], "rejected": [ids],
    "datasets": [dataset names whose facts changed]}``."""
    from warehouse.db import writer

    result = {"loaded": [], "duplicate": [], "rejected": [], "datasets": []}
    receipts = inbox.spooled(settings)
    if not receipts:
        return result
    with writer(settings.warehouse_path) as con:
        # Validated in the warehouse's own connection (temporary tables only):
        # accepted rows then go into core without leaving DuckDB.
        reports = validate_files([Request(r["path"], r["unit"], r.get("dataset")) for r in receipts], con=con)
        keep_for_datadocs(settings, receipts, reports)
        con.execute("BEGIN")
        outcomes = record_batch(con, settings, receipts, reports, result["datasets"])
        con.execute("COMMIT")
        for report in reports:
            report.release()
    # Files move only after the warehouse committed; a crash in between leaves
    # them in spool/, and the next run finds them already recorded.
    for receipt, report, status, sha, imported, processed_at in outcomes:
        summary = {**report.to_dict(), "import": imported}
        accepted = status != "rejected"
        stored = inbox.file_away(settings, receipt, accepted,
                                 report=summary, report_text=render_text(summary, receipt))
        try:
            write_outbox(settings.outbox, receipt, report, stored, imported)
        except OSError:  # the agency's copy is a courtesy; the load and the archive stand
            log.exception("outbox for %s", receipt["submission_id"])
        # processed_at is journalled so `portal rebuild` restores raw.submission exactly.
        extra = {"processed_at": processed_at.isoformat()} if processed_at else {}
        inbox.update_status(settings, receipt["submission_id"], status, dataset=report.dataset,
                            file_sha256=sha, stored_path=str(stored),
                            report_path=str(stored) + ".report.json",
                            error_count=summary["error_count"], **extra)
        result[status].append(receipt["submission_id"])
    return result


def record_batch(con, settings: Settings, receipts: list[dict], reports: list, datasets: list[str],
                 processed_at: dict[str, dt.datetime] | None = None) -> list[tuple]:
    """The warehouse side of a validated batch, in receipt order: history checks,
    then load, duplicate or reject each file, inside the caller's transaction.

    `portal rebuild` replays the archive through this same function, passing
    each submission's original processing time in `processed_at` (default:
    now). Appends the datasets whose facts changed to `datasets`; returns
    (receipt, report, status, sha256, import summary, processed_at) per file."""
    from warehouse.load import (already_recorded, find_duplicate, load_dataset, record_issues,
                                record_submission, sync_dimensions)

    if con.execute("SELECT count(*) FROM core.dim_area").fetchone()[0] == 0:
        sync_dimensions(con)
    outcomes = []
    for receipt, report in zip(receipts, reports):
        sid = receipt["submission_id"]
        status = already_recorded(con, sid)
        imported = None
        sha = inbox.sha256_of(receipt["path"]) if receipt["path"].exists() else ""
        if status is None:
            if report.valid:
                # History counts files earlier in this batch: same connection, same transaction.
                report.errors.extend(history_errors(con, report))
            summary = report.to_dict()
            typed = report.typed
            when = (processed_at or {}).get(sid) or dt.datetime.now(dt.timezone.utc)
            submission = {
                "submission_id": sid, "unit_code": report.unit, "dataset": report.dataset,
                "original_name": receipt["original_name"], "file_sha256": sha,
                "file_size": receipt["path"].stat().st_size,
                "received_at": dt.datetime.fromisoformat(receipt["received_at"]),
                "processed_at": when,
                "row_count": report.rows, "error_count": summary["error_count"],
                "warning_count": summary["warning_count"],
                "report_date": _period_date(report) if report.valid else None,
                "slot": typed.first("slot") if report.valid and "slot" in typed.columns else None,
                "duplicate_of": None,
            }
            if not report.valid:
                status = "rejected"
            elif duplicate_of := find_duplicate(con, report.unit, sha):
                status, submission["duplicate_of"] = "duplicate", duplicate_of
            else:
                imported = load_dataset(con, load_schema(report.dataset), submission, typed)
                status = "loaded"
                if report.dataset not in datasets:
                    datasets.append(report.dataset)
            submission["status"] = status
            submission["stored_path"] = _destination(settings, receipt, status != "rejected")
            record_submission(con, submission)
            record_issues(con, sid, report.errors)
        else:  # recorded before a crash: keep the time the warehouse holds
            when = con.execute("SELECT processed_at FROM raw.submission WHERE submission_id = ?",
                               [sid]).fetchone()[0]
        if status in ("rejected", "duplicate"):
            imported = {"inserted": 0, "updated": 0, "withdrawn": 0,
                        "unchanged": report.rows if status == "duplicate" else 0,
                        "rejected": report.rows if status == "rejected" else 0}
        outcomes.append((receipt, report, status, sha, imported, when))
    return outcomes


def keep_for_datadocs(settings: Settings, receipts: list[dict], reports: list) -> None:
    """Keep each GX run of the batch (one per dataset) for the Data Docs step
    (build_datadocs), from the results validation already produced. Docs
    never block loading."""
    from validation.datadocs import save_pending

    done = set()
    for report in reports:
        if report.gx_result is None or id(report.gx_result) in done:
            continue
        done.add(id(report.gx_result))
        try:
            save_pending(settings.datadocs, load_schema(report.dataset), report.gx_result,
                         run_name=receipts[0]["submission_id"])
        except Exception:
            log.exception("data docs for %s", report.dataset)


def build_datadocs(settings: Settings) -> int:
    """Render the validation results kept by process_spool into the offline
    Data Docs site (a DAG task of its own, after the load). Returns how many."""
    from validation.datadocs import build_pending

    try:
        return len(build_pending(settings.datadocs))
    except Exception:     # pages are a courtesy: the next run renders what is left
        log.exception("data docs")
        return 0


def history_errors(con, report) -> list:
    """Checks against the warehouse: cumulative figures, outliers, other units' figures."""
    from ingest.registry import load_registry
    from validation.history import check_cross_unit, check_history, history_fields
    from warehouse.load import fact_table

    schema = load_schema(report.dataset)
    unit_type = load_registry().unit(report.unit).unit_type
    needed = history_fields(schema, unit_type, report.typed.columns)
    if not needed:
        return []     # most datasets (and every big file) have no figure to compare with history
    frame = report.typed.frame(needed)
    table = fact_table(schema.name)
    return [*check_history(con, table, schema, report.unit, frame, report.header_columns),
            *check_cross_unit(con, table, schema, unit_type, frame, report.header_columns)]


def _period_date(report):
    """The date a submission is for: its period's date, else its first date column."""
    schema = load_schema(report.dataset)
    dates = [f.name for f in schema.fields if f.type == "date" and f.name in report.typed.columns]
    ordered = [n for n in schema.period_key if n in dates] + dates
    return report.typed.first(ordered[0]) if ordered else None


def processed_any(result: dict) -> bool:
    """Whether a run recorded any submission: even a run that only rejected
    files changes the data-quality marts, so it must be published."""
    return bool(result.get("loaded") or result.get("rejected") or result.get("duplicate"))


def publish(settings: Settings, datasets: list[str], submissions_changed: bool | None = None) -> list[str]:
    """Rebuild the serving DuckDB file from the marts and swap it in atomically.
    Returns the serving table names that changed (for Superset refresh)."""
    from warehouse.db import writer
    from warehouse.publish import build_serving, changed_tables

    with writer(settings.warehouse_path) as con:
        build_serving(con, settings.serving_path)
    return changed_tables(datasets, submissions_changed)


def mark_published(settings: Settings, submission_ids: list[str]) -> None:
    """The last state: the figures are on the dashboards."""
    for sid in submission_ids:
        inbox.update_status(settings, sid, "published")


def run_once(settings: Settings) -> dict:
    """The whole pipeline in one process (CLI `portal ingest`, tests, benches)."""
    claim_inbox(settings)
    result = process_spool(settings)
    if processed_any(result) or not settings.serving_path.exists():
        result["tables"] = publish(settings, result["datasets"], processed_any(result))
    mark_published(settings, result["loaded"])
    build_datadocs(settings)
    return result
