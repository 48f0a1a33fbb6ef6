"""A "no change" confirmation: stamped by the server, journalled, recorded,
counted as an update by the audit; refused in Vietnamese (exit code 2) for a
unit that does not answer for the dataset or a dataset with deadlines."""
from __future__ import annotations

import datetime as dt
import json

import duckdb
import pytest
from click.testing import CliRunner

from compliance.audit import audit
from compliance.confirm import ConfirmationRefused, confirm
from compliance.journal import confirmations_dir
from compliance.model import FRESH, NEVER
from compliance.schedules import CONFIG_ENV
from tests.compliance.synthetic_month import VN


@pytest.fixture
def home(portal_home, monkeypatch):
    monkeypatch.delenv(CONFIG_ENV, raising=False)
    return portal_home


def _rows(settings):
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        return con.execute("SELECT confirmation_id, unit_code, dataset, confirmed_at, note "
                           "FROM raw.confirmation ORDER BY 1").fetchall()
    finally:
        con.close()


def test_confirm_no_change_is_journalled_recorded_and_keeps_the_dataset_fresh(home):
    before = dt.datetime.now(dt.timezone.utc)
    done = confirm(home, "ca", "checkpoints", note="  Không có chốt mới  ")
    after = dt.datetime.now(dt.timezone.utc)
    confirmed = dt.datetime.fromisoformat(done["confirmed_at"])
    assert before <= confirmed <= after                        # the server's clock, nothing typed
    assert (done["unit_code"], done["dataset"], done["note"], done["max_age_hours"]) == \
        ("CA", "checkpoints", "Không có chốt mới", 24.0)
    assert dt.datetime.fromisoformat(done["fresh_until"]) == confirmed + dt.timedelta(hours=24)
    journal = json.loads((confirmations_dir(home) / f"{done['confirmation_id']}.json").read_text(encoding="utf-8"))
    assert journal == {k: done[k] for k in ("confirmation_id", "unit_code", "dataset", "confirmed_at", "note")}
    assert _rows(home) == [(done["confirmation_id"], "CA", "checkpoints", confirmed, "Không có chốt mới")]

    con = duckdb.connect(str(home.warehouse_path), read_only=True)
    try:
        today = after.astimezone(VN).date()
        result = audit(con, today, today, after)
    finally:
        con.close()
    state = {(f.unit_code, f.dataset): f for f in result.freshness}
    ca = state[("CA", "checkpoints")]
    assert (ca.status, ca.last_update_kind, ca.last_update_at) == (FRESH, "confirmation", confirmed)
    # Nothing else was ever sent: every other "on change" dataset of every unit has never been updated.
    assert {f.status for k, f in state.items() if k != ("CA", "checkpoints")} == {NEVER}


@pytest.mark.parametrize("unit, dataset, message", [
    ("SYT", "epidemic_situation_by_district",
     "Biểu mẫu 'Tình hình dịch theo huyện' không phải loại cập nhật khi có biến động: đơn vị phải nộp số liệu "
     "vào các khung giờ 08:00, 16:00. Không thể xác nhận \"không có thay đổi\"."),
    ("TTYT-DONGSON", "testing",
     "Biểu mẫu 'Xét nghiệm' không phải loại cập nhật khi có biến động: đơn vị phải nộp số liệu trước 17:00 "
     "hằng ngày. Không thể xác nhận \"không có thay đổi\"."),
    ("SCT", "checkpoints",
     "Đơn vị SCT không được giao biểu mẫu 'Chốt kiểm soát dịch' (checkpoints); đơn vị phụ trách: CA."),
    ("XYZ", "checkpoints", "Không có đơn vị 'XYZ'. Xem danh sách: portal units"),
    ("CA", "khong_co", "Không có biểu mẫu 'khong_co'. Xem danh sách: portal datasets"),
])
def test_confirm_no_change_refused(home, unit, dataset, message):
    with pytest.raises(ConfirmationRefused) as caught:
        confirm(home, unit, dataset)
    assert str(caught.value) == message
    assert not confirmations_dir(home).exists()
    assert not home.warehouse_path.exists()


def test_confirm_no_change_refused_for_a_revoked_account(home, tmp_path, monkeypatch):
    from tests.compliance.synthetic_month import SCHEDULES, write_config

    yesterday = dt.date.today() - dt.timedelta(days=1)
    write_config(tmp_path / "config", SCHEDULES, "holidays: []\n",
                 f"default: {{issued: 2021-10-22}}\naccounts:\n  - {{unit_code: CA, issued: 2021-10-22, "
                 f"revoked: {yesterday:%Y-%m-%d}}}\n")
    monkeypatch.setenv(CONFIG_ENV, str(tmp_path / "config"))
    with pytest.raises(ConfirmationRefused, match="Tài khoản của đơn vị CA không còn hiệu lực ngày"):
        confirm(home, "CA", "checkpoints")


def test_confirm_no_change_cli(home):
    from portal.cli import main

    runner = CliRunner()
    ok = runner.invoke(main, ["confirm", "--unit", "UBND-DONGSON", "--dataset", "quarantine_facilities",
                              "--note", "Không có khu cách ly mới"])
    assert ok.exit_code == 0, ok.output
    assert ok.output.startswith("Đã ghi nhận: UBND-DONGSON xác nhận biểu mẫu \"Khu cách ly tập trung\" "
                                "không có thay đổi lúc ")
    assert "Dữ liệu được coi là còn mới đến " in ok.output
    as_json = runner.invoke(main, ["confirm", "--unit", "SLDTBXH", "--dataset", "support_policies", "--json"])
    assert as_json.exit_code == 0, as_json.output
    assert json.loads(as_json.output)["max_age_hours"] == 168.0
    refused = runner.invoke(main, ["confirm", "--unit", "SYT", "--dataset", "epidemic_situation_by_district"])
    assert refused.exit_code == 2
    assert "không phải loại cập nhật khi có biến động" in refused.output
    assert [(u, d) for _, u, d, _, _ in _rows(home)] == [("UBND-DONGSON", "quarantine_facilities"),
                                                         ("SLDTBXH", "support_policies")]
