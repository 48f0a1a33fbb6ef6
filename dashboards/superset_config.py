"""Superset configuration for the Thanh Hóa COVID-19 portal.

Loaded by Superset through ``SUPERSET_CONFIG_PATH`` (see ``dashboards/server.py``).
It runs inside the Superset environment, so it must not import project code:
everything it needs comes from environment variables set by ``superset_env()``.

Two modes:
- embedded (default): SQLite metadata and file-system caches under
  ``$PORTAL_HOME/superset``; one machine, a few gunicorn workers.
- scaled out: ``PORTAL_SUPERSET_DATABASE_URI`` (PostgreSQL) and
  ``PORTAL_REDIS_URL`` both set; metadata in PostgreSQL, caches in Redis.
"""
from __future__ import annotations

import os
from pathlib import Path

_REPO_ROOT = Path(__file__).resolve().parent.parent
# Same default as ingest/settings.py, so a bare `superset` command finds the same portal.
PORTAL_HOME = Path(os.environ.get("PORTAL_HOME", _REPO_ROOT / "var")).resolve()
SUPERSET_STATE = PORTAL_HOME / "superset"

# Sessions and encrypted DB credentials depend on it; a default key would be a
# publicly known key, so refuse to start without one.
SECRET_KEY = os.environ.get("PORTAL_SUPERSET_SECRET_KEY", "")
if not SECRET_KEY:
    raise RuntimeError(
        "PORTAL_SUPERSET_SECRET_KEY is not set; start Superset through dashboards/server.py"
    )

_database_uri = os.environ.get("PORTAL_SUPERSET_DATABASE_URI", "")
_redis_url = os.environ.get("PORTAL_REDIS_URL", "")
SCALED_OUT = bool(_database_uri and _redis_url)

if SCALED_OUT:
    SQLALCHEMY_DATABASE_URI = _database_uri

    def _cache(prefix: str, timeout: int) -> dict:
        return {
            "CACHE_TYPE": "RedisCache",
            "CACHE_REDIS_URL": _redis_url,
            "CACHE_KEY_PREFIX": prefix,
            "CACHE_DEFAULT_TIMEOUT": timeout,
        }
else:
    # `timeout`: with 2+ gunicorn workers writing logs/keys, SQLite must wait for
    # the write lock instead of failing at once with "database is locked".
    # The journal mode, busy timeout and the write-behind of the hot path's rows
    # are set up further down (embedded metadata database).
    SQLALCHEMY_DATABASE_URI = (
        f"sqlite:///{SUPERSET_STATE / 'superset.db'}?check_same_thread=false&timeout=30"
    )

    def _cache(prefix: str, timeout: int) -> dict:
        # A file cache (not SimpleCache) so every gunicorn worker sees the same
        # entries, and an invalidation in one worker holds for all.
        return {
            "CACHE_TYPE": "FileSystemCache",
            "CACHE_DIR": str(SUPERSET_STATE / "cache" / prefix.strip("_")),
            "CACHE_KEY_PREFIX": prefix,
            "CACHE_DEFAULT_TIMEOUT": timeout,
            "CACHE_THRESHOLD": 5000,
        }


_DAY = 24 * 3600
# POST /api/v1/cachekey/invalidate deletes the recorded keys from the DEFAULT
# cache, while chart results live in the DATA cache. Pointing both at the same
# store (same dir/prefix) is what makes that endpoint actually drop chart data.
CACHE_CONFIG = _cache("portal_data_", _DAY)
DATA_CACHE_CONFIG = _cache("portal_data_", _DAY)
FILTER_STATE_CACHE_CONFIG = {**_cache("portal_filter_", 90 * _DAY), "REFRESH_TIMEOUT_ON_RETRIEVAL": True}
EXPLORE_FORM_DATA_CACHE_CONFIG = {**_cache("portal_explore_", 7 * _DAY), "REFRESH_TIMEOUT_ON_RETRIEVAL": True}
# Record which cache keys belong to which dataset, so a publish can invalidate
# exactly the charts of the tables it replaced.
STORE_CACHE_KEYS_IN_METADATA_DB = True

# REST clients authenticate with a JWT but Flask-WTF still checks CSRF on
# writes; the client fetches /api/v1/security/csrf_token/. Keep it on for browsers.
WTF_CSRF_ENABLED = True
WTF_CSRF_TIME_LIMIT = None  # a token lives as long as the session

