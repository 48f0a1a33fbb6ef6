"""The report's sentences, written once from the figures for the PDF and the .docx.

Plain strings (no markup): each renderer styles them. The department edits
the .docx before signing, so these are a sound first draft, not the last word.
"""
from __future__ import annotations

from dataclasses import dataclass

from compliance.report import text
from compliance.report.content import ComparisonRow, Report

SECTIONS = {
    "summary": "I. TÌNH HÌNH CHUNG",
    "units": "II. KẾT QUẢ CẬP NHẬT CỦA TỪNG ĐƠN VỊ",
    "worst": "III. CÁC ĐƠN VỊ CHẬM, THIẾU NHIỀU NHẤT",
    "comparison": "IV. SO SÁNH VỚI KỲ TRƯỚC",
    "charts": "V. BIỂU ĐỒ",
    "proposals": "VI. ĐỀ XUẤT, KIẾN NGHỊ",
}
FIGURE_CAPTIONS = (
    "Hình 1. Tình trạng cập nhật theo ngày của từng đơn vị (mỗi ô là một ngày; màu theo lần cập nhật kém nhất trong ngày)",
    "Hình 2. Tỷ lệ cập nhật theo ngày",
)
ANNEX_TITLES = (
    ("PHỤ LỤC I", "Danh sách các lần cập nhật muộn hoặc không cập nhật {period}"),
    ("PHỤ LỤC II", "Thông tin cập nhật khi có biến động đã có lúc quá thời hạn cập nhật {period}"),
)
UNIT_COLUMNS = ("TT", "Đơn vị", "Phải cập nhật", "Đã cập nhật", "Đúng hạn", "Muộn",
                "Muộn trung vị (phút)", "Không cập nhật", "Tệp bị từ chối", "Cảnh báo dữ liệu", "Tỷ lệ đúng hạn")
WORST_COLUMNS = ("TT", "Đơn vị", "Không cập nhật", "Muộn", "Phải cập nhật", "Tỷ lệ đúng hạn",
                 "Kỳ trước")
COMPARISON_COLUMNS = ("Chỉ tiêu", "{previous}", "{current}", "Tăng (+), giảm (-)")
ANNEX_COLUMNS = ("TT", "Đơn vị", "Thông tin", "Ngày số liệu", "Khung giờ", "Hạn cập nhật",
                 "Tình trạng", "Nhận lần đầu", "Muộn (phút)", "Tệp bị từ chối")
GROUPED_COLUMNS = ("TT", "Đơn vị", "Thông tin", "Tình trạng", "Số lần", "Các hạn cập nhật (ngày/tháng)",
                   "Muộn trung vị (phút)", "Tệp bị từ chối")
FRESHNESS_COLUMNS = ("TT", "Đơn vị", "Thông tin", "Tình trạng khi tổng hợp", "Cập nhật gần nhất",
                     "Đã qua (giờ)", "Thời hạn (giờ)", "Số lần kiểm tra quá hạn")


@dataclass(frozen=True)
class Prose:
    summary: list[str]
    units_intro: str
    worst: list[str]
    comparison: list[str]
    proposals: list[str]
    annex_reference: str


def grouped_note(report: Report, limit: int) -> str:
    return (f"Kỳ này có {text.number(len(report.annex))} lần cập nhật muộn hoặc không cập nhật (quá {text.number(limit)} "
            f"dòng): bảng dưới gộp theo đơn vị, thông tin và tình trạng, các ngày liền nhau ghi thành khoảng. "
            f"Từng lần một có trong phụ lục Excel gửi kèm (trang \"Muộn, không cập nhật\").")


def annex_reference(report: Report) -> str:
    h = report.header
    # Non-breaking spaces keep the blank the clerk writes the number into.
    return f"(Kèm theo Báo cáo số {h.number.replace(' ', chr(0xA0))} ngày {text.date(h.issued_on)} của {h.agency_name})"


def summary(report: Report) -> list[str]:
    f, p = report.current, report.period
    if f.expected == 0:
        first = (f"Trong {p.label}, không có lần cập nhật theo lịch nào đã đến hạn "
                 f"(tính đến {text.moment(report.as_of)}).")
        paragraphs = [first]
    else:
        paragraphs = [
            f"Trong {p.label}, {text.number(f.units)} đơn vị có lịch cập nhật (Sở Y tế và Trung tâm Kiểm soát "
            f"bệnh tật tỉnh cập nhật diễn biến dịch mỗi ngày 02 lần, lúc 08h00 và 16h00; các đơn vị khác theo "
            f"lịch của từng loại thông tin) phải cập nhật tổng cộng {text.number(f.expected)} lần. Các đơn vị đã "
            f"cập nhật {text.number(f.received)} lần, đạt {text.percent(f.reporting_rate)}; trong đó đúng hạn "
            f"{text.number(f.on_time)} lần ({text.percent(f.on_time_rate)}), muộn {text.number(f.late)} lần"
            + (f" (thời gian muộn trung vị {text.number(f.median_minutes_late, 1 if f.median_minutes_late % 1 else 0)} phút)"
               if f.median_minutes_late is not None else "")
            + f"; không cập nhật {text.number(f.missing + f.rejected_only)} lần"
            + (f", trong đó {text.number(f.rejected_only)} lần đơn vị chỉ gửi tệp bị hệ thống từ chối"
               if f.rejected_only else "") + ".",
            f"Hệ thống đã từ chối {text.number(f.rejected_files)} tệp không đạt yêu cầu (tệp bị từ chối không được "
            f"tính là đã cập nhật) và ghi nhận {text.number(f.warnings)} cảnh báo chất lượng dữ liệu trên các tệp đã "
            f"nạp; các đơn vị gửi {text.number(f.corrections)} lần bổ sung, điều chỉnh số liệu"
            f" ({text.number(f.late_corrections)} lần sau thời hạn). Có {text.number(f.units_all_on_time)}/"
            f"{text.number(f.units)} đơn vị cập nhật đúng hạn tất cả các lần.",
        ]
    if f.on_change_items:
        paragraphs.append(
            f"Đối với thông tin cập nhật ngay khi có biến động (khoản 2 Điều 7 Quy chế): tại thời điểm tổng hợp, "
            f"trong {text.number(f.on_change_items)} đầu mục thông tin của các đơn vị, "
            f"{text.number(f.on_change_stale)} đầu mục đã quá thời hạn cập nhật và {text.number(f.on_change_never)} "
            f"đầu mục chưa từng được cập nhật" + (" (chi tiết tại Phụ lục II)." if report.freshness else "."))
    note = (f"Số liệu tính đến {text.moment(report.as_of)}, theo thời điểm máy chủ của Cổng thông tin tiếp nhận tệp "
            f"(giờ Việt Nam).")
    if f.pending:
        note += f" {text.number(f.pending)} lần cập nhật chưa đến hạn tại thời điểm tổng hợp, không tính vào các tỷ lệ trên."
    paragraphs.append(note)
    return paragraphs


