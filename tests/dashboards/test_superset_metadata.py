"""Superset's embedded metadata database (SQLite) and what the hot path writes to it.

Under load a chart-data request used to answer 500 because of the metadata
DB ("disk I/O error", "database is locked" while logging the action or while
reading RLS filters): every request wrote its action-log row, and its cache-key
row, into the request's own session. The embedded default now runs the file in
WAL mode with a busy timeout on every pooled connection, and those rows are
written behind the request (dashboards/superset_config.py). These tests read
that back from the running server's file and from the engine Superset builds
from the config, and hold the metadata DB's write lock past the busy timeout
to show that chart data is still answered and nothing it logs is lost.
"""
from __future__ import annotations

import json
import sqlite3
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import requests

from bench.superset_harness import discover_charts
from dashboards import server
from ingest.settings import Settings

# SQLite's busy timeout set by superset_config.py; a stall must outlast it.
BUSY_TIMEOUT_S = 30
CHART_DATA_ACTION = "ChartDataRestApi.data"

# Run in the Superset environment: the engine Superset's app would build from
# the config (superset.config loads SUPERSET_CONFIG_PATH exactly as the server
# does), one pooled connection read back twice, and a second SQLite file that
# is not the metadata DB.
ENGINE_PROBE = r"""
import json, sys
from sqlalchemy import create_engine
from superset import config

def pragmas(engine):
    with engine.connect() as conn:
        return {name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("journal_mode", "busy_timeout", "synchronous")}

options = dict(config.SQLALCHEMY_ENGINE_OPTIONS)
engine = create_engine(config.SQLALCHEMY_DATABASE_URI, **options)
first, again = pragmas(engine), pragmas(engine)
other = create_engine(f"sqlite:///{sys.argv[1]}")
print(json.dumps({
    "uri": config.SQLALCHEMY_DATABASE_URI,
    "poolclass": options["poolclass"].__name__ if "poolclass" in options else None,
    "metadata": first, "metadata_again": again, "other_sqlite": pragmas(other),
    "event_logger": type(config.EVENT_LOGGER).__name__,
    "data_cache": config.DATA_CACHE_CONFIG["CACHE_TYPE"],
}))
"""


