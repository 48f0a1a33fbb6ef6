"""The monthly report's files, read back the way their readers see them.

PDF: rendered to PNG pages with pdftoppm (kept in test-artifacts/monthly-report/
for a person to look at), text extracted with pdftotext and compared with the
exact Vietnamese strings, fonts listed with pdffonts. .xlsx: read back with
openpyxl and compared with literal rows. .docx: opened with python-docx.
The input is the hand-made month of test_report_model.small_month, whose
figures are worked out there by hand.
"""
from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest

from tests.compliance.test_report_model import EPI, full_month, small_month

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "monthly-report"


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        pytest.fail(f"{name} is missing (Debian package poppler-utils; bin/portal installs it)")
    return found


def _pages(pdf: Path, name: str, dpi: int = 60) -> list[Path]:
    """Render every page to PNG under test-artifacts/monthly-report/<name>/."""
    out = ARTIFACTS / name
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    subprocess.run([_tool("pdftoppm"), "-r", str(dpi), "-png", str(pdf), str(out / "page")], check=True)
    shutil.copy2(pdf, out / pdf.name)
    return sorted(out.glob("page-*.png"))


def _text(pdf: Path, first: int | None = None, last: int | None = None, layout: bool = False) -> str:
    args = [_tool("pdftotext")] + (["-layout"] if layout else [])
    if first:
        args += ["-f", str(first), "-l", str(last or first)]
    return subprocess.run(args + [str(pdf), "-"], check=True, capture_output=True, text=True).stdout


def _flat(value: str) -> str:
    """Whitespace folded: a sentence may wrap anywhere on the page."""
    return " ".join(value.split())


