"""Where notifications go: e-mail over SMTP, a JSON-lines file, a webhook.

Shared by the monthly report's delivery (compliance/delivery.py) and the
early warnings (compliance/warnings.py). Configuration is data:
  * recipients: compliance/recipients.yaml (lists by name), or the file named
    by PORTAL_RECIPIENTS_FILE; one list can be replaced from the environment,
    e.g. PORTAL_RECIPIENTS_MONTHLY_REPORT="a@x.vn, Văn thư <b@y.vn>";
  * SMTP from the environment (never from a file in git): PORTAL_SMTP_HOST
    (default 127.0.0.1), PORTAL_SMTP_PORT (default 25, or 465 with ssl),
    PORTAL_SMTP_SECURITY = none | starttls | ssl (default: none on the
    loopback, starttls elsewhere), PORTAL_SMTP_USER / PORTAL_SMTP_PASSWORD
    (login only when a user is set, and never over an unencrypted link to
    another machine), PORTAL_SMTP_FROM, PORTAL_SMTP_TIMEOUT (seconds, 30).

What was sent is recorded in an append-only JSON-lines ledger under
PORTAL_HOME, which is what makes sending idempotent (see Ledger).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import ipaddress
import json
import mimetypes
import os
import smtplib
import ssl
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, make_msgid
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
RECIPIENTS_FILE = HERE / "recipients.yaml"

# MIME types of what the report attaches; mimetypes alone does not know .docx/.xlsx everywhere.
MIME_TYPES = {
    ".pdf": "application/pdf",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".json": "application/json",
}


class ConfigError(ValueError):
    """A configuration file or variable that cannot be used (message in Vietnamese)."""


# --- recipients ------------------------------------------------------------------------

@dataclass(frozen=True)
class Recipient:
    email: str
    name: str = ""

    def header(self) -> str:
        return str(Address(display_name=self.name, addr_spec=self.email)) if self.name else self.email


def _recipient(entry, where: str) -> Recipient:
    if isinstance(entry, str):
        name, email = getaddresses([entry])[0]
    elif isinstance(entry, dict):
        name, email = str(entry.get("name") or ""), str(entry.get("email") or "")
    else:
        raise ConfigError(f"{where}: mỗi người nhận là một địa chỉ hoặc {{name, email}}.")
    if "@" not in email or " " in email.strip():
        raise ConfigError(f"{where}: địa chỉ thư điện tử không hợp lệ: {email!r}.")
    return Recipient(email.strip(), name.strip())


def load_recipients(list_name: str, env: dict | None = None) -> list[Recipient]:
    """The recipients of one list, e.g. "monthly_report" or "early_warnings"."""
    env = os.environ if env is None else env
    override = env.get(f"PORTAL_RECIPIENTS_{list_name.upper()}")
    if override is not None:
        return [_recipient(a, f"PORTAL_RECIPIENTS_{list_name.upper()}")
                for a in (x.strip() for x in override.split(",")) if a]
    path = Path(env.get("PORTAL_RECIPIENTS_FILE") or RECIPIENTS_FILE)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise ConfigError(f"Không có tệp danh sách người nhận {path}.") from None
    entries = data.get(list_name)
    if entries is None:
        raise ConfigError(f"{path}: không có danh sách '{list_name}'.")
    return [_recipient(e, f"{path} ({list_name})") for e in entries]


# --- SMTP -------------------------------------------------------------------------------

@dataclass(frozen=True)
class SmtpSettings:
    host: str = "127.0.0.1"
    port: int = 25
    security: str = "none"            # none | starttls | ssl
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    sender: str = "Cổng COVID-19 Thanh Hóa <khong-tra-loi@localhost>"
    timeout: float = 30.0


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def smtp_settings(env: dict | None = None) -> SmtpSettings:
    env = os.environ if env is None else env
    host = env.get("PORTAL_SMTP_HOST") or "127.0.0.1"
    security = (env.get("PORTAL_SMTP_SECURITY") or ("none" if _is_loopback(host) else "starttls")).lower()
    if security not in ("none", "starttls", "ssl"):
        raise ConfigError(f"PORTAL_SMTP_SECURITY phải là none, starttls hoặc ssl (đang là {security!r}).")
    try:
        port = int(env.get("PORTAL_SMTP_PORT") or (465 if security == "ssl" else 25))
        timeout = float(env.get("PORTAL_SMTP_TIMEOUT") or 30)
    except ValueError as exc:
        raise ConfigError(f"Cấu hình SMTP không hợp lệ: {exc}") from None
    username = env.get("PORTAL_SMTP_USER") or None
    if username and security == "none" and not _is_loopback(host):
        raise ConfigError("Không gửi mật khẩu SMTP qua kết nối không mã hóa: đặt PORTAL_SMTP_SECURITY=starttls hoặc ssl.")
    return SmtpSettings(host=host, port=port, security=security, username=username,
                        password=env.get("PORTAL_SMTP_PASSWORD") or None,
                        sender=env.get("PORTAL_SMTP_FROM") or SmtpSettings.sender, timeout=timeout)


def build_message(smtp: SmtpSettings, to: list[Recipient], subject: str, body: str,
                  attachments: list[Path] = (), headers: dict | None = None) -> EmailMessage:
    message = EmailMessage()
    message["From"] = smtp.sender
    message["To"] = ", ".join(r.header() for r in to)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    domain = smtp.sender.rsplit("@", 1)[-1].strip("> ") or "localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body, charset="utf-8")
    for path in attachments:
        path = Path(path)
        mime = MIME_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        maintype, subtype = mime.split("/", 1)
        message.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype, filename=path.name)
    return message


@contextlib.contextmanager
def smtp_connection(smtp: SmtpSettings):
    """An open, logged-in SMTP session (raises OSError / smtplib.SMTPException)."""
    context = ssl.create_default_context()
    if smtp.security == "ssl":
        client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout, context=context)
    else:
        client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
    try:
        client.ehlo()
        if smtp.security == "starttls":
            client.starttls(context=context)
            client.ehlo()
        if smtp.username:
            client.login(smtp.username, smtp.password or "")
        yield client
    finally:
        with contextlib.suppress(Exception):
            client.quit()


def describe_error(exc: BaseException) -> str:
    """A short Vietnamese description of why a send failed, for logs, the ledger and the CLI."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "máy chủ thư từ chối người nhận: " + ", ".join(exc.recipients)
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return "đăng nhập máy chủ thư không thành công"
    if isinstance(exc, smtplib.SMTPException):
        return f"lỗi SMTP: {exc}"
    if isinstance(exc, (ConnectionError, TimeoutError, OSError)):
        return f"không kết nối được: {exc}"
    return f"{type(exc).__name__}: {exc}"


