"""Run Apache Airflow 3 for the portal, from the project itself.

One function builds the whole Airflow configuration as environment variables
(``airflow_env``), so every process we start - and every test - sees exactly
the same settings, and nothing depends on a hand-edited airflow.cfg. The four
Airflow services run as separate processes (not ``airflow standalone``) so a
caller can see, log and stop each one, and so the same layout scales out.

Two modes:

* default: SQLite metadata in ``<airflow_home>/airflow.db`` + LocalExecutor.
  Enough for one province's daily files, zero extra services.
* scaled out, when ``PORTAL_AIRFLOW_DATABASE_URI`` is set (PostgreSQL, e.g.
  ``postgresql+psycopg2://airflow:...@127.0.0.1:5432/airflow``): that database
  for metadata, and CeleryExecutor with the broker in
  ``PORTAL_AIRFLOW_BROKER_URL`` (default Redis on 127.0.0.1:6379) when the
  Celery provider is installed - otherwise LocalExecutor on PostgreSQL, with a
  warning (see ``scale_out_report``).
"""
from __future__ import annotations

import importlib.util
import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

from ingest.settings import REPO_ROOT, TIMEZONE, Settings

log = logging.getLogger(__name__)

DAGS_FOLDER = REPO_ROOT / "dags"
ADMIN_USER = "admin"
INGEST_DAG_ID = "portal_ingest"
# Order matters: the API server first (tasks and health checks need it), the
# dag-processor before the scheduler has anything to schedule.
COMPONENTS = ("api-server", "dag-processor", "scheduler", "triggerer")
DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/0"

# Why these numbers: a new or edited DAG file must show up within seconds
# (the stock 300 s listing interval makes a fresh install look broken), while
# re-parsing our two small files every few seconds costs little on 2 cores.
DAG_DIR_REFRESH_INTERVAL = 5
MIN_FILE_PROCESS_INTERVAL = 10

# LocalExecutor workers come from a forkserver that imported these once; each
# task process is a fork of a worker, so it starts with them loaded. Measured
# on 2 busy cores: task durations fell from 20-45 s (process) and ~5 s
# (publish, refresh) to 2.5-7 s and ~2 s, mostly import time of pandas,
# great_expectations and the pipeline. A module that fails to import is
# skipped by the forkserver, so the list may name optional packages.
FORKSERVER_PRELOAD = (
    "airflow.sdk.execution_time.task_runner",
    "airflow.executors.local_executor",
    "ingest.pipeline",
    "warehouse.load",
    "warehouse.publish",
    "great_expectations",
    "requests",
)


class AirflowError(RuntimeError):
    """Airflow did not start, answer or behave as expected."""


# --------------------------------------------------------------------------
# configuration
# --------------------------------------------------------------------------
def venv_bin() -> Path:
    """The bin folder holding the ``airflow`` executable.

    Airflow starts parts of itself as ``airflow ...`` subprocesses, so this
    folder must be on PATH (measured: FileNotFoundError 'airflow' otherwise)."""
    here = Path(sys.executable).parent
    if (here / "airflow").exists():
        return here
    return REPO_ROOT / ".venv" / "pipeline" / "bin"


def passwords_file(settings: Settings) -> Path:
    """SimpleAuthManager reads ``{user: password}`` JSON from this file; we
    write it ourselves so the admin password is ours, not a generated one
    printed into a log."""
    return settings.airflow_home / "simple_auth_manager_passwords.json"


def admin_password(settings: Settings) -> str:
    """The admin password written by ``init_airflow``."""
    return json.loads(passwords_file(settings).read_text(encoding="utf-8"))[ADMIN_USER]


def api_port_of(settings: Settings) -> int:
    return urlparse(settings.airflow_url).port or 8080


def celery_available() -> bool:
    return importlib.util.find_spec("airflow.providers.celery") is not None


def postgres_driver_available() -> bool:
    return any(importlib.util.find_spec(m) is not None for m in ("psycopg2", "psycopg"))


def scale_out_report() -> str:
    """One line telling what scaled-out mode can use in this environment."""
    missing = []
    if not postgres_driver_available():
        missing.append("psycopg2-binary (PostgreSQL driver)")
    if not celery_available():
        missing.append("apache-airflow-providers-celery (CeleryExecutor)")
    if not missing:
        return "scale-out ready: PostgreSQL metadata + CeleryExecutor"
    return "scale-out needs packages not in the lock: " + ", ".join(missing)


def _executor(env: dict[str, str]) -> str:
    return env["AIRFLOW__CORE__EXECUTOR"]


