"""Dashboard "Tuân thủ cập nhật" against the real Superset.

The serving file is the pipeline's (serving_fixture.py) plus the synthetic
month of tests/compliance/synthetic_month.py audited as of 16/11/2021 12:00
and published the way the compliance DAG publishes it (record_audit, then
warehouse.publish.build_serving, swapped in, datasets refreshed). Every chart
answers through Superset's chart-data API with the marts' figures; the
headline figures are also checked against the hand-computed month.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from collections import Counter

import duckdb
import pytest
import yaml

from dashboards.superset import ASSETS_DIR
from serving_fixture import build_serving_file, query, warehouse_path
from warehouse.publish import COMPLIANCE_MARTS, all_marts

SLUG = "tuan-thu-cap-nhat"
TITLE = "Tuân thủ cập nhật"


def _assets(kind: str) -> list[dict]:
    return [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((ASSETS_DIR / kind).rglob("*.yaml"))]


def _dashboard() -> dict:
    return next(d for d in _assets("dashboards") if d["slug"] == SLUG)


def _placed(dashboard: dict) -> list[str]:
    return [n["meta"]["sliceName"] for n in dashboard["position"].values()
            if isinstance(n, dict) and n.get("type") == "CHART"]


@pytest.fixture(scope="module")
def compliance_served(superset, tmp_path_factory):
    from compliance.audit import audit, record_audit
    from tests.compliance.synthetic_month import AS_OF_MID, END, START, fill, write_config
    from warehouse.db import migrate
    from warehouse.publish import build_serving

    folder = tmp_path_factory.mktemp("compliance-served")
    config = write_config(folder / "config")
    warehouse = folder / "warehouse.duckdb"
    shutil.copyfile(warehouse_path(0), warehouse)
    con = duckdb.connect(str(warehouse))
    try:
        migrate(con)
        fill(con)
        record_audit(con, audit(con, START, END, AS_OF_MID, config=config))
        build_serving(con, folder / "portal.duckdb")
    finally:
        con.close()
    served = superset.settings.serving_path
    tmp = served.with_name(served.name + ".compliance")
    shutil.copyfile(folder / "portal.duckdb", tmp)
    os.replace(tmp, served)
    superset.client().refresh_datasets(COMPLIANCE_MARTS)
    yield served
    build_serving_file(served, 0)          # the other dashboard tests' serving file again
    superset.client().refresh_datasets(all_marts())


def _expected_sql(chart: dict, datasets: dict) -> tuple[str, list[str]]:
    """The chart's saved query as plain SQL over the serving file."""
    dataset = datasets[chart["dataset_uuid"]]
    metrics = {m["metric_name"]: m["expression"] for m in dataset["metrics"]}
    q = json.loads(chart["query_context"])["queries"][0]
    columns = [c if isinstance(c, str) else c["sqlExpression"] for c in q.get("columns", [])]
    select = [f'{c} AS "{c}"' for c in columns] + [f'{metrics[m]} AS "{m}"' for m in q.get("metrics", [])]
    sql = f"SELECT {', '.join(select)} FROM main.{dataset['table_name']}"
    if q.get("metrics") and columns:
        sql += f" GROUP BY {', '.join(columns)}"
    return sql, [*columns, *q.get("metrics", [])]


def _plain(value, temporal: bool = False):
    if temporal and isinstance(value, (int, float)):      # Superset: epoch milliseconds, UTC-naive
        return dt.datetime.fromtimestamp(value / 1000, tz=dt.timezone.utc).date().isoformat()
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    if isinstance(value, float):
        return round(value, 12)
    return value


# --- without a server -----------------------------------------------------------

def test_compliance_dashboard_assets_in_vietnamese_and_private():
    dashboard = _dashboard()
    assert dashboard["dashboard_title"] == TITLE
    assert sorted(_placed(dashboard)) == sorted([
        "Tỷ lệ nộp", "Tỷ lệ đúng hạn", "Tỷ lệ đúng hạn theo đơn vị và ngày",
        "Xếp hạng đơn vị theo tỷ lệ đúng hạn", "Tỷ lệ nộp và tỷ lệ đúng hạn theo ngày",
        "Hạn cập nhật hôm nay chưa đáp ứng", "Độ mới của dữ liệu cập nhật khi có biến động"])
    viz = {c["slice_name"]: c["viz_type"] for c in _assets("charts")}
    assert viz["Tỷ lệ đúng hạn theo đơn vị và ngày"] == "heatmap_v2"
    tables = {d["table_name"] for d in _assets("datasets")}
    assert set(COMPLIANCE_MARTS) <= tables and set(COMPLIANCE_MARTS) <= set(all_marts())
    access = yaml.safe_load((ASSETS_DIR.parent / "access.yaml").read_text(encoding="utf-8"))
    assert SLUG not in (access.get("public") or []) and SLUG not in (access.get("unit") or [])
    # Rates are DHIS2's: a ratio of sums, never an average of daily ratios.
    daily = next(d for d in _assets("datasets") if d["table_name"] == "mart_compliance_unit_daily")
    metrics = {m["metric_name"]: m["expression"] for m in daily["metrics"]}
    assert metrics["reporting_rate"] == "CAST(SUM(received) AS DOUBLE) / NULLIF(SUM(expected), 0)"
    assert metrics["on_time_rate"] == "CAST(SUM(on_time) AS DOUBLE) / NULLIF(SUM(expected), 0)"


