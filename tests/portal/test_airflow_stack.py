"""The real Airflow stack, end to end: four processes, a file drop, a DAG run.

Nothing is mocked: api-server, dag-processor, scheduler and triggerer run as
separate processes from ``portal.airflow.start_airflow`` against a temporary
PORTAL_HOME on a free port; a valid sample submission is dropped into
inbox/CDC/ and must be claimed by the InboxTrigger and processed by a DAG run
that nobody triggered by hand.

Waits are generous deadlines, not timed assertions: the machine is shared.
Latencies are printed (run with -s) so they can be compared over time.
"""
from __future__ import annotations

import datetime as dt
import os
import secrets
import socket
import time
from pathlib import Path

import pytest

from ingest.settings import Settings
from portal import airflow as af

DAG_ID = af.INGEST_DAG_ID
DATASET = "epidemic_situation_by_district"
UNIT = "CDC"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _not_implemented(step) -> bool:
    """True while ingest.pipeline's step is still the stub whose whole body is
    a docstring and ``raise NotImplementedError``."""
    import ast
    import inspect
    import textwrap

    func = ast.parse(textwrap.dedent(inspect.getsource(step))).body[0]
    body = [s for s in func.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    return (
        len(body) == 1
        and isinstance(body[0], ast.Raise)
        and "NotImplementedError" in ast.unparse(body[0])
    )


def _log_tails(processes) -> str:
    out = []
    for proc in processes:
        logfile = getattr(proc, "logfile", None)
        if logfile and Path(logfile).exists():
            text = Path(logfile).read_text(encoding="utf-8", errors="replace")
            out.append(f"----- {proc.component} (rc={proc.poll()}) -----\n{text[-4000:]}")
    return "\n".join(out)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    home = tmp_path_factory.mktemp("portal-home")
    port = _free_port()
    settings = Settings(
        home=home,
        # Nothing listens there: refresh_superset must only warn.
        superset_url=f"http://127.0.0.1:{_free_port()}",
        airflow_url=f"http://127.0.0.1:{port}",
    )
    password = secrets.token_urlsafe(16)
    af.init_airflow(settings, password)
    processes = af.start_airflow(settings, port, settings.logs / "services")
    try:
        af.wait_healthy(settings.airflow_url, timeout=300, processes=processes)
        client = af.AirflowClient(settings.airflow_url, af.ADMIN_USER, password)
        yield settings, client, processes
    except BaseException:
        print(_log_tails(processes))
        raise
    finally:
        af.stop(processes)
        for proc in processes:
            assert proc.poll() is not None, f"{proc.component} still running"


def test_passwords_file_is_private(stack):
    settings, _, _ = stack
    assert (af.passwords_file(settings).stat().st_mode & 0o777) == 0o600


def test_wrong_password_is_refused(stack):
    settings, _, _ = stack
    with pytest.raises(af.AirflowError):
        af.AirflowClient(settings.airflow_url, af.ADMIN_USER, "not-the-password").login()


def test_ingest_dag_registered_unpaused_without_import_errors(stack):
    _, client, processes = stack
    try:
        dag = client.wait_for_dag(DAG_ID, timeout=300)
    except af.AirflowError:
        print(_log_tails(processes))
        raise
    assert dag["is_paused"] is False
    assert client.import_errors() == []
    assert dag["max_active_runs"] == 1


def _drop_sample(settings: Settings, date: dt.date) -> Path:
    """Write a valid submission under a hidden name, then rename it into the
    inbox: the way a careful uploader delivers a complete file."""
    from ingest.samples import sample_rows
    from ingest.schema import load_schema
    from ingest.templates import write_submission

    unit_dir = settings.inbox / UNIT
    unit_dir.mkdir(parents=True, exist_ok=True)
    name = f"{DATASET}_{date:%Y%m%d}_0800.csv"
    tmp = write_submission(
        load_schema(DATASET), sample_rows(DATASET, UNIT, date, "08:00"), unit_dir / f".partial-{name}", UNIT
    )
    final = unit_dir / name
    os.replace(tmp, final)
    return final


def test_file_drop_runs_the_dag_unattended(stack):
    from ingest import pipeline

    settings, client, processes = stack
    client.wait_for_dag(DAG_ID, timeout=300)
    if _not_implemented(pipeline.claim_inbox):
        # Observed 2026-11-25 while ingest.pipeline was still stubs: the
        # watcher logs the NotImplementedError from claim_inbox and keeps
        # polling (the triggerer stays healthy), so no run can start.
        pytest.xfail("ingest.pipeline.claim_inbox is not implemented yet")

    latencies = []
    for i in range(3):
        known = {r["dag_run_id"] for r in client.dag_runs(DAG_ID)}
        dropped = time.monotonic()
        path = _drop_sample(settings, dt.date(2021, 10, 1) + dt.timedelta(days=i))
        try:
            run = client.wait_for_new_run(DAG_ID, known, timeout=180)
            created = time.monotonic()
            # Claimed by the watcher: gone from the inbox, spooled (or already
            # processed further) under a submission id.
            assert not path.exists()
            run = client.wait_for_run(DAG_ID, run["dag_run_id"], timeout=600)
        except af.AirflowError:
            print(_log_tails(processes))
            raise
        finished = time.monotonic()
        tis = {t["task_id"]: t["state"] for t in client.task_instances(DAG_ID, run["dag_run_id"])}
        latencies.append((created - dropped, finished - dropped))
        print(f"drop {i}: run {run['dag_run_id']} {run['state']} {tis}; "
              f"run created after {created - dropped:.1f}s, final after {finished - dropped:.1f}s")

        if _not_implemented(pipeline.process_spool):
            # The run was created by the file drop alone and executed: process
            # failed on the stub, so publish/refresh never ran.
            assert run["state"] == "failed" and tis["process"] == "failed"
            assert any(settings.spool.rglob("*.csv")), "claimed file is not in spool/"
            pytest.xfail("ingest.pipeline.process_spool is not implemented yet")

        assert run["state"] == "success", tis
        assert tis["process"] == "success"
        assert tis["refresh_superset"] in ("success", "skipped")  # no Superset here: warn only
    print("latencies (run created, run final) in s:", [(round(a, 1), round(b, 1)) for a, b in latencies])