def airflow_env(settings: Settings, api_port: int, base: dict[str, str] | None = None) -> dict[str, str]:
    """The complete environment for any ``airflow`` command of this portal."""
    env = dict(os.environ if base is None else base)
    # A stray AIRFLOW__* from the caller's shell must not silently change the
    # portal's behaviour; only our values (below) and AIRFLOW_CONN/VAR survive.
    for key in [k for k in env if k.startswith("AIRFLOW__")]:
        del env[key]
    home = settings.airflow_home
    bin_dir = str(venv_bin())
    path = env.get("PATH", "")
    pythonpath = [str(REPO_ROOT)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    api_url = f"http://127.0.0.1:{api_port}"
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW_CONFIG": str(home / "airflow.cfg"),
            "PORTAL_HOME": str(settings.home),
            "PORTAL_AIRFLOW_URL": api_url,
            "PATH": bin_dir + (os.pathsep + path if path else ""),
            "PYTHONPATH": os.pathsep.join(dict.fromkeys(pythonpath)),
            # --- DAGs ---
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            "AIRFLOW__CORE__DEFAULT_TIMEZONE": TIMEZONE,
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": str(DAG_DIR_REFRESH_INTERVAL),
            "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": str(MIN_FILE_PROCESS_INTERVAL),
            # --- API server; tasks reach it through execution_api_server_url,
            # which must follow the port or every task hangs in "queued" ---
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(api_port),
            "AIRFLOW__API__BASE_URL": api_url,
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{api_url}/execution/",
            # --- auth: one admin, password from our own file ---
            "AIRFLOW__CORE__AUTH_MANAGER": (
                "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
            ),
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN_USER}:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords_file(settings)),
            # --- logs with the portal's other logs ---
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(settings.logs / "airflow"),
            "AIRFLOW__LOGGING__DAG_PROCESSOR_CHILD_PROCESS_LOG_DIRECTORY": str(
                settings.logs / "airflow" / "dag_processor"
            ),
        }
    )

    db_uri = env.get("PORTAL_AIRFLOW_DATABASE_URI", "").strip()
    if db_uri:
        env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = db_uri
        if celery_available():
            broker = env.get("PORTAL_AIRFLOW_BROKER_URL", DEFAULT_BROKER_URL)
            env["AIRFLOW__CORE__EXECUTOR"] = "CeleryExecutor"
            env["AIRFLOW__CELERY__BROKER_URL"] = broker
            env["AIRFLOW__CELERY__RESULT_BACKEND"] = "db+" + db_uri.replace("+psycopg2", "").replace(
                "+psycopg", ""
            )
        else:
            # Still useful: PostgreSQL lifts SQLite's single-writer limit for
            # the scheduler, triggerer and dag-processor.
            env["AIRFLOW__CORE__EXECUTOR"] = "LocalExecutor"
    else:
        env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{home / 'airflow.db'}"
        env["AIRFLOW__CORE__EXECUTOR"] = "LocalExecutor"
    if env["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor":
        env["AIRFLOW__SCHEDULER__MP_START_METHOD"] = "forkserver"
        env["AIRFLOW__SCHEDULER__MP_FORKSERVER_PRELOAD"] = ",".join(FORKSERVER_PRELOAD)
    return env


def _airflow_exe() -> str:
    return str(venv_bin() / "airflow")


# --------------------------------------------------------------------------
# lifecycle
# --------------------------------------------------------------------------
def write_passwords_file(settings: Settings, password: str) -> Path:
    path = passwords_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    # 0600 from the start: the file holds a plaintext password.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump({ADMIN_USER: password}, fh)
        fh.write("\n")
    os.replace(tmp, path)
    return path


def init_airflow(settings: Settings, admin_password: str, timeout: float = 600) -> None:
    """Create the Airflow home and metadata database, or upgrade them.

    Idempotent: safe on every start. The admin password is (re)written each
    time so rotating it is just calling this again."""
    if not admin_password:
        raise ValueError("Mật khẩu quản trị Airflow không được để trống")
    settings.airflow_home.mkdir(parents=True, exist_ok=True)
    (settings.logs / "airflow").mkdir(parents=True, exist_ok=True)
    write_passwords_file(settings, admin_password)
    if os.environ.get("PORTAL_AIRFLOW_DATABASE_URI") and not postgres_driver_available():
        raise AirflowError(
            "PORTAL_AIRFLOW_DATABASE_URI được đặt nhưng môi trường thiếu trình điều khiển PostgreSQL: "
            + scale_out_report()
        )
    env = airflow_env(settings, api_port_of(settings))
    result = subprocess.run(
        [_airflow_exe(), "db", "migrate"],
        env=env,
        cwd=settings.airflow_home,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        tail = (result.stdout + result.stderr)[-4000:]
        raise AirflowError(f"'airflow db migrate' thất bại (mã {result.returncode}):\n{tail}")


def components(env: dict[str, str]) -> tuple[str, ...]:
    if _executor(env) == "CeleryExecutor":
        return COMPONENTS + ("celery worker",)
    return COMPONENTS


# Every process here shares one file system, so the API server reads task and
# trigger logs from disk. Without this flag the scheduler and triggerer each
# open a log server on fixed ports 8793/8794 on ALL interfaces: needless
# exposure, and a second portal (a test beside `portal up`) would clash.
_EXTRA_ARGS = {"scheduler": ("--skip-serve-logs",), "triggerer": ("--skip-serve-logs",)}


def start_airflow(settings: Settings, api_port: int, log_dir: Path) -> list[subprocess.Popen]:
    """Start api-server, dag-processor, scheduler and triggerer (and a Celery
    worker in scaled-out mode), each its own process group, logging to
    ``log_dir/<component>.log``. Call ``init_airflow`` first."""
    log_dir = Path(log_dir)
    log_dir.mkdir(parents=True, exist_ok=True)
    env = airflow_env(settings, api_port)
    processes: list[subprocess.Popen] = []
    try:
        for component in components(env):
            logfile = log_dir / f"{component.replace(' ', '-')}.log"
            with open(logfile, "ab") as out:
                proc = subprocess.Popen(
                    [_airflow_exe(), *component.split(), *_EXTRA_ARGS.get(component, ())],
                    env=env,
                    cwd=settings.airflow_home,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    # Own session = own process group: stop() signals the
                    # whole group, so executor workers and parsing children
                    # die with their parent.
                    start_new_session=True,
                )
            proc.component = component  # type: ignore[attr-defined]
            proc.logfile = logfile  # type: ignore[attr-defined]
            processes.append(proc)
    except BaseException:
        stop(processes)
        raise
    return processes


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def stop(processes: list[subprocess.Popen], grace: float = 30) -> None:
    """SIGTERM every process group, SIGKILL what is still alive after ``grace``."""
    for proc in processes:
        _signal_group(proc, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for proc in processes:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
    for proc in processes:
        # Kill the group even if the leader exited: stragglers may remain.
        _signal_group(proc, signal.SIGKILL)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            log.warning("process %s (pid %s) did not die", getattr(proc, "component", "?"), proc.pid)


def _log_tail(proc: subprocess.Popen, chars: int = 3000) -> str:
    logfile = getattr(proc, "logfile", None)
    if not logfile:
        return ""
    try:
        return Path(logfile).read_text(encoding="utf-8", errors="replace")[-chars:]
    except OSError:
        return ""


def health(base_url: str) -> dict:
    import requests

    resp = requests.get(f"{base_url.rstrip('/')}/api/v2/monitor/health", timeout=5)
    resp.raise_for_status()
    return resp.json()


def wait_healthy(
    base_url: str, timeout: float = 180, processes: list[subprocess.Popen] | None = None
) -> dict:
    """Wait until the API server says the metadatabase, scheduler, triggerer
    and dag-processor are healthy. Fails fast if one of ``processes`` died."""
    import requests

    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        for proc in processes or []:
            if proc.poll() is not None:
                raise AirflowError(
                    f"airflow {getattr(proc, 'component', '?')} đã dừng (mã {proc.returncode}):\n"
                    + _log_tail(proc)
                )
        try:
            status = health(base_url)
            last = status
            parts = ("metadatabase", "scheduler", "triggerer", "dag_processor")
            if all((status.get(p) or {}).get("status") == "healthy" for p in parts):
                return status
        except (requests.RequestException, ValueError) as exc:
            last = exc
        time.sleep(1)
    raise AirflowError(f"Airflow chưa sẵn sàng sau {timeout:.0f} s; trạng thái cuối: {last}")


# --------------------------------------------------------------------------
# REST client
# --------------------------------------------------------------------------
FINAL_RUN_STATES = frozenset({"success", "failed"})


class AirflowClient:
    """Just what the portal needs from Airflow's REST API (v2), with token auth."""

    def __init__(self, base_url: str, user: str, password: str, timeout: float = 30):
        import requests

        self.base_url = base_url.rstrip("/")
        self.user = user
        self.password = password
        self.timeout = timeout
        self.session = requests.Session()
        self._token: str | None = None

    def login(self) -> str:
        resp = self.session.post(
            f"{self.base_url}/auth/token",
            json={"username": self.user, "password": self.password},
            timeout=self.timeout,
        )
        if resp.status_code not in (200, 201):
            raise AirflowError(f"Đăng nhập Airflow thất bại ({resp.status_code}): {resp.text[:300]}")
        self._token = resp.json()["access_token"]
        self.session.headers["Authorization"] = f"Bearer {self._token}"
        return self._token

    def request(self, method: str, path: str, **kwargs):
        if self._token is None:
            self.login()
        kwargs.setdefault("timeout", self.timeout)
        url = f"{self.base_url}/api/v2/{path.lstrip('/')}"
        resp = self.session.request(method, url, **kwargs)
        if resp.status_code == 401:  # token expired: log in again once
            self.login()
            resp = self.session.request(method, url, **kwargs)
        return resp

    def _json(self, method: str, path: str, **kwargs):
        resp = self.request(method, path, **kwargs)
        if resp.status_code >= 400:
            raise AirflowError(f"{method} {path} -> {resp.status_code}: {resp.text[:500]}")
        return resp.json()

    # --- DAGs -------------------------------------------------------------
    def dag(self, dag_id: str) -> dict | None:
        resp = self.request("GET", f"dags/{dag_id}")
        if resp.status_code == 404:
            return None
        if resp.status_code >= 400:
            raise AirflowError(f"GET dags/{dag_id} -> {resp.status_code}: {resp.text[:500]}")
        return resp.json()

    def set_paused(self, dag_id: str, paused: bool) -> dict:
        return self._json("PATCH", f"dags/{dag_id}", json={"is_paused": paused})

    def import_errors(self) -> list[dict]:
        return self._json("GET", "importErrors", params={"limit": 100})["import_errors"]

    def wait_for_dag(self, dag_id: str, timeout: float = 120) -> dict:
        """Wait until ``dag_id`` is parsed, active and unpaused; fail early on
        an import error in its file."""
        deadline = time.monotonic() + timeout
        dag = None
        while time.monotonic() < deadline:
            dag = self.dag(dag_id)
            if dag is not None and not dag.get("is_paused") and not dag.get("is_stale", False):
                return dag
            if dag is None:
                errors = [e for e in self.import_errors() if dag_id in (e.get("filename") or "")]
                if errors:
                    raise AirflowError(f"DAG {dag_id} lỗi khi nạp: {errors[0].get('stack_trace')}")
            time.sleep(1)
        state = "chưa được nạp" if dag is None else f"is_paused={dag.get('is_paused')}"
        raise AirflowError(f"DAG {dag_id} chưa sẵn sàng sau {timeout:.0f} s ({state})")

    # --- runs -------------------------------------------------------------
    def dag_runs(self, dag_id: str, limit: int = 100) -> list[dict]:
        """Most recent runs first."""
        return self._json(
            "GET", f"dags/{dag_id}/dagRuns", params={"limit": limit, "order_by": "-id"}
        )["dag_runs"]

    def dag_run(self, dag_id: str, run_id: str) -> dict:
        return self._json("GET", f"dags/{dag_id}/dagRuns/{run_id}")

    def trigger(self, dag_id: str, conf: dict | None = None) -> dict:
        from datetime import datetime, timezone

        body = {"logical_date": datetime.now(timezone.utc).isoformat(), "conf": conf or {}}
        return self._json("POST", f"dags/{dag_id}/dagRuns", json=body)

    def task_instances(self, dag_id: str, run_id: str) -> list[dict]:
        return self._json("GET", f"dags/{dag_id}/dagRuns/{run_id}/taskInstances")["task_instances"]

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float = 300) -> dict:
        """Wait until the run is success or failed; return it."""
        deadline = time.monotonic() + timeout
        run = None
        while time.monotonic() < deadline:
            run = self.dag_run(dag_id, run_id)
            if run["state"] in FINAL_RUN_STATES:
                return run
            time.sleep(0.5)
        raise AirflowError(f"Lượt chạy {dag_id}/{run_id} chưa kết thúc sau {timeout:.0f} s: {run}")

    def wait_for_new_run(self, dag_id: str, known_run_ids: set[str], timeout: float = 120) -> dict:
        """Wait for a run whose id is not in ``known_run_ids`` (e.g. one an
        asset event created); return it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for run in self.dag_runs(dag_id):
                if run["dag_run_id"] not in known_run_ids:
                    return run
            time.sleep(0.25)
        raise AirflowError(f"Không có lượt chạy mới của {dag_id} sau {timeout:.0f} s")
