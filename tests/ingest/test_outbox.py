"""The outbox an agency reads: JSON report, Vietnamese summary, annotated workbook."""
import datetime as dt
import json
import shutil

import pytest
from openpyxl import load_workbook

from ingest import outbox
from ingest.outbox import import_summary, render_import_summary, write_outbox
from validation.validate import validate_file

TODAY = dt.date(2021, 10, 23)
RED, ORANGE = outbox.ERROR_COLOR, outbox.WARNING_COLOR


def receipt_for(path, sid="S20211022T011500000000-abc123", unit="SYT"):
    return {"submission_id": sid, "unit": unit, "original_name": path.name,
            "received_at": "2021-10-22T01:15:00+00:00"}


def cell_errors(rows):
    """Five cell errors of four kinds: out-of-range twice (most frequent)."""
    rows[0]["tests_performed"] = -5                            # K2 out-of-range
    rows[3]["new_cases_community"] = "nhiều"                   # E5 type-integer
    rows[5]["deaths"] = None                                   # J7 required
    rows[7]["tests_performed"] = -1                            # K9 out-of-range
    rows[9]["recovered"] = rows[9]["cumulative_cases"] + 100   # G11 rule-violation


def painted(ws):
    """Coordinates of cells filled red or orange, in sheet order."""
    return [(c.coordinate, "red" if c.fill.fgColor.rgb == RED else "orange")
            for row in ws.iter_rows() for c in row
            if c.fill.fill_type == "solid" and c.fill.fgColor.rgb in (RED, ORANGE)]


def run(path, tmp_path, unit="SYT", summary=None):
    report = validate_file(path, unit, today=TODAY)
    paths = write_outbox(tmp_path / "outbox", receipt_for(path, unit=unit), report, path,
                         summary if summary is not None else import_summary(rejected=report.rows))
    return report, paths


def test_outbox_xlsx_marks_exactly_the_error_cells(sample_file, tmp_path):
    source = sample_file(edit=cell_errors)
    report, paths = run(source, tmp_path)
    assert set(paths) == {"json", "summary", "annotated"}
    assert paths["annotated"].parent == tmp_path / "outbox" / "SYT"
    assert paths["annotated"].name == f"S20211022T011500000000-abc123__{source.name}.annotated.xlsx"

    wb = load_workbook(paths["annotated"])
    assert wb.sheetnames == ["Kết quả kiểm tra", "Số liệu", "Hướng dẫn"]
    ws = wb["Số liệu"]
    assert painted(ws) == [("K2", "red"), ("E5", "red"), ("J7", "red"), ("K9", "red"), ("G11", "red")]
    assert ws["K2"].comment.text == \
        'LỖI: Ô K2 ("Số xét nghiệm đã thực hiện") có giá trị -5, phải từ 0 trở lên.'
    assert "phải là số nguyên, nhưng đang có giá trị \"nhiều\"" in ws["E5"].comment.text
    assert ws["E5"].value == "nhiều"                       # the agency's values are untouched
    assert "Tổng số ca mắc cộng dồn" in ws["G11"].comment.text


def test_outbox_xlsx_keeps_the_agency_formatting(sample_file, tmp_path):
    source = sample_file(edit=cell_errors)
    _, paths = run(source, tmp_path)
    original = load_workbook(source)["Số liệu"]
    copy = load_workbook(paths["annotated"])["Số liệu"]
    # Untouched header cell: the template's dark blue fill, white bold font, its comment.
    assert copy["A1"].fill.fgColor.rgb == original["A1"].fill.fgColor.rgb == "001F4E79"
    assert copy["A1"].font.b and copy["A1"].font.color.rgb == original["A1"].font.color.rgb
    assert copy["A1"].comment.text == original["A1"].comment.text
    # Untouched data cell: date format, value; the sheet's freeze panes, widths, input checks.
    assert copy["A3"].number_format == original["A3"].number_format == "DD/MM/YYYY"
    assert copy["A3"].value == original["A3"].value
    assert copy.freeze_panes == "A2"
    assert copy.column_dimensions["G"].width == original.column_dimensions["G"].width
    assert len(copy.data_validations.dataValidation) == len(original.data_validations.dataValidation)
    # An error cell keeps its number format, only the fill changes.
    assert copy["K2"].number_format == original["K2"].number_format


def test_outbox_results_sheet_links_every_error(sample_file, tmp_path):
    source = sample_file(edit=cell_errors)
    _, paths = run(source, tmp_path)
    wb = load_workbook(paths["annotated"])
    ws = wb["Kết quả kiểm tra"]
    assert wb.active.title == "Kết quả kiểm tra"
    assert ws["A1"].value == f"KẾT QUẢ KIỂM TRA TỆP: {source.name}"
    listed = [(r[1].value, r[2].value, r[4].value) for r in ws.iter_rows(min_row=7) if r[0].value]
    assert listed == [("LỖI", "K2", "out-of-range"), ("LỖI", "E5", "type-integer"),
                      ("LỖI", "J7", "required"), ("LỖI", "K9", "out-of-range"),
                      ("LỖI", "G11", "rule-violation")]
    assert [ws.cell(row=r, column=3).hyperlink.location for r in range(7, 12)] == \
        ["'Số liệu'!K2", "'Số liệu'!E5", "'Số liệu'!J7", "'Số liệu'!K9", "'Số liệu'!G11"]


