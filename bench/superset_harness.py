"""A private Superset for tests and benchmarks that replace the serving file.

Shared by tests/dashboards/test_publish_concurrency.py and
bench/dashboard_latency.py. Charts are discovered through Superset's REST API
at run time, so whatever dashboards the project adds are covered without a
list kept here. Each chart's answer can be compared with the same SQL run
straight on the serving DuckDB file: Superset tells us its SQL
(``result_type: query``), and ``canonical_answer`` puts both sides in one form.
"""
from __future__ import annotations

import copy
import datetime as dt
import decimal
import json
import math
import os
import secrets
import signal
import socket
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from dashboards import server
from dashboards.superset import SupersetClient, _rison
from ingest.settings import Settings

# Post-processing steps that only rename, reorder or reshape one row into one
# row without touching values (a pivot without series columns over an index
# the SQL already grouped by). After them the rows' value multiset still equals
# the SQL result's, so a chart's full answer can be checked against DuckDB.
VALUE_PRESERVING_STEPS = {"flatten", "rename", "sort"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_credentials(settings: Settings, username: str, password: str) -> None:
    """credentials.json as `portal up` writes it, so the DAG's refresh finds Superset."""
    path = settings.credentials_path
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump({"superset_admin_user": username, "superset_admin_password": password}, fh)


class LocalSuperset:
    """Superset on a free port over ``settings.home``; stop() kills only its own process group."""

    def __init__(self, settings: Settings, port: int, username: str = "admin", password: str | None = None,
                 assets_dir: Path | None = None):
        self.settings = settings
        self.assets_dir = assets_dir  # None: the working tree's dashboards/assets
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.username = username
        self.password = password or secrets.token_urlsafe(12)
        self.log_path = settings.home / "superset.log"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 300) -> None:
        """Initialise metadata, start gunicorn, wait for /health, import the assets.

        The serving file must already exist: the imported database points at it.
        """
        server.init_superset(self.settings, self.username, self.password)
        self.proc = server.start_superset(self.settings, self.port, self.log_path)
        try:
            server.wait_healthy(self.url, timeout=timeout, proc=self.proc)
        except server.SupersetServerError as exc:
            tail = self.log_path.read_text(encoding="utf-8", errors="replace")[-4000:]
            self.stop()
            raise RuntimeError(f"{exc}\n--- superset.log ---\n{tail}") from exc
        try:
            client = self.client()
            if self.assets_dir is None:
                client.import_assets(self.settings.serving_path)
            else:
                client.import_assets(self.settings.serving_path, self.assets_dir)
        except BaseException:
            # Callers only stop what start() returned from; a server left
            # running here would outlive its (temporary) state directory.
            self.stop()
            raise

    def client(self) -> SupersetClient:
        client = SupersetClient(self.url, self.username, self.password)
        client.login()
        return client

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        os.killpg(proc.pid, signal.SIGTERM)  # gunicorn master and its workers
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@dataclass
class ChartQuery:
    """One chart, with the query context that its dashboard sends."""

    id: int
    name: str
    viz_type: str
    datasource: str
    dashboards: list[str]
    query_context: dict
    sql: list[str] = field(default_factory=list)

    def context(self, force: bool = False, raw: bool = False, result_type: str = "full") -> dict:
        """The saved context; ``raw`` drops the pandas post-processing (same SQL)."""
        qc = copy.deepcopy(self.query_context)
        qc["force"] = force
        qc["result_type"] = result_type
        if raw:
            for query in qc.get("queries", []):
                query["post_processing"] = []
        return qc

    @property
    def checkable_as_saved(self) -> bool:
        """True when the saved post-processing keeps the SQL result's values row by row."""
        for query in self.query_context.get("queries", []):
            for step in query.get("post_processing") or []:
                op = step.get("operation")
                if op == "pivot":
                    if step.get("options", {}).get("columns"):
                        return False
                elif op not in VALUE_PRESERVING_STEPS:
                    return False
            if query.get("time_offsets"):
                return False
        return True


def discover_charts(client: SupersetClient) -> tuple[list[ChartQuery], list[str]]:
    """Every chart Superset holds, with its saved query context fixed to its dataset.

    Returns (charts with a query context, names of charts without one).
    """
    listed, page = {}, 0
    while True:
        q = _rison({"page": page, "page_size": 100, "order_column": "slice_name", "order_direction": "asc"})
        batch = client.get_json(f"/api/v1/chart/?q={q}")["result"]
        listed.update((item["id"], item) for item in batch)
        if len(batch) < 100:
            break
        page += 1
    charts, without = [], []
    for item in sorted(listed.values(), key=lambda c: c["id"]):
        chart = client.get_json(f"/api/v1/chart/{item['id']}")["result"]
        if not chart.get("query_context"):
            without.append(chart["slice_name"])
            continue
        qc = json.loads(chart["query_context"])
        # Same repair as SupersetClient.chart_data: an import may leave the
        # context pointing at another datasource id than the chart's.
        actual = {"id": chart["datasource_id"], "type": chart["datasource_type"]}
        if qc.get("datasource") != actual:
            qc["datasource"] = actual
            for query in qc.get("queries", []):
                query.pop("datasource", None)
            if "form_data" in qc:
                qc["form_data"]["datasource"] = f"{actual['id']}__{actual['type']}"
        charts.append(ChartQuery(
            id=chart["id"], name=chart["slice_name"], viz_type=chart.get("viz_type") or "",
            datasource=chart.get("datasource_name_text") or str(actual["id"]),
            dashboards=[d.get("dashboard_title", "") for d in chart.get("dashboards") or []],
            query_context=qc))
    return charts, without