# --- ledger -----------------------------------------------------------------------------

class Ledger:
    """Append-only JSON lines: one line per delivery attempt (sent, failed, skipped).

    A file under PORTAL_HOME rather than a warehouse table: sending must work
    while a load holds the warehouse's single writer lock, and must not be
    undone by `portal rebuild`, which recreates the warehouse from the archive.
    An exclusive flock around check-then-send-then-record keeps two runs (the
    DAG and someone at the CLI) from both sending."""

    def __init__(self, path: Path):
        self.path = Path(path)

    @contextlib.contextmanager
    def locked(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield self

    def entries(self) -> list[dict]:
        if not self.path.exists():
            return []
        with open(self.path, encoding="utf-8") as fh:
            return [json.loads(line) for line in fh if line.strip()]

    def sent(self, **key) -> bool:
        return any(e.get("status") == "sent" and all(e.get(k) == v for k, v in key.items()) for e in self.entries())

    def record(self, **entry) -> dict:
        entry = {"at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), **entry}
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        return entry


# --- file and webhook channels -------------------------------------------------------------

def append_jsonl(path: Path, payload: dict) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(payload, ensure_ascii=False, sort_keys=True) + "\n")


def post_webhook(url: str, payload: dict, timeout: float = 10.0) -> int:
    """POST the payload as JSON (UTF-8); raise on a non-2xx answer."""
    import requests

    response = requests.post(url, data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
                             headers={"Content-Type": "application/json; charset=utf-8"}, timeout=timeout)
    response.raise_for_status()
    return response.status_code
