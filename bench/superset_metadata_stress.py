"""Superset's embedded SQLite metadata database under concurrent chart-data load.

Every chart-data request reads the metadata DB (user, roles, RLS filters,
dataset) and, as Superset ships, writes to it (an action-log row per request,
a cache-key row per freshly cached result). This bench starts a private
Superset the way bench/superset_harness.py's LocalSuperset does (own
PORTAL_HOME, free port, gunicorn from .venv/superset) over a serving file the
real pipeline published from one sample of every dataset, and for
``--seconds`` runs:

  * ``--threads`` clients sending every chart's saved query context to
    POST /api/v1/chart/data, every other request forced past the cache;
  * one publisher doing what each publish does to Superset: refresh every
    mart's dataset (PUT /api/v1/dataset/<id>/refresh, each a write
    transaction that holds the lock while Superset inspects the DuckDB table)
    and invalidate their cache keys, in a loop;
  * a stalled writer: from ``--hold-at`` seconds on, a connection holds the
    metadata DB's write lock for ``--hold`` seconds, as a dataset refresh did
    on a loaded machine. The default (75 s) outlasts SQLite's 30 s busy
    timeout twice over, so that requests which start during the stall, not
    only those caught by its start, have to give up waiting. This is the
    controlled form of what made requests fail under load; ``--hold 0`` runs
    without it.

Variants, each on a fresh copy of the same home, in one run:

  * ``baseline``: the Superset config and gunicorn layout of ``--baseline-rev``
    (default: the commit before the metadata fix), taken from git;
  * ``current``: the working tree's dashboards/superset_config.py and server.py.

Printed per variant and per window (before / during / after the stall):
answers, non-200 answers, error rate, throughput, p50/p95/max latency; the
metadata errors in Superset's log; and whether the action log holds a row for
every chart-data request. Ratios are against the baseline of the same run.

  .venv/pipeline/bin/python bench/superset_metadata_stress.py [--seconds 180] [--threads 12]
      [--hold 75] [--hold-at 40] [--only baseline|current] [--assets-rev HEAD] [--keep]
"""
from __future__ import annotations

import argparse
import collections
import datetime as dt
import itertools
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.superset_harness import (EPIDEMIC, LocalSuperset, discover_charts, free_port,  # noqa: E402
                                    sample_pairs, submit_sample)
from dashboards import server  # noqa: E402
from ingest.settings import Settings  # noqa: E402
from warehouse.publish import all_marts  # noqa: E402

# The commit before the metadata fix: rollback journal, NullPool, DBEventLogger.
DEFAULT_BASELINE_REV = "9c17e26"
CONFIG_FILES = ("superset_config.py", "superset_config_language.py", "superset_config_security.py")
LOG_PATTERNS = {
    "disk I/O error": re.compile(r"disk I/O error"),
    "database is locked": re.compile(r"database is locked"),
    "action-log write failed": re.compile(r"DBEventLogger failed"),
    "write-behind retry": re.compile(r"metadata write-behind: \d+ row\(s\) kept"),
    "write-behind dropped": re.compile(r"metadata write-behind full"),
}
WINDOWS = ("before", "during", "after")
# An answer this slow waited out (most of) SQLite's 30 s busy timeout somewhere.
STALLED_S = 25.0


def _settings(home: Path, port: int) -> Settings:
    return Settings(home=home, superset_url=f"http://127.0.0.1:{port}", airflow_url="http://127.0.0.1:1")


def seed_home(home: Path) -> None:
    """One sample of every dataset through the real pipeline: a serving file with every chart's data."""
    from ingest.pipeline import run_once

    settings = _settings(home, 1)
    day = dt.date.today() - dt.timedelta(days=10)
    for dataset, unit in sample_pairs():
        submit_sample(settings, home / "samples", dataset, unit, day, "08:00" if dataset == EPIDEMIC else None)
    result = run_once(settings)
    assert result["loaded"], result