def test_outbox_csv_source_gives_annotated_xlsx(sample_file, tmp_path):
    source = sample_file(suffix=".csv", edit=cell_errors)
    _, paths = run(source, tmp_path)
    assert paths["annotated"].name.endswith(".csv.annotated.xlsx")
    wb = load_workbook(paths["annotated"])
    assert wb.sheetnames == ["Kết quả kiểm tra", "Số liệu"]
    ws = wb["Số liệu"]
    assert ws["A1"].value == "Ngày báo cáo" and ws["A1"].font.b
    assert ws["E5"].value == "nhiều" and ws["C2"].value == "380"    # the text as submitted
    assert painted(ws) == [("K2", "red"), ("E5", "red"), ("J7", "red"), ("K9", "red"), ("G11", "red")]
    assert "đang để trống" in ws["J7"].comment.text


def test_outbox_xlsx_renamed_csv_is_copied_by_content(sample_file, tmp_path):
    real = sample_file(edit=cell_errors)
    disguised = tmp_path / "bao_cao.csv"
    shutil.copyfile(real, disguised)
    _, paths = run(disguised, tmp_path)
    wb = load_workbook(paths["annotated"])
    # The agency's own workbook (both its sheets, its styles), not a rebuilt one.
    assert wb.sheetnames == ["Kết quả kiểm tra", "Số liệu", "Hướng dẫn"]
    assert wb["Số liệu"]["A1"].fill.fgColor.rgb == "001F4E79"
    assert [c for c, _ in painted(wb["Số liệu"])] == ["K2", "E5", "J7", "K9", "G11"]


def test_outbox_header_problems_marked_on_header_and_listed_first(sample_file, tmp_path):
    source = sample_file(edit=cell_errors)
    wb = load_workbook(source)
    ws = wb["Số liệu"]
    ws["K1"] = "Số XN"          # not a title of the form: missing column + extra column
    ws["L1"] = "Ghi chú"
    ws["D1"] = "ten huyen"      # recognised (info): listed, not painted
    wb.save(source)
    report, paths = run(source, tmp_path)
    ws = load_workbook(paths["annotated"])["Số liệu"]
    assert painted(ws) == [("K1", "orange"), ("L1", "orange"), ("E5", "red"), ("J7", "red"),
                           ("G11", "red")]
    assert ws["K1"].comment.text.startswith('CẢNH BÁO: Cột "Số XN" (cột K) không thuộc biểu mẫu')
    assert ws["D1"].fill.fgColor.rgb == "001F4E79"
    summary = paths["summary"].read_text(encoding="utf-8")
    fix = summary.split("CẦN SỬA TRƯỚC")[1]
    # The missing column comes before the (more numerous kinds of) cell errors.
    assert fix.index("Thiếu cột") < fix.index("Ô phải là số nguyên") < fix.index("Ô bắt buộc")
    assert 'Cột không thuộc biểu mẫu (2 chỗ) — vị trí: K, L.' in summary.split("CẢNH BÁO (")[1]


def test_outbox_summary_lists_the_most_frequent_error_first(sample_file, tmp_path):
    def edit(rows):
        rows[1]["deaths"] = None                             # J3 required (first in the file)
        for i in (4, 6, 8):
            rows[i]["tests_performed"] = -i                  # K6, K8, K10 out-of-range
    source = sample_file(edit=edit)
    report, paths = run(source, tmp_path)
    summary = paths["summary"].read_text(encoding="utf-8")
    lines = summary.splitlines()
    assert lines[0] == f"KẾT QUẢ TIẾP NHẬN TỆP: {source.name}"
    assert lines[2] == "Mã nộp: S20211022T011500000000-abc123 — Nhận lúc 08:15 ngày 22/10/2021"
    assert lines[3].startswith("Kết luận: KHÔNG TIẾP NHẬN — 4 lỗi, 0 cảnh báo.")
    assert lines[4] == ("Kết quả nạp dữ liệu: thêm mới 0 dòng, cập nhật 0 dòng, "
                        "giữ nguyên 0 dòng (không thay đổi), từ chối 27 dòng.")
    start = lines.index("CẦN SỬA TRƯỚC (lỗi về tệp và dòng tiêu đề trước, rồi loại lỗi gặp nhiều nhất):")
    assert lines[start + 1] == "1. Giá trị nằm ngoài khoảng cho phép (3 chỗ) — vị trí: K6, K8, K10."
    assert lines[start + 2].startswith('   Ví dụ: Ô K6 ("Số xét nghiệm đã thực hiện") có giá trị -4')
    assert lines[start + 3] == "2. Ô bắt buộc đang để trống (1 chỗ) — vị trí: J3."