# Offline machine: nothing may reach the internet (no tiles, no CDN fonts, no
# telemetry pixel). The CSP below is Superset's default minus every external host,
# so a browser would refuse such requests even if some bundle tried.
MAPBOX_API_KEY = ""
DECKGL_BASE_MAP = None
THEME_FONT_URL_ALLOWED_DOMAINS: list[str] = []
TALISMAN_ENABLED = True
TALISMAN_CONFIG = {
    "content_security_policy": {
        "base-uri": ["'self'"],
        "default-src": ["'self'"],
        "img-src": ["'self'", "blob:", "data:"],
        "worker-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "object-src": "'none'",
        "style-src": ["'self'", "'unsafe-inline'"],
        "font-src": ["'self'", "data:"],
        "script-src": ["'self'", "'strict-dynamic'"],
    },
    "content_security_policy_nonce_in": ["script-src"],
    "force_https": False,
    "session_cookie_secure": False,
}

# --- embedded metadata database (SQLite) ------------------------------------------
#
# Every chart-data request reads the metadata DB (user, roles, RLS filters,
# dataset) and, as Superset ships, also writes to it: one `logs` row per request
# (DBEventLogger commits the request's own session) and one `cache_keys` row per
# freshly cached result (added to the request's session, flushed by the next
# query: a failing INSERT then surfaces as an error "while reading RLS filters").
# In SQLite's default rollback-journal mode every such commit creates, fsyncs
# and deletes superset.db-journal and locks readers out while it lands, and a
# dataset refresh holding the write lock for seconds made gunicorn's workers
# queue behind it: under load some requests failed with 500 ("database is
# locked", "disk I/O error") from the metadata DB, not from the data.
#
# So, for the embedded default only:
#  1. WAL journal: readers never wait for a writer and a writer never waits
#     for readers; commits append to superset.db-wal instead of creating and
#     deleting a journal file. synchronous=NORMAL is the setting SQLite
#     documents for WAL: no corruption on power loss, at worst the last
#     commits before it are rolled back (the metadata's truth - assets, roles -
#     is re-applied from git by every `portal up`). Needs a local filesystem
#     (WAL uses shared memory); on network storage use the scaled-out mode.
#     A backup must take superset.db-wal too, or use `sqlite3 superset.db
#     ".backup <file>"`: recent commits live in the -wal file until a checkpoint.
#  2. A 30 s busy timeout set on every connection, whatever its URI says.
#  3. Pooled connections (QueuePool, as SQLAlchemy 2 does for SQLite files)
#     instead of SQLAlchemy 1.4's NullPool: no open/close and WAL setup per
#     request.
#  4. The hot path writes nothing itself: action-log rows and cache-key rows
#     are queued and written by one thread per worker, in batches, each batch
#     one short transaction (see _MetadataWriteBehind). A request never waits
#     for, nor fails on, the metadata DB's write lock.
# The scaled-out mode (PostgreSQL) keeps Superset's defaults untouched.

# Rows a worker may hold while the metadata DB refuses writes; beyond it the
# oldest action-log rows are dropped first (counted in the server log).
METADATA_WRITE_BEHIND_MAX_ROWS = 50_000
# How long the writer lets rows gather before writing them as one transaction.
METADATA_WRITE_BEHIND_LINGER_S = 0.25
METADATA_SQLITE_PRAGMAS = {"busy_timeout": 30_000, "synchronous": "NORMAL"}


def _metadata_db_path() -> str:
    return os.path.realpath(SUPERSET_STATE / "superset.db")


def _is_metadata_db(dbapi_connection) -> bool:
    """True for a sqlite3 connection to this portal's superset.db, and only that.

    The listener below is registered on every SQLAlchemy engine of the process,
    DuckDB's and any other SQLite file (a user's database, examples.db) included.
    """
    import sqlite3

    if not isinstance(dbapi_connection, sqlite3.Connection):
        return False
    cursor = dbapi_connection.cursor()
    try:
        main = next((row for row in cursor.execute("PRAGMA database_list") if row[1] == "main"), None)
    finally:
        cursor.close()
    return bool(main and main[2]) and os.path.realpath(main[2]) == _metadata_db_path()