def _git_show(rev: str, path: str) -> str:
    return subprocess.run(["git", "-C", str(REPO), "show", f"{rev}:{path}"],
                          check=True, capture_output=True, text=True).stdout


def config_dir_at(rev: str, into: Path) -> Path:
    """The Superset config files as committed at ``rev``, in a folder of their own."""
    into.mkdir(parents=True, exist_ok=True)
    for name in CONFIG_FILES:
        (into / name).write_text(_git_show(rev, f"dashboards/{name}"), encoding="utf-8")
    return into / "superset_config.py"


def assets_at(rev: str, into: Path) -> Path:
    """dashboards/assets as committed at ``rev``: both variants import the same
    dashboards, whatever is being edited in the shared working tree meanwhile."""
    into.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "-C", str(REPO), "archive", rev, "dashboards/assets"],
                             check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into / "dashboards" / "assets"


def layout_at(rev: str) -> tuple[int, int]:
    """(workers, threads) of dashboards/server.py at ``rev``."""
    text = _git_show(rev, "dashboards/server.py")
    workers = int(re.search(r"^WORKERS\s*=\s*(\d+)", text, re.M).group(1))
    threads = int(re.search(r"^THREADS\s*=\s*(\d+)", text, re.M).group(1))
    return workers, threads


def _metadata(db_path: Path, sql: str):
    con = sqlite3.connect(db_path, timeout=60)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


class Run:
    """Answers of one variant, each tagged with its start time relative to the run."""

    def __init__(self, hold_at: float, hold: float):
        self.lock = threading.Lock()
        self.t0 = time.monotonic()
        self.hold_at, self.hold = hold_at, hold
        self.answers: list[tuple[float, float, object]] = []  # (start, seconds, status)
        self.samples: list[str] = []
        self.publishes: collections.Counter = collections.Counter()
        self.held: list[float] = []

    def now(self) -> float:
        return time.monotonic() - self.t0

    def window(self, start: float) -> str:
        if not self.hold or start < self.hold_at:
            return "before"
        return "during" if start < self.hold_at + self.hold else "after"

    def add(self, start: float, seconds: float, status, detail: str = "") -> None:
        with self.lock:
            self.answers.append((start, seconds, status))
            if status != 200 and len(self.samples) < 5:
                self.samples.append(f"{status}: {' '.join(detail.split())[:240]}")


def _hammer(url: str, client, charts, run: Run, until: float, offset: int) -> None:
    for n in itertools.count(offset):
        start = run.now()
        if start >= until:
            return
        chart = charts[n % len(charts)]
        t = time.perf_counter()
        try:
            resp = client.session.post(f"{url}/api/v1/chart/data", json=chart.context(force=n % 2 == 0),
                                       timeout=300)
            run.add(start, time.perf_counter() - t, resp.status_code, resp.text)
        except requests.RequestException as exc:
            run.add(start, time.perf_counter() - t, type(exc).__name__, str(exc))


def _publisher(client, run: Run, stop: threading.Event) -> None:
    marts = all_marts()
    while not stop.is_set():
        try:
            client.refresh_datasets(marts)
            run.publishes["ok"] += 1
        except Exception as exc:  # noqa: BLE001 (count and go on)
            run.publishes[type(exc).__name__] += 1
            with run.lock:
                if len(run.samples) < 8:
                    run.samples.append(f"publish: {' '.join(str(exc).split())[:240]}")
        stop.wait(1.0)


def _stalled_writer(db_path: Path, run: Run) -> None:
    """Hold the metadata DB's write lock from hold_at for hold seconds."""
    time.sleep(max(0.0, run.hold_at - run.now()))
    con = sqlite3.connect(db_path, timeout=120, isolation_level=None)
    try:
        t = time.monotonic()
        con.execute("BEGIN IMMEDIATE")
        run.held.append(time.monotonic() - t)  # how long it waited for the lock itself
        time.sleep(run.hold)
        con.execute("ROLLBACK")
    finally:
        con.close()


