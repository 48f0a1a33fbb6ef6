from openpyxl import load_workbook

from ingest.docs import render
from ingest.schema import load_schema
from ingest.templates import prefilled_rows, write_submission

from tests.conftest import DATASET, REPO


def test_templates_xlsx_headers_come_from_the_schema(tmp_path):
    schema = load_schema(DATASET)
    out = write_submission(schema, prefilled_rows(schema), tmp_path / "mau.xlsx", "SYT")
    wb = load_workbook(out)
    sheet = wb["Số liệu"]
    assert [c.value for c in sheet[1]] == [f.title for f in schema.fields]
    assert [sheet.cell(row=r, column=3).value for r in (2, 28)] == ["380", "407"]
    assert wb.sheetnames == ["Số liệu", "Hướng dẫn"]


def test_templates_csv_has_bom_and_vietnamese_headers(tmp_path):
    schema = load_schema(DATASET)
    out = write_submission(schema, [], tmp_path / "mau.csv", "SYT")
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.decode("utf-8-sig").splitlines()[0].split(",")[:3] == ["Ngày báo cáo", "Khung giờ", "Mã huyện"]


def test_templates_docs_in_repo_are_up_to_date():
    committed = (REPO / "docs" / "datasets" / f"{DATASET}.md").read_text(encoding="utf-8")
    assert committed == render(load_schema(DATASET))
