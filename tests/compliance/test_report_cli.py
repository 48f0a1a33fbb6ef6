"""`portal report` end to end: submissions in a real migrated warehouse → the
audit (compliance.audit) → PDF, .xlsx and .docx in PORTAL_HOME/reports/ →
e-mail through a local aiosmtpd, once, and again with --resend."""
from __future__ import annotations

import datetime as dt
import json
import subprocess

import pytest

from tests.compliance.test_delivery_email import DOCX, PDF, XLSX, Inbox, attachments, free_port
from tests.compliance.test_report_model import EPI, at, submission

D10, D11 = dt.date(2021, 11, 10), dt.date(2021, 11, 11)


@pytest.fixture
def warehouse(portal_home):
    """SYT over 10–11/11/2021 (epidemic figures at 08:00 and 16:00, citizen feedback by 17:00):
    10/11 08:00 in at 07:50; 16:00 in at 16:07 (7 minutes late, 2 data warnings);
    feedback of 10/11 in at 16:00; 11/11 08:00 only a rejected file at 07:55;
    11/11 16:00 in at 15:40; no feedback for 11/11. Nobody else sent anything."""
    from warehouse.db import writer

    with writer(portal_home.warehouse_path) as con:
        submission(con, "R1", "SYT", EPI, at(D10, "07:50"), slot="08:00")
        submission(con, "R2", "SYT", EPI, at(D10, "16:07"), slot="16:00", warnings=2)
        submission(con, "R3", "SYT", "citizen_feedback", at(D10, "16:00"))
        submission(con, "R4", "SYT", EPI, at(D11, "07:55"), status="rejected")
        submission(con, "R5", "SYT", EPI, at(D11, "15:40"), slot="16:00")
    return portal_home


@pytest.fixture
def smtp_env(monkeypatch):
    from aiosmtpd.controller import Controller

    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("PORTAL_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("PORTAL_SMTP_PORT", str(port))
    monkeypatch.setenv("PORTAL_RECIPIENTS_MONTHLY_REPORT", "Văn phòng Sở Y tế <vanphong@syt.example>")
    try:
        yield inbox
    finally:
        controller.stop()


def run(*args):
    from click.testing import CliRunner

    from portal.cli import main

    return CliRunner().invoke(main, list(args))


ARGS = ("report", "--from", "2021-11-10", "--to", "11/11/2021", "--as-of", "2021-11-12 07:00")


def test_portal_report_end_to_end(warehouse, smtp_env, tmp_path):
    from openpyxl import load_workbook

    from compliance.report.xlsx import HEADER_ROW

    out = tmp_path / "ban-sao"
    first = run(*ARGS, "--send", "--out", str(out))
    assert first.exit_code == 0, first.output
    folder = warehouse.home / "reports" / "2021-11-10_2021-11-11"
    names = ["bao-cao-cap-nhat-2021-11-10_2021-11-11.pdf", "phu-luc-cap-nhat-2021-11-10_2021-11-11.xlsx",
             "bao-cao-cap-nhat-2021-11-10_2021-11-11.docx"]
    assert first.output.splitlines()[:4] == [
        f"Báo cáo từ ngày 10/11/2021 đến ngày 11/11/2021: đã tạo tại {folder}"] + [f"  {n}" for n in names]
    assert sorted(p.name for p in out.iterdir()) == sorted(names)

    # The audit's figures for SYT, as worked out in the fixture's docstring.
    pdf = folder / names[0]
    layout = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                            text=True).stdout
    lines = [" ".join(line.split()) for line in layout.splitlines()]
    assert "Kết quả cập nhật của từng đơn vị từ ngày 10/11/2021 đến ngày 11/11/2021" in " ".join(lines)
    assert "1 Sở Y tế 6 4 3 1 7 2 1 2 50,0%" in lines
    wb = load_workbook(folder / names[1])
    syt = [row[1:] for row in wb["Muộn, không cập nhật"].iter_rows(min_row=HEADER_ROW + 1, values_only=True)
           if row[1] == "SYT"]
    d = dt.datetime
    assert syt == [
        ("SYT", "Sở Y tế", EPI, "Tình hình dịch theo huyện", d(2021, 11, 10), "16:00", d(2021, 11, 10, 16),
         "Muộn", d(2021, 11, 10, 16, 7), 7, 0),
        ("SYT", "Sở Y tế", EPI, "Tình hình dịch theo huyện", d(2021, 11, 11), "08:00", d(2021, 11, 11, 8),
         "Chỉ có tệp bị từ chối", None, None, 1),
        ("SYT", "Sở Y tế", "citizen_feedback", "Phản ánh, kiến nghị của người dân", d(2021, 11, 11), None,
         d(2021, 11, 11, 17), "Không cập nhật", None, None, 0),
    ]
    units = {row[1]: row for row in wb["Theo đơn vị"].iter_rows(min_row=HEADER_ROW + 1, values_only=True)}
    assert units["SYT"][4:14] == (6, 4, 3, 1, 7, 2, 1, 1, 2, 0)
    assert units["CDC"][4:8] == (units["CDC"][4], 0, 0, 0) and units["CDC"][4] > 0   # owed, sent nothing

    # Delivered once, with the three files as they are in the reports folder.
    assert len(smtp_env.messages) == 1
    assert attachments(smtp_env.messages[0]) == [
        (names[0], PDF, (folder / names[0]).read_bytes()),
        (names[1], XLSX, (folder / names[1]).read_bytes()),
        (names[2], DOCX, (folder / names[2]).read_bytes()),
    ]
    assert "đã gửi cho 1 người nhận (vanphong@syt.example)" in first.output

    second = run(*ARGS, "--send")
    assert second.exit_code == 0, second.output
    assert "giữ nguyên (số liệu không đổi)" in second.output
    assert "bỏ qua 1 người nhận đã nhận đúng báo cáo này (dùng --resend để gửi lại)" in second.output
    assert len(smtp_env.messages) == 1

    third = run(*ARGS, "--resend", "--json")
    assert third.exit_code == 0, third.output
    assert json.loads(third.output)["delivery"] == {"sent": ["vanphong@syt.example"], "skipped": [], "failed": {}}
    assert len(smtp_env.messages) == 2


def test_without_send_nothing_is_mailed_and_failures_exit_1(warehouse, smtp_env, monkeypatch):
    quiet = run(*ARGS)
    assert quiet.exit_code == 0 and "Chưa gửi thư (thêm --send để gửi)." in quiet.output
    assert smtp_env.messages == []
    monkeypatch.setenv("PORTAL_SMTP_PORT", str(free_port()))      # nobody listens there
    failed = run(*ARGS, "--send")
    assert failed.exit_code == 1
    assert "KHÔNG gửi được cho vanphong@syt.example: không kết nối được" in failed.output


def test_usage_errors(portal_home):
    bad = run("report", "--from", "31/11/2021")
    assert bad.exit_code == 2 and "không hiểu ngày '31/11/2021'" in bad.output
    backwards = run("report", "--from", "2021-11-10", "--to", "2021-11-01")
    assert backwards.exit_code == 2 and "--to (01/11/2021) trước --from (10/11/2021)." in backwards.output
    missing = run(*ARGS)
    assert missing.exit_code == 1 and "Chưa có kho dữ liệu" in missing.output
