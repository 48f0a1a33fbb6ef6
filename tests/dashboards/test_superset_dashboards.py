"""Dashboards against a real Superset, real DuckDB files and real headless Chromium."""
from __future__ import annotations

import datetime as dt
import io
import json
import os
import shutil
import subprocess
import zipfile

import pytest
import yaml

from dashboards import server
from dashboards.screenshot import screenshot_dashboard
from dashboards.superset import ASSETS_DIR, SERVING_URI_PLACEHOLDER, SupersetError, build_bundle
from ingest.settings import Settings
from serving_fixture import SAMPLE_DAYS, query
from warehouse.publish import all_marts

SLUG = "dien-bien-dich"
BIG_NUMBERS = {  # chart title -> (metric, column of mart_epidemic_province_latest)
    "Ca mắc mới hôm nay": ("sum_new_cases", "new_cases"),
    "Tổng số ca cộng dồn": ("sum_cumulative_cases", "cumulative_cases"),
    "Đang điều trị": ("sum_under_treatment", "under_treatment"),
    "Đã khỏi bệnh": ("sum_recovered", "recovered"),
    "Tử vong": ("sum_deaths", "deaths"),
}
TREND = "Ca mắc mới theo ngày"
TABLE = "Số liệu theo huyện, thị xã, thành phố"
TABLE_COLUMNS = ["report_date", "slot", "district_name", "new_cases_community", "new_cases_quarantine",
                 "new_cases", "cumulative_cases", "under_treatment", "recovered", "deaths", "tests_performed"]
ALL_CHARTS = [*BIG_NUMBERS, TREND, TABLE, "Xét nghiệm theo ngày", "Ca bệnh theo nguồn lây",
              "Tiêm chủng theo huyện (ngày mới nhất)"]


def _day(epoch_ms: float) -> dt.date:
    """Superset sends temporal values as epoch milliseconds (UTC-naive)."""
    return dt.datetime.fromtimestamp(epoch_ms / 1000, tz=dt.timezone.utc).date()


def _expected_big_numbers(path) -> dict:
    latest = query(path, "SELECT * FROM mart_epidemic_province_latest")
    assert len(latest) == 1
    return {title: [{metric: latest[0][col]}] for title, (metric, col) in BIG_NUMBERS.items()}


def _expected_trend(path) -> list[tuple]:
    rows = query(path, "SELECT report_date, new_cases_community, new_cases_quarantine "
                       "FROM mart_epidemic_province_daily ORDER BY report_date")
    return [(r["report_date"], r["new_cases_community"], r["new_cases_quarantine"]) for r in rows]


def _trend(rows: list[dict]) -> list[tuple]:
    return [(_day(r["report_date"]), r["sum_new_cases_community"], r["sum_new_cases_quarantine"])
            for r in rows]


def _expected_table(path) -> list[dict]:
    return query(path, f"SELECT {', '.join(TABLE_COLUMNS)} FROM mart_epidemic_district_latest "
                       "ORDER BY district_code")


def _table(rows: list[dict]) -> list[dict]:
    return [{**r, "report_date": _day(r["report_date"])} for r in rows]


# --- without a server ---------------------------------------------------------

def test_build_bundle_substitutes_serving_uri(tmp_path):
    serving = tmp_path / "dữ liệu 'x'" / "portal.duckdb"  # quotes, spaces, non-ASCII
    bundle = zipfile.ZipFile(io.BytesIO(build_bundle(serving)))
    names = bundle.namelist()
    assert "portal_assets/metadata.yaml" in names
    databases = [n for n in names if n.startswith("portal_assets/databases/")]
    assert len(databases) == 1
    db = yaml.safe_load(bundle.read(databases[0]))
    assert db["sqlalchemy_uri"] == f"duckdb:///{serving.resolve()}"
    assert db["extra"]["engine_params"]["connect_args"]["read_only"] is True
    assert all(SERVING_URI_PLACEHOLDER not in bundle.read(n).decode() for n in names)