def tune_metadata_connection(dbapi_connection, _connection_record=None) -> None:
    """SQLAlchemy `connect` listener: WAL, busy timeout, synchronous on superset.db."""
    import sqlite3

    if not _is_metadata_db(dbapi_connection):
        return
    cursor = dbapi_connection.cursor()
    try:
        # First, so that switching the journal mode below also waits for the lock.
        cursor.execute(f"PRAGMA busy_timeout = {int(METADATA_SQLITE_PRAGMAS['busy_timeout'])}")
        if cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            # Persistent in the file: done once per database (at `superset db
            # upgrade`), a no-op read for every later connection.
            try:
                cursor.execute("PRAGMA journal_mode = WAL")
            except sqlite3.OperationalError:
                # Another process holds the database right now; the next
                # connection switches it. Nothing is wrong meanwhile.
                pass
        cursor.execute(f"PRAGMA synchronous = {METADATA_SQLITE_PRAGMAS['synchronous']}")
    finally:
        cursor.close()


def _write_behind_tables() -> dict:
    """The two tables the write-behind fills, as bare SQL constructs.

    Not Superset's ORM models: the writer thread needs only the columns, and
    must not depend on how far the app has imported its models.
    """
    from sqlalchemy import DateTime, Integer, String, Text, column, table

    return {
        "logs": table("logs", column("action", String), column("json", Text), column("dashboard_id", Integer),
                      column("slice_id", Integer), column("duration_ms", Integer), column("referrer", String),
                      column("user_id", Integer), column("dttm", DateTime)),
        "cache_keys": table("cache_keys", column("cache_key", String), column("cache_timeout", Integer),
                            column("datasource_uid", String), column("created_on", DateTime)),
    }


class _MetadataWriteBehind:
    """Queue of rows for the metadata DB, written by one thread per process.

    Rows come from request threads (action log, cache keys) and are written in
    batches: whatever gathered during the previous write (plus a short linger)
    goes in one transaction. A failed write (lock timeout, I/O error) keeps the
    rows and retries with a growing pause; rows beyond
    METADATA_WRITE_BEHIND_MAX_ROWS are dropped, oldest action-log rows first,
    and counted in the server log. At process exit (gunicorn stopping a
    worker, a CLI command ending) the queue is written before the process ends.
    """

    def __init__(self):
        import threading

        self._cond = threading.Condition()
        self._rows: list[tuple[str, dict]] = []
        self._engine = None
        self._thread = None
        self._pid = None
        self._closing = False
        self.dropped = 0
        self.written = 0

    def put(self, engine, table: str, row: dict) -> None:
        with self._cond:
            self._start_if_needed(engine)
            self._rows.append((table, row))
            overflow = len(self._rows) - METADATA_WRITE_BEHIND_MAX_ROWS
            if overflow > 0:
                self._drop(overflow)
            self._cond.notify()

    def _start_if_needed(self, engine) -> None:
        import atexit
        import threading

        if self._pid == os.getpid() and self._thread is not None:
            return
        # First use in this process, or a process forked from one that had
        # rows: the parent's thread does not exist here and its rows are its own.
        first = self._pid is None
        self._pid, self._rows, self._engine, self._closing = os.getpid(), [], engine, False
        self._thread = threading.Thread(target=self._run, name="portal-metadata-writer", daemon=True)
        self._thread.start()
        if first:
            atexit.register(self.close)

    def _drop(self, count: int) -> None:
        """Drop ``count`` queued rows: action-log rows first, oldest first."""
        import logging

        order = sorted(range(len(self._rows)), key=lambda i: (self._rows[i][0] != "logs", i))
        doomed = set(order[:count])
        self._rows = [r for i, r in enumerate(self._rows) if i not in doomed]
        self.dropped += len(doomed)
        logging.getLogger(__name__).warning(
            "metadata write-behind full: dropped %d row(s) (%d in total)", len(doomed), self.dropped)

    def _run(self) -> None:
        import logging
        import time

        log = logging.getLogger(__name__)
        failures = 0
        while True:
            with self._cond:
                while not self._rows and not self._closing:
                    self._cond.wait()
                if not self._rows and self._closing:
                    return
            if not self._closing:
                time.sleep(METADATA_WRITE_BEHIND_LINGER_S)
            with self._cond:
                batch, self._rows = self._rows, []
            try:
                self._write(batch)
                failures = 0
            except Exception as exc:  # noqa: BLE001 (any failure: keep the rows, retry)
                if not self._transient(exc):
                    # A row the database refuses for good (a log row whose user
                    # was deleted meanwhile: foreign key) must not hold back the
                    # others forever: write them one by one, drop the refused.
                    self._write_each(batch, log)
                    continue
                failures += 1
                with self._cond:
                    self._rows[:0] = batch
                    overflow = len(self._rows) - METADATA_WRITE_BEHIND_MAX_ROWS
                    if overflow > 0:
                        self._drop(overflow)
                    if self._closing and failures >= 3:
                        log.error("metadata write-behind: %d row(s) not written at exit: %s",
                                  len(self._rows), exc)
                        return
                log.warning("metadata write-behind: %d row(s) kept for a retry (%s: %s)",
                            len(batch), type(exc).__name__, exc)
                time.sleep(min(2 ** failures, 10))

    @staticmethod
    def _transient(exc: Exception) -> bool:
        """Lock timeouts and I/O errors (OperationalError) pass; constraint errors do not."""
        from sqlalchemy.exc import OperationalError

        return isinstance(exc, OperationalError)

    def _write_each(self, batch: list[tuple[str, dict]], log) -> None:
        for index, item in enumerate(batch):
            try:
                self._write([item])
            except Exception as exc:  # noqa: BLE001
                if self._transient(exc):
                    with self._cond:  # the rest waits for the next attempt
                        self._rows[:0] = batch[index:]
                    return
                self.dropped += 1
                log.warning("metadata write-behind: dropped a %s row the database refused (%s: %s)",
                            item[0], type(exc).__name__, exc)

    def _write(self, batch: list[tuple[str, dict]]) -> None:
        tables = _write_behind_tables()
        by_table: dict[str, list[dict]] = {}
        for table, row in batch:
            by_table.setdefault(table, []).append(row)
        with self._engine.begin() as conn:
            for table, rows in by_table.items():
                conn.execute(tables[table].insert(), rows)
        self.written += len(batch)

    def close(self, timeout: float = 20.0) -> None:
        """Write what is queued, then stop the thread (atexit)."""
        with self._cond:
            if self._thread is None or self._pid != os.getpid():
                return
            self._closing = True
            self._cond.notify()
        self._thread.join(timeout)


