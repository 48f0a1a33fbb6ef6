"""The ingest pipeline's steps, called by the Airflow DAG tasks and by the CLI.

claim_inbox -> process_spool -> publish. Each step is idempotent and safe to
re-run after a crash: a file is always in exactly one of inbox/, spool/,
archive/ or quarantine/.
"""
from __future__ import annotations

from ingest.settings import Settings


def claim_inbox(settings: Settings) -> list[str]:
    """Move every complete file from inbox/<UNIT>/ into spool/, stamping the
    server-side receipt time. Returns the new submission ids."""
    raise NotImplementedError


def process_spool(settings: Settings) -> dict:
    """Validate and load every spooled submission, oldest receipt first.

    Returns ``{"loaded": [ids], "duplicate": [ids], "rejected": [ids],
    "datasets": [dataset names whose facts changed]}``."""
    raise NotImplementedError


def publish(settings: Settings, datasets: list[str]) -> list[str]:
    """Rebuild the serving DuckDB file from the marts and swap it in atomically.
    Returns the serving table names that changed (for Superset refresh)."""
    raise NotImplementedError
