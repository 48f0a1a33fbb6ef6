import datetime as dt
import json

from validation.validate import validate_file

from tests.conftest import DATASET

TODAY = dt.date(2021, 10, 23)


def _flat(report):
    return [(e["code"], e["row"], e["column"]) for e in report.to_dict()["errors"]]


def _csv(tmp_path, sample_file, mutate, encoding="utf-8"):
    text = sample_file(suffix=".csv").read_text(encoding="utf-8-sig")
    lines = [line.split(",") for line in text.splitlines()]
    mutate(lines)
    out = tmp_path / "edited.csv"
    out.write_text("\n".join(",".join(cells) for cells in lines) + "\n", encoding=encoding)
    return out


def test_validate_reports_every_error_at_once_with_row_and_column(tmp_path, sample_file):
    def mutate(lines):
        lines[2][4] = "abc"          # E3: not an integer
        lines[3][6] = "-5"           # G4: negative, and the balance breaks
        lines[4][2] = "999"          # C5: unknown district (so district 384 is missing)
        lines[5][1] = "09:00"        # B6: not a reporting slot, and mixes slots
        lines.append(list(lines[6]))  # row 29 duplicates row 7
        lines[0][4] = "ca mac moi trong cong dong"  # typed without diacritics

    report = validate_file(_csv(tmp_path, sample_file, mutate), "SYT", DATASET, today=TODAY)
    assert not report.valid
    assert _flat(report) == [
        ("missing-district", None, None),
        ("type-integer", 3, "E"),
        ("out-of-range", 4, "G"),
        ("rule-violation", 4, "G"),
        ("unknown-area", 5, "C"),
        ("mixed-period", 6, "B"),
        ("not-in-enum", 6, "B"),
        ("duplicate-key", 29, None),
        ("header-recognised", None, "E"),
    ]
    messages = {e["code"]: e["message"] for e in report.to_dict()["errors"]}
    assert messages["type-integer"] == ('Ô E3 ("Ca mắc mới trong cộng đồng") phải là số nguyên, '
                                        'nhưng đang có giá trị "abc".')
    assert "Huyện Mường Lát (384)" in messages["missing-district"]


def test_validate_json_report_has_the_contract_fields(tmp_path, sample_file):
    report = validate_file(_csv(tmp_path, sample_file, lambda l: l[2].__setitem__(4, "x")), "SYT",
                           DATASET, today=TODAY).to_dict()
    json.dumps(report, ensure_ascii=False)
    assert {"valid", "unit", "dataset", "rows", "errors"} <= set(report)
    assert set(report["errors"][0]) == {"code", "severity", "row", "column", "field", "value", "message"}


def test_validate_accepts_csv_with_and_without_bom_and_vietnamese_numbers(tmp_path, sample_file):
    def thousands(lines):
        lines[1][9] = '"' + f"{int(lines[1][9]):,}".replace(',', '.') + '"'

    for encoding in ("utf-8", "utf-8-sig"):
        report = validate_file(_csv(tmp_path, sample_file, thousands, encoding), "SYT", DATASET, today=TODAY)
        assert report.valid, _flat(report)
    semicolon = tmp_path / "semi.csv"
    text = sample_file(suffix=".csv").read_text(encoding="utf-8-sig").replace(",", ";")
    semicolon.write_text(text, encoding="utf-8")
    assert validate_file(semicolon, "SYT", DATASET, today=TODAY).valid


def test_validate_rejects_a_unit_not_responsible_and_names_who_is(sample_file):
    report = validate_file(sample_file(), "UBND-DONGSON", DATASET, today=TODAY)
    assert _flat(report) == [("unit-not-responsible", None, None)]
    assert "SYT, CDC" in report.errors[0].message


def test_validate_empty_and_header_only_files(tmp_path, sample_file):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert _flat(validate_file(empty, "SYT", DATASET, today=TODAY)) == [("file-empty", None, None)]
    header_only = tmp_path / "header.csv"
    header_only.write_text(sample_file(suffix=".csv").read_text(encoding="utf-8-sig").splitlines()[0])
    assert _flat(validate_file(header_only, "SYT", DATASET, today=TODAY)) == [("no-data-rows", None, None)]


def test_validate_format_comes_from_content_not_extension(tmp_path, sample_file):
    disguised = tmp_path / "really-an-xlsx.csv"
    disguised.write_bytes(sample_file(suffix=".xlsx").read_bytes())
    assert validate_file(disguised, "SYT", DATASET, today=TODAY).valid
    garbage = tmp_path / "broken.xlsx"
    garbage.write_bytes(b"PK\x03\x04not really a zip")
    assert [e.code for e in validate_file(garbage, "SYT", DATASET, today=TODAY).errors] == ["file-unreadable"]


def test_validate_future_date_is_an_error(sample_file):
    report = validate_file(sample_file(date=dt.date(2021, 10, 24)), "SYT", DATASET, today=TODAY)
    assert {e.code for e in report.errors} == {"future-date"}
    assert len(report.errors) == 27
