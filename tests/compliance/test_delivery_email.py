"""Delivering the monthly report: the reports folder, e-mail through a real
SMTP server (aiosmtpd, started here on a free port), the ledger that makes
sending idempotent, and failures that are reported, not swallowed."""
from __future__ import annotations

import datetime as dt
import email
import socket
from email import policy

import pytest

from compliance.model import AuditResult
from tests.compliance.test_report_model import small_month

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """An aiosmtpd handler keeping every message; refuses the addresses in `refuse`."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 Không có hộp thư này"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
def recipients():
    from compliance.notify import Recipient

    return [Recipient("vanphong.syt@thanhhoa.example", "Văn phòng Sở Y tế"),
            Recipient("bcd.covid19@thanhhoa.example", "Văn phòng Ban Chỉ đạo tỉnh")]


def smtp(port: int):
    from compliance.notify import smtp_settings

    return smtp_settings({"PORTAL_SMTP_HOST": "127.0.0.1", "PORTAL_SMTP_PORT": str(port),
                          "PORTAL_SMTP_FROM": "Cổng COVID-19 Thanh Hóa <bao-cao@thanhhoa.example>"})


def produce_small(settings, expected_slice=slice(None)):
    from compliance.report import reports_root, write_report
    from compliance.report.content import build_report

    current, previous = small_month()
    current = AuditResult(current.start, current.end, current.as_of, current.expected[expected_slice],
                          current.freshness, current.attempts)
    report = build_report(current, previous, issued_on=dt.date(2021, 12, 1))
    return write_report(report, reports_root(settings) / report.period.key)


def attachments(message) -> list[tuple[str, str, bytes]]:
    return [(part.get_filename(), part.get_content_type(), part.get_payload(decode=True))
            for part in message.iter_attachments()]


def test_email_arrives_with_the_report_attached(portal_home, smtp_server, recipients):
    from compliance.delivery import deliver

    inbox, port = smtp_server
    produced = produce_small(portal_home)
    assert produced.folder == portal_home.home / "reports" / "2021-11"
    result = deliver(portal_home, produced, recipients=recipients, smtp=smtp(port))
    assert (result.sent, result.skipped, result.failed) == (
        ["vanphong.syt@thanhhoa.example", "bcd.covid19@thanhhoa.example"], [], {})
    assert [to for _, to in inbox.envelopes] == [["vanphong.syt@thanhhoa.example"], ["bcd.covid19@thanhhoa.example"]]
    message = inbox.messages[0]
    assert message["Subject"] == ("Báo cáo tình hình cập nhật thông tin trên Cổng thông tin phòng, chống COVID-19 "
                                  "tỉnh tháng 11/2021")
    assert message["To"] == "Văn phòng Sở Y tế <vanphong.syt@thanhhoa.example>"
    assert message["From"] == "Cổng COVID-19 Thanh Hóa <bao-cao@thanhhoa.example>"
    folder = portal_home.home / "reports" / "2021-11"
    assert attachments(message) == [
        ("bao-cao-cap-nhat-2021-11.pdf", PDF, (folder / "bao-cao-cap-nhat-2021-11.pdf").read_bytes()),
        ("phu-luc-cap-nhat-2021-11.xlsx", XLSX, (folder / "phu-luc-cap-nhat-2021-11.xlsx").read_bytes()),
        ("bao-cao-cap-nhat-2021-11.docx", DOCX, (folder / "bao-cao-cap-nhat-2021-11.docx").read_bytes()),
    ]
    assert attachments(inbox.messages[1]) == attachments(message)
    text = message.get_body(("plain",)).get_content()
    assert "đã cập nhật: 147 (98,0%); đúng hạn: 143 (95,3%)." in text
    assert "Cập nhật muộn: 4 lần; không cập nhật: 3 lần." in text


def test_running_twice_sends_once_and_resend_sends_again(portal_home, smtp_server, recipients):
    from compliance.delivery import deliver, ledger

    inbox, port = smtp_server
    produced = produce_small(portal_home)
    deliver(portal_home, produced, recipients=recipients, smtp=smtp(port))
    again = produce_small(portal_home)
    assert again.reused and again.files == produced.files
    second = deliver(portal_home, again, recipients=recipients, smtp=smtp(port))
    assert (second.sent, second.skipped) == ([], [r.email for r in recipients])
    assert len(inbox.messages) == 2
    third = deliver(portal_home, again, recipients=recipients, smtp=smtp(port), resend=True)
    assert third.sent == [r.email for r in recipients]
    assert len(inbox.messages) == 4
    sent = [(e["recipient"], e["resend"]) for e in ledger(portal_home).entries() if e["status"] == "sent"]
    assert sent == [(recipients[0].email, False), (recipients[1].email, False),
                    (recipients[0].email, True), (recipients[1].email, True)]


def test_changed_figures_are_a_new_report_sent_as_a_replacement(portal_home, smtp_server, recipients):
    from compliance.delivery import deliver

    inbox, port = smtp_server
    first = produce_small(portal_home)
    deliver(portal_home, first, recipients=recipients[:1], smtp=smtp(port))
    old_pdf = first.files["pdf"].read_bytes()
    changed = produce_small(portal_home, slice(1, None))        # one deadline fewer: other figures
    assert not changed.reused and changed.fingerprint != first.fingerprint
    kept = portal_home.home / "reports" / "2021-11" / "earlier" / first.fingerprint[:16]
    assert (kept / "bao-cao-cap-nhat-2021-11.pdf").read_bytes() == old_pdf
    result = deliver(portal_home, changed, recipients=recipients[:1], smtp=smtp(port))
    assert result.sent == [recipients[0].email]
    assert inbox.messages[-1]["Subject"].startswith("[Cập nhật, thay thế bản đã gửi] Báo cáo tình hình")


def test_smtp_down_is_reported_and_recorded_then_sent_when_back(portal_home, recipients):
    from aiosmtpd.controller import Controller

    from compliance.delivery import deliver, ledger

    port = free_port()                     # nothing listens there yet
    produced = produce_small(portal_home)
    result = deliver(portal_home, produced, recipients=recipients, smtp=smtp(port))
    assert result.sent == [] and set(result.failed) == {r.email for r in recipients}
    assert all(why.startswith("không kết nối được") for why in result.failed.values())
    assert not result.ok and "KHÔNG gửi được" in result.summary()
    assert [e["status"] for e in ledger(portal_home).entries()] == ["failed", "failed"]

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        retry = deliver(portal_home, produced, recipients=recipients, smtp=smtp(port))
    finally:
        controller.stop()
    assert retry.sent == [r.email for r in recipients] and retry.ok
    assert len(inbox.messages) == 2


def test_a_refused_recipient_does_not_stop_the_others(portal_home, smtp_server, recipients):
    from compliance.delivery import deliver

    inbox, port = smtp_server
    inbox.refuse.add(recipients[0].email)
    result = deliver(portal_home, produce_small(portal_home), recipients=recipients, smtp=smtp(port))
    assert result.sent == [recipients[1].email]
    assert list(result.failed) == [recipients[0].email]
    assert "từ chối người nhận" in result.failed[recipients[0].email]
    assert [to for _, to in inbox.envelopes] == [[recipients[1].email]]


def test_recipients_and_smtp_are_configured_as_data(tmp_path):
    from compliance.notify import ConfigError, Recipient, load_recipients, smtp_settings

    shipped = load_recipients("monthly_report", env={})
    assert shipped and all(r.email.endswith(".example") for r in shipped)
    path = tmp_path / "recipients.yaml"
    path.write_text("monthly_report:\n  - {name: Văn thư, email: vanthu@syt.example}\n  - a@b.example\n",
                    encoding="utf-8")
    assert load_recipients("monthly_report", env={"PORTAL_RECIPIENTS_FILE": str(path)}) == [
        Recipient("vanthu@syt.example", "Văn thư"), Recipient("a@b.example", "")]
    assert load_recipients("monthly_report", env={"PORTAL_RECIPIENTS_MONTHLY_REPORT": "Chánh VP <c@d.example>, e@f.example"}) == [
        Recipient("c@d.example", "Chánh VP"), Recipient("e@f.example", "")]
    with pytest.raises(ConfigError, match="không hợp lệ"):
        load_recipients("monthly_report", env={"PORTAL_RECIPIENTS_MONTHLY_REPORT": "khong-phai-dia-chi"})

    local = smtp_settings({})
    assert (local.host, local.port, local.security, local.username) == ("127.0.0.1", 25, "none", None)
    remote = smtp_settings({"PORTAL_SMTP_HOST": "mail.thanhhoa.example"})
    assert (remote.port, remote.security) == (25, "starttls")
    assert smtp_settings({"PORTAL_SMTP_HOST": "mail.thanhhoa.example", "PORTAL_SMTP_SECURITY": "ssl"}).port == 465
    with pytest.raises(ConfigError, match="mã hóa"):
        smtp_settings({"PORTAL_SMTP_HOST": "mail.thanhhoa.example", "PORTAL_SMTP_SECURITY": "none",
                       "PORTAL_SMTP_USER": "syt"})
