"""Checks against the warehouse, through the real pipeline (no Airflow)."""
import datetime as dt

from ingest import inbox
from ingest.pipeline import run_once

from tests.conftest import REPORT_DATE


def _findings(settings, sid):
    import json

    status = inbox.read_status(settings, sid)
    report = json.loads(open(status["report_path"], encoding="utf-8").read())
    return status["state"], [[e["code"], e["row"], e["column"]] for e in report["errors"]]


def test_history_cumulative_figures_may_not_decrease(portal_home, sample_file):
    inbox.submit(portal_home, sample_file(slot="08:00"), "SYT")
    run_once(portal_home)

    def lower(rows):
        rows[0]["cumulative_cases"] -= 50
        rows[0]["recovered"] -= 50

    sid = inbox.submit(portal_home, sample_file(slot="16:00", edit=lower, name="lower.csv", suffix=".csv"), "SYT")
    run_once(portal_home)
    assert _findings(portal_home, sid) == ("rejected", [["cumulative-decreased", 2, "G"],
                                                        ["cumulative-decreased", 2, "I"]])


def test_history_outlier_is_a_warning_and_the_file_loads(portal_home, sample_file):
    for day in range(8):
        inbox.submit(portal_home, sample_file(date=REPORT_DATE - dt.timedelta(days=8 - day), slot="16:00"), "SYT")
    run_once(portal_home)

    def spike(rows):
        rows[3]["tests_performed"] = 90000

    sid = inbox.submit(portal_home, sample_file(slot="16:00", edit=spike, name="spike.xlsx"), "SYT")
    run_once(portal_home)
    assert _findings(portal_home, sid) == ("published", [["outlier", 5, "K"]])


def test_history_district_figures_are_compared_with_the_cdc(portal_home, sample_file):
    inbox.submit(portal_home, sample_file(unit="CDC", dataset="testing"), "CDC")
    run_once(portal_home)
    sid = inbox.submit(portal_home, sample_file(unit="TTYT-DONGSON", dataset="testing"), "TTYT-DONGSON")
    run_once(portal_home)
    state, findings = _findings(portal_home, sid)
    assert state == "published"
    assert findings == [["cross-unit-mismatch", 2, "G"]]