def _page_count(pdf: Path) -> int:
    info = subprocess.run([_tool("pdfinfo"), str(pdf)], check=True, capture_output=True, text=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def _ink(png: Path) -> float:
    """Share of the page's pixels that are not near-white."""
    from PIL import Image

    image = Image.open(png).convert("L")
    histogram = image.histogram()
    return sum(histogram[:200]) / (image.width * image.height)


def _colour_share(png: Path, rgb: tuple[int, int, int], tolerance: int = 12) -> float:
    from PIL import Image

    image = Image.open(png).convert("RGB")
    colours = image.getcolors(maxcolors=image.width * image.height)
    hits = sum(n for n, p in colours if all(abs(a - b) <= tolerance for a, b in zip(p, rgb)))
    return hits / (image.width * image.height)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    from compliance.report import render
    from compliance.report.content import build_report

    current, previous = small_month()
    report = build_report(current, previous, issued_on=dt.date(2021, 12, 1))
    files = render(report, tmp_path_factory.mktemp("small"))
    return report, files


@pytest.fixture(scope="module")
def full(tmp_path_factory):
    from compliance.report import render
    from compliance.report.content import build_report

    current, previous = full_month()
    report = build_report(current, previous, issued_on=dt.date(2021, 12, 1))
    return report, render(report, tmp_path_factory.mktemp("full"), formats=("pdf",))


# --- PDF ------------------------------------------------------------------------------

def test_pdf_pages_render_and_none_is_blank(small):
    report, files = small
    pages = _pages(files["pdf"], "small")
    assert len(pages) == _page_count(files["pdf"]) >= 4
    for page in pages:
        assert _ink(page) > 0.004, f"{page.name} is blank"
    from PIL import Image

    sizes = [Image.open(p).size for p in pages]
    assert sizes[0][0] < sizes[0][1], "the report itself is A4 portrait"
    # Annex I (missed or late deadlines) and Annex II (on-change freshness) on landscape pages.
    assert sizes[-1][0] > sizes[-1][1] and sizes[-2][0] > sizes[-2][1]
    texts = [_flat(_text(files["pdf"], i)) for i in range(1, len(pages) + 1)]
    # Page numbers in the top margin from page 2 on (Decree 30), none on page 1.
    assert not texts[0].startswith("1 ")
    assert texts[-2].startswith(f"{len(pages) - 1} PHỤ LỤC I ") and texts[-1].startswith(f"{len(pages)} PHỤ LỤC II ")
    assert all(t.startswith(f"{i} ") for i, t in enumerate(texts[1:], 2))


def test_pdf_text_is_extracted_intact(small):
    report, files = small
    # The header as laid out: agency left, national title right, on the same lines.
    lines = [" ".join(line.split()) for line in _text(files["pdf"], 1, layout=True).splitlines() if line.strip()]
    assert lines[:9] == [
        "UBND TỈNH THANH HÓA CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "SỞ Y TẾ Độc lập - Tự do - Hạnh phúc",
        "Số: /BC-SYT Thanh Hóa, ngày 01 tháng 12 năm 2021",
        "BÁO CÁO",
        "Tình hình cập nhật thông tin trên Cổng thông tin phòng, chống COVID-19",
        "tỉnh tháng 11/2021",
        "Kính gửi: - Ban Chỉ đạo tỉnh;",
        "- UBND tỉnh.",
        "Thực hiện Quy chế quản lý, vận hành và sử dụng Cổng thông tin phòng, chống",
    ]
    # The clerk writes the number into the blank left after "Số:".
    assert re.search(r"Số: {6,}/BC-SYT", _text(files["pdf"], 1, layout=True))
    whole = _text(files["pdf"])
    assert unicodedata.is_normalized("NFC", whole)
    flat = _flat(whole)
    for phrase in (
        "Tình hình cập nhật thông tin trên Cổng thông tin phòng, chống COVID-19 tỉnh tháng 11/2021",
        "Quyết định số 4168/QĐ-UBND ngày 22/10/2021 của UBND tỉnh Thanh Hóa (Điều 19)",
        "phải cập nhật tổng cộng 150 lần",
        "Các đơn vị đã cập nhật 147 lần, đạt 98,0%; trong đó đúng hạn 143 lần (95,3%), muộn 4 lần "
        "(thời gian muộn trung vị 37,5 phút); không cập nhật 3 lần, trong đó 1 lần đơn vị chỉ gửi tệp bị hệ thống từ chối.",
        "Hệ thống đã từ chối 3 tệp",
        "So với tháng 10/2021: tỷ lệ cập nhật đúng hạn giảm 2,7 điểm phần trăm (từ 98,0% xuống 95,3%)",
        "1 Sở Y tế 60 58 57 1 12 2 2 1 95,0%",
        "2 Trung tâm Kiểm soát bệnh tật tỉnh 90 89 86 3 45 1 1 0 95,6%",
        "Tổng cộng 150 147 143 4 37,5 3 3 1 95,3%",
        "Hình 1. Tình trạng cập nhật theo ngày của từng đơn vị",
        "Nơi nhận: - Như trên; - Chủ tịch UBND tỉnh (để b/c);",
        "GIÁM ĐỐC",
        "Danh sách các lần cập nhật muộn hoặc không cập nhật tháng 11/2021",
        "Trung tâm Kiểm soát bệnh tật tỉnh Tình hình dịch theo huyện 03/11/2021 08:00 08:00 03/11/2021 Muộn "
        "08:45 03/11/2021 45 0",
        "Sở Y tế Tình hình dịch theo huyện 20/11/2021 08:00 08:00 20/11/2021 Chỉ có tệp bị từ chối — — 2",
    ):
        assert phrase in flat, phrase
    annex = _flat(_text(files["pdf"], _page_count(files["pdf"]) - 1, layout=True))
    assert "(Kèm theo Báo cáo số /BC-SYT ngày 01/12/2021 của Sở Y tế)" in annex
    fresh = _flat(_text(files["pdf"], _page_count(files["pdf"]), layout=True))
    assert "1 UBND Huyện Quan Hóa Khu cách ly tập trung Chưa từng cập nhật — — 24 1/1" in fresh


def test_pdf_embeds_only_the_shipped_fonts(small):
    _, files = small
    listing = subprocess.run([_tool("pdffonts"), str(files["pdf"])], check=True, capture_output=True,
                             text=True).stdout.splitlines()[2:]
    fonts = {line.split()[0].split("+")[-1]: line.split() for line in listing}
    assert set(fonts) == {"LiberationSerif", "LiberationSerif-Bold", "LiberationSerif-Italic",
                          "LiberationSerif-BoldItalic"}
    # columns: name type encoding emb sub uni object-id generation
    assert all(cols[-5:-2] == ["yes", "yes", "yes"] for cols in fonts.values()), "embedded, subset, ToUnicode"


def test_pdf_of_a_full_province_month(full):
    """29 scheduled units over 30 days: the heatmap, trend and long annex all lay out."""
    report, files = full
    pages = _pages(files["pdf"], "full", dpi=70)
    assert len(pages) == _page_count(files["pdf"])
    assert all(_ink(p) > 0.004 for p in pages)
    heat = [p for p in pages if _colour_share(p, (0x4C, 0xAF, 0x50)) > 0.02]   # green cells of Hình 1
    assert heat, "no page shows the heatmap"
    red = _colour_share(heat[0], (0xD3, 0x2F, 0x2F))
    assert red > 0.0005, "missed days are drawn in red"
    flat = _flat(_text(files["pdf"]))
    worst = report.worst[0]
    assert worst.unit_name == "Trung tâm Y tế huyện Mường Lát"
    assert f"1 Trung tâm Y tế huyện Mường Lát {worst.missed} {worst.late} 90" in flat
    # Every missed or late deadline has its line in Annex I: the last one is numbered len(annex).
    last = report.annex[-1]
    assert f"{len(report.annex)} {last.unit_name} {last.dataset_title}" in flat


# --- .xlsx ------------------------------------------------------------------------------

def test_xlsx_annex_lists_every_missed_or_late_deadline(small):
    from openpyxl import load_workbook

    from compliance.report.xlsx import HEADER_ROW

    _, files = small
    wb = load_workbook(files["xlsx"])
    assert wb.sheetnames == ["Muộn, không cập nhật", "Theo đơn vị", "So sánh kỳ trước", "Cập nhật khi biến động"]
    ws = wb["Muộn, không cập nhật"]
    assert ws["A1"].value == "Danh sách các lần cập nhật muộn hoặc không cập nhật tháng 11/2021"
    rows = [tuple(r) for r in ws.iter_rows(min_row=HEADER_ROW, values_only=True)]
    d = dt.datetime
    syt, cdc = "Sở Y tế", "Trung tâm Kiểm soát bệnh tật tỉnh"
    epi_title = "Tình hình dịch theo huyện"
    assert rows == [
        ("TT", "Mã đơn vị", "Đơn vị", "Mã thông tin", "Thông tin", "Ngày số liệu", "Khung giờ", "Hạn cập nhật",
         "Tình trạng", "Nhận lần đầu", "Muộn (phút)", "Tệp bị từ chối"),
        (1, "CDC", cdc, EPI, epi_title, d(2021, 11, 3), "08:00", d(2021, 11, 3, 8), "Muộn", d(2021, 11, 3, 8, 45), 45, 0),
        (2, "CDC", cdc, EPI, epi_title, d(2021, 11, 3), "16:00", d(2021, 11, 3, 16), "Muộn", d(2021, 11, 3, 16, 30), 30, 0),
        (3, "SYT", syt, EPI, epi_title, d(2021, 11, 5), "08:00", d(2021, 11, 5, 8), "Muộn", d(2021, 11, 5, 8, 12), 12, 0),
        (4, "SYT", syt, EPI, epi_title, d(2021, 11, 12), "16:00", d(2021, 11, 12, 16), "Không cập nhật", None, None, 0),
        (5, "SYT", syt, EPI, epi_title, d(2021, 11, 20), "08:00", d(2021, 11, 20, 8), "Chỉ có tệp bị từ chối", None,
         None, 2),
        (6, "CDC", cdc, "testing", "Xét nghiệm", d(2021, 11, 25), None, d(2021, 11, 25, 17), "Muộn",
         d(2021, 11, 26, 9), 960, 0),
        (7, "CDC", cdc, "testing", "Xét nghiệm", d(2021, 11, 28), None, d(2021, 11, 28, 17), "Không cập nhật", None,
         None, 0),
    ]
    assert ws.cell(HEADER_ROW + 1, 8).number_format == "dd/mm/yyyy hh:mm"
    assert ws.freeze_panes == f"A{HEADER_ROW + 1}"


def test_xlsx_per_unit_table(small):
    from openpyxl import load_workbook

    from compliance.report.xlsx import HEADER_ROW

    _, files = small
    ws = load_workbook(files["xlsx"])["Theo đơn vị"]
    rows = [tuple(round(v, 4) if isinstance(v, float) else v for v in r)
            for r in ws.iter_rows(min_row=HEADER_ROW + 1, values_only=True)]
    assert rows == [
        (1, "SYT", "Sở Y tế", "SYT", 60, 58, 57, 1, 12, 2, 1, 2, 1, 1, round(58 / 60, 4), 0.95, 1),
        (2, "CDC", "Trung tâm Kiểm soát bệnh tật tỉnh", "CDC", 90, 89, 86, 3, 45, 1, 0, 1, 0, 0,
         round(89 / 90, 4), round(86 / 90, 4), round(29 / 30, 4)),
        (None, None, "Tổng cộng", None, 150, 147, 143, 4, 37.5, 3, 1, 3, 1, 1, 0.98, round(143 / 150, 4), 0.98),
    ]
    assert ws.cell(HEADER_ROW + 1, 16).number_format == "0.0%"


# --- .docx ------------------------------------------------------------------------------

def test_docx_is_the_same_document_editable(small):
    import docx
    from docx.enum.section import WD_ORIENT

    report, files = small
    document = docx.Document(str(files["docx"]))
    paragraphs = [p.text for p in document.paragraphs]
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    assert cells[:2] == [
        "UBND TỈNH THANH HÓA\nSỞ Y TẾ\n\nSố:         /BC-SYT",   # the empty line is the rule under the agency
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n\nThanh Hóa, ngày 01 tháng 12 năm 2021"]
    assert "BÁO CÁO" in paragraphs
    assert report.header.subject in paragraphs
    assert "I. TÌNH HÌNH CHUNG" in paragraphs and "VI. ĐỀ XUẤT, KIẾN NGHỊ" in paragraphs
    assert any(p.startswith("Trong tháng 11/2021, 2 đơn vị có lịch cập nhật") for p in paragraphs)
    unit_table = next(t for t in document.tables if t.rows[0].cells[0].text == "TT"
                      and t.rows[0].cells[2].text == "Phải cập nhật")
    assert [c.text for c in unit_table.rows[2].cells] == [
        "2", "Trung tâm Kiểm soát bệnh tật tỉnh", "90", "89", "86", "3", "45", "1", "1", "0", "95,6%"]
    assert len(document.inline_shapes) == 2, "heatmap and trend as pictures"
    orientations = [s.orientation for s in document.sections]
    assert orientations == [WD_ORIENT.PORTRAIT, WD_ORIENT.LANDSCAPE, WD_ORIENT.LANDSCAPE]
    assert document.styles["Normal"].font.name == "Times New Roman"
    signature = next(t for t in document.tables if t.rows[0].cells[0].text.startswith("Nơi nhận:"))
    recipients, signer = (c.text for c in signature.rows[0].cells)
    assert recipients == "Nơi nhận:\n- Như trên;\n- Chủ tịch UBND tỉnh (để b/c);\n- Sở Thông tin và Truyền thông;\n- Lưu: VT, NVY."
    assert signer.split("\n")[0] == "GIÁM ĐỐC"


def test_charts_png_for_the_docx_are_drawn_with_the_shipped_font(small):
    from PIL import Image
    import io

    from compliance.report import charts

    report, _ = small
    png = charts.to_png(charts.heatmap(report), dpi=100)
    image = Image.open(io.BytesIO(png))
    chart = charts.heatmap(report)
    assert image.size == (round(chart.width * 100 / 72), round(chart.height * 100 / 72))
    assert any(isinstance(i, charts.Text) and i.text == "Sở Y tế" for i in chart.items)
    (ARTIFACTS / "charts").mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "charts" / "heatmap.png").write_bytes(png)
    (ARTIFACTS / "charts" / "trend.png").write_bytes(charts.to_png(charts.trend(report), dpi=100))


def test_a_long_annex_is_grouped_in_the_pdf_and_complete_in_the_xlsx(tmp_path):
    """A month where many deadlines were missed: the PDF annex groups them (date
    ranges), the .xlsx still lists every one."""
    from openpyxl import load_workbook

    from compliance.report import render
    from compliance.report.content import build_report, load_document_config
    from compliance.report.xlsx import HEADER_ROW

    current, previous = small_month()
    config = {**load_document_config(), "annex_rows_in_document": 5}
    report = build_report(current, previous, issued_on=dt.date(2021, 12, 1), config=config)
    assert report.annex_grouped
    files = render(report, tmp_path)
    pages = _pages(files["pdf"], "grouped-annex")
    annex = [" ".join(line.split()) for line in _text(files["pdf"], len(pages) - 1, layout=True).splitlines()]
    assert "4 Trung tâm Kiểm soát bệnh tật tỉnh Tình hình dịch theo huyện Muộn 2 08:00: 03/11; 16:00: 03/11 37,5 0" \
        in annex
    assert "5 Trung tâm Kiểm soát bệnh tật tỉnh Xét nghiệm Muộn 1 25/11 960 0" in annex
    flat = _flat(_text(files["pdf"], len(pages) - 1))
    assert "Kỳ này có 7 lần cập nhật muộn hoặc không cập nhật (quá 5 dòng)" in flat
    rows = list(load_workbook(files["xlsx"])["Muộn, không cập nhật"].iter_rows(min_row=HEADER_ROW + 1, values_only=True))
    assert len(rows) == len(report.annex) == 7
    import docx

    grouped = next(t for t in docx.Document(str(files["docx"])).tables
                   if len(t.columns) > 4 and t.rows[0].cells[4].text == "Số lần")
    assert [c.text for c in grouped.rows[4].cells] == [
        "4", "Trung tâm Kiểm soát bệnh tật tỉnh", "Tình hình dịch theo huyện", "Muộn", "2",
        "08:00: 03/11; 16:00: 03/11", "37,5", "0"]
