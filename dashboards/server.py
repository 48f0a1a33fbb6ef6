"""Run the portal's Superset from the pipeline environment.

Superset and Airflow cannot share a Python environment (SQLAlchemy 1.4 vs 2.1),
so this module never imports superset: it only runs the ``superset`` CLI and
gunicorn from ``.venv/superset`` as subprocesses, and talks HTTP afterwards.
"""
from __future__ import annotations

import os
import secrets
import subprocess
import time
from pathlib import Path
from typing import IO

import requests

from ingest.settings import REPO_ROOT, Settings

SUPERSET_VENV = Path(os.environ.get("PORTAL_SUPERSET_VENV", REPO_ROOT / ".venv" / "superset"))
CONFIG_PATH = Path(__file__).resolve().parent / "superset_config.py"
# 2 cores: 2 worker processes (each CPU-bound chart serialisation gets a core)
# with a few threads each, because most of a request is waiting on DuckDB/SQLite.
WORKERS = 2
THREADS = 4


class SupersetServerError(RuntimeError):
    """A Superset CLI step failed or the server never became healthy."""


def _secret_key(settings: Settings) -> str:
    """The key from the environment, else the one stored beside the metadata DB.

    Generated once and kept (mode 0600): changing it would log everyone out and
    make stored database passwords undecryptable.
    """
    if key := os.environ.get("PORTAL_SUPERSET_SECRET_KEY"):
        return key
    path = settings.superset_home / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    settings.superset_home.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(key + "\n")
    return key


def superset_env(settings: Settings) -> dict[str, str]:
    """Complete environment for a Superset subprocess (CLI or gunicorn)."""
    env = dict(os.environ)
    # The pipeline venv must not leak into Superset's interpreter.
    for var in ("VIRTUAL_ENV", "PYTHONHOME", "PYTHONPATH"):
        env.pop(var, None)
    bin_dir = SUPERSET_VENV / "bin"
    env.update(
        PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
        VIRTUAL_ENV=str(SUPERSET_VENV),
        PORTAL_HOME=str(settings.home),
        SUPERSET_HOME=str(settings.superset_home),
        SUPERSET_CONFIG_PATH=str(CONFIG_PATH),
        PORTAL_SUPERSET_SECRET_KEY=_secret_key(settings),
        FLASK_APP="superset.app:create_app()",
        PYTHONUNBUFFERED="1",
    )
    return env


def _run_cli(settings: Settings, args: list[str], stdin: str | None = None) -> str:
    cmd = [str(SUPERSET_VENV / "bin" / "superset"), *args]
    proc = subprocess.run(
        cmd,
        env=superset_env(settings),
        input=stdin,
        capture_output=True,
        text=True,
        cwd=settings.superset_home,
    )
    if proc.returncode != 0:
        raise SupersetServerError(
            f"`superset {' '.join(args)}` failed (exit {proc.returncode}):\n"
            f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        )
    return proc.stdout + proc.stderr


def init_superset(settings: Settings, admin_user: str, admin_password: str) -> None:
    """Create or upgrade the metadata DB, the admin account and the roles.

    Idempotent: every step is safe to repeat. An existing admin keeps its password.
    """
    for sub in ("", "cache"):
        (settings.superset_home / sub).mkdir(parents=True, exist_ok=True)
    _run_cli(settings, ["db", "upgrade"])
    # The password goes through stdin (click's password prompt), not argv,
    # so it never shows in the process list.
    out = _run_cli(
        settings,
        [
            "fab", "create-admin",
            "--username", admin_user,
            "--firstname", "Quản trị",
            "--lastname", "Cổng dữ liệu",
            "--email", f"{admin_user}@portal.localhost",
        ],
        stdin=f"{admin_password}\n{admin_password}\n",
    )
    # FAB exits 0 even when it creates nothing; read what it said.
    if "Admin User" not in out and "already exists" not in out:
        raise SupersetServerError(f"creating the Superset admin failed:\n{out[-3000:]}")
    _run_cli(settings, ["init"])


def start_superset(settings: Settings, port: int, log_file: Path | str | IO) -> subprocess.Popen:
    """Start gunicorn on 127.0.0.1:port in its own session; returns at once.

    Stop it with ``os.killpg(proc.pid, signal.SIGTERM)`` (kills workers too).
    """
    settings.superset_home.mkdir(parents=True, exist_ok=True)
    log = open(log_file, "ab") if isinstance(log_file, (str, Path)) else log_file
    cmd = [
        str(SUPERSET_VENV / "bin" / "gunicorn"),
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(WORKERS),
        "--worker-class", "gthread",
        "--threads", str(THREADS),
        # Chart queries on a cold DuckDB file plus dataset refreshes can exceed
        # gunicorn's default 30 s on a busy 2-core machine.
        "--timeout", "120",
        # Explore sends whole form_data in GET URLs; gunicorn's 4 KiB cap breaks it.
        "--limit-request-line", "0",
        "--limit-request-field_size", "0",
        # gunicorn >= 25 opens a management socket at one path per user
        # ($HOME/.gunicorn/gunicorn.ctl): every Superset on the machine (tests,
        # benches, `portal up`) would take it over from the previous one and
        # remove it when stopping. Nothing here uses gunicornc; the portal
        # stops its server by process group.
        "--no-control-socket",
        "superset.app:create_app()",
    ]
    try:
        return subprocess.Popen(
            cmd,
            env=superset_env(settings),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=settings.superset_home,
            start_new_session=True,
        )
    finally:
        if log is not log_file:
            log.close()  # the child keeps its own descriptor


def wait_healthy(base_url: str, timeout: float = 120.0, proc: subprocess.Popen | None = None) -> None:
    """Poll ``/health`` until it answers 200 OK; raise after ``timeout`` seconds.

    Pass ``proc`` to fail fast when the server process has already died.
    """
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise SupersetServerError(f"Superset exited with code {proc.returncode} before becoming healthy")
        try:
            resp = requests.get(f"{base_url.rstrip('/')}/health", timeout=5)
            if resp.status_code == 200 and resp.text.strip() == "OK":
                return
            last = f"HTTP {resp.status_code}: {resp.text[:200]}"
        except requests.RequestException as exc:
            last = str(exc)
        time.sleep(0.5)
    raise SupersetServerError(f"Superset at {base_url} not healthy after {timeout:.0f} s ({last})")