def _probe_engine(tmp_path: Path, monkeypatch, **env: str) -> dict:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = Settings(home=tmp_path / "home", superset_url="http://127.0.0.1:1",
                        airflow_url="http://127.0.0.1:1")
    settings.superset_home.mkdir(parents=True)
    proc = subprocess.run(
        [str(server.SUPERSET_VENV / "bin" / "python"), "-c", ENGINE_PROBE, str(tmp_path / "other.db")],
        env=server.superset_env(settings), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_embedded_engine_sets_wal_and_busy_timeout_on_every_connection(tmp_path, monkeypatch):
    monkeypatch.delenv("PORTAL_SUPERSET_DATABASE_URI", raising=False)
    monkeypatch.delenv("PORTAL_REDIS_URL", raising=False)
    probe = _probe_engine(tmp_path, monkeypatch)
    wanted = {"journal_mode": "wal", "busy_timeout": BUSY_TIMEOUT_S * 1000, "synchronous": 1}  # 1 = NORMAL
    assert probe["metadata"] == wanted
    assert probe["metadata_again"] == wanted  # a connection handed out again by the pool
    assert probe["poolclass"] == "QueuePool"
    assert probe["event_logger"] == "WriteBehindEventLogger"
    # Other SQLite files opened in the same process keep SQLite's defaults.
    assert probe["other_sqlite"]["journal_mode"] == "delete"
    assert probe["other_sqlite"]["busy_timeout"] == 5000  # pysqlite's own 5 s default


def test_scaled_out_mode_keeps_superset_defaults(tmp_path, monkeypatch):
    uri = f"sqlite:///{tmp_path / 'home' / 'superset' / 'superset.db'}"  # any SQLAlchemy URI will do
    probe = _probe_engine(tmp_path, monkeypatch, PORTAL_SUPERSET_DATABASE_URI=uri,
                          PORTAL_REDIS_URL="redis://127.0.0.1:6379/0")
    assert probe["uri"] == uri
    assert probe["poolclass"] is None  # Superset's SQLALCHEMY_ENGINE_OPTIONS, untouched
    assert probe["event_logger"] == "DBEventLogger"
    assert probe["data_cache"] == "RedisCache"
    # Even the same file is left in SQLite's own mode: no listener in this mode.
    assert probe["metadata"]["journal_mode"] == "delete"


def test_running_server_metadata_db_is_in_wal_mode(superset):
    # journal_mode=WAL is a property of the file: read back from the file the
    # running server has been using since `superset db upgrade`.
    db = superset.settings.superset_home / "superset.db"
    con = sqlite3.connect(db, timeout=60)
    try:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        con.close()


def _count(db: Path, sql: str, params=()) -> int:
    con = sqlite3.connect(db, timeout=60)
    try:
        return con.execute(sql, params).fetchone()[0]
    finally:
        con.close()


@contextmanager
def _write_lock_held(db: Path):
    """Hold the metadata DB's write lock (what a stalled writer does) until the block ends."""
    con = sqlite3.connect(db, timeout=60, isolation_level=None)
    try:
        con.execute("BEGIN IMMEDIATE")
        yield time.monotonic()
        con.execute("ROLLBACK")
    finally:
        con.close()


def _wait_for(condition, what: str, timeout: float = 120.0):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting for {what} after {timeout:.0f} s")
        time.sleep(0.5)


def test_chart_data_answers_and_logs_while_metadata_write_lock_is_held(superset):
    db = superset.settings.superset_home / "superset.db"
    client = superset.client()  # logs in (a write) before the lock is taken
    charts, _ = discover_charts(client)
    assert charts
    logged_before = _count(db, "SELECT count(*) FROM logs WHERE action = ?", (CHART_DATA_ACTION,))
    uids = sorted({f"{c.query_context['datasource']['id']}__{c.query_context['datasource']['type']}"
                   for c in charts})
    marks = ",".join("?" * len(uids))
    keys_sql = f"SELECT count(*) FROM cache_keys WHERE datasource_uid IN ({marks})"
    keys_before = _count(db, keys_sql, uids)
    local = threading.local()

    def ask(chart):
        if not hasattr(local, "session"):
            local.session = requests.Session()
            local.session.headers.update(client.session.headers)
            local.session.cookies.update(client.session.cookies)
        resp = local.session.post(f"{superset.url}/api/v1/chart/data", json=chart.context(force=True), timeout=300)
        return chart.name, resp.status_code, resp.text[:300]

    with _write_lock_held(db) as held_since:
        # Every chart, forced past the cache, answered while no one can write.
        with ThreadPoolExecutor(max_workers=6) as pool:
            answers = list(pool.map(ask, charts))
        # Keep the lock past the busy timeout: a writer that waited for it has
        # now failed once and must keep its rows for a later attempt.
        time.sleep(max(0.0, BUSY_TIMEOUT_S + 2 - (time.monotonic() - held_since)))

    assert [a for a in answers if a[1] != 200] == []
    # Every request's action-log row and a cache-key row per forced result
    # arrive once the lock is free: written behind the request, not lost.
    _wait_for(lambda: _count(db, "SELECT count(*) FROM logs WHERE action = ?", (CHART_DATA_ACTION,))
              >= logged_before + len(charts), "the chart-data action-log rows")
    _wait_for(lambda: _count(db, keys_sql, uids) >= keys_before + len(charts), "the cache-key rows")

    # The publish path still finds those keys: invalidating the datasets drops them.
    client.invalidate_cache(sorted({c.query_context["datasource"]["id"] for c in charts}))
    assert _count(db, keys_sql, uids) == 0


def test_action_log_row_keeps_user_and_payload(superset):
    action = CHART_DATA_ACTION
    db = superset.settings.superset_home / "superset.db"
    client = superset.client()
    chart = discover_charts(client)[0][0]
    before = _count(db, "SELECT coalesce(max(id), 0) FROM logs")
    resp = client.session.post(f"{superset.url}/api/v1/chart/data", json=chart.context(force=True), timeout=300)
    assert resp.status_code == 200, resp.text[:500]
    _wait_for(lambda: _count(db, "SELECT count(*) FROM logs WHERE id > ? AND action = ?", (before, action)),
              "the action-log row")
    con = sqlite3.connect(db, timeout=60)
    try:
        user_id, payload, dttm = con.execute(
            "SELECT user_id, json, dttm FROM logs WHERE id > ? AND action = ? ORDER BY id LIMIT 1",
            (before, action)).fetchone()
        admin = con.execute("SELECT id FROM ab_user WHERE username = ?", (superset.username,)).fetchone()[0]
    finally:
        con.close()
    assert user_id == admin
    assert json.loads(payload)["path"] == "/api/v1/chart/data"
    assert dttm  # the event's time, set when the request logged it
