"""One dashboard per category of Article 6, against the real Superset.

The serving file comes from the real pipeline on sample submissions of every
dataset (serving_fixture.py). Every chart's figures are compared with a query
written here against that file, opened read-only as Superset opens it.
"""
from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from dashboards.screenshot import screenshot_dashboard
from dashboards.superset import ASSETS_DIR, SERVING_URI_PLACEHOLDER, build_bundle
from ingest.schema import all_schemas
from serving_fixture import query
from warehouse.publish import MARTS_BY_DATASET, all_marts

DASHBOARDS = {
    "dien-bien-dich": "Diễn biến dịch",
    "ban-do-cap-do-dich": "Bản đồ cấp độ dịch",
    "khu-cach-ly-tap-trung": "Khu cách ly tập trung",
    "diem-cung-ung-hang-thiet-yeu": "Điểm cung ứng hàng thiết yếu, chợ, siêu thị",
    "chot-kiem-soat-va-vi-pham": "Chốt kiểm soát và vi phạm",
    "chinh-sach-ho-tro": "Chính sách hỗ trợ",
    "phan-anh-cua-nguoi-dan": "Phản ánh của người dân",
    "van-ban-chi-dao": "Văn bản chỉ đạo",
    "chat-luong-du-lieu": "Chất lượng dữ liệu",
}
# Not a category of Article 6 (analysts and admins only); its charts are
# checked in tests/dashboards/test_compliance_dashboard.py.
OTHER_DASHBOARDS = {"tuan-thu-cap-nhat": "Tuân thủ cập nhật"}
LEVEL_COLOURS = {"Cấp 1 - Xanh": "#00A651", "Cấp 2 - Vàng": "#FFD400", "Cấp 3 - Cam": "#F7941D",
                 "Cấp 4 - Đỏ": "#ED1C24"}


def _assets(kind: str) -> list[dict]:
    return [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((ASSETS_DIR / kind).rglob("*.yaml"))]


def _dashboard_charts(dashboard: dict) -> list[str]:
    return [n["meta"]["sliceName"] for n in dashboard["position"].values()
            if isinstance(n, dict) and n.get("type") == "CHART"]


def _columns(table: str) -> set[str]:
    return {c["column_name"] for d in _assets("datasets") if d["table_name"] == table for c in d["columns"]}


def _expected_sql(chart: dict, datasets: dict) -> tuple[str, list[str]]:
    """The chart's saved query, written as plain SQL over the serving file."""
    dataset = datasets[chart["dataset_uuid"]]
    metrics = {m["metric_name"]: m["expression"] for m in dataset["metrics"]}
    q = json.loads(chart["query_context"])["queries"][0]
    columns = [c if isinstance(c, str) else c["sqlExpression"] for c in q.get("columns", [])]
    select = [f'{c} AS "{c}"' for c in columns] + [f'{metrics[m]} AS "{m}"' for m in q.get("metrics", [])]
    where = q["extras"].get("where") or "TRUE"
    sql = f"SELECT {', '.join(select)} FROM main.{dataset['table_name']} WHERE {where}"
    if q.get("metrics"):
        sql += f" GROUP BY {', '.join(columns)}" if columns else ""
    return sql, [*columns, *q.get("metrics", [])]


