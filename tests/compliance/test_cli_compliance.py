"""`portal compliance audit | rates | freshness` on the synthetic month, and
`--record` writing the warehouse and the audits/ journal."""
from __future__ import annotations

import json
import shutil

import duckdb
import pytest
from click.testing import CliRunner

from compliance.schedules import CONFIG_ENV
from portal.cli import main
from tests.compliance.synthetic_month import build, write_config


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    write_config(folder / "config")
    return build(folder / "warehouse.duckdb"), folder / "config"


@pytest.fixture
def home(built, portal_home, monkeypatch):
    path, config = built
    portal_home.warehouse_path.parent.mkdir(parents=True)
    shutil.copyfile(path, portal_home.warehouse_path)
    monkeypatch.setenv(CONFIG_ENV, str(config))
    return portal_home


def _run(*args):
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_cli_compliance_audit_json(home):
    code, out = _run("compliance", "audit", "--from", "01/11/2021", "--to", "2021-11-30",
                     "--as-of", "2021-12-01 00:00", "--json")
    assert code == 0, out
    answer = json.loads(out)
    assert (answer["start"], answer["end"], answer["as_of"]) == ("2021-11-01", "2021-11-30", "2021-12-01 00:00:00+07:00")
    statuses = [e["status"] for e in answer["expected"]]
    # The hand-computed month: 147 on time, 23 late, 3 missing, 1 rejected only.
    assert {s: statuses.count(s) for s in set(statuses)} == {"on_time": 147, "late": 23, "missing": 3,
                                                             "rejected_only": 1}
    late = next(e for e in answer["expected"] if e["unit_code"] == "SYT" and e["minutes_late"] == 1)
    assert (late["period_date"], late["slot"], late["first_accepted_at"]) == \
        ("2021-11-01", "16:00", "2021-11-01 16:00:01+07:00")
    assert len(answer["attempts"]) == 5 and len(answer["freshness"]) == 30


def test_cli_compliance_audit_text_is_vietnamese(home):
    code, out = _run("compliance", "audit", "--from", "2021-11-01", "--to", "2021-11-07", "--as-of", "08/11/2021 00:00")
    assert code == 0, out
    assert out.splitlines()[0] == "Kiểm tra từ 01/11/2021 đến 07/11/2021, tính đến 00:00:00 08/11/2021: 42 hạn cập nhật."
    # 7 days: SYT and CDC 14 slots each, Đông Sơn and Nga Sơn 7 testing days each. SYT's 07/11 16:00
    # file arrives on 09/11, after --as-of: missing here (late in the whole month's audit).
    assert out.splitlines()[1] == ("  Đúng hạn: 37; Trễ hạn: 2; Không cập nhật: 2; Chỉ có tệp bị từ chối: 1; "
                                   "Chưa đến hạn: 0")
    rows = [line.split() for line in out.splitlines() if line.startswith("  SYT ")]
    assert [r[2:4] + r[6:] for r in rows] == [
        ["01/11/2021", "16:00", "Trễ", "hạn", "1"], ["02/11/2021", "16:00", "Trễ", "hạn", "40"],
        ["03/11/2021", "16:00", "Chỉ", "có", "tệp", "bị", "từ", "chối"], ["04/11/2021", "08:00", "Không", "cập", "nhật"],
        ["07/11/2021", "16:00", "Không", "cập", "nhật"]]


def test_cli_compliance_rates(home):
    code, out = _run("compliance", "rates", "--by", "unit_type,month", "--from", "2021-11-01", "--to", "2021-11-30",
                     "--as-of", "2021-12-01 00:00", "--json")
    assert code == 0, out
    got = {r["group"]["unit_type"]: (r["group"]["month"], r["expected"], r["received"], r["on_time"],
                                     r["reporting_rate"], r["on_time_rate"]) for r in json.loads(out)}
    assert got == {"CDC": ("2021-11", 60, 59, 59, 59 / 60, 59 / 60),
                   "SYT": ("2021-11", 60, 58, 55, 58 / 60, 55 / 60),
                   "TTYT": ("2021-11", 54, 53, 33, 53 / 54, 33 / 54)}
    code, out = _run("compliance", "rates", "--by", "unit_code", "--from", "2021-11-01", "--to", "2021-11-30",
                     "--as-of", "2021-12-01 00:00")
    assert code == 0, out
    assert "tỷ lệ nộp" in out and "96,7%" in out and "91,7%" in out      # SYT: 58/60, 55/60
    code, out = _run("compliance", "rates", "--by", "province")
    assert code == 2 and "không nhóm được theo province" in out


def test_cli_compliance_freshness(home):
    code, out = _run("compliance", "freshness", "--as-of", "2021-11-21 10:00", "--json")
    assert code == 0, out
    [ca] = json.loads(out)
    # Last "no change" 19/11 08:00: 50 hours at 21/11 10:00, more than 24.
    assert (ca["unit_code"], ca["status"], ca["age_hours"], ca["last_update_kind"]) == ("CA", "stale", 50.0,
                                                                                       "confirmation")
    code, out = _run("compliance", "freshness", "--as-of", "2021-11-21 10:00", "--stale")
    assert code == 0 and "Quá hạn cập nhật" in out


def test_cli_compliance_audit_record_writes_rows_and_journal(home):
    code, out = _run("compliance", "audit", "--from", "2021-11-01", "--to", "2021-11-30",
                     "--as-of", "2021-12-01 00:00", "--record", "--json")
    assert code == 0, out
    summary = json.loads(out)
    assert summary["counts"] == {"expectations": 174, "on_time": 147, "late": 23, "missing": 3, "rejected_only": 1,
                                 "pending": 0, "freshness_checks": 30, "not_fresh": 4, "attempts": 5}
    journal = json.loads((home.home / "audits" / f"{summary['run_id']}.json").read_text(encoding="utf-8"))
    assert journal == summary
    con = duckdb.connect(str(home.warehouse_path), read_only=True)
    try:
        assert con.execute("SELECT run_id, expectations FROM compliance.audit_run").fetchall() == \
            [(summary["run_id"], 174)]
    finally:
        con.close()


def test_cli_compliance_usage_errors(home):
    assert _run("compliance", "audit", "--from", "2021-11-30", "--to", "2021-11-01")[0] == 2
    code, out = _run("compliance", "audit", "--from", "30-11-2021", "--to", "2021-11-01")
    assert code == 2 and "không hiểu ngày '30-11-2021'" in out
