"""Benchmarks for the end-to-end slice, against a baseline measured in the same run.

1. Latency from a file drop to the dashboard's data (Airflow scheduler running):
   median and p95 over 20 drops. Baseline: the same pipeline run in one process
   (`portal ingest`, no scheduler), so the ratio is what orchestration costs.
2. Backfill: one year, both slots (730 files) dropped at once, until every one is
   published: wall time, cost per file, peak memory of the whole stack.
   Baseline: the same 730 files through the in-process pipeline.

Run: .venv/pipeline/bin/python bench/run.py   (takes a few minutes)
"""
from __future__ import annotations

import datetime as dt
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ingest import inbox  # noqa: E402
from ingest.samples import sample_rows  # noqa: E402
from ingest.schema import load_schema  # noqa: E402
from ingest.templates import write_submission  # noqa: E402

DATASET = "epidemic_situation_by_district"
LATENCY_DROPS = 20


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_files(folder: Path, start: dt.date, days: int) -> list[Path]:
    schema = load_schema(DATASET)
    files = []
    for offset in range(days):
        for slot in ("08:00", "16:00"):
            day = start + dt.timedelta(days=offset)
            out = folder / f"SYT_{day}_{slot.replace(':', '')}.xlsx"
            files.append(write_submission(schema, sample_rows(DATASET, "SYT", day, slot), out, "SYT"))
    return files


def settings_for(home: Path):
    os.environ["PORTAL_HOME"] = str(home)
    from ingest.settings import load_settings

    return load_settings()


def wait_all(settings, ids, timeout=900) -> float:
    deadline = time.monotonic() + timeout
    pending = set(ids)
    while pending and time.monotonic() < deadline:
        pending = {sid for sid in pending
                   if (inbox.read_status(settings, sid) or {}).get("state") not in ("published", "duplicate", "rejected")}
        if pending:
            time.sleep(0.2)
    if pending:
        raise RuntimeError(f"{len(pending)} submissions not published after {timeout} s")
    return time.monotonic()


class PeakMemory:
    """Peak of the summed PSS (proportional set size: shared pages split between
    the processes sharing them, so forked workers are not counted many times)
    of this process tree and the stack's process trees."""

    def __init__(self, roots):
        self.roots, self.peak, self._stop = roots, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            total = 0
            for root in self.roots:
                try:
                    proc = psutil.Process(root)
                    for p in [proc, *proc.children(recursive=True)]:
                        total += p.memory_full_info().pss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            time.sleep(0.5)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def baseline(files: list[Path]) -> tuple[float, float]:
    """In-process pipeline: seconds for one file, and for all files in one batch."""
    from ingest.pipeline import run_once

    with tempfile.TemporaryDirectory() as tmp:
        settings = settings_for(Path(tmp) / "one")
        inbox.submit(settings, files[0], "SYT")
        t0 = time.monotonic()
        run_once(settings)  # includes the one-off GX import, as a DAG task pays it
        one = time.monotonic() - t0
        settings = settings_for(Path(tmp) / "all")
        for f in files:
            inbox.submit(settings, f, "SYT")
        t0 = time.monotonic()
        run_once(settings)
        return one, time.monotonic() - t0


def main() -> None:
    from portal.stack import Stack

    work = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    year = make_files(work / "year", dt.date(2021, 5, 1), 365)
    drops = make_files(work / "drops", dt.date(2022, 6, 1), LATENCY_DROPS // 2 + 1)
    cold_drop, drops = drops[0], drops[1:LATENCY_DROPS + 1]
    base_one, base_year = baseline(year)

    settings = settings_for(work / "home")
    stack = Stack(settings, free_port(), free_port())
    stack.start()
    try:
        superset = stack.superset()
        # The first task of a fresh stack starts Airflow's forkserver, which
        # preloads pandas and GX: reported on its own, not in the steady state.
        t0 = time.monotonic()
        wait_all(settings, [inbox.submit(settings, cold_drop, "SYT")], timeout=300)
        cold = time.monotonic() - t0
        latencies = []
        for path in drops:
            t0 = time.monotonic()
            sid = inbox.submit(settings, path, "SYT")
            wait_all(settings, [sid], timeout=300)
            rows = superset.chart_data("Số liệu theo huyện, thị xã, thành phố")
            assert rows, "dashboard data empty"
            latencies.append(time.monotonic() - t0)
        latencies.sort()
        p95 = latencies[max(0, int(round(0.95 * len(latencies))) - 1)]
        median = statistics.median(latencies)
        roots = [os.getpid(), *(p.pid for p in stack.processes)]
        with PeakMemory(roots) as memory:
            t0 = time.monotonic()
            ids = [inbox.submit(settings, f, "SYT") for f in year]
            wall = wait_all(settings, ids, timeout=1200) - t0
    finally:
        stack.stop()

    print(f"drop -> dashboard data, {len(latencies)} drops: median {median:.1f} s, p95 {p95:.1f} s "
          f"(goal p95 <= 60 s); first drop on a fresh stack {cold:.1f} s; baseline in-process pipeline for one file {base_one:.1f} s; "
          f"ratio median/baseline {median / base_one:.2f}")
    print(f"backfill {len(year)} files: wall {wall:.1f} s (goal <= 120 s), {1000 * wall / len(year):.0f} ms/file, "
          f"peak memory of the whole stack {memory.peak / 2**20:.0f} MiB; baseline in-process batch "
          f"{base_year:.1f} s; ratio {wall / base_year:.2f}")


if __name__ == "__main__":
    main()
