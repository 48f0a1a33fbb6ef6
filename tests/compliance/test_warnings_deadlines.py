"""Early warnings: who has not updated 30 minutes before a deadline, who is late
after it, sent once per day, deadline and kind to every channel (e-mail via a
local aiosmtpd, a JSON-lines file, a webhook served here on a free port)."""
from __future__ import annotations

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from compliance.model import LATE, MISSING, ON_TIME, PENDING, REJECTED_ONLY
from tests.compliance.test_delivery_email import Inbox, free_port
from tests.compliance.test_report_model import EPI, at, audit_result, expectation, submission

DAY = dt.date(2021, 11, 10)
CDC = "Trung tâm Kiểm soát bệnh tật tỉnh"
EPI_TITLE = "Tình hình dịch theo huyện"


# --- the list, from audit results built by hand ----------------------------------------------

def test_before_lists_units_without_an_accepted_file_yet():
    from compliance.warnings import Item, select

    as_of = at(DAY, "07:30")
    result = audit_result(DAY, DAY, [
        expectation("SYT", EPI, DAY, slot="08:00", received="07:10"),               # already in
        expectation("CDC", EPI, DAY, slot="08:00", status=PENDING, rejected=1),    # a rejected try only
        expectation("SYT", EPI, DAY, slot="16:00", status=PENDING),                # another deadline
        expectation("CDC", "testing", DAY, status=PENDING),                        # due 17:00
    ], as_of=as_of)
    warning = select(result, DAY, "08:00", "before")
    assert warning.items == [Item("CDC", CDC, EPI, EPI_TITLE, PENDING, None, None, 1)]
    assert warning.deadline == at(DAY, "08:00") and warning.as_of == as_of
    assert warning.text() == (
        "Nhắc cập nhật: 1 đơn vị chưa cập nhật số liệu hạn 08:00 ngày 10/11/2021\n"
        "\n"
        "Đến 07:30 ngày 10/11/2021, còn 30 phút đến hạn cập nhật 08:00 (Điều 7 Quy chế 4168/QĐ-UBND), "
        "các đơn vị sau chưa gửi số liệu hợp lệ:\n"
        "1. Trung tâm Kiểm soát bệnh tật tỉnh (CDC): Tình hình dịch theo huyện — chưa cập nhật "
        "(đã gửi 1 tệp bị từ chối, cần gửi lại tệp đúng)\n")


def test_after_lists_late_missing_and_rejected_only():
    from compliance.warnings import Item, select

    result = audit_result(DAY, DAY, [
        expectation("SYT", EPI, DAY, slot="16:00", status=LATE, received="16:03"),
        expectation("CDC", EPI, DAY, slot="16:00", status=REJECTED_ONLY, rejected=2),
        expectation("UBND-QUANHOA", "epidemic_levels", DAY, deadline="16:00", status=MISSING),
        expectation("SYT", EPI, DAY, slot="08:00", status=MISSING),                # earlier deadline
        expectation("SYT", "citizen_feedback", DAY, status=ON_TIME),
    ], as_of=at(DAY, "16:05"))
    warning = select(result, DAY, "16:00", "after")
    assert warning.items == [
        Item("SYT", "Sở Y tế", EPI, EPI_TITLE, LATE, at(DAY, "16:03"), 3, 0),
        Item("CDC", CDC, EPI, EPI_TITLE, REJECTED_ONLY, None, None, 2),
        Item("UBND-QUANHOA", "UBND Huyện Quan Hóa", "epidemic_levels", "Cấp độ dịch theo xã và huyện", MISSING,
             None, None, 0),
    ]
    assert warning.lines() == [
        "Đã quá hạn cập nhật 16:00 ngày 10/11/2021. Đến 16:05, các đơn vị sau cập nhật muộn hoặc chưa cập nhật:",
        "1. Sở Y tế (SYT): Tình hình dịch theo huyện — cập nhật muộn 3 phút (nhận lúc 16:03)",
        "2. Trung tâm Kiểm soát bệnh tật tỉnh (CDC): Tình hình dịch theo huyện — chỉ có tệp bị từ chối (2 tệp), "
        "chưa có số liệu hợp lệ",
        "3. UBND Huyện Quan Hóa (UBND-QUANHOA): Cấp độ dịch theo xã và huyện — chưa cập nhật",
    ]
    assert warning.title() == "Quá hạn cập nhật 16:00 ngày 10/11/2021: 3 đơn vị cập nhật muộn hoặc chưa cập nhật"


def test_the_dag_moments_map_to_deadline_and_kind():
    from compliance.warnings import due_at, load_config, moment

    config = load_config()
    assert [moment(DAY, "08:00", k, config) for k in ("before", "after")] == [at(DAY, "07:30"), at(DAY, "08:05")]
    assert due_at(at(DAY, "07:30"), config) == [(DAY, "08:00", "before")]
    assert due_at(at(DAY, "08:05"), config) == [(DAY, "08:00", "after")]
    assert due_at(at(DAY, "15:30"), config) == [(DAY, "16:00", "before")]
    assert due_at(at(DAY, "16:05").astimezone(dt.timezone.utc), config) == [(DAY, "16:00", "after")]
    assert due_at(at(DAY, "12:00"), config) == []


