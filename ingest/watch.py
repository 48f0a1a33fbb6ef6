"""Event-driven start of the ingest DAG: an Airflow trigger that watches the inbox.

Why a trigger and not a polling DAG: the triggerer runs this coroutine
continuously, so a dropped file is claimed (moved to spool/ and given its
server receipt time) within about ``poke_interval`` seconds, instead of waiting
for the next scheduled run. Claiming here, in one place, also means each file
is claimed exactly once: the triggerer runs one instance per trigger row.

The trigger fires one event carrying the claimed submission ids and returns;
the triggerer then starts it again (Airflow's contract for AssetWatcher
triggers). Files that arrive in that restart gap are claimed on the next
start, or by the DAG's own ``process`` task, whichever comes first.
"""
from __future__ import annotations

import asyncio
import importlib
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from airflow.triggers.base import BaseEventTrigger, TriggerEvent

# After an error, wait longer before the next attempt (up to this), so a file
# that keeps failing does not flood the triggerer log twice a second.
MAX_ERROR_BACKOFF = 30.0


def pending_files(inbox_dir: str | os.PathLike) -> list[Path]:
    """Visible regular files directly inside inbox/<UNIT>/ folders.

    Names starting with '.' are skipped: uploaders (rsync, browsers, Samba)
    write to hidden temporary names and rename when done."""
    found: list[Path] = []
    try:
        units = list(os.scandir(inbox_dir))
    except FileNotFoundError:
        return found
    for unit in units:
        if unit.name.startswith(".") or not unit.is_dir(follow_symlinks=False):
            continue
        try:
            entries = list(os.scandir(unit.path))
        except (FileNotFoundError, NotADirectoryError):
            continue  # the unit folder vanished between the two listings
        for entry in entries:
            if not entry.name.startswith(".") and entry.is_file(follow_symlinks=False):
                found.append(Path(entry.path))
    return found


def _claim(inbox_dir: str) -> list[str]:
    """Run the pipeline's claim step for the portal that owns ``inbox_dir``."""
    import dataclasses

    from ingest.pipeline import claim_inbox
    from ingest.settings import load_settings

    settings = load_settings()
    inbox = Path(inbox_dir)
    if settings.inbox.resolve() != inbox.resolve():
        # The DAG was parsed under another PORTAL_HOME than the triggerer runs
        # with; trust the watched folder, it is what the DAG declared.
        settings = dataclasses.replace(settings, home=inbox.parent.resolve())
    return list(claim_inbox(settings))


class InboxTrigger(BaseEventTrigger):
    """Fire when files land in ``<inbox_dir>/<UNIT>/``, after claiming them.

    :param inbox_dir: the portal's inbox folder (``Settings.inbox``).
    :param poke_interval: seconds between scans of the inbox.
    """

    def __init__(self, inbox_dir: str, poke_interval: float = 0.5, **kwargs: Any):
        super().__init__(**kwargs)
        # No file system access here: the DAG file builds this object at parse
        # time, and parsing must stay free of I/O.
        self.inbox_dir = str(inbox_dir)
        self.poke_interval = float(poke_interval)

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            "ingest.watch.InboxTrigger",
            {"inbox_dir": self.inbox_dir, "poke_interval": self.poke_interval},
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        self.log.info("Watching %s every %ss", self.inbox_dir, self.poke_interval)
        try:
            # Import the pipeline now, not on the first file: it pulls in
            # pandas and friends (~9 s measured on a busy machine), which
            # would otherwise delay the first receipt stamp by as much.
            await asyncio.to_thread(importlib.import_module, "ingest.pipeline")
        except Exception:
            self.log.exception("Cannot import ingest.pipeline; will retry on the first file")
        backoff = 0.0
        failed_listing: tuple[str, ...] | None = None
        while True:
            try:
                files = await asyncio.to_thread(pending_files, self.inbox_dir)
            except OSError as exc:  # e.g. permission denied on a unit folder
                self.log.warning("Cannot list %s: %s", self.inbox_dir, exc)
                files = []
            if files:
                listing = tuple(sorted(str(f) for f in files))
                # After a failure, retry at once only if the inbox changed
                # (a new or fixed file), otherwise wait out the back-off.
                if backoff and listing == failed_listing:
                    await asyncio.sleep(backoff)
                started = time.monotonic()
                try:
                    # claim_inbox does blocking file I/O: keep it off the
                    # triggerer's event loop, which other triggers share.
                    claimed = await asyncio.to_thread(_claim, self.inbox_dir)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    # Never let a bad file kill the watcher: log and keep
                    # polling; the file stays in inbox/ for a human to see.
                    backoff = min(MAX_ERROR_BACKOFF, max(1.0, backoff * 2))
                    failed_listing = listing
                    self.log.exception(
                        "claim_inbox failed for %d file(s) in %s; retrying in %.0fs",
                        len(files),
                        self.inbox_dir,
                        backoff,
                    )
                else:
                    backoff, failed_listing = 0.0, None
                    if claimed:
                        self.log.info(
                            "Claimed %d submission(s) in %.2fs: %s",
                            len(claimed),
                            time.monotonic() - started,
                            claimed,
                        )
                        yield TriggerEvent({"submission_ids": claimed, "claimed_at": time.time()})
                        return
                    # Files present but none complete yet (still being written):
                    # poll again.
            await asyncio.sleep(self.poke_interval)
