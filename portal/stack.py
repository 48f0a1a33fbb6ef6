"""`portal up`: one command from a fresh machine to a serving portal.

Initialise (idempotent), start Airflow's four services and Superset, import
the dashboards, feed sample submissions through the real inbox -> DAG path,
then serve until Ctrl-C, which stops every process group cleanly.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import signal
import socket
import time
from zoneinfo import ZoneInfo

from ingest.settings import TIMEZONE, Settings

SUPERSET_ADMIN = "admin"
FINAL_STATES = {"published", "rejected", "duplicate"}


def ensure_credentials(settings: Settings) -> dict:
    """Generate the admin passwords once and keep them (0600) under PORTAL_HOME."""
    path = settings.credentials_path
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    creds = {"airflow_admin_user": "admin", "airflow_admin_password": secrets.token_urlsafe(12),
             "superset_admin_user": SUPERSET_ADMIN, "superset_admin_password": secrets.token_urlsafe(12)}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(creds, fh, indent=2)
    return creds


def _running_pid(settings: Settings) -> int | None:
    pidfile = settings.home / "portal.pid"
    if not pidfile.exists():
        return None
    try:
        pid = int(pidfile.read_text())
        os.kill(pid, 0)
        return pid
    except (ValueError, ProcessLookupError, PermissionError):
        return None


# A few district units stand for all 27 in the samples: enough for every
# district-level dataset to have data, few enough for `portal up` to stay quick.
SAMPLE_DISTRICT_KEYS = ("THANHHOA", "SAMSON", "NGHISON", "HOANGHOA")
# Datasets that units send when something changes: sent on the first and last
# sample day, so the second statement supersedes the first (history shows both).
ON_CHANGE_SAMPLES = {
    "quarantine_facilities": ["BCHQS", "SYT", *(f"UBND-{k}" for k in SAMPLE_DISTRICT_KEYS)],
    "checkpoints": ["CA"],
    "supply_points": ["SCT"],
    "food_establishments": ["SCT", "SYT"],
    "support_policies": ["SLDTBXH"],
    "epidemic_levels": ["SYT", *(f"UBND-{k}" for k in SAMPLE_DISTRICT_KEYS)],
    "directive_documents": ["SYT", "CDC", "BCHQS", "CA", "SCT", "SLDTBXH", "STTTT"],
}
# Datasets sent once a day (violations: each day's new cases).
DAILY_SAMPLES = {
    "case_line_list": [f"TTYT-{k}" for k in SAMPLE_DISTRICT_KEYS],
    "testing": ["CDC", *(f"TTYT-{k}" for k in SAMPLE_DISTRICT_KEYS)],
    "vaccination_by_district": ["CDC"],
    "returnees_quarantine": ["CDC", *(f"TTYT-{k}" for k in SAMPLE_DISTRICT_KEYS)],
    "citizen_feedback": ["SYT"],
    "violations": ["CA"],
}


def sample_plan(days: int, now: dt.datetime) -> list[tuple[str, str, dt.date, str | None]]:
    """(dataset, unit, date, slot) for the last `days` days, in the order the
    files must arrive (cumulative figures only grow). Every dataset appears:
    the epidemic figures from SYT and CDC for both slots once their deadline
    has passed, the daily datasets every day, the on-change ones on the first
    and last day."""
    plan = []
    first = now.date() - dt.timedelta(days=days - 1)
    for back in range(days - 1, -1, -1):
        day = now.date() - dt.timedelta(days=back)
        for slot in ("08:00", "16:00"):
            deadline = dt.datetime.combine(day, dt.time.fromisoformat(slot), now.tzinfo)
            if deadline <= now:
                plan += [("epidemic_situation_by_district", unit, day, slot) for unit in ("SYT", "CDC")]
        plan += [(dataset, unit, day, None) for dataset, units in DAILY_SAMPLES.items() for unit in units]
        if day == first or back == 0:
            plan += [(dataset, unit, day, None) for dataset, units in ON_CHANGE_SAMPLES.items()
                     for unit in units]
    return plan


def submit_samples(settings: Settings, days: int, now: dt.datetime | None = None) -> list[str]:
    """Write and submit, through the real inbox, the sample files not submitted
    before (safe to repeat); return their submission ids in submission order."""
    from ingest.inbox import submit
    from ingest.samples import sample_rows
    from ingest.schema import load_schema
    from ingest.templates import write_submission

    folder = settings.home / "samples"
    ids = []
    for dataset, unit, day, slot in sample_plan(days, now or dt.datetime.now(ZoneInfo(TIMEZONE))):
        suffix = f"_{slot.replace(':', 'h')}" if slot else ""
        path = folder / dataset / f"{unit}_{day:%Y-%m-%d}{suffix}.xlsx"
        if path.exists():
            continue
        schema = load_schema(dataset)
        write_submission(schema, sample_rows(dataset, unit, day, slot), path, unit)
        ids.append(submit(settings, path, unit, dataset))
    return ids


def wait_final(settings: Settings, ids: list[str], timeout: float) -> dict[str, str]:
    from ingest.inbox import read_status

    deadline = time.monotonic() + timeout
    while True:
        states = {sid: (read_status(settings, sid) or {}).get("state", "?") for sid in ids}
        if all(s in FINAL_STATES for s in states.values()) or time.monotonic() > deadline:
            return states
        time.sleep(1)


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class _Stop(Exception):
    pass


def _raise_stop(signum, frame):
    raise _Stop()


class Stack:
    """Airflow's four services and Superset, started and initialised as one.

    Used by `portal up` and by the end-to-end tests, so both run the same path."""

    def __init__(self, settings: Settings, airflow_port: int, superset_port: int):
        self.settings = settings
        self.airflow_url = f"http://127.0.0.1:{airflow_port}"
        self.superset_url = f"http://127.0.0.1:{superset_port}"
        self.airflow_port, self.superset_port = airflow_port, superset_port
        self.processes: list = []
        self.creds: dict = {}

    def start(self) -> None:
        from dashboards import server as superset_server
        from dashboards.roles import apply_access
        from ingest.pipeline import publish
        from portal import airflow

        settings = self.settings
        settings.home.mkdir(parents=True, exist_ok=True)
        self.creds = creds = ensure_credentials(settings)
        os.environ.update(PORTAL_HOME=str(settings.home), PORTAL_SUPERSET_URL=self.superset_url,
                          PORTAL_AIRFLOW_URL=self.airflow_url)
        if not settings.serving_path.exists():
            publish(settings, [])  # Superset's database must exist before its first query
        print("Khởi tạo Airflow và Superset...", flush=True)
        airflow.init_airflow(settings, creds["airflow_admin_password"])
        superset_server.init_superset(settings, creds["superset_admin_user"],
                                      creds["superset_admin_password"])
        logs = settings.logs
        logs.mkdir(parents=True, exist_ok=True)
        self.processes += airflow.start_airflow(settings, self.airflow_port, logs / "airflow")
        with open(logs / "superset.log", "ab") as out:
            self.processes.append(superset_server.start_superset(settings, self.superset_port, out))
        airflow.wait_healthy(self.airflow_url, timeout=300)
        superset_server.wait_healthy(self.superset_url, timeout=300)
        self.superset().import_assets(settings.serving_path)
        apply_access(self.superset(), settings.credentials_path)  # roles, RLS, unit accounts
        self.airflow().wait_for_dag(airflow.INGEST_DAG_ID, timeout=300)

    def superset(self):
        from dashboards.superset import SupersetClient

        client = SupersetClient(self.superset_url, self.creds["superset_admin_user"],
                                self.creds["superset_admin_password"])
        client.login()
        return client

    def airflow(self):
        from portal import airflow

        return airflow.AirflowClient(self.airflow_url, self.creds["airflow_admin_user"],
                                     self.creds["airflow_admin_password"])

    def dead(self) -> list:
        return [p for p in self.processes if p.poll() is not None]

    def stop(self) -> None:
        from portal import airflow

        airflow.stop(self.processes)
        self.processes = []


def up(settings: Settings, airflow_port: int, superset_port: int, days: int, detach: bool) -> int:
    if pid := _running_pid(settings):
        print(f"Cổng dữ liệu đang chạy (tiến trình {pid}). Xem {settings.home / 'urls.json'}.")
        return 0
    for port in (airflow_port, superset_port):
        if not port_free(port):
            print(f"Cổng {port} đang bị chương trình khác dùng; chọn cổng khác bằng --airflow-port/--superset-port.")
            return 2
    stack = Stack(settings, airflow_port, superset_port)
    previous = {s: signal.signal(s, _raise_stop) for s in (signal.SIGINT, signal.SIGTERM)}
    settings.home.mkdir(parents=True, exist_ok=True)
    (settings.home / "portal.pid").write_text(str(os.getpid()))
    try:
        stack.start()
        creds = stack.creds
        ids = submit_samples(settings, days)
        if ids:
            print(f"Đang nạp {len(ids)} tệp mẫu qua inbox -> Airflow -> DuckDB -> Superset...", flush=True)
            states = wait_final(settings, ids, timeout=900)
            stuck = [sid for sid, s in states.items() if s not in FINAL_STATES]
            if stuck:
                print(f"Cảnh báo: {len(stuck)} tệp chưa xử lý xong, xem {settings.logs}.", flush=True)
        urls = {"airflow": stack.airflow_url, "superset": stack.superset_url,
                "dashboard": f"{stack.superset_url}/superset/dashboard/dien-bien-dich/"}
        (settings.home / "urls.json").write_text(json.dumps(urls, indent=2))
        print(f"""
Cổng dữ liệu COVID-19 Thanh Hóa đã sẵn sàng.
  Airflow : {stack.airflow_url}   đăng nhập: {creds['airflow_admin_user']} / {creds['airflow_admin_password']}
  Superset: {stack.superset_url}   đăng nhập: {creds['superset_admin_user']} / {creds['superset_admin_password']}
  Dashboard "Diễn biến dịch": {urls['dashboard']}
  Nộp tệp: bin/portal submit <tệp> --unit SYT   (hoặc thả tệp vào {settings.inbox}/<MÃ_ĐƠN_VỊ>/)
Nhấn Ctrl-C để dừng.""", flush=True)
        if detach:
            return 0
        while not (dead := stack.dead()):
            time.sleep(2)
        print(f"Tiến trình {dead[0].args} đã dừng (mã {dead[0].returncode}); xem {settings.logs}.")
        return 1
    except _Stop:
        print("\nĐang dừng...", flush=True)
        return 0
    finally:
        stack.stop()
        (settings.home / "portal.pid").unlink(missing_ok=True)
        for s, handler in previous.items():
            signal.signal(s, handler)