def test_superset_env_keeps_secret_key_stable(tmp_path, monkeypatch):
    monkeypatch.delenv("PORTAL_SUPERSET_SECRET_KEY", raising=False)
    settings = Settings(home=tmp_path, superset_url="http://127.0.0.1:1", airflow_url="http://127.0.0.1:1")
    first, second = server.superset_env(settings), server.superset_env(settings)
    assert first["PORTAL_SUPERSET_SECRET_KEY"] == second["PORTAL_SUPERSET_SECRET_KEY"]
    assert len(first["PORTAL_SUPERSET_SECRET_KEY"]) >= 32
    assert (settings.superset_home / "secret_key").stat().st_mode & 0o077 == 0
    assert first["SUPERSET_CONFIG_PATH"].endswith("dashboards/superset_config.py")
    assert first["SUPERSET_HOME"] == str(settings.superset_home)


def test_superset_config_refuses_missing_secret_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PORTAL_SUPERSET_SECRET_KEY"}
    env["PORTAL_HOME"] = str(tmp_path)
    proc = subprocess.run(
        [str(server.SUPERSET_VENV / "bin" / "python"), "-c",
         f"import runpy; runpy.run_path({str(server.CONFIG_PATH)!r})"],
        env=env, capture_output=True, text=True)
    assert proc.returncode != 0
    assert "PORTAL_SUPERSET_SECRET_KEY" in proc.stderr


# --- against the real Superset ------------------------------------------------

def test_import_assets_is_idempotent(superset):
    client = superset.client()

    def snapshot():
        dashboard = client.get_json(f"/api/v1/dashboard/{SLUG}")["result"]
        charts = client.get_json(f"/api/v1/dashboard/{SLUG}/charts")["result"]
        return dashboard["id"], dashboard["dashboard_title"], sorted((c["id"], c["slice_name"]) for c in charts)

    before = snapshot()
    client.import_assets(superset.settings.serving_path)
    after = snapshot()
    assert after == before
    assert after[1] == "Diễn biến dịch"
    assert sorted(name for _, name in after[2]) == sorted(ALL_CHARTS)
    databases = client.get_json("/api/v1/database/")["result"]
    assert [d["database_name"] for d in databases] == ["portal_serving"]


def test_import_assets_raises_server_message(superset, tmp_path):
    broken = tmp_path / "assets"
    shutil.copytree(ASSETS_DIR, broken)
    chart_file = broken / "charts" / "tu_vong.yaml"
    chart = yaml.safe_load(chart_file.read_text(encoding="utf-8"))
    del chart["viz_type"]
    chart_file.write_text(yaml.safe_dump(chart, allow_unicode=True), encoding="utf-8")
    # Superset 6.1 answers a bare 500 here; the client must still fail loudly
    # and point at the server log, where the per-file reason is.
    with pytest.raises(SupersetError, match=r"import assets: HTTP 500 .*Internal server error.*server log"):
        superset.client().import_assets(superset.settings.serving_path, assets_dir=broken)
    assert "CommandInvalidError" in superset.log_path.read_text(encoding="utf-8", errors="replace")


def test_chart_query_context_points_at_imported_dataset(superset):
    client = superset.client()
    for title in ALL_CHARTS:
        chart = client.chart(title)
        qc = json.loads(chart["query_context"])
        assert qc["datasource"] == {"id": chart["datasource_id"], "type": "table"}, title
        assert qc["form_data"]["datasource"] == f"{chart['datasource_id']}__table", title
        # The endpoint the brief names, answering from the saved context alone.
        result = client.get_json(f"/api/v1/chart/{chart['id']}/data/")["result"]
        assert result[0]["rowcount"] > 0, title


def test_chart_data_big_numbers_match_serving_file(superset, publish):
    path = publish()
    client = superset.client()
    expected = _expected_big_numbers(path)
    assert {title: client.chart_data(title) for title in BIG_NUMBERS} == expected


def test_chart_data_daily_trend_matches_serving_file(superset, publish):
    path = publish()
    rows = superset.client().chart_data(TREND)
    assert _trend(rows) == _expected_trend(path)
    assert len(rows) == SAMPLE_DAYS


