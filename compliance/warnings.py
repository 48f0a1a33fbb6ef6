"""Early warnings around each update deadline (Điều 7: 08:00 and 16:00 daily).

Thirty minutes before a deadline (07:30, 15:30) the units that have not yet
sent an accepted file for it are listed; a few minutes after it (08:05, 16:05)
the units that are late: sent after the deadline, still nothing, or only
rejected files. Each list is written, in Vietnamese, to every channel of
compliance/warnings.yaml (e-mail, a JSON-lines file, a webhook), once per
day, deadline, kind and channel: a ledger under PORTAL_HOME remembers what
went out, so a retried or repeated run sends nothing twice.

Who has submitted is the audit's answer (compliance.audit at the warning's
moment), never worked out here: the list is the audit's expectations due at
that deadline with status PENDING (before) or LATE / MISSING / REJECTED_ONLY
(after). Any dataset whose deadline falls at that time is included.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
from collections import OrderedDict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from compliance import notify
from compliance.model import LATE, MISSING, PENDING, REJECTED_ONLY, AuditResult
from compliance.report import text

log = logging.getLogger(__name__)

CONFIG_FILE = Path(__file__).resolve().parent / "warnings.yaml"
BEFORE, AFTER = "before", "after"
KINDS = (BEFORE, AFTER)
WANTED = {BEFORE: (PENDING,), AFTER: (LATE, MISSING, REJECTED_ONLY)}


# --- configuration --------------------------------------------------------------------

@dataclass(frozen=True)
class Channel:
    id: str
    type: str                                # email | file | webhook
    recipients: str | None = None            # email: list name in recipients.yaml
    path: str | None = None                  # file: JSON lines, relative to PORTAL_HOME
    url: str | None = None                   # webhook: literal URL ...
    url_env: str | None = None               # ... or the variable holding it (channel off when unset)


@dataclass(frozen=True)
class Config:
    timezone: str
    deadlines: tuple[str, ...]
    before_minutes: int
    after_minutes: int
    send_when_empty: bool
    channels: tuple[Channel, ...]

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def load_config(path: Path | None = None) -> Config:
    path = Path(path or os.environ.get("PORTAL_WARNINGS_CONFIG") or CONFIG_FILE)
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    channels = []
    for i, doc in enumerate(data.get("channels") or []):
        kind = doc.get("type")
        if kind not in ("email", "file", "webhook"):
            raise notify.ConfigError(f"{path}: kênh thứ {i + 1} có loại '{kind}' (chọn email, file hoặc webhook).")
        if kind == "email" and not doc.get("recipients"):
            raise notify.ConfigError(f"{path}: kênh email '{doc.get('id')}' cần 'recipients'.")
        if kind == "file" and not doc.get("path"):
            raise notify.ConfigError(f"{path}: kênh file '{doc.get('id')}' cần 'path'.")
        if kind == "webhook" and not (doc.get("url") or doc.get("url_env")):
            raise notify.ConfigError(f"{path}: kênh webhook '{doc.get('id')}' cần 'url' hoặc 'url_env'.")
        channels.append(Channel(id=str(doc.get("id") or f"{kind}-{i + 1}"), type=kind,
                                recipients=doc.get("recipients"), path=doc.get("path"),
                                url=doc.get("url"), url_env=doc.get("url_env")))
    ids = [c.id for c in channels]
    if len(set(ids)) != len(ids):
        raise notify.ConfigError(f"{path}: mã kênh bị trùng: {ids}.")
    deadlines = tuple(str(d) for d in data.get("deadlines") or ())
    for value in deadlines:
        parse_slot(value)
    return Config(timezone=data.get("timezone", "Asia/Ho_Chi_Minh"), deadlines=deadlines,
                  before_minutes=int(data.get("before_minutes", 30)), after_minutes=int(data.get("after_minutes", 5)),
                  send_when_empty=bool(data.get("send_when_empty", False)), channels=tuple(channels))


def parse_slot(value: str) -> dt.time:
    try:
        return dt.datetime.strptime(value, "%H:%M").time()
    except ValueError:
        raise notify.ConfigError(f"Giờ '{value}' không hợp lệ (dạng HH:MM, ví dụ 08:00).") from None


def deadline_at(day: dt.date, slot: str, config: Config) -> dt.datetime:
    return dt.datetime.combine(day, parse_slot(slot), tzinfo=config.tz)


def moment(day: dt.date, slot: str, kind: str, config: Config) -> dt.datetime:
    """When the warning is due: 30 minutes before the deadline, or 5 minutes after."""
    due = deadline_at(day, slot, config)
    offset = -config.before_minutes if kind == BEFORE else config.after_minutes
    return due + dt.timedelta(minutes=offset)


def due_at(instant: dt.datetime, config: Config, tolerance_minutes: int = 1) -> list[tuple[dt.date, str, str]]:
    """The warnings scheduled at `instant` (the DAG's run time): [(day, slot, kind)]."""
    # A plain datetime even when Airflow hands over a pendulum one (see compliance.report.scheduled).
    local = dt.datetime.fromtimestamp(instant.timestamp(), tz=config.tz)
    found = []
    for day in (local.date() - dt.timedelta(days=1), local.date(), local.date() + dt.timedelta(days=1)):
        for slot in config.deadlines:
            for kind in KINDS:
                if abs((moment(day, slot, kind, config) - local).total_seconds()) <= tolerance_minutes * 60:
                    found.append((day, slot, kind))
    return found


# --- what to say ----------------------------------------------------------------------

@dataclass(frozen=True)
class Item:
    unit_code: str
    unit_name: str
    dataset: str
    dataset_title: str
    status: str
    first_accepted_at: dt.datetime | None
    minutes_late: int | None
    rejected_files: int


@dataclass(frozen=True)
class SlotWarning:
    day: dt.date
    slot: str
    kind: str
    deadline: dt.datetime
    as_of: dt.datetime
    items: list[Item] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.day.isoformat()} {self.slot} {self.kind}"

    def units(self) -> "OrderedDict[str, list[Item]]":
        grouped: OrderedDict[str, list[Item]] = OrderedDict()
        for item in self.items:
            grouped.setdefault(item.unit_code, []).append(item)
        return grouped

    def title(self) -> str:
        day, n = text.date(self.day), len(self.units())
        if self.kind == BEFORE:
            return f"Nhắc cập nhật: {n} đơn vị chưa cập nhật số liệu hạn {self.slot} ngày {day}"
        return f"Quá hạn cập nhật {self.slot} ngày {day}: {n} đơn vị cập nhật muộn hoặc chưa cập nhật"

    def lines(self) -> list[str]:
        at = text.local(self.as_of).strftime("%H:%M")
        day = text.date(self.day)
        if not self.items:
            return [f"Đến {at} ngày {day}, tất cả các đơn vị đã cập nhật số liệu hạn {self.slot}."]
        if self.kind == BEFORE:
            head = (f"Đến {at} ngày {day}, còn {self._minutes_left()} phút đến hạn cập nhật {self.slot} "
                    f"(Điều 7 Quy chế 4168/QĐ-UBND), các đơn vị sau chưa gửi số liệu hợp lệ:")
        else:
            head = f"Đã quá hạn cập nhật {self.slot} ngày {day}. Đến {at}, các đơn vị sau cập nhật muộn hoặc chưa cập nhật:"
        out = [head]
        for i, (code, items) in enumerate(self.units().items(), 1):
            parts = [self._describe(item) for item in items]
            out.append(f"{i}. {items[0].unit_name} ({code}): " + "; ".join(parts))
        return out

    def _minutes_left(self) -> int:
        return max(0, round((self.deadline - self.as_of).total_seconds() / 60))

    def _describe(self, item: Item) -> str:
        if item.status == LATE:
            return (f"{item.dataset_title} — cập nhật muộn {text.number(item.minutes_late)} phút "
                    f"(nhận lúc {text.local(item.first_accepted_at).strftime('%H:%M')})")
        if item.status == REJECTED_ONLY:
            return (f"{item.dataset_title} — chỉ có tệp bị từ chối ({item.rejected_files} tệp), "
                    f"chưa có số liệu hợp lệ")
        state = f"{item.dataset_title} — chưa cập nhật"
        if item.rejected_files:
            state += f" (đã gửi {item.rejected_files} tệp bị từ chối, cần gửi lại tệp đúng)"
        return state

    def text(self) -> str:
        return "\n".join([self.title(), ""] + self.lines()) + "\n"

    def to_dict(self) -> dict:
        """Plain JSON (what one DAG task hands the next)."""
        from compliance.report.content import _encode

        return _encode(self)

    @classmethod
    def from_dict(cls, data: dict) -> "SlotWarning":
        from compliance.report.content import _decode

        return _decode(cls, data)

    def payload(self) -> dict:
        return {
            "type": "canh_bao_cap_nhat",
            "kind": self.kind,
            "date": self.day.isoformat(),
            "slot": self.slot,
            "deadline": self.deadline.isoformat(),
            "as_of": self.as_of.isoformat(),
            "title": self.title(),
            "text": "\n".join(self.lines()),
            "units": [{"unit_code": code, "unit_name": items[0].unit_name,
                       "items": [{k: (v.isoformat() if isinstance(v, dt.datetime) else v)
                                  for k, v in asdict(item).items() if k not in ("unit_code", "unit_name")}
                                 for item in items]}
                      for code, items in self.units().items()],
        }