_METADATA_URLS: dict[str, bool] = {}


def _metadata_engine(session):
    """The engine of ``session`` when it is this portal's SQLite metadata DB, else None."""
    try:
        engine = session.get_bind()
    except Exception:  # noqa: BLE001 (no app context: not a request of this server)
        return None
    key = str(engine.url)
    if key not in _METADATA_URLS:
        url = engine.url
        _METADATA_URLS[key] = (url.get_backend_name() == "sqlite" and bool(url.database)
                               and os.path.realpath(url.database) == _metadata_db_path())
    return engine if _METADATA_URLS[key] else None


def _divert_cache_keys(session, _flush_context=None, _instances=None) -> None:
    """`before_flush` listener: pending CacheKey rows go to the write-behind queue.

    Superset adds one per freshly cached result to the request's session; left
    there, the next query of the request (its RLS filters, a lazy load) flushes
    it, and a busy metadata DB turns that read into a 500.
    """
    import datetime as dt

    pending = [obj for obj in session.new if getattr(obj, "__tablename__", None) == "cache_keys"]
    if not pending:
        return
    engine = _metadata_engine(session)
    if engine is None:
        return
    for obj in pending:
        session.expunge(obj)
        _write_behind.put(engine, "cache_keys", {
            "cache_key": obj.cache_key,
            "cache_timeout": obj.cache_timeout,
            "datasource_uid": obj.datasource_uid,
            # CacheKey.created_on's own default (local time), taken now.
            "created_on": obj.created_on or dt.datetime.now(),
        })