def _plain(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _from_superset(value, temporal: bool):
    if temporal and isinstance(value, (int, float)):  # epoch milliseconds, UTC-naive
        return dt.datetime.fromtimestamp(value / 1000, tz=dt.timezone.utc).date().isoformat()
    return _plain(value)


@pytest.fixture
def served(superset, publish) -> Path:
    return publish()


# --- without a server ---------------------------------------------------------

def test_dashboard_assets_one_per_category_in_vietnamese():
    dashboards = {d["slug"]: d for d in _assets("dashboards")}
    assert {slug: d["dashboard_title"] for slug, d in dashboards.items()} == {**DASHBOARDS, **OTHER_DASHBOARDS}
    charts = {c["slice_name"] for c in _assets("charts")}
    for slug, dashboard in dashboards.items():
        placed = _dashboard_charts(dashboard)
        assert placed and set(placed) <= charts, slug
        # Dates in Vietnamese format wherever a chart shows one.
    for chart in _assets("charts"):
        params = chart["params"]
        for key in ("table_timestamp_format", "x_axis_time_format", "tooltipTimeFormat", "date_format"):
            if key in params:
                assert params[key] == "%d/%m/%Y", (chart["slice_name"], key)


def test_dashboard_assets_filter_by_district_where_data_has_one():
    datasets = {d["uuid"]: d for d in _assets("datasets")}
    by_uuid = {c["uuid"]: c for c in _assets("charts")}
    for dashboard in _assets("dashboards"):
        charted = {datasets[by_uuid[n["meta"]["uuid"]]["dataset_uuid"]]["table_name"]
                   for n in dashboard["position"].values() if isinstance(n, dict) and n.get("type") == "CHART"}
        filters = dashboard["metadata"]["native_filter_configuration"]
        district_filters = [f for f in filters if f["targets"][0]["column"]["name"] == "district_name"]
        if any("district_name" in _columns(t) for t in charted):
            assert len(district_filters) == 1, dashboard["slug"]
            target = datasets[district_filters[0]["targets"][0]["datasetUuid"]]
            assert "district_name" in _columns(target["table_name"])
        else:
            assert not district_filters, dashboard["slug"]


def test_dashboard_assets_level_map_uses_official_colours_without_tiles():
    levels = next(d for d in _assets("dashboards") if d["slug"] == "ban-do-cap-do-dich")
    assert levels["metadata"]["label_colors"] == LEVEL_COLOURS
    by_name = {c["slice_name"]: c for c in _assets("charts")}
    viz = {by_name[name]["viz_type"] for name in _dashboard_charts(levels)}
    # No deck.gl / Mapbox chart: those need map tiles from the network.
    assert not any(v.startswith("deck_") or "mapbox" in v for v in viz)
    assert "bubble_v2" in viz


def test_dashboard_assets_every_mart_has_a_dataset_and_no_personal_field():
    datasets = {d["table_name"]: d for d in _assets("datasets")}
    assert set(all_marts()) <= set(datasets)
    assert set(MARTS_BY_DATASET) == set(all_schemas())
    personal = {f for s in all_schemas().values() for f in s.personal_fields}
    assert personal == {"full_name", "birth_year", "sex", "commune_name"}
    line_list_marts = MARTS_BY_DATASET["case_line_list"]
    for table in line_list_marts:
        assert not personal & _columns(table), table


def test_build_bundle_keeps_native_filter_dataset_uuids(tmp_path):
    import io
    import zipfile

    bundle = zipfile.ZipFile(io.BytesIO(build_bundle(tmp_path / "portal.duckdb")))
    uuids = {yaml.safe_load(bundle.read(n))["uuid"] for n in bundle.namelist() if "/datasets/" in n}
    for name in (n for n in bundle.namelist() if "/dashboards/" in n):
        for native in yaml.safe_load(bundle.read(name))["metadata"]["native_filter_configuration"]:
            assert native["targets"][0]["datasetUuid"] in uuids


# --- against the real Superset and the pipeline's serving file ------------------

def test_dashboard_serving_file_has_no_personal_field(served):
    personal = {f for s in all_schemas().values() for f in s.personal_fields} - {"commune_name"}
    columns = query(served, "SELECT table_name, column_name FROM duckdb_columns() "
                              "WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal")
    assert {c["table_name"] for c in columns} == set(all_marts())
    assert not [c for c in columns if c["column_name"] in personal]
    # commune_name is personal only as a case's residence: no line-list mart carries it.
    assert not [c for c in columns if c["column_name"] == "commune_name"
                and c["table_name"] in MARTS_BY_DATASET["case_line_list"]]


def test_dashboard_every_chart_returns_the_marts_figures(superset, served):
    client = superset.client()
    datasets = {d["uuid"]: d for d in _assets("datasets")}
    charts = {c["slice_name"]: c for c in _assets("charts")}
    checked = []
    for slug in DASHBOARDS:
        on_server = client.get_json(f"/api/v1/dashboard/{slug}/charts")["result"]
        assert {c["slice_name"] for c in on_server} == set(_dashboard_charts(
            next(d for d in _assets("dashboards") if d["slug"] == slug))), slug
        for name in sorted(c["slice_name"] for c in on_server):
            chart = charts[name]
            rows = client.chart_data(name)
            assert rows, f"{slug}: {name} has no data"
            sql, keys = _expected_sql(chart, datasets)
            expected = query(served, sql)
            temporal = {c["column_name"] for c in datasets[chart["dataset_uuid"]]["columns"] if c["is_dttm"]}
            got = Counter(tuple(_from_superset(r[k], k in temporal) for k in keys) for r in rows)
            want = Counter(tuple(_plain(r[k]) for k in keys) for r in expected)
            assert got == want, f"{slug}: {name}"
            checked.append(name)
    assert len(checked) == len({n for d in _assets("dashboards") if d["slug"] in DASHBOARDS
                                for n in _dashboard_charts(d)})


def test_dashboard_quarantine_compares_military_with_others(superset, served):
    rows = superset.client().chart_data("Sức chứa và số người cách ly: quân đội và đơn vị khác")
    got = {r["management_group"]: (r["sum_capacity"], r["sum_occupancy"]) for r in rows}
    facts = query(served, "SELECT unit_code, sum(capacity) c, sum(occupancy) o FROM mart_quarantine_facilities_current "
                          "GROUP BY ALL")
    bchqs = [(r["c"], r["o"]) for r in facts if r["unit_code"] == "BCHQS"]
    others = [(r["c"], r["o"]) for r in facts if r["unit_code"] != "BCHQS"]
    assert got["Quân đội quản lý"] == bchqs[0]
    assert got["Đơn vị khác quản lý"] == (sum(c for c, _ in others), sum(o for _, o in others))


def test_dashboard_levels_map_covers_every_commune_with_its_colour(superset, served):
    rows = superset.client().chart_data("Bản đồ cấp độ dịch theo xã, phường, thị trấn")
    communes = query(served, "SELECT area_label, level, colour FROM mart_epidemic_levels_current WHERE area_level = 'Xã'")
    assert len(rows) == len(communes) == 547
    official = {1: "Xanh", 2: "Vàng", 3: "Cam", 4: "Đỏ"}
    assert all(c["colour"] == official[c["level"]] for c in communes)
    assert {r["level_label"] for r in rows} <= set(LEVEL_COLOURS)
    assert all(19.0 < r["max_latitude"] < 21.0 and 104.0 < r["max_longitude"] < 106.5 for r in rows)


def test_dashboard_line_list_only_counted(superset, served):
    rows = superset.client().chart_data("Ca bệnh theo nguồn lây")
    total = query(served, "SELECT sum(cases) AS n FROM mart_cases_by_district")[0]["n"]
    assert sum(r["sum_cases"] for r in rows) == total > 0
    assert set(rows[0]) == {"source", "sum_cases"}


def test_dashboard_data_quality_shows_rejections_by_unit(superset, served):
    rows = superset.client().chart_data("Lần nộp theo đơn vị và trạng thái")
    rejected = {r["unit_code"]: r["count"] for r in rows if r["status_label"] == "Bị từ chối"}
    assert rejected == {"SYT": 1}
    assert superset.client().chart_data("Tệp bị từ chối") == [{"sum_rejected": 1}]


@pytest.mark.parametrize("slug", list(DASHBOARDS))
def test_dashboard_screenshot_shows_no_error_panel(superset, served, artifacts, slug):
    out = artifacts / f"dashboard-{slug}.png"
    seen = screenshot_dashboard(superset.url, superset.username, superset.password, slug, out, timeout=240)
    assert seen["errors"] == []
    dashboard = next(d for d in _assets("dashboards") if d["slug"] == slug)
    assert seen["charts_total"] == len(_dashboard_charts(dashboard))
    assert seen["charts_rendered"] == seen["charts_total"]
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_dashboard_export_after_import_equals_git(superset, tmp_path):
    client = superset.client()
    client.import_assets(superset.settings.serving_path)
    written = client.export_assets(tmp_path)
    exported = {p.relative_to(tmp_path).as_posix(): p.read_text(encoding="utf-8") for p in written}
    in_git = {p.relative_to(ASSETS_DIR).as_posix(): p.read_text(encoding="utf-8") for p in ASSETS_DIR.rglob("*.yaml")}
    # Other engineers' assets on the same server (none in this session) would only add files.
    assert set(in_git) <= set(exported)
    for name, text in in_git.items():
        assert exported[name] == text, name
    database = yaml.safe_load(exported["databases/portal_serving.yaml"])
    assert database["sqlalchemy_uri"] == SERVING_URI_PLACEHOLDER
    assert str(superset.settings.serving_path) not in "".join(exported.values())


def test_dashboard_import_overwrites_a_ui_edit(superset):
    client = superset.client()
    chart = client.chart("Tổng sức chứa")
    client.send_json("PUT", f"/api/v1/chart/{chart['id']}", {"description": "sửa trên giao diện"})
    assert client.chart("Tổng sức chứa")["description"] == "sửa trên giao diện"
    client.import_assets(superset.settings.serving_path)
    in_git = next(c for c in _assets("charts") if c["slice_name"] == "Tổng sức chứa")
    assert client.chart("Tổng sức chứa")["description"] == in_git["description"]
