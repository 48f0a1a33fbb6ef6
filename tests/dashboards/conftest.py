"""A real Superset for the dashboard tests: one per session, on a free port.

Started from the Superset environment through dashboards.server exactly as the
portal starts it, against a temporary PORTAL_HOME whose serving file is the
one the real pipeline published from sample submissions of every dataset
(serving_fixture.py). Stopped by killing its process group.
"""
from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from dashboards import server
from dashboards.roles import apply_access
from dashboards.superset import SupersetClient
from ingest.settings import Settings
from serving_fixture import build_serving_file
from warehouse.publish import all_marts

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "test-artifacts"


@dataclass
class SupersetInstance:
    settings: Settings
    url: str
    username: str
    password: str
    log_path: Path

    def client(self) -> SupersetClient:
        client = SupersetClient(self.url, self.username, self.password)
        client.login()
        return client


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)  # gunicorn master + workers
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@pytest.fixture(scope="session")
def superset(tmp_path_factory) -> SupersetInstance:
    home = tmp_path_factory.mktemp("portal-home")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    settings = Settings(home=home, superset_url=url, airflow_url="http://127.0.0.1:1")
    build_serving_file(settings.serving_path)
    username, password = "admin", secrets.token_urlsafe(12)
    server.init_superset(settings, username, password)
    log_path = home / "superset.log"
    proc = server.start_superset(settings, port, log_path)
    try:
        try:
            server.wait_healthy(url, timeout=300, proc=proc)
        except server.SupersetServerError as exc:
            tail = log_path.read_text(encoding="utf-8", errors="replace")[-4000:]
            raise RuntimeError(f"{exc}\n--- superset.log ---\n{tail}") from exc
        instance = SupersetInstance(settings, url, username, password, log_path)
        instance.client().import_assets(settings.serving_path)
        apply_access(instance.client(), settings.credentials_path)  # roles, RLS, unit accounts
        yield instance
    finally:
        _stop(proc)


@pytest.fixture
def publish(superset):
    """Publish new figures the way the pipeline does: new file, os.replace, refresh."""
    def _publish(bump: int = 0, refresh: bool = True) -> Path:
        build_serving_file(superset.settings.serving_path, bump=bump)
        if refresh:
            superset.client().refresh_datasets(all_marts())
        return superset.settings.serving_path
    return _publish


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
