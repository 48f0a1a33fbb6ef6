"""ingest.reader: the file layer, on its own. The corpus in tests/corpus/file
covers each kind of bad file end to end; these cover the limits, the choices
the reader reports, and that nothing it is given makes it raise."""
from __future__ import annotations

import random
import zipfile

import pytest

from ingest import reader
from ingest.reader import read_table

from tests.conftest import DATASET


def _codes(errors):
    return [e.code for e in errors]


def test_file_over_the_size_limit_is_refused_before_reading(tmp_path, monkeypatch):
    big = tmp_path / "big.csv"
    big.write_bytes(b"a,b\n" * 1000)
    monkeypatch.setattr(reader, "MAX_FILE_BYTES", 1000)
    table, errors = read_table(big)
    assert table is None and _codes(errors) == ["file-too-large"]
    assert "0,0 MB" in errors[0].message and "vượt quá giới hạn" in errors[0].message


def test_missing_file_and_directory_are_unreadable_not_exceptions(tmp_path):
    assert _codes(read_table(tmp_path / "nope.csv")[1]) == ["file-unreadable"]
    assert _codes(read_table(tmp_path)[1]) == ["file-unreadable"]


def test_zip_with_too_many_members_is_a_bomb(tmp_path, sample_file, monkeypatch):
    monkeypatch.setattr(reader, "MAX_ZIP_MEMBERS", 5)
    table, errors = read_table(sample_file())
    assert table is None and _codes(errors) == ["zip-bomb"]


def test_zip_total_uncompressed_size_is_checked_before_inflating(tmp_path, sample_file, monkeypatch):
    monkeypatch.setattr(reader, "MAX_UNCOMPRESSED_BYTES", 10_000)
    assert _codes(read_table(sample_file())[1]) == ["zip-bomb"]


def test_sheet_area_limit(sample_file, monkeypatch):
    monkeypatch.setattr(reader, "MAX_SHEET_CELLS", 11 * 27)   # 11 columns x 28 rows needed
    table, errors = read_table(sample_file())
    assert table is None and _codes(errors) == ["sheet-too-large"]
    assert "K28" in errors[0].message


def test_xlsx_table_says_which_sheet(sample_file):
    table, errors = read_table(sample_file())
    assert errors == [] and table.format == "xlsx" and table.sheet == "Số liệu"
    assert table.rows[0][0] == 1 and len(table.rows) == 28


def test_csv_table_says_encoding_and_delimiter(tmp_path, sample_file):
    text = sample_file(suffix=".csv").read_text(encoding="utf-8-sig")
    path = tmp_path / "tab.csv"
    path.write_bytes(text.replace(",", "\t").encode("utf-16-be"))
    table, errors = read_table(path)
    assert (table.format, table.encoding, table.delimiter) == ("csv", "UTF-16 BE", "\t")
    assert _codes(errors) == ["csv-encoding-used", "csv-delimiter-used"]
    assert table.rows[1][1][3] == "Thành phố Thanh Hóa"


def test_windows_1258_is_nfc_normalised(tmp_path):
    # cp1258 writes 'ệ' as 'ê' + combining dot below; NFC makes it one letter again.
    path = tmp_path / "legacy.csv"
    path.write_bytes("Ma,Tên\n384,Huyê\u0323n Mươ\u0300ng Lát\n".encode("cp1258"))
    table, errors = read_table(path)
    assert _codes(errors) == ["csv-encoding-used"] and "Windows-1258" in errors[0].message
    assert table.rows[1][1][1] == "Huyện Mường Lát"


@pytest.mark.parametrize("content, delimiter", [
    ('Tên;Số\n"Huyện A";"1.234,5"\n"Huyện B";2\n', ";"),   # decimal comma inside quotes
    ('Tên,Số\nHuyện A,"1.234,5"\nHuyện B,2\n', ","),
    ("Tên\tSố\nHuyện A\t1.234,5\nHuyện B\t2\n", "\t"),
    ("Tên;Số\nHuyện A;1.234,5\nHuyện B;2,5\nHuyện C;3\n", ";"),  # unquoted decimal commas
    ("Chỉ một cột\nA\nB\n", ","),
])
def test_delimiter_detection(tmp_path, content, delimiter):
    path = tmp_path / "d.csv"
    path.write_text(content, encoding="utf-8")
    table, errors = read_table(path)
    assert table.delimiter == delimiter
    assert "csv-ragged-row" not in _codes(errors)
    assert all(len(cells) == len(table.rows[0][1]) for _, cells in table.rows)


def test_ragged_row_names_the_row_and_the_extra_cell(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("BÁO CÁO NGÀY 22/10/2021\nTên,Số ca,Ghi chú\nA,1,\nB,1,5,x\nC,2,,,\n", encoding="utf-8")
    table, errors = read_table(path)
    assert [(e.code, e.row, e.column) for e in errors] == [("csv-ragged-row", 4, "D")]
    assert table is not None and len(table.rows) == 5     # later layers still see every row


def test_text_that_is_not_csv(tmp_path):
    cases = {
        "html.xls": b"<!DOCTYPE html><html><table><tr><td>1</td></tr></table></html>",
        "nul.csv": b"a,b\n" + b"\x00\x01\x02" * 100,
        "controls.csv": bytes(range(1, 32)) * 50,
        "png.csv": b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,
    }
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        table, errors = read_table(path)
        assert table is None and _codes(errors) == ["file-format-unsupported"], name


def test_encrypted_workbook_found_even_when_the_ole_directory_is_damaged(tmp_path):
    data = bytearray(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    data += "EncryptionInfo".encode("utf-16-le")
    path = tmp_path / "enc.xlsx"
    path.write_bytes(bytes(data))
    assert _codes(read_table(path)[1]) == ["xlsx-encrypted"]
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\xff" * 100)
    assert _codes(read_table(path)[1]) == ["file-unreadable"]


def test_macro_workbook_refused_whatever_its_name(tmp_path, sample_file):
    source = sample_file()
    out = tmp_path / "report.csv"
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            zout.writestr(item, zin.read(item))
        zout.writestr("xl/vbaProject.bin", b"\0" * 10)
    assert _codes(read_table(out)[1]) == ["xlsx-macro"]


def test_damaged_files_never_raise(tmp_path, sample_file):
    """Truncations and byte flips of a real .xlsx and .csv: always records, never exceptions."""
    rng = random.Random(4168)
    for source in (sample_file(), sample_file(suffix=".csv")):
        original = source.read_bytes()
        for attempt in range(40):
            data = bytearray(original)
            if attempt % 2:
                data = data[: rng.randrange(1, len(data))]
            else:
                for _ in range(rng.randrange(1, 20)):
                    data[rng.randrange(len(data))] = rng.randrange(256)
            path = tmp_path / f"damaged-{attempt}{source.suffix}"
            path.write_bytes(bytes(data))
            table, errors = read_table(path)
            assert table is not None or any(e.severity == "error" for e in errors)
            for error in errors:
                assert "{" not in error.message


def test_header_only_and_empty_reach_the_right_layer(tmp_path, sample_file):
    from validation.validate import validate_file

    header = tmp_path / "h.csv"
    header.write_text(sample_file(suffix=".csv").read_text(encoding="utf-8-sig").splitlines()[0] + "\n\n",
                      encoding="utf-16")
    report = validate_file(header, "SYT", DATASET)
    assert _codes(report.errors) == ["csv-encoding-used", "no-data-rows"]
    blank = tmp_path / "b.csv"
    blank.write_bytes("\ufeff ;;\r\n\t\r\n".encode("utf-8"))
    assert _codes(read_table(blank)[1]) == ["file-empty"]
