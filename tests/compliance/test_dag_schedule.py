"""The compliance DAG runs shortly after every deadline of the schedule, and
its steps (compliance/run.py) audit the right months, record, journal and
publish the compliance marts to the serving file."""
from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

import duckdb
import pytest

from compliance.run import audit_and_record, publish, windows
from compliance.schedules import CONFIG_ENV, load_config
from tests.compliance.synthetic_month import AS_OF_END, END, START, VN, build, write_config

REPO = Path(__file__).resolve().parents[2]


def _dag_module():
    spec = importlib.util.spec_from_file_location("portal_compliance_dag", REPO / "dags" / "portal_compliance.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _runs(cron: str) -> list[dt.time]:
    minute, hours, *rest = cron.split()
    assert rest == ["*", "*", "*"], "the audit runs every day"
    return sorted(dt.time(int(h), int(minute)) for h in hours.split(","))


def test_dag_schedule_runs_within_15_minutes_after_every_deadline():
    dag = _dag_module()
    runs = _runs(dag.SCHEDULE)
    assert dag.TIMEZONE == "Asia/Ho_Chi_Minh"
    deadlines = {t for r in load_config().rules if r.kind == "slots" for t in r.times}
    deadlines |= {r.deadline for r in load_config().rules if r.kind == "periodic"}
    assert deadlines == {dt.time(8), dt.time(16), dt.time(17)}

    def minutes(t):
        return t.hour * 60 + t.minute

    for deadline in deadlines:
        assert any(0 < minutes(run) - minutes(deadline) <= 15 for run in runs), deadline
    assert dt.time(0, 5) in runs        # the daily run that closes the previous day
    assert type(dag.DAG.timetable).__name__ == "CronTriggerTimetable"
    assert (dag.DAG.timetable.expression, str(dag.DAG.timetable.timezone)) == (dag.SCHEDULE, "Asia/Ho_Chi_Minh")
    assert sorted(dag.DAG.task_ids) == ["audit", "publish", "refresh_superset"]
    assert (dag.DAG.max_active_runs, dag.DAG.catchup) == (1, False)


@pytest.mark.parametrize("now, expected", [
    (dt.datetime(2021, 11, 16, 8, 5, tzinfo=VN), [(dt.date(2021, 11, 1), dt.date(2021, 11, 30))]),
    # In the first five days the previous month is audited again (late files, corrections).
    (dt.datetime(2021, 12, 1, 0, 5, tzinfo=VN), [(dt.date(2021, 11, 1), dt.date(2021, 11, 30)),
                                                 (dt.date(2021, 12, 1), dt.date(2021, 12, 31))]),
    (dt.datetime(2022, 3, 5, 17, 5, tzinfo=VN), [(dt.date(2022, 2, 1), dt.date(2022, 2, 28)),
                                                 (dt.date(2022, 3, 1), dt.date(2022, 3, 31))]),
    (dt.datetime(2022, 3, 6, 0, 5, tzinfo=VN), [(dt.date(2022, 3, 1), dt.date(2022, 3, 31))]),
    # 17:30 UTC on 30/11 is already 01/12 in Viet Nam.
    (dt.datetime(2021, 11, 30, 17, 30, tzinfo=dt.timezone.utc), [(dt.date(2021, 11, 1), dt.date(2021, 11, 30)),
                                                                 (dt.date(2021, 12, 1), dt.date(2021, 12, 31))]),
])
def test_dag_schedule_windows(now, expected):
    assert windows(now, VN) == expected


def test_dag_schedule_steps_record_journal_and_publish(portal_home, tmp_path, monkeypatch):
    write_config(tmp_path / "config")
    monkeypatch.setenv(CONFIG_ENV, str(tmp_path / "config"))
    portal_home.warehouse_path.parent.mkdir(parents=True)
    build(portal_home.warehouse_path)
    summaries = audit_and_record(portal_home, AS_OF_END)     # 01/12 00:00: November and December
    assert [(s["start"], s["end"], s["counts"]["expectations"], s["counts"]["pending"]) for s in summaries] == [
        ("2021-11-01", "2021-11-30", 174, 0),
        # December: SYT and CDC 62 slots each, Đông Sơn 31 testing days, Hà Trung 31; all pending.
        ("2021-12-01", "2021-12-31", 62 + 62 + 31 + 31, 62 + 62 + 31 + 31),
    ]
    assert sorted(p.stem for p in (portal_home.home / "audits").glob("*.json")) == \
        sorted(s["run_id"] for s in summaries)
    tables = publish(portal_home)
    served = duckdb.connect(str(portal_home.serving_path), read_only=True)
    try:
        for table in tables:
            assert served.execute(f"SELECT count(*) FROM {table}").fetchone()[0] > 0, table
        syt = served.execute("""SELECT sum(expected), sum(received), sum(on_time) FROM mart_compliance_unit_daily
                                WHERE unit_code = 'SYT' AND period_date BETWEEN ? AND ?""", [START, END]).fetchone()
    finally:
        served.close()
    assert syt == (60, 58, 55)