# --- against the real Superset ----------------------------------------------------

def test_compliance_dashboard_every_chart_returns_the_marts_figures(superset, compliance_served):
    client = superset.client()
    on_server = client.get_json(f"/api/v1/dashboard/{SLUG}/charts")["result"]
    assert sorted(c["slice_name"] for c in on_server) == sorted(_placed(_dashboard()))
    datasets = {d["uuid"]: d for d in _assets("datasets")}
    charts = {c["slice_name"]: c for c in _assets("charts")}
    for name in _placed(_dashboard()):
        chart = charts[name]
        rows = client.chart_data(name)
        assert rows, f"{name} has no data"
        sql, keys = _expected_sql(chart, datasets)
        temporal = {c["column_name"] for c in datasets[chart["dataset_uuid"]]["columns"] if c["is_dttm"]}
        got = Counter(tuple(_plain(r[k], k in temporal) for k in keys) for r in rows)
        want = Counter(tuple(_plain(r[k]) for k in keys) for r in query(compliance_served, sql))
        assert got == want, name


def test_compliance_dashboard_headline_figures_are_the_hand_computed_ones(superset, compliance_served):
    client = superset.client()
    # 16/11 12:00: SYT 31 due (29 received, 26 on time), CDC 31 (31, 31), Đông Sơn 15 (14, 14),
    # Nga Sơn 15 (14, 14), Hà Trung nothing due yet: 92 due, 88 received, 85 on time.
    assert client.chart_data("Tỷ lệ nộp") == [{"reporting_rate": 88 / 92}]
    assert client.chart_data("Tỷ lệ đúng hạn") == [{"on_time_rate": 85 / 92}]
    ranking = [(r["unit_code"], r["sum_expected"], r["sum_on_time"], r["on_time_rate"])
               for r in client.chart_data("Xếp hạng đơn vị theo tỷ lệ đúng hạn")]
    assert ranking == [("CDC", 31, 31, 1.0), ("TTYT-DONGSON", 15, 14, 14 / 15), ("TTYT-NGASON", 15, 14, 14 / 15),
                       ("SYT", 31, 26, 26 / 31), ("TTYT-HATRUNG", 0, 0, None)]
    cells = {(r["unit_code"], _plain(r["period_date"], True)): r["on_time_rate"]
             for r in client.chart_data("Tỷ lệ đúng hạn theo đơn vị và ngày")}
    assert cells[("SYT", "2021-11-01")] == 0.5              # 07:59:59 on time, 16:00:01 late
    assert cells[("SYT", "2021-11-04")] == 0.5              # 08:00 missing
    assert cells[("TTYT-DONGSON", "2021-11-16")] == 0.0     # due at 12:00 (the new schedule), not in
    assert ("TTYT-DONGSON", "2021-11-10") not in cells      # the holiday owes no testing report
    open_today = [(r["due_time"], r["unit_code"], r["status_label"])
                  for r in client.chart_data("Hạn cập nhật hôm nay chưa đáp ứng")]
    assert open_today == [("12:00", "TTYT-DONGSON", "Không cập nhật"), ("12:00", "TTYT-NGASON", "Không cập nhật"),
                          ("16:00", "CDC", "Chưa đến hạn"), ("16:00", "SYT", "Chưa đến hạn")]
    [fresh] = client.chart_data("Độ mới của dữ liệu cập nhật khi có biến động")
    assert (fresh["unit_code"], fresh["status_label"], fresh["last_update_text"], fresh["last_update_label"],
            fresh["age_hours"], fresh["days_not_fresh"]) == ("CA", "Còn mới", "08:00 16/11/2021",
                                                             "Xác nhận không thay đổi", 4.0, 1)


def test_compliance_dashboard_is_for_analysts_only(superset):
    import requests

    dashboard = superset.client().get_json(f"/api/v1/dashboard/{SLUG}")["result"]
    assert dashboard["dashboard_title"] == TITLE
    assert [r["name"] for r in dashboard["roles"]] == ["Phân tích"]
    anonymous = requests.get(f"{superset.url}/api/v1/dashboard/{SLUG}", timeout=30)
    assert anonymous.status_code in (401, 403, 404)


def test_compliance_dashboard_screenshot_shows_no_error_panel(superset, compliance_served, artifacts):
    from dashboards.screenshot import screenshot_dashboard

    out = artifacts / f"dashboard-{SLUG}.png"
    seen = screenshot_dashboard(superset.url, superset.username, superset.password, SLUG, out, timeout=240)
    assert seen["errors"] == []
    assert seen["charts_total"] == seen["charts_rendered"] == len(_placed(_dashboard()))