def select(result: AuditResult, day: dt.date, slot: str, kind: str, config: Config | None = None) -> SlotWarning:
    """The warning for one deadline, from an audit seen at the warning's moment."""
    config = config or load_config()
    if kind not in KINDS:
        raise ValueError(f"Loại cảnh báo '{kind}' không hợp lệ (before hoặc after).")
    deadline = deadline_at(day, slot, config)
    items = [Item(e.unit_code, e.unit_name, e.dataset, e.dataset_title, e.status, e.first_accepted_at,
                  e.minutes_late, e.rejected_files)
             for e in result.expected
             if e.due_at == deadline and e.status in WANTED[kind]]
    # The audit lists by deadline then unit code; the warning reads unit by unit.
    order = _unit_key(result)
    items.sort(key=lambda i: (order[i.unit_code], i.dataset))
    return SlotWarning(day, slot, kind, deadline, result.as_of, items)


def _unit_key(result: AuditResult) -> dict:
    """Units in the report's order (SYT, CDC, departments, districts, health centres)."""
    from compliance.report.content import UNIT_TYPE_ORDER

    order = {}
    for e in result.expected:
        if e.unit_code not in order:
            rank = UNIT_TYPE_ORDER.index(e.unit_type) if e.unit_type in UNIT_TYPE_ORDER else len(UNIT_TYPE_ORDER)
            order[e.unit_code] = (rank, e.district_code or "", e.unit_code)
    return order