def units_intro(report: Report) -> str:
    if not report.units:
        return "Không có đơn vị nào phải cập nhật theo lịch trong kỳ."
    return (f"Kết quả cập nhật của từng đơn vị {report.period.label} (tỷ lệ đúng hạn = số lần đúng hạn / số lần "
            f"phải cập nhật; danh sách từng lần muộn, không cập nhật tại Phụ lục I):")


def worst(report: Report) -> list[str]:
    if not report.worst:
        return ["Trong kỳ không có đơn vị nào cập nhật muộn hoặc không cập nhật."]
    lines = [f"Các đơn vị có nhiều lần cập nhật muộn hoặc không cập nhật nhất {report.period.label}:"]
    return lines


def _change(row: ComparisonRow) -> str | None:
    if row.previous is None or row.current is None:
        return None
    delta = row.current - row.previous
    if row.kind == "rate":
        amount = f"{text.number(abs(delta) * 100, 1)} điểm phần trăm"
        values = f"từ {text.percent(row.previous)} lên {text.percent(row.current)}" if delta > 0 else \
                 f"từ {text.percent(row.previous)} xuống {text.percent(row.current)}"
    else:
        decimals = 1 if row.kind == "minutes" else 0
        amount = text.number(abs(delta), decimals) + (" phút" if row.kind == "minutes" else " lần")
        values = f"từ {text.number(row.previous, decimals)} lên {text.number(row.current, decimals)}" if delta > 0 \
            else f"từ {text.number(row.previous, decimals)} xuống {text.number(row.current, decimals)}"
    if round(delta, 4) == 0:
        return f"{row.label.lower()} không thay đổi ({_value(row, row.current)})"
    verb = "tăng" if delta > 0 else "giảm"
    return f"{row.label.lower()} {verb} {amount} ({values})"


def _value(row: ComparisonRow, value) -> str:
    if row.kind == "rate":
        return text.percent(value)
    return text.number(value, 1 if row.kind == "minutes" else 0)


def comparison(report: Report) -> list[str]:
    before = report.previous_period.label
    if report.previous.expected == 0:
        return [f"Không có số liệu {before} để so sánh."]
    rows = {r.metric: r for r in report.comparison}
    parts = [c for c in (_change(rows["on_time_rate"]), _change(rows["reporting_rate"]), _change(rows["missed"]),
                         _change(rows["late"])) if c]
    return [f"So với {before}: " + "; ".join(parts) + "."]


def comparison_cell(row: ComparisonRow, which: str) -> str:
    if which == "delta":
        if row.previous is None or row.current is None:
            return "—"
        if row.kind == "rate":
            return text.points(row.current - row.previous)
        return text.signed(row.current - row.previous, 1 if row.kind == "minutes" else 0)
    return _value(row, getattr(row, which)) if getattr(row, which) is not None else "—"


def proposals(report: Report) -> list[str]:
    items = []
    if report.worst:
        names = ", ".join(w.unit_name for w in report.worst)
        items.append(f"Đề nghị Ban Chỉ đạo tỉnh, UBND tỉnh nhắc nhở các đơn vị: {names} thực hiện nghiêm việc "
                     f"cập nhật thông tin đúng thời gian quy định tại Điều 7 Quy chế ban hành kèm theo Quyết định "
                     f"số 4168/QĐ-UBND.")
    if report.current.rejected_files:
        items.append("Các đơn vị có tệp bị từ chối kiểm tra lại biểu mẫu theo thông báo lỗi hệ thống gửi lại "
                     "(ghi rõ ô, cột cần sửa) trước khi gửi lại, tránh để quá thời hạn cập nhật.")
    if report.current.on_change_stale or report.current.on_change_never:
        items.append("Các đơn vị có thông tin cập nhật khi biến động đã quá hạn (Phụ lục II) cập nhật số liệu "
                     "hoặc xác nhận không có thay đổi trên Cổng thông tin.")
    items.append("Sở Y tế tiếp tục theo dõi, nhắc các đơn vị trước mỗi thời hạn cập nhật (07h30 và 15h30 hằng ngày) "
                 "và báo cáo Ban Chỉ đạo tỉnh, UBND tỉnh định kỳ hằng tháng.")
    return items


def write(report: Report) -> Prose:
    return Prose(summary=summary(report), units_intro=units_intro(report), worst=worst(report),
                 comparison=comparison(report), proposals=proposals(report),
                 annex_reference=annex_reference(report))
