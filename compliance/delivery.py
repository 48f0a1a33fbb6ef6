"""Delivering the monthly report: e-mail to the configured recipients, once.

The files are already in the reports folder (compliance.report.produce); this
sends them, the PDF, the .xlsx annex and the editable .docx attached, one
message per recipient, and records each attempt in the ledger
PORTAL_HOME/reports/delivery-ledger.jsonl, keyed by period + fingerprint of
the report's content + recipient:

  * the same report to the same recipient is sent once, however many times
    the DAG or `portal report --send` runs; `resend=True` sends it again;
  * a report whose figures changed (late files arrived) is a new report and
    is sent again — the subject says it replaces the earlier one;
  * a failure is recorded with its reason, the other recipients still get
    theirs, and the result says who did not (the DAG task then fails loudly
    and its retry sends only to those).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from compliance import notify
from ingest.inbox import sha256_of
from compliance.report import Produced, reports_root, text

log = logging.getLogger(__name__)

LEDGER_NAME = "delivery-ledger.jsonl"
RECIPIENT_LIST = "monthly_report"


@dataclass
class DeliveryResult:
    period: str
    fingerprint: str
    folder: Path
    sent: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)       # already sent this very report
    failed: dict[str, str] = field(default_factory=dict)   # recipient -> reason (Vietnamese)

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> str:
        parts = [f"Báo cáo {self.period} tại {self.folder}"]
        if self.sent:
            parts.append(f"đã gửi cho {len(self.sent)} người nhận ({', '.join(self.sent)})")
        if self.skipped:
            parts.append(f"bỏ qua {len(self.skipped)} người nhận đã nhận đúng báo cáo này "
                         f"(dùng --resend để gửi lại)")
        if self.failed:
            parts.append("KHÔNG gửi được cho " + "; ".join(f"{r}: {why}" for r, why in self.failed.items()))
        return "; ".join(parts) + "."


def ledger(settings) -> notify.Ledger:
    return notify.Ledger(reports_root(settings) / LEDGER_NAME)


def subject(produced: Produced, replaces: bool) -> str:
    h = produced.report.header
    first = f"{h.title.capitalize()} {h.subject[0].lower()}{h.subject[1:]}"
    return ("[Cập nhật, thay thế bản đã gửi] " if replaces else "") + first


def body(produced: Produced) -> str:
    report, f = produced.report, produced.report.current
    lines = [
        "Kính gửi Quý cơ quan,",
        "",
        f"{report.header.agency_name} gửi kèm theo thư này báo cáo tình hình cập nhật thông tin trên Cổng thông tin "
        f"phòng, chống COVID-19 tỉnh {report.period.label} (Điều 19 Quy chế ban hành kèm theo Quyết định số "
        f"4168/QĐ-UBND):",
        "",
        f"- Số lần phải cập nhật: {text.number(f.expected)}; đã cập nhật: {text.number(f.received)} "
        f"({text.percent(f.reporting_rate)}); đúng hạn: {text.number(f.on_time)} ({text.percent(f.on_time_rate)}).",
        f"- Cập nhật muộn: {text.number(f.late)} lần; không cập nhật: {text.number(f.missing + f.rejected_only)} lần.",
        f"- Số liệu tính đến {text.moment(report.as_of)}.",
        "",
        "Tệp đính kèm:",
    ]
    descriptions = {"pdf": "báo cáo (PDF)", "xlsx": "phụ lục danh sách các lần cập nhật muộn, không cập nhật (Excel)",
                    "docx": "báo cáo dạng Word để chỉnh sửa trước khi ký ban hành"}
    lines += [f"- {path.name}: {descriptions[fmt]}" for fmt, path in produced.files.items()]
    lines += ["", "Thư này được gửi tự động từ Cổng thông tin phòng, chống COVID-19 tỉnh Thanh Hóa; "
                  "xin không trả lời thư này.",
              f"Mã báo cáo: {produced.period_key}/{produced.fingerprint[:16]}"]
    return "\n".join(lines) + "\n"


def deliver(settings, produced: Produced, *, resend: bool = False,
            recipients: list[notify.Recipient] | None = None,
            smtp: notify.SmtpSettings | None = None) -> DeliveryResult:
    """E-mail the produced report to every recipient who has not had it yet."""
    recipients = notify.load_recipients(RECIPIENT_LIST) if recipients is None else recipients
    smtp = smtp or notify.smtp_settings()
    book = ledger(settings)
    result = DeliveryResult(produced.period_key, produced.fingerprint, produced.folder)
    files = {p.name: sha256_of(p) for p in produced.attachments}
    with book.locked():
        due, earlier = [], set()
        for entry in book.entries():
            if entry.get("period") == produced.period_key and entry.get("status") == "sent" \
                    and entry.get("fingerprint") != produced.fingerprint:
                earlier.add(entry.get("recipient"))
        for recipient in recipients:
            key = dict(period=produced.period_key, fingerprint=produced.fingerprint, recipient=recipient.email)
            if not resend and book.sent(channel="email", **key):
                result.skipped.append(recipient.email)
                continue
            due.append(recipient)
        if not due:
            return result
        try:
            with notify.smtp_connection(smtp) as client:
                for recipient in due:
                    key = dict(period=produced.period_key, fingerprint=produced.fingerprint,
                               recipient=recipient.email)
                    message = notify.build_message(
                        smtp, [recipient], subject(produced, recipient.email in earlier), body(produced),
                        produced.attachments,
                        headers={"X-Portal-Report": f"{produced.period_key} {produced.fingerprint}"})
                    try:
                        client.send_message(message)
                    except Exception as exc:       # one bad address must not stop the others
                        reason = notify.describe_error(exc)
                        result.failed[recipient.email] = reason
                        book.record(channel="email", status="failed", error=reason, **key)
                        log.error("Không gửi được báo cáo %s cho %s: %s", produced.period_key, recipient.email, reason)
                        continue
                    result.sent.append(recipient.email)
                    book.record(channel="email", status="sent", message_id=message["Message-ID"],
                                resend=resend, files=files, **key)
        except Exception as exc:                   # no connection at all: every remaining recipient failed
            reason = notify.describe_error(exc)
            for recipient in due:
                if recipient.email not in result.sent and recipient.email not in result.failed:
                    result.failed[recipient.email] = reason
                    book.record(channel="email", status="failed", error=reason, period=produced.period_key,
                                fingerprint=produced.fingerprint, recipient=recipient.email)
            log.error("Không gửi được báo cáo %s: %s", produced.period_key, reason)
    return result


def record_folder(settings, produced: Produced) -> None:
    """Note in the ledger that the reports folder holds this report (once per fingerprint)."""
    book = ledger(settings)
    with book.locked():
        if not book.sent(channel="folder", period=produced.period_key, fingerprint=produced.fingerprint):
            book.record(channel="folder", status="sent", period=produced.period_key, fingerprint=produced.fingerprint,
                        recipient=str(produced.folder), files={p.name: sha256_of(p) for p in produced.attachments})