# --- the audit's answer on a real warehouse --------------------------------------------------

@pytest.fixture
def warehouse_day(portal_home):
    """10/11/2021 in a migrated warehouse:
    08:00 — SYT in at 07:10; CDC rejected at 07:20, accepted at 08:03 (late by 3 minutes);
    16:00 — CDC in at 15:50; SYT only at 16:10, after the 16:05 warning."""
    from warehouse.db import writer

    with writer(portal_home.warehouse_path) as con:
        submission(con, "S1", "SYT", EPI, at(DAY, "07:10"), slot="08:00")
        submission(con, "S2", "CDC", EPI, at(DAY, "07:20"), status="rejected")
        submission(con, "S3", "CDC", EPI, at(DAY, "08:03"), slot="08:00")
        submission(con, "S4", "CDC", EPI, at(DAY, "15:50"), slot="16:00")
        submission(con, "S5", "SYT", EPI, at(DAY, "16:10"), slot="16:00")
    return portal_home


def test_warnings_from_the_audit_of_a_real_warehouse(warehouse_day):
    from compliance.warnings import Item, compute

    lists = {(slot, kind): [(i.unit_code, i.status, i.minutes_late, i.rejected_files)
                            for i in compute(warehouse_day, DAY, slot, kind).items]
             for slot in ("08:00", "16:00") for kind in ("before", "after")}
    assert lists == {
        ("08:00", "before"): [("CDC", PENDING, None, 1)],
        ("08:00", "after"): [("CDC", LATE, 3, 1)],
        ("16:00", "before"): [("SYT", PENDING, None, 0), ("CDC", PENDING, None, 0)],
        ("16:00", "after"): [("SYT", MISSING, None, 0)],
    }
    late = compute(warehouse_day, DAY, "08:00", "after").items[0]
    assert late == Item("CDC", CDC, EPI, EPI_TITLE, LATE, at(DAY, "08:03"), 3, 1)


# --- channels ----------------------------------------------------------------------------------

