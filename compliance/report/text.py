"""How figures, dates and statuses read in Vietnamese documents.

Numbers use '.' for thousands and ',' for decimals (1.234,5); dates are
dd/mm/yyyy; the place-and-date line follows Decree 30/2020/NĐ-CP (a day below
10 and the months January and February take a leading zero).
Every renderer and every notification formats through here, so the PDF,
the .docx, the e-mails and the annex never disagree on how a figure reads.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from compliance.model import LATE, MISSING, ON_TIME, PENDING, REJECTED_ONLY

VN = ZoneInfo("Asia/Ho_Chi_Minh")

STATUS_LABELS = {
    ON_TIME: "Đúng hạn",
    LATE: "Muộn",
    MISSING: "Không cập nhật",
    REJECTED_ONLY: "Chỉ có tệp bị từ chối",
    PENDING: "Chưa đến hạn",
}

FRESHNESS_LABELS = {"fresh": "Còn hiệu lực", "stale": "Quá hạn cập nhật", "never": "Chưa từng cập nhật"}


def number(value: float | int | None, decimals: int = 0, empty: str = "—") -> str:
    """1234.5 -> '1.234,5' (decimals=1)."""
    if value is None:
        return empty
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def percent(rate: float | None, decimals: int = 1, empty: str = "—") -> str:
    """0.8534 -> '85,3%'."""
    if rate is None:
        return empty
    return number(rate * 100, decimals) + "%"


def points(delta: float | None, decimals: int = 1, empty: str = "—") -> str:
    """A change of a rate, in percentage points, always signed: +2,5 / -1,0 / 0,0."""
    if delta is None:
        return empty
    value = round(delta * 100, decimals)
    sign = "+" if value > 0 else ("-" if value < 0 else "")
    return sign + number(abs(value), decimals)


def signed(delta: float | int | None, decimals: int = 0, empty: str = "—") -> str:
    if delta is None:
        return empty
    value = round(delta, decimals)
    sign = "+" if value > 0 else ("-" if value < 0 else "")
    return sign + number(abs(value), decimals)


def date(value: dt.date | None, empty: str = "—") -> str:
    return value.strftime("%d/%m/%Y") if value else empty


def local(value: dt.datetime) -> dt.datetime:
    """A moment in Viet Nam time (naive datetimes are taken as already local)."""
    return value.astimezone(VN) if value.tzinfo else value.replace(tzinfo=VN)


def moment(value: dt.datetime | None, empty: str = "—") -> str:
    """'08:03 22/10/2021', in Viet Nam time."""
    if value is None:
        return empty
    return local(value).strftime("%H:%M %d/%m/%Y")


def place_date(place: str, day: dt.date) -> str:
    """'Thanh Hóa, ngày 01 tháng 11 năm 2021' (Decree 30/2020/NĐ-CP, Phụ lục I)."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def short_unit(name: str) -> str:
    """Unit names short enough for a chart axis, still readable by the Committee."""
    for long, short in (("Trung tâm Kiểm soát bệnh tật tỉnh", "CDC tỉnh"),
                        ("Trung tâm Y tế", "TTYT"),
                        ("Sở Lao động - Thương binh và Xã hội", "Sở LĐ-TB&XH"),
                        ("Sở Thông tin và Truyền thông", "Sở TT&TT"),
                        ("Bộ Chỉ huy Quân sự tỉnh", "Bộ CHQS tỉnh")):
        if name.startswith(long):
            return short + name[len(long):]
    return name