def test_outbox_json_is_the_report_contract(sample_file, tmp_path):
    source = sample_file(edit=cell_errors)
    report, paths = run(source, tmp_path, summary=import_summary(0, 0, 0, 27))
    data = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert data.pop("import_summary") == {"inserted": 0, "updated": 0, "unchanged": 0, "rejected": 27}
    assert data.pop("submission") == receipt_for(source)
    assert data == json.loads(json.dumps(report.to_dict(), ensure_ascii=False, default=str))
    assert data["valid"] is False and data["error_count"] == 5


def test_outbox_accepted_file_summary(sample_file, tmp_path):
    source = sample_file()
    report, paths = run(source, tmp_path, summary=import_summary(inserted=20, updated=5, unchanged=2))
    summary = paths["summary"].read_text(encoding="utf-8")
    assert "Kết luận: ĐÃ TIẾP NHẬN — 27 dòng số liệu hợp lệ, không có cảnh báo." in summary
    assert ("Kết quả nạp dữ liệu: thêm mới 20 dòng, cập nhật 5 dòng, giữ nguyên 2 dòng "
            "(không thay đổi), từ chối 0 dòng.") in summary
    assert "CẦN SỬA TRƯỚC" not in summary
    assert "Không có ô nào cần sửa" in summary
    assert "annotated" not in paths


def test_outbox_import_summary_shape_and_words():
    assert import_summary(1200, 3, 0, 4) == {"inserted": 1200, "updated": 3, "unchanged": 0, "rejected": 4}
    assert render_import_summary(import_summary(1200, 3, 0, 4)) == (
        "Kết quả nạp dữ liệu: thêm mới 1.200 dòng, cập nhật 3 dòng, giữ nguyên 0 dòng "
        "(không thay đổi), từ chối 4 dòng.")
    assert render_import_summary(None, valid=False) == "Kết quả nạp dữ liệu: không có dòng nào được nạp."


def test_outbox_annotation_failure_still_writes_report_and_summary(sample_file, tmp_path, monkeypatch):
    source = sample_file(edit=cell_errors)

    def broken(*args, **kwargs):
        raise KeyError("xl/styles.xml")
    monkeypatch.setattr(outbox, "_annotate_copy", broken)
    report, paths = run(source, tmp_path)
    assert set(paths) == {"json", "summary"}
    assert not list((tmp_path / "outbox" / "SYT").glob("*.xlsx"))
    assert not list((tmp_path / "outbox" / "SYT").glob(".*"))      # no temporary left behind
    summary = paths["summary"].read_text(encoding="utf-8")
    assert "Không tạo được bản đánh dấu lỗi trên tệp (lỗi kỹ thuật: KeyError)" in summary
    assert json.loads(paths["json"].read_text(encoding="utf-8"))["error_count"] == 5


def test_outbox_unreadable_file_gets_list_only_workbook(tmp_path):
    source = tmp_path / "hong.xlsx"
    source.write_bytes(b"PK\x03\x04 not really a zip")
    report, paths = run(source, tmp_path)
    assert report.errors[0].code == "file-unreadable"
    wb = load_workbook(paths["annotated"])
    assert wb.sheetnames == ["Kết quả kiểm tra", "Số liệu"]
    ws = wb["Kết quả kiểm tra"]
    assert ws["C7"].value == "Toàn tệp" and ws["D7"].value.startswith("Không đọc được tệp")
    assert "Kết luận: KHÔNG TIẾP NHẬN — 1 lỗi" in paths["summary"].read_text(encoding="utf-8")


def test_outbox_big_file_writes_the_error_list_only(sample_file, tmp_path, monkeypatch):
    monkeypatch.setattr(outbox, "MAX_COPY_ROWS", 10)       # stands for a 1,000,000-row file
    source = sample_file(edit=cell_errors)
    _, paths = run(source, tmp_path)
    wb = load_workbook(paths["annotated"])
    assert wb.sheetnames == ["Kết quả kiểm tra"]
    ws = wb["Kết quả kiểm tra"]
    assert [r[2].value for r in ws.iter_rows(min_row=7) if r[0].value] == ["K2", "E5", "J7", "K9", "G11"]
    summary = paths["summary"].read_text(encoding="utf-8")
    assert "Tệp có 27 dòng, quá lớn để tô màu trên bản sao" in summary


@pytest.mark.parametrize("unit", ["ZZZ"])
def test_outbox_file_level_error_only_listed(sample_file, tmp_path, unit):
    source = sample_file()
    report, paths = run(source, tmp_path, unit=unit)
    assert paths["json"].parent.name == unit
    wb = load_workbook(paths["annotated"])
    assert painted(wb["Số liệu"]) == []
    ws = wb["Kết quả kiểm tra"]
    assert (ws["B7"].value, ws["C7"].value, ws["E7"].value) == ("LỖI", "Toàn tệp", "unit-unknown")
    assert ws["C7"].hyperlink is None