class Hook:
    """A webhook receiver on a free local port."""

    def __init__(self):
        self.posts: list[dict] = []
        self.status = 200
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.posts.append({"content_type": self.headers["Content-Type"], "json": json.loads(body)})
                self.send_response(outer.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/canh-bao"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def channels(portal_home, tmp_path, monkeypatch):
    from aiosmtpd.controller import Controller

    from compliance.notify import smtp_settings
    from compliance.warnings import load_config

    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    hook = Hook()
    monkeypatch.setenv("PORTAL_RECIPIENTS_EARLY_WARNINGS", "Phòng Nghiệp vụ Y <nvy@syt.example>, cdc@cdc.example")
    monkeypatch.setenv("PORTAL_TEST_HOOK", hook.url)
    path = tmp_path / "warnings.yaml"
    path.write_text(
        "deadlines: ['08:00', '16:00']\nbefore_minutes: 30\nafter_minutes: 5\n"
        "channels:\n"
        "  - {id: email, type: email, recipients: early_warnings}\n"
        "  - {id: file, type: file, path: notifications/early-warnings.jsonl}\n"
        "  - {id: webhook, type: webhook, url_env: PORTAL_TEST_HOOK}\n", encoding="utf-8")
    smtp = smtp_settings({"PORTAL_SMTP_HOST": "127.0.0.1", "PORTAL_SMTP_PORT": str(port)})
    try:
        yield load_config(path), inbox, hook, smtp
    finally:
        controller.stop()
        hook.close()


def _lines(settings) -> list[dict]:
    path = settings.home / "notifications" / "early-warnings.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def test_each_channel_gets_one_notification_per_deadline_and_kind(warehouse_day, channels):
    from compliance.warnings import compute, send

    config, inbox, hook, smtp = channels
    before = compute(warehouse_day, DAY, "08:00", "before", config=config)
    for _ in range(2):                      # the DAG retried, or someone ran the CLI as well
        result = send(warehouse_day, before, config=config, smtp=smtp)
    assert (result.sent, result.skipped, result.failed) == (
        [], {"email": "đã gửi trước đó", "file": "đã gửi trước đó", "webhook": "đã gửi trước đó"}, {})
    after = compute(warehouse_day, DAY, "08:00", "after", config=config)
    assert send(warehouse_day, after, config=config, smtp=smtp).sent == ["email", "file", "webhook"]
    send(warehouse_day, after, config=config, smtp=smtp)

    assert [m["Subject"] for m in inbox.messages] == [
        "Nhắc cập nhật: 1 đơn vị chưa cập nhật số liệu hạn 08:00 ngày 10/11/2021",
        "Quá hạn cập nhật 08:00 ngày 10/11/2021: 1 đơn vị cập nhật muộn hoặc chưa cập nhật"]
    assert [to for _, to in inbox.envelopes] == [["nvy@syt.example", "cdc@cdc.example"]] * 2
    body = inbox.messages[1].get_body(("plain",)).get_content()
    assert "1. Trung tâm Kiểm soát bệnh tật tỉnh (CDC): Tình hình dịch theo huyện — cập nhật muộn 3 phút " \
           "(nhận lúc 08:03)" in body
    assert [(p["kind"], p["slot"], p["date"], [u["unit_code"] for u in p["units"]]) for p in _lines(warehouse_day)] == [
        ("before", "08:00", "2021-11-10", ["CDC"]), ("after", "08:00", "2021-11-10", ["CDC"])]
    assert [(p["content_type"], p["json"]["kind"], p["json"]["title"]) for p in hook.posts] == [
        ("application/json; charset=utf-8", "before", "Nhắc cập nhật: 1 đơn vị chưa cập nhật số liệu hạn 08:00 ngày 10/11/2021"),
        ("application/json; charset=utf-8", "after",
         "Quá hạn cập nhật 08:00 ngày 10/11/2021: 1 đơn vị cập nhật muộn hoặc chưa cập nhật")]
    assert hook.posts[1]["json"]["units"][0]["items"][0] == {
        "dataset": EPI, "dataset_title": EPI_TITLE, "status": "late",
        "first_accepted_at": "2021-11-10T08:03:00+07:00", "minutes_late": 3, "rejected_files": 1}

    again = send(warehouse_day, after, config=config, smtp=smtp, resend=True)
    assert again.sent == ["email", "file", "webhook"]
    assert (len(inbox.messages), len(_lines(warehouse_day)), len(hook.posts)) == (3, 3, 3)


def test_a_failing_channel_is_reported_and_retried_alone(warehouse_day, channels):
    from compliance.warnings import compute, ledger, send

    config, inbox, hook, smtp = channels
    hook.status = 503
    warning = compute(warehouse_day, DAY, "16:00", "after", config=config)
    first = send(warehouse_day, warning, config=config, smtp=smtp)
    assert first.sent == ["email", "file"] and list(first.failed) == ["webhook"] and not first.ok
    assert "503" in first.failed["webhook"]
    hook.status = 200
    second = send(warehouse_day, warning, config=config, smtp=smtp)
    assert second.sent == ["webhook"] and set(second.skipped) == {"email", "file"}
    assert (len(inbox.messages), len(_lines(warehouse_day)), len(hook.posts)) == (1, 1, 2)
    assert [(e["channel"], e["status"]) for e in ledger(warehouse_day).entries()] == [
        ("email", "sent"), ("file", "sent"), ("webhook", "failed"), ("webhook", "sent")]


def test_nothing_to_say_sends_nothing(portal_home, channels):
    from compliance.warnings import send, select

    config, inbox, hook, smtp = channels
    empty = select(audit_result(DAY, DAY, [expectation("SYT", EPI, DAY, slot="08:00")], as_of=at(DAY, "08:05")),
                   DAY, "08:00", "after", config)
    result = send(portal_home, empty, config=config, smtp=smtp)
    assert result.sent == [] and set(result.skipped) == {"email", "file", "webhook"}
    assert (inbox.messages, _lines(portal_home), hook.posts) == ([], [], [])
    assert empty.lines() == ["Đến 08:05 ngày 10/11/2021, tất cả các đơn vị đã cập nhật số liệu hạn 08:00."]


def test_portal_warnings_cli(warehouse_day, channels, monkeypatch):
    from click.testing import CliRunner

    from portal.cli import main

    config, inbox, hook, smtp = channels
    monkeypatch.setenv("PORTAL_WARNINGS_CONFIG", str(config_path := warehouse_day.home.parent / "warnings.yaml"))
    assert config_path.exists()
    monkeypatch.setenv("PORTAL_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("PORTAL_SMTP_PORT", str(smtp.port))
    runner = CliRunner()
    dry = runner.invoke(main, ["warnings", "--slot", "16:00", "--kind", "after", "--date", "10/11/2021", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert dry.output == (
        "Quá hạn cập nhật 16:00 ngày 10/11/2021: 1 đơn vị cập nhật muộn hoặc chưa cập nhật\n\n"
        "Đã quá hạn cập nhật 16:00 ngày 10/11/2021. Đến 16:05, các đơn vị sau cập nhật muộn hoặc chưa cập nhật:\n"
        "1. Sở Y tế (SYT): Tình hình dịch theo huyện — chưa cập nhật\n")
    assert inbox.messages == []
    sent = runner.invoke(main, ["warnings", "--slot", "16:00", "--kind", "after", "--date", "2021-11-10"])
    assert sent.exit_code == 0, sent.output
    assert sent.output.endswith("Đã gửi qua kênh email.\nĐã gửi qua kênh file.\nĐã gửi qua kênh webhook.\n")
    twice = runner.invoke(main, ["warnings", "--slot", "16:00", "--kind", "after", "--date", "2021-11-10"])
    assert "Bỏ qua kênh email: đã gửi trước đó." in twice.output
    assert (len(inbox.messages), len(hook.posts)) == (1, 1)
    bad = runner.invoke(main, ["warnings", "--slot", "8h", "--kind", "after"])
    assert bad.exit_code == 2 and "Giờ '8h' không hợp lệ" in bad.output