def _write_behind_event_logger():
    """Superset's DBEventLogger with the same rows, written behind the request.

    What an operator keeps: every action Superset logs, with the same columns
    (user, action, dashboard, chart, duration, referrer, JSON payload) and the
    event's own time in `dttm`. What changes: a row lands in `logs` up to a
    second after the request, a worker killed with SIGKILL (gunicorn's timeout,
    the OOM killer) loses the rows it had not written yet, and a metadata DB
    that refuses writes for a long time costs the oldest rows beyond
    METADATA_WRITE_BEHIND_MAX_ROWS (counted in the server log). A request
    never fails or waits because its log row could not be written.
    """
    from superset.utils.log import DBEventLogger

    class WriteBehindEventLogger(DBEventLogger):
        def log(self, user_id, action, dashboard_id, duration_ms, slice_id, referrer,  # noqa: PLR0913
                *args, **kwargs):
            import datetime as dt
            import logging

            from superset import db
            from superset.utils import json

            engine = _metadata_engine(db.session)
            if engine is None:
                return super().log(user_id, action, dashboard_id, duration_ms, slice_id, referrer,
                                   *args, **kwargs)
            records = kwargs.get("records", [])
            curated_payload = kwargs.get("curated_payload")
            if not records and curated_payload:
                records = [curated_payload]
            now = dt.datetime.utcnow()  # Log.dttm's own default
            for record in records:
                try:
                    json_string = json.dumps(record)
                except Exception:  # noqa: BLE001 (as DBEventLogger: keep the row without payload)
                    json_string = None
                _write_behind.put(engine, "logs", {
                    "action": action,
                    "json": json_string,
                    "dashboard_id": dashboard_id or record.get("dashboard_id"),
                    "slice_id": slice_id or record.get("slice_id"),
                    "duration_ms": duration_ms,
                    "referrer": referrer,
                    "user_id": user_id,
                    "dttm": now,
                })
            # DBEventLogger's commit also persisted whatever else the request had
            # pending; keep that. With nothing pending it writes nothing.
            try:
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 (as DBEventLogger: never break the response)
                logging.getLogger(__name__).error("committing the request's session failed: %s", exc)
                try:
                    db.session.rollback()
                except Exception:  # noqa: BLE001
                    pass

    return WriteBehindEventLogger()


if not SCALED_OUT:
    from sqlalchemy import event as _sa_event
    from sqlalchemy.engine import Engine as _Engine
    from sqlalchemy.orm import Session as _Session
    from sqlalchemy.pool import QueuePool as _QueuePool

    # Class-level listeners: the metadata engine does not exist yet when this
    # file runs; _is_metadata_db / _metadata_engine keep them to superset.db.
    _sa_event.listen(_Engine, "connect", tune_metadata_connection)
    _sa_event.listen(_Session, "before_flush", _divert_cache_keys)
    # Per worker: its request threads plus the write-behind thread, and room
    # for bursts (CLI commands, imports) without waiting on the pool.
    SQLALCHEMY_ENGINE_OPTIONS = {"poolclass": _QueuePool, "pool_size": 6, "max_overflow": 10,
                                 "pool_timeout": 60}
    _write_behind = _MetadataWriteBehind()
    EVENT_LOGGER = _write_behind_event_logger()


APP_NAME = "Cổng dữ liệu COVID-19 Thanh Hóa"
# English UI until the Vietnamese language pack (superset_config_language.py) sets its own.
BABEL_DEFAULT_LOCALE = "en"
# Vietnamese number/date conventions for charts: 1.234.567 and dd/mm/yyyy.
D3_FORMAT = {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["", " ₫"]}
D3_TIME_FORMAT = {
    "dateTime": "%H:%M:%S %d/%m/%Y",
    "date": "%d/%m/%Y",
    "time": "%H:%M:%S",
    "periods": ["SA", "CH"],
    "days": ["Chủ nhật", "Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy"],
    "shortDays": ["CN", "T2", "T3", "T4", "T5", "T6", "T7"],
    "months": [f"Tháng {m}" for m in range(1, 13)],
    "shortMonths": [f"Th{m}" for m in range(1, 13)],
}

# Sections kept beside the files they configure, each its own module in this
# folder: the language pack (superset_config_language.py) and the roles and
# public access (superset_config_security.py). Loaded last, so they win.
import sys as _sys  # noqa: E402

_sys.path.insert(0, str(Path(__file__).resolve().parent))
for _section in ("superset_config_language", "superset_config_security"):
    if Path(__file__).with_name(_section + ".py").exists():
        _module = __import__(_section)
        globals().update({k: v for k, v in vars(_module).items() if k.isupper()})