def run_variant(name: str, seed: Path, work: Path, config: Path, layout: tuple[int, int],
                args: argparse.Namespace) -> dict:
    home = work / name
    shutil.copytree(seed, home, ignore=shutil.ignore_patterns("superset", "superset.log"))
    port = free_port()
    settings = _settings(home, port)
    db_path = settings.superset_home / "superset.db"
    saved = server.CONFIG_PATH, server.WORKERS, server.THREADS
    server.CONFIG_PATH, (server.WORKERS, server.THREADS) = config, layout
    instance = LocalSuperset(settings, port, assets_dir=args.assets)
    try:
        instance.start()
        clients = [instance.client() for _ in range(args.threads + 1)]
        charts, _ = discover_charts(clients[0])
        logged_before = _metadata(db_path, "SELECT count(*) FROM logs WHERE action = 'ChartDataRestApi.data'")
        run, stop = Run(args.hold_at, args.hold), threading.Event()
        threads = [threading.Thread(target=_hammer, daemon=True,
                                    args=(instance.url, clients[t], charts, run, args.seconds, t * 5))
                   for t in range(args.threads)]
        publisher = threading.Thread(target=_publisher, args=(clients[-1], run, stop), daemon=True)
        staller = threading.Thread(target=_stalled_writer, args=(db_path, run), daemon=True)
        for thread in (*threads, publisher):
            thread.start()
        if args.hold:
            staller.start()
        for thread in threads:
            thread.join()
        elapsed = run.now()
        stop.set()
        publisher.join(timeout=600)
        if args.hold:
            staller.join(timeout=600)
        mode = _metadata(db_path, "PRAGMA journal_mode")
    finally:
        instance.stop()  # a graceful stop: the workers write what they still hold
        server.CONFIG_PATH, server.WORKERS, server.THREADS = saved
    logged = _metadata(db_path, "SELECT count(*) FROM logs WHERE action = 'ChartDataRestApi.data'") - logged_before
    log = instance.log_path.read_text(encoding="utf-8", errors="replace")
    windows = {}
    for window in WINDOWS:
        rows = [(s, d, st) for s, d, st in run.answers if run.window(s) == window]
        if not rows:
            continue
        lat = sorted(d for _, d, _ in rows)
        span = {"before": min(run.hold_at, elapsed) if run.hold else elapsed, "during": run.hold,
                "after": max(elapsed - run.hold_at - run.hold, 1e-9)}[window]
        windows[window] = {
            "answers": len(rows), "errors": sum(1 for *_, st in rows if st != 200),
            "stalled": sum(1 for _, d, _ in rows if d >= STALLED_S),
            "per_s": len(rows) / max(span, 1e-9),
            "p50": lat[len(lat) // 2], "p95": lat[min(len(lat) - 1, int(len(lat) * 0.95))], "max": lat[-1],
        }
    return {
        "name": name, "layout": layout, "journal_mode": mode, "elapsed": elapsed,
        "answers": len(run.answers), "errors": sum(1 for *_, st in run.answers if st != 200),
        "status": dict(collections.Counter(st for *_, st in run.answers)),
        "windows": windows, "publishes": dict(run.publishes), "samples": run.samples,
        "log": {label: len(rx.findall(log)) for label, rx in LOG_PATTERNS.items()},
        "logged": logged, "lock_wait": run.held[0] if run.held else None,
        "log_path": str(instance.log_path),
    }


def _ratio(a: float, b: float) -> str:
    return "n/a (baseline 0)" if b == 0 else f"{a / b:.3f}"


def print_report(results: list[dict], args: argparse.Namespace) -> None:
    print(f"\n{args.threads} clients for {args.seconds:.0f} s; stalled writer: "
          + (f"{args.hold:.0f} s from t={args.hold_at:.0f} s" if args.hold else "none")
          + f"; load average now {os.getloadavg()[0]:.1f}")
    for r in results:
        rate = r["errors"] / max(r["answers"], 1)
        print(f"\n{r['name']}: gunicorn {r['layout'][0]} workers x {r['layout'][1]} threads, "
              f"journal_mode={r['journal_mode']}")
        print(f"  answers {r['answers']}, non-200 {r['errors']} (error rate {rate:.4%}), statuses {r['status']}")
        print(f"  {'window':<8} {'answers':>8} {'non-200':>8} {'>=25 s':>7} {'req/s':>7} {'p50 s':>7} {'p95 s':>7}"
              f" {'max s':>7}")
        for window, w in r["windows"].items():
            print(f"  {window:<8} {w['answers']:>8} {w['errors']:>8} {w['stalled']:>7} {w['per_s']:>7.1f} {w['p50']:>7.2f}"
                  f" {w['p95']:>7.2f} {w['max']:>7.2f}")
        print("  server log: " + ", ".join(f"{k} {v}" for k, v in r["log"].items()))
        print(f"  action log: {r['logged']} 'ChartDataRestApi.data' rows for {r['answers']} requests; "
              f"publishes {r['publishes']}"
              + (f"; the stalled writer waited {r['lock_wait']:.1f} s for the lock" if r["lock_wait"] else ""))
        for sample in r["samples"]:
            print(f"  e.g. {sample}")
    base = results[0]
    for r in results[1:]:
        print(f"\n{r['name']} / {base['name']}: non-200 {_ratio(r['errors'], base['errors'])}, "
              f"error rate {_ratio(r['errors'] / max(r['answers'], 1), base['errors'] / max(base['answers'], 1))}, "
              f"answers {_ratio(r['answers'], base['answers'])}")
        for window in WINDOWS:
            if window in r["windows"] and window in base["windows"]:
                a, b = r["windows"][window], base["windows"][window]
                print(f"  {window:<7} req/s {_ratio(a['per_s'], b['per_s'])}, p95 {_ratio(a['p95'], b['p95'])}, "
                      f"max {_ratio(a['max'], b['max'])}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=180, help="length of the load per variant")
    parser.add_argument("--threads", type=int, default=12, help="concurrent chart-data clients")
    parser.add_argument("--hold", type=float, default=75, help="seconds the stalled writer holds the lock (0: none)")
    parser.add_argument("--hold-at", type=float, default=40, help="when the stalled writer takes the lock")
    parser.add_argument("--baseline-rev", default=DEFAULT_BASELINE_REV)
    parser.add_argument("--assets-rev", default="HEAD", help="commit whose dashboards/assets both variants import")
    parser.add_argument("--only", choices=("baseline", "current"), help="run one variant")
    parser.add_argument("--keep", action="store_true", help="keep the temporary homes and logs")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="portal-metadata-stress-"))
    try:
        t0 = time.perf_counter()
        seed = work / "seed"
        os.environ["PORTAL_HOME"] = str(seed)
        seed_home(seed)
        args.assets = assets_at(args.assets_rev, work / "assets")
        print(f"serving file from the real pipeline: {time.perf_counter() - t0:.0f} s (work dir {work})", flush=True)
        variants = []
        if args.only != "current":
            variants.append(("baseline", config_dir_at(args.baseline_rev, work / "config-baseline"),
                             layout_at(args.baseline_rev)))
        if args.only != "baseline":
            variants.append(("current", server.CONFIG_PATH, (server.WORKERS, server.THREADS)))
        results = []
        for name, config, layout in variants:
            print(f"{name}: starting Superset (gunicorn {layout[0]} x {layout[1]}), "
                  f"load average {os.getloadavg()[0]:.1f}", flush=True)
            results.append(run_variant(name, seed, work, config, layout, args))
        print_report(results, args)
        if args.keep:
            for r in results:
                print(f"log: {r['log_path']}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
