"""The early-warnings DAG runs exactly at the moments compliance/warnings.yaml gives."""
from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

DAG_FILE = Path(__file__).resolve().parents[2] / "dags" / "portal_early_warnings.py"


def _cron_times(line: str) -> set[dt.time]:
    minutes, hours, *rest = line.split()
    assert rest == ["*", "*", "*"], "every day"
    return {dt.time(int(h), int(m)) for h in hours.split(",") for m in minutes.split(",")}


def test_cron_lines_match_the_warning_moments():
    from compliance.warnings import KINDS, due_at, load_config, moment

    spec = importlib.util.spec_from_file_location("portal_early_warnings", DAG_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    config = load_config()
    day = dt.date(2021, 11, 10)
    wanted = {moment(day, slot, kind, config).timetz().replace(tzinfo=None)
              for slot in config.deadlines for kind in KINDS}
    assert wanted == {dt.time(7, 30), dt.time(8, 5), dt.time(15, 30), dt.time(16, 5)}
    assert _cron_times(module.BEFORE) | _cron_times(module.AFTER) == wanted
    assert module.TIMEZONE == config.timezone == "Asia/Ho_Chi_Minh"
    import pendulum                         # what Airflow's context holds

    (found,) = due_at(pendulum.datetime(2021, 11, 10, 1, 5, tz="UTC"), config)
    assert found == (day, "08:00", "after") and type(found[0]) is dt.date


def test_warning_survives_the_hand_over_between_tasks():
    from compliance.warnings import SlotWarning, select
    from tests.compliance.test_warnings_deadlines import DAY
    from tests.compliance.test_report_model import EPI, at, audit_result, expectation

    result = audit_result(DAY, DAY, [expectation("SYT", EPI, DAY, slot="08:00", status="late", received="08:09",
                                                 rejected=1)], as_of=at(DAY, "08:05"))
    warning = select(result, DAY, "08:00", "after")
    assert SlotWarning.from_dict(warning.to_dict()) == warning