def test_chart_data_district_table_matches_serving_file(superset, publish):
    path = publish()
    rows = _table(superset.client().chart_data(TABLE))
    assert rows == _expected_table(path)
    assert len(rows) == 27
    assert rows[0]["district_name"] == "Thành phố Thanh Hóa"


def test_chart_data_survives_stale_query_context(superset, publish):
    """A saved context naming another dataset id still yields this chart's rows."""
    path = publish()
    client = superset.client()
    chart = client.chart("Tử vong")
    qc = json.loads(chart["query_context"])
    qc["datasource"] = {"id": chart["datasource_id"] + 1000, "type": "table"}
    client._request("PUT", f"/api/v1/chart/{chart['id']}", "corrupt query_context",
                    json={"query_context": json.dumps(qc)})
    try:
        assert client.chart_data("Tử vong") == _expected_big_numbers(path)["Tử vong"]
    finally:
        client.import_assets(superset.settings.serving_path)  # assets as code win back
    assert json.loads(client.chart("Tử vong")["query_context"])["datasource"]["id"] == chart["datasource_id"]


def test_refresh_datasets_shows_new_figures(superset, publish):
    client = superset.client()
    publish(bump=0)
    old = {t: client.chart_data(t) for t in [*BIG_NUMBERS, TREND, TABLE]}  # now cached
    assert old[TABLE] and old[TREND]

    new_path = publish(bump=3, refresh=False)
    # Proves the cache is real: without a refresh Superset still answers old figures.
    assert client.chart_data("Ca mắc mới hôm nay") == old["Ca mắc mới hôm nay"]

    refreshed = client.refresh_datasets(["mart_epidemic_province_latest", "mart_epidemic_province_daily",
                                         "mart_epidemic_district_latest", "not_a_dataset"])
    assert refreshed == ["mart_epidemic_district_latest", "mart_epidemic_province_daily",
                         "mart_epidemic_province_latest"]
    new = {t: client.chart_data(t) for t in [*BIG_NUMBERS, TREND, TABLE]}
    assert {t: new[t] for t in BIG_NUMBERS} == _expected_big_numbers(new_path)
    assert _trend(new[TREND]) == _expected_trend(new_path)
    assert _table(new[TABLE]) == _expected_table(new_path)
    # Same path, new file: every chart must have moved off the old figures.
    assert all(new[t] != old[t] for t in ["Ca mắc mới hôm nay", TREND, TABLE])
    publish(bump=0)


def test_screenshot_dashboard_renders_all_charts(superset, publish, artifacts):
    publish()
    out = artifacts / "dashboard-dien-bien-dich.png"
    seen = screenshot_dashboard(superset.url, superset.username, superset.password, SLUG, out, timeout=180)
    assert seen["errors"] == []
    assert seen["charts_total"] == len(ALL_CHARTS)
    assert seen["charts_rendered"] == len(ALL_CHARTS)
    assert sorted(c["name"] for c in seen["charts"]) == sorted(ALL_CHARTS)
    assert out.stat().st_size > 50_000
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_screenshot_dashboard_reports_error_panels(superset, publish, artifacts):
    """The error detection is real: with the serving file gone, every chart shows an error."""
    client = superset.client()
    path = superset.settings.serving_path
    hidden = path.with_name("hidden.duckdb")
    os.replace(path, hidden)
    try:
        client.invalidate_cache(client.datasets(all_marts()).values())
        out = artifacts / "dashboard-dien-bien-dich-missing-file.png"
        seen = screenshot_dashboard(superset.url, superset.username, superset.password, SLUG, out, timeout=180)
        with pytest.raises(SupersetError, match="database does not exist"):
            client.chart_data("Tử vong")
    finally:
        os.replace(hidden, path)
        publish()
    assert seen["charts_rendered"] == 0
    assert {c["state"] for c in seen["charts"]} == {"error"}
    assert any("database does not exist" in e for e in seen["errors"])