def compute(settings, day: dt.date, slot: str, kind: str, *, as_of: dt.datetime | None = None,
            config: Config | None = None) -> SlotWarning:
    """Audit the warehouse at the warning's moment and select the units to name.

    `as_of` defaults to the scheduled moment (07:30, 08:05...), or now when
    that moment is still ahead: the same question always gets the same answer."""
    from compliance.audit import audit
    from warehouse.db import reader

    config = config or load_config()
    planned = moment(day, slot, kind, config)
    now = dt.datetime.now(config.tz)
    as_of = as_of or (planned if planned <= now else now)
    # The day before as well: a deadline may close a period that began the day before.
    with reader(settings.warehouse_path) as con:
        result = audit(con, day - dt.timedelta(days=1), day, as_of)
    return select(result, day, slot, kind, config)


# --- sending ----------------------------------------------------------------------------

@dataclass
class SendResult:
    warning: SlotWarning
    sent: list[str] = field(default_factory=list)            # channel ids
    skipped: dict[str, str] = field(default_factory=dict)    # channel id -> why (Vietnamese)
    failed: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failed


def ledger(settings) -> notify.Ledger:
    return notify.Ledger(settings.home / "notifications" / "warnings-ledger.jsonl")


def send(settings, warning: SlotWarning, *, config: Config | None = None, resend: bool = False,
         smtp: notify.SmtpSettings | None = None) -> SendResult:
    """Write the warning to every configured channel that has not had it yet."""
    config = config or load_config()
    result = SendResult(warning)
    if not warning.items and not config.send_when_empty:
        for channel in config.channels:
            result.skipped[channel.id] = "không có đơn vị nào cần nhắc"
        return result
    book = ledger(settings)
    key = dict(date=warning.day.isoformat(), slot=warning.slot, kind=warning.kind)
    with book.locked():
        for channel in config.channels:
            if not resend and book.sent(channel=channel.id, **key):
                result.skipped[channel.id] = "đã gửi trước đó"
                continue
            try:
                detail = _deliver(settings, channel, warning, smtp)
            except _Disabled as off:
                result.skipped[channel.id] = str(off)
                continue
            except Exception as exc:              # one broken channel must not silence the others
                reason = notify.describe_error(exc)
                result.failed[channel.id] = reason
                book.record(channel=channel.id, status="failed", error=reason, **key)
                log.error("Không gửi được cảnh báo %s qua kênh %s: %s", warning.key, channel.id, reason)
                continue
            result.sent.append(channel.id)
            book.record(channel=channel.id, status="sent", items=len(warning.items), detail=detail,
                        resend=resend, **key)
    return result


class _Disabled(Exception):
    pass


def _deliver(settings, channel: Channel, warning: SlotWarning, smtp) -> str:
    payload = warning.payload()
    if channel.type == "file":
        target = Path(channel.path)
        target = target if target.is_absolute() else settings.home / target
        notify.append_jsonl(target, payload)
        return str(target)
    if channel.type == "webhook":
        url = channel.url or os.environ.get(channel.url_env or "", "")
        if not url:
            raise _Disabled(f"chưa đặt biến {channel.url_env}")
        status = notify.post_webhook(url, payload)
        return f"{url} -> {status}"
    recipients = notify.load_recipients(channel.recipients)
    if not recipients:
        raise _Disabled(f"danh sách '{channel.recipients}' không có người nhận")
    smtp = smtp or notify.smtp_settings()
    message = notify.build_message(smtp, recipients, warning.title(), warning.text(),
                                   headers={"X-Portal-Warning": warning.key})
    with notify.smtp_connection(smtp) as client:
        client.send_message(message)
    return ", ".join(r.email for r in recipients)
