"""`portal dashboards export|import` against the real Superset."""
from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from dashboards.superset import ASSETS_DIR
from portal.cli import main


@pytest.fixture
def portal_env(superset, tmp_path, monkeypatch):
    """A PORTAL_HOME whose stored credentials and serving file are the test Superset's."""
    home = tmp_path / "home"
    (home / "serving").mkdir(parents=True)
    shutil.copyfile(superset.settings.serving_path, home / "serving" / superset.settings.serving_path.name)
    (home / "credentials.json").write_text(json.dumps({
        "airflow_admin_user": "admin", "airflow_admin_password": "-",
        "superset_admin_user": superset.username, "superset_admin_password": superset.password}))
    monkeypatch.setenv("PORTAL_HOME", str(home))
    monkeypatch.setenv("PORTAL_SUPERSET_URL", superset.url)
    return home


def test_dashboard_cli_export_writes_the_assets_of_git(superset, portal_env, tmp_path):
    out = tmp_path / "exported"
    result = CliRunner().invoke(main, ["dashboards", "export", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Đã xuất" in result.output
    for path in ASSETS_DIR.rglob("*.yaml"):
        rel = path.relative_to(ASSETS_DIR)
        assert (out / rel).read_text(encoding="utf-8") == path.read_text(encoding="utf-8"), rel


def test_dashboard_cli_import_then_export_round_trip(superset, portal_env, tmp_path):
    try:
        result = CliRunner().invoke(main, ["dashboards", "import"])
        assert result.exit_code == 0, result.output
        assert result.output.strip() == "Đã nhập dashboard vào Superset."
        dashboards = superset.client().get_json("/api/v1/dashboard/?q=(page_size:100)")["result"]
        assert len([d for d in dashboards if d["slug"]]) >= 9
    finally:
        # The import pointed the database at this test's copy; give it back its own file.
        superset.client().import_assets(superset.settings.serving_path)


def test_dashboard_cli_export_reports_unreachable_superset(portal_env, monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_SUPERSET_URL", "http://127.0.0.1:1")
    result = CliRunner().invoke(main, ["dashboards", "export", "--out", str(tmp_path / "x")])
    assert result.exit_code == 1
    assert "Lỗi" in result.output
