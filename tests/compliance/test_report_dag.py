"""The monthly report DAG's steps (audit → render → deliver) run in order as its
tasks run them, without Airflow; and its schedule."""
from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

from tests.compliance.test_delivery_email import attachments
from tests.compliance.test_report_cli import smtp_env, warehouse  # noqa: F401  (fixtures)
from tests.compliance.test_report_model import VN

DAGS = Path(__file__).resolve().parents[2] / "dags"


def _module(name: str):
    spec = importlib.util.spec_from_file_location(name, DAGS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_scheduled_run_reports_the_previous_month_as_of_its_start():
    from compliance.report import scheduled

    run_after = dt.datetime(2021, 12, 1, 0, 0, tzinfo=dt.timezone.utc)      # 07:00 in Viet Nam
    assert scheduled(run_after) == (dt.date(2021, 11, 1), dt.date(2021, 11, 30),
                                    dt.datetime(2021, 12, 1, 7, 0, tzinfo=VN))
    assert scheduled(dt.datetime(2022, 1, 1, 7, 0, tzinfo=VN))[:2] == (dt.date(2021, 12, 1), dt.date(2021, 12, 31))
    # Airflow's context holds pendulum datetimes; the audit needs plain ones.
    import pendulum

    start, end, as_of = scheduled(pendulum.datetime(2021, 12, 1, 0, 0, tz="UTC"))
    assert (type(start), type(as_of)) == (dt.date, dt.datetime)
    module = _module("portal_monthly_report")
    assert (module.SCHEDULE, module.TIMEZONE) == ("0 7 1 * *", "Asia/Ho_Chi_Minh")


def test_dag_steps_audit_render_deliver(warehouse, smtp_env):
    """What the three tasks do, in order, on the warehouse of test_report_cli; then the retry of a run."""
    from compliance.delivery import deliver, record_folder
    from compliance.report import audit_periods, load_model, load_produced, reports_root, save_model, write_report
    from compliance.report.content import build_report

    start, end, as_of = dt.date(2021, 11, 1), dt.date(2021, 11, 30), dt.datetime(2021, 12, 1, 7, 0, tzinfo=VN)
    # audit
    current, previous = audit_periods(warehouse.warehouse_path, start, end, as_of)
    model = save_model(warehouse, build_report(current, previous))
    # render
    report = load_model(model)
    assert report.header.issued_on == dt.date(2021, 12, 1)
    assert report.header.subject.endswith("tháng 11/2021")
    syt = next(u for u in report.units if u.unit_code == "SYT")
    # November: 60 epidemic deadlines + 30 daily feedback reports; the fixture's two days as in test_report_cli.
    assert (syt.expected, syt.received, syt.on_time, syt.late, syt.median_minutes_late) == (90, 4, 3, 1, 7.0)
    produced = write_report(report, reports_root(warehouse) / report.period.key)
    record_folder(warehouse, produced)
    # deliver
    result = deliver(warehouse, load_produced(produced.folder))
    assert result.sent == ["vanphong@syt.example"]
    assert [name for name, _, _ in attachments(smtp_env.messages[0])] == [
        "bao-cao-cap-nhat-2021-11.pdf", "phu-luc-cap-nhat-2021-11.xlsx", "bao-cao-cap-nhat-2021-11.docx"]
    # A retry of the same run reads the same figures: same report, nothing sent twice.
    current, previous = audit_periods(warehouse.warehouse_path, start, end, as_of)
    again = write_report(build_report(current, previous), reports_root(warehouse) / "2021-11")
    assert again.reused and again.fingerprint == produced.fingerprint
    assert deliver(warehouse, again).skipped == ["vanphong@syt.example"]
    assert len(smtp_env.messages) == 1
