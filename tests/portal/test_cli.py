"""The `portal` CLI: exit codes and JSON contracts, through click's runner."""
import json

from click.testing import CliRunner

from portal.cli import main


def test_cli_validate_exit_codes_and_json(sample_file, tmp_path):
    runner = CliRunner()
    good = sample_file(unit="CDC")
    result = runner.invoke(main, ["validate", str(good), "--unit", "CDC", "--json"])
    assert result.exit_code == 0
    report = json.loads(result.output)
    assert (report["valid"], report["unit"], report["dataset"], report["rows"], report["errors"]) == (
        True, "CDC", "epidemic_situation_by_district", 27, [])
    bad = tmp_path / "bad.csv"
    bad.write_text("Ngày báo cáo,Khung giờ\n22/10/2021,08:00\n", encoding="utf-8")
    result = runner.invoke(main, ["validate", str(bad), "--unit", "CDC", "--dataset",
                                  "epidemic_situation_by_district", "--json"])
    assert result.exit_code == 1
    assert json.loads(result.output)["valid"] is False
    assert runner.invoke(main, ["validate", str(tmp_path / "missing.csv"), "--unit", "CDC"]).exit_code == 2
    assert runner.invoke(main, ["validate", str(good), "--unit", "NOBODY"]).exit_code == 1


def test_cli_submit_then_status(portal_home, sample_file):
    runner = CliRunner()
    result = runner.invoke(main, ["submit", str(sample_file()), "--unit", "SYT", "--dataset",
                                  "epidemic_situation_by_district"])
    assert result.exit_code == 0, result.output
    sid = result.output.strip()
    assert sorted(p.name for p in (portal_home.inbox / "SYT").iterdir()) == [f"{sid}__SYT_epidemic_situation_by_district_2021-10-22_0800.xlsx"]
    status = json.loads(runner.invoke(main, ["status", sid, "--json"]).output)
    assert (status["state"], status["unit"], status["dataset"]) == ("received", "SYT", "epidemic_situation_by_district")
    assert runner.invoke(main, ["status", "S-nothing"]).exit_code == 2


def test_cli_units_and_datasets_list_the_registry_and_catalogue():
    runner = CliRunner()
    units = json.loads(runner.invoke(main, ["units", "--json"]).output)
    assert len(units) == 61
    syt = next(u for u in units if u["unit_code"] == "SYT")
    assert "epidemic_situation_by_district" in syt["datasets"]
    datasets = json.loads(runner.invoke(main, ["datasets", "--json"]).output)
    assert len(datasets) == 14
    cases = next(d for d in datasets if d["name"] == "case_line_list")
    assert cases["responsible_unit_types"] == ["TTYT"] and cases["cadence"]["kind"] == "daily"
