"""End to end with the real servers: a file dropped in the inbox travels
through the real Airflow DAG, DuckDB and the real Superset's chart-data API,
and the dashboard renders in headless Chromium."""
import datetime as dt
import socket
import time

import pytest
import yaml

from ingest import inbox
from ingest.samples import epidemic_figures

from ingest.settings import REPO_ROOT
from tests.conftest import ARTIFACTS, REPORT_DATE

pytestmark = pytest.mark.stack
TABLE_CHART = "Số liệu theo huyện, thị xã, thành phố"
FIGURES = ["new_cases_community", "new_cases_quarantine", "cumulative_cases", "under_treatment",
           "recovered", "deaths", "tests_performed"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    import os

    from ingest.settings import load_settings
    from portal.stack import Stack

    home = tmp_path_factory.mktemp("portal")
    saved = os.environ.get("PORTAL_HOME")
    os.environ["PORTAL_HOME"] = str(home)
    running = Stack(load_settings(), _free_port(), _free_port())
    try:
        running.start()
        yield running
    finally:
        running.stop()
        if saved is None:
            os.environ.pop("PORTAL_HOME", None)
        else:
            os.environ["PORTAL_HOME"] = saved


def _wait_state(settings, sid, states=("published", "duplicate", "rejected"), timeout=240):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        record = inbox.read_status(settings, sid) or {}
        if record.get("state") in states:
            return record["state"]
        time.sleep(0.5)
    raise AssertionError(f"{sid} still {record.get('state')!r} after {timeout} s")


def _chart_by_district(stack):
    """The table chart's rows keyed by district code (the chart shows names)."""
    from ingest.registry import load_registry

    code_of = {d.name: d.area_code for d in load_registry().districts}
    rows = stack.superset().chart_data(TABLE_CHART)
    return {code_of[r["district_name"]]: {k: r[k] for k in FIGURES} for r in rows}


def _expected(slot, bump=0):
    out = {}
    for code in [d for d in _district_codes()]:
        figures = epidemic_figures(code, REPORT_DATE, slot)
        if code == "405":
            figures = dict(figures, new_cases_community=figures["new_cases_community"] + bump,
                           cumulative_cases=figures["cumulative_cases"] + bump,
                           under_treatment=figures["under_treatment"] + bump)
        out[code] = figures
    return out


def _district_codes():
    from ingest.registry import load_registry

    return [d.area_code for d in load_registry().districts]


def test_end_to_end_submitted_file_reaches_superset_chart_data(stack, sample_file):
    sid = inbox.submit(stack.settings, sample_file(slot="08:00"), "SYT")
    assert _wait_state(stack.settings, sid) == "published"
    assert _chart_by_district(stack) == _expected("08:00")


def test_end_to_end_resubmission_changes_nothing_and_correction_replaces(stack, sample_file):
    path = sample_file(slot="16:00", name="slot16.xlsx")
    first = inbox.submit(stack.settings, path, "SYT")
    assert _wait_state(stack.settings, first) == "published"
    assert _chart_by_district(stack) == _expected("16:00")

    again = inbox.submit(stack.settings, path, "SYT")
    assert _wait_state(stack.settings, again) == "duplicate"
    assert _chart_by_district(stack) == _expected("16:00")

    def correct(rows):
        row = next(r for r in rows if r["district_code"] == "405")
        for field in ("new_cases_community", "cumulative_cases", "under_treatment"):
            row[field] += 11

    fixed = inbox.submit(stack.settings, sample_file(slot="16:00", edit=correct, name="fixed.xlsx"), "SYT")
    assert _wait_state(stack.settings, fixed) == "published"
    assert _chart_by_district(stack) == _expected("16:00", bump=11)


def test_end_to_end_rejected_file_is_reported_in_vietnamese(stack, tmp_path, sample_file):
    bad = tmp_path / "sai.csv"
    bad.write_text(sample_file(suffix=".csv").read_text(encoding="utf-8-sig").replace(",380,", ",3800,"),
                   encoding="utf-8")
    sid = inbox.submit(stack.settings, bad, "CDC")
    assert _wait_state(stack.settings, sid) == "rejected"
    report = inbox.read_status(stack.settings, sid)["report_path"]
    text = open(report.replace(".report.json", ".report.txt"), encoding="utf-8").read()
    assert 'Ô C2 ("Mã huyện") có mã "3800" không phải là mã huyện của tỉnh Thanh Hóa.' in text


def test_end_to_end_dashboard_screenshot_shows_charts_without_errors(stack):
    from dashboards.screenshot import screenshot_dashboard

    ARTIFACTS.mkdir(exist_ok=True)
    seen = screenshot_dashboard(stack.superset_url, stack.creds["superset_admin_user"],
                                stack.creds["superset_admin_password"], "dien-bien-dich",
                                ARTIFACTS / "dien-bien-dich-end-to-end.png")
    assert seen["errors"] == []
    layout = yaml.safe_load((REPO_ROOT / "dashboards/assets/dashboards/dien_bien_dich.yaml")
                            .read_text(encoding="utf-8"))["position"]
    charts = sum(1 for node in layout.values() if isinstance(node, dict) and node.get("type") == "CHART")
    assert charts >= 7 and seen["charts_total"] == charts and seen["charts_rendered"] == charts