def post_chart_data(client: SupersetClient, qc: dict) -> list[dict]:
    """POST /api/v1/chart/data; the per-query results, raising on any error."""
    resp = client._request("POST", "/api/v1/chart/data", "chart data", json=qc)
    body = resp.json()
    results = body.get("result")
    if not isinstance(results, list) or not results:
        raise RuntimeError(f"chart data without result: {str(body)[:500]}")
    for result in results:
        if result.get("error") or result.get("status") not in (None, "success"):
            raise RuntimeError(f"chart data error: {result.get('error') or result.get('status')}")
    return results


def fetch_sql(client: SupersetClient, chart: ChartQuery) -> list[str]:
    """The SQL Superset runs for the chart, one statement per query of its context."""
    results = post_chart_data(client, chart.context(result_type="query"))
    chart.sql = [r["query"] for r in results]
    return chart.sql


# --- one canonical form for Superset's JSON and DuckDB's Python values ---------------

_EPOCH = dt.datetime(1970, 1, 1)


def _epoch_ms(value: dt.datetime) -> float:
    """Superset's JSON for a temporal value: epoch milliseconds, aware ones via UTC."""
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return (value - _EPOCH).total_seconds() * 1000


def normalize_value(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float, decimal.Decimal)):
        number = float(value)
        if math.isnan(number):
            return None
        # Same SQL on the same DuckDB: only float formatting may differ.
        return float(f"{number:.9g}")
    if isinstance(value, dt.datetime):
        return float(f"{_epoch_ms(value):.9g}")
    if isinstance(value, dt.date):
        return float(f"{_epoch_ms(dt.datetime(value.year, value.month, value.day)):.9g}")
    if isinstance(value, dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (list, tuple)):
        return tuple(normalize_value(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((str(k), normalize_value(v)) for k, v in value.items()))
    return str(value)


def _row_key(values) -> tuple:
    # Column names are left out (post-processing renames them) and values are
    # sorted so that a reordered column list still compares equal.
    return tuple(sorted((normalize_value(v) for v in values), key=lambda v: (type(v).__name__, repr(v))))


def canonical_answer(rows: list[dict] | list[tuple]) -> tuple:
    """Order-free form of a query result: the sorted multiset of its rows' values."""
    keys = [_row_key(r.values() if isinstance(r, dict) else r) for r in rows]
    return tuple(sorted(keys, key=repr))


def duckdb_answers(serving_path: Path, statements: list[str]) -> list[tuple]:
    """Run each statement on the served file, read-only and on one connection
    (one snapshot), as canonical answers."""
    con = duckdb.connect(str(serving_path), read_only=True)
    try:
        return [canonical_answer(con.execute(sql).fetchall()) for sql in statements]
    finally:
        con.close()


# --- sample submissions through the real inbox -------------------------------------

EPIDEMIC = "epidemic_situation_by_district"


def sample_pairs() -> list[tuple[str, str]]:
    """(dataset, unit) for every dataset: the first registered unit that answers for it.

    Province-wide units come first so one file covers the most districts.
    """
    from ingest.registry import load_registry
    from ingest.schema import all_schemas

    units = sorted(load_registry().units.values(), key=lambda u: (bool(u.district_code), u.unit_code))
    pairs = []
    for schema in all_schemas().values():
        unit = next((u for u in units if u.unit_type in schema.responsible_unit_types), None)
        if unit is not None:
            pairs.append((schema.name, unit.unit_code))
    return pairs


def submit_sample(settings: Settings, folder: Path, dataset: str, unit: str,
                  day: dt.date, slot: str | None = None) -> str:
    """Write a valid sample file for (dataset, unit, day, slot) and drop it into the inbox."""
    from ingest import inbox
    from ingest.samples import sample_rows
    from ingest.schema import load_schema
    from ingest.templates import write_submission

    folder.mkdir(parents=True, exist_ok=True)
    tag = (slot or "").replace(":", "")
    path = folder / f"{unit}_{dataset}_{day:%Y%m%d}{tag}.xlsx"
    write_submission(load_schema(dataset), sample_rows(dataset, unit, day, slot), path, unit)
    return inbox.submit(settings, path, unit, dataset)
