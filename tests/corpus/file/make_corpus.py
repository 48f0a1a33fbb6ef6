"""Write the file-layer corpus: bad, broken and unusual submissions.

Run: .venv/pipeline/bin/python tests/corpus/file/make_corpus.py
The files are committed (all small); expected.yaml says what validating each
must report. Built with the standard library and openpyxl only: encrypted
workbooks and legacy .xls are OLE compound files, written here by hand with
just the directory streams the reader looks at.
"""
from __future__ import annotations

import datetime as dt
import shutil
import struct
import sys
import tempfile
import unicodedata
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO))

from ingest.samples import sample_rows  # noqa: E402
from ingest.schema import load_schema  # noqa: E402
from ingest.templates import write_submission  # noqa: E402

OUT = Path(__file__).resolve().parent / "files"
DATASET = "epidemic_situation_by_district"
DATE = dt.date(2021, 10, 22)
TONES = "\u0300\u0301\u0303\u0309\u0323"
# Part of the TCVN3 (ABC) table, the pre-Unicode Vietnamese encoding of .Vn fonts.
TCVN3 = {"à": 0xB5, "á": 0xB8, "ả": 0xB6, "ã": 0xB7, "ạ": 0xB9, "ă": 0xA8, "â": 0xA9, "đ": 0xAE,
         "ê": 0xAA, "ô": 0xAB, "ơ": 0xAC, "ư": 0xAD, "ó": 0xE3, "ò": 0xDF, "ố": 0xE8, "ồ": 0xE5,
         "ệ": 0xD6, "ễ": 0xD4, "ế": 0xD5, "ị": 0xDE, "í": 0xDD, "ì": 0xD7, "ọ": 0xE4, "ộ": 0xE9,
         "ờ": 0xEA, "ớ": 0xED, "ợ": 0xEE, "ú": 0xF3, "ù": 0xEF, "ụ": 0xF4,
         "ừ": 0xF5, "ứ": 0xF8, "ử": 0xF6, "ự": 0xF9, "ý": 0xFD, "ỳ": 0xFA, "ỹ": 0xFC, "ỷ": 0xFB,
         "è": 0xCC, "é": 0xD0, "ẹ": 0xD1, "ấ": 0xCA, "ầ": 0xC7, "ậ": 0xCB, "ắ": 0xBE, "ằ": 0xBB,
         "ặ": 0xC6, "Đ": 0xA7, "Ô": 0xA4, "Â": 0xA2, "Ê": 0xA3, "Ư": 0xA6, "Ơ": 0xA5, "Ă": 0xA1,
         "ỏ": 0xE1, "õ": 0xE2, "ẻ": 0xCE, "ẽ": 0xCF, "ỉ": 0xD8, "ĩ": 0xDC, "ủ": 0xF1, "ũ": 0xF2,
         "ẩ": 0xC8, "ẫ": 0xC9, "ẳ": 0xBC, "ẵ": 0xBD, "ể": 0xD3, "ề": 0xD2, "ổ": 0xE6, "ỗ": 0xE7,
         "ở": 0xEB, "ỡ": 0xEC, "ữ": 0xF7, "ỵ": 0xFE}


def base_files(tmp: Path) -> tuple[Path, Path]:
    schema = load_schema(DATASET)
    rows = sample_rows(DATASET, "SYT", DATE, "08:00")
    return (write_submission(schema, rows, tmp / "base.csv", "SYT"),
            write_submission(schema, rows, tmp / "base.xlsx", "SYT"))


def csv_lines(base_csv: Path) -> list[list[str]]:
    return [line.split(",") for line in base_csv.read_text(encoding="utf-8-sig").splitlines()]


def join(lines, delimiter=",", newline="\n") -> str:
    return newline.join(delimiter.join(cells) for cells in lines) + newline


def to_cp1258(text: str) -> bytes:
    """What Windows writes: precomposed where cp1258 has the letter, otherwise
    the base letter followed by a combining tone mark."""
    out = bytearray()
    for ch in text:
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONES))
            out += (base + "".join(c for c in parts if c in TONES)).encode("cp1258")
    return bytes(out)


def to_tcvn3(text: str) -> bytes:
    out = bytearray()
    for ch in text:
        lower = ch.lower()
        if ord(ch) < 128:
            out.append(ord(ch))
        elif ch in TCVN3:
            out.append(TCVN3[ch])
        elif lower in TCVN3:
            out.append(TCVN3[lower])        # TCVN3 upper case uses other .VnTimeH fonts
        else:
            out.append(0xBF)
    return bytes(out)


def rezip(source: Path, out: Path, *, replace=None, add=None, drop=(), compression=zipfile.ZIP_DEFLATED):
    replace, add = replace or {}, add or {}
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(out, "w", compression) as zout:
        for item in zin.infolist():
            if item.filename in drop:
                continue
            data = zin.read(item.filename)
            if item.filename in replace:
                data = replace[item.filename](data)
            zout.writestr(item.filename, data)
        for name, data in add.items():
            zout.writestr(name, data)


def ole_file(streams: dict[str, bytes]) -> bytes:
    """A minimal compound file (v3, 512-byte sectors): FAT in sector 0, the
    directory in sector 1, each stream padded to 4096 bytes (so no mini stream)."""
    free, end, fat_sect = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    fat = [fat_sect, end]
    entries, data = [], b""
    for name, content in streams.items():
        content = content.ljust(4096, b"\0")
        start = len(fat)
        count = len(content) // 512
        fat += [start + i + 1 for i in range(count - 1)] + [end]
        entries.append((name, 2, start, len(content)))
        data += content
    assert len(fat) <= 128

    def entry(name, kind, start, size, child=free, right=free):
        raw = name.encode("utf-16-le") + b"\0\0"
        return (raw.ljust(64, b"\0") + struct.pack("<HBBIII", len(raw), kind, 1, free, right, child)
                + b"\0" * 36 + struct.pack("<IQ", start, size))

    directory = entry("Root Entry", 5, end, 0, child=1)
    for i, (name, kind, start, size) in enumerate(entries, start=1):
        directory += entry(name, kind, start, size, right=i + 1 if i < len(entries) else free)
    directory = directory.ljust(512, b"\0")
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16
              + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
              + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end, 0, end, 0)
              + struct.pack("<109I", 0, *([free] * 108)))
    fat_sector = struct.pack("<128I", *(fat + [free] * (128 - len(fat))))
    return header + fat_sector + directory + data


def xlsx_with_sheets(out: Path, sheets: list[tuple[str, list[list], str]]) -> None:
    """sheets: (title, rows, state) with state visible | hidden | veryHidden."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for title, rows, state in sheets:
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
        ws.sheet_state = state
    wb.save(out)


def xlsx_rows(base_xlsx: Path) -> list[list]:
    from openpyxl import load_workbook

    return [list(r) for r in load_workbook(base_xlsx).worksheets[0].iter_rows(values_only=True)]


def main() -> None:
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as tmp:
        build(*base_files(Path(tmp)))
    print(f"{len(list(OUT.iterdir()))} files in {OUT}")


def build(base_csv: Path, base_xlsx: Path) -> None:
    def write(name: str, data: bytes | str) -> None:
        (OUT / name).write_bytes(data.encode("utf-8") if isinstance(data, str) else data)

    lines = csv_lines(base_csv)
    text = join(lines)
    rows = xlsx_rows(base_xlsx)
    xlsx = base_xlsx.read_bytes()

    # --- good but unusual: each must validate ---
    write("utf8-bom.csv", base_csv.read_bytes())
    write("utf8-no-bom.csv", text)
    write("utf8-decomposed.csv", unicodedata.normalize("NFD", text))   # "Unicode tổ hợp" typing
    write("utf16le-bom.csv", b"\xff\xfe" + text.encode("utf-16-le"))
    write("utf16be-bom.csv", b"\xfe\xff" + text.encode("utf-16-be"))
    write("utf16le-no-bom.csv", text.encode("utf-16-le"))
    write("windows-1258.csv", to_cp1258(text.replace("\n", "\r\n")))
    semicolon = [list(r) for r in lines]
    for r in semicolon[1:]:
        r[3] = f'"{r[3]}"'
        r[6] = f"{int(r[6]):,}".replace(",", ".")          # 1.461: Vietnamese thousands
    write("semicolon-vietnamese-numbers.csv", join(semicolon, ";"))
    write("tab.csv", join(lines, "\t"))
    # Excel's "Unicode Text (*.txt)": UTF-16 LE with BOM, tab-delimited, CRLF.
    write("excel-unicode-text.txt", b"\xff\xfe" + join(lines, "\t", "\r\n").encode("utf-16-le"))
    write("crlf-trailing-delimiters.csv", join([r + ["", ""] for r in lines], ",", "\r\n"))
    write("xlsx-renamed.csv", xlsx)
    write("csv-renamed.xlsx", base_csv.read_bytes())
    xlsx_with_sheets(OUT / "hidden-sheet.xlsx",
                     [("Số liệu", rows, "visible"), ("Nháp", [["ghi chú", 1]], "hidden")])
    xlsx_with_sheets(OUT / "very-hidden-first-sheet.xlsx",
                     [("Cũ", rows[:3], "veryHidden"), ("Số liệu", rows, "visible")])
    xlsx_with_sheets(OUT / "first-sheet-empty.xlsx",
                     [("Bìa", [], "visible"), ("Số liệu", rows, "visible")])

    # --- empty, header only ---
    write("empty.csv", b"")
    write("empty.xlsx", b"")
    write("bom-only.csv", b"\xef\xbb\xbf")
    write("blank-lines.csv", ",,,\r\n\r\n \t \r\n,\r\n")
    write("header-only.csv", join(lines[:1]))
    xlsx_with_sheets(OUT / "header-only.xlsx", [("Số liệu", rows[:1], "visible")])
    xlsx_with_sheets(OUT / "all-sheets-empty.xlsx", [("Sheet1", [], "visible"), ("Sheet2", [], "visible")])
    xlsx_with_sheets(OUT / "data-only-in-hidden-sheet.xlsx",
                     [("Trang 1", [], "visible"), ("Số liệu", rows, "hidden")])
    hide = lambda data: data.replace(b'state="visible"', b'state="hidden"')  # noqa: E731
    rezip(base_xlsx, OUT / "no-visible-sheet.xlsx", replace={"xl/workbook.xml": hide})

    # --- broken or refused containers ---
    write("truncated.xlsx", xlsx[: len(xlsx) // 2])
    write("not-a-zip.xlsx", b"PK\x03\x04 this is not really a zip")
    rezip(base_xlsx, OUT / "corrupt-sheet-xml.xlsx",
          replace={"xl/worksheets/sheet1.xml": lambda d: d[: len(d) // 2]})
    with zipfile.ZipFile(OUT / "zip-not-workbook.xlsx", "w") as zf:
        zf.writestr("bao-cao/so-lieu.txt", "Số liệu tuần 43")
    with zipfile.ZipFile(OUT / "docx-renamed.xlsx", "w") as zf:
        zf.writestr("[Content_Types].xml", '<Types><Override PartName="/word/document.xml" ContentType='
                    '"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
        zf.writestr("word/document.xml", "<w:document/>")
    with zipfile.ZipFile(OUT / "ods-renamed.xlsx", "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", "<office:document-content/>")
    macro_type = lambda d: d.replace(  # noqa: E731
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
    rezip(base_xlsx, OUT / "macro.xlsm", replace={"[Content_Types].xml": macro_type},
          add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0" + b"\0" * 60})
    rezip(base_xlsx, OUT / "macro-renamed.xlsx", add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0" + b"\0" * 60})
    rezip(base_xlsx, OUT / "macro-content-type-only.xlsx", replace={"[Content_Types].xml": macro_type})
    write("encrypted.xlsx", ole_file({"EncryptionInfo": b"\x04\x00\x04\x00\x40\x00\x00\x00",
                                      "EncryptedPackage": b"\x10\x27\0\0\0\0\0\0"}))
    write("legacy.xls", ole_file({"Workbook": b"\x09\x08\x10\x00\x00\x06\x05\x00",
                                  "\x05SummaryInformation": b"\xfe\xff"}))
    write("legacy-renamed.xlsx", (OUT / "legacy.xls").read_bytes())
    write("word-97.xls", ole_file({"WordDocument": b"\xec\xa5", "1Table": b""}))
    rezip(base_xlsx, OUT / "zip-bomb-ratio.xlsx", add={"xl/media/image1.xml": b" " * (8 * 1024 * 1024)})
    write("zip-bomb-declared-size.xlsx", declared_size_bomb(xlsx))
    # One stray value far away makes calamine allocate the whole bounding box
    # (17 billion cells here): refused before the sheet is loaded.
    xlsx_with_sheets(OUT / "stray-cell-far-away.xlsx", [("Số liệu", rows, "visible")])
    far = lambda d: d.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" t="inlineStr">'  # noqa: E731
                              b"<is><t>x</t></is></c></row></sheetData>")
    rezip(OUT / "stray-cell-far-away.xlsx", OUT / "stray-cell-lying-dimension.xlsx",
          replace={"xl/worksheets/sheet1.xml": far})
    from openpyxl import load_workbook
    wb = load_workbook(OUT / "stray-cell-far-away.xlsx")
    wb.active["XFD1048576"] = "x"
    wb.save(OUT / "stray-cell-far-away.xlsx")

    # --- not text, or text in an encoding that cannot be trusted ---
    write("binary-garbage.csv", bytes((i * 7919 + 13) % 256 for i in range(3000)))
    write("pdf-renamed.csv", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n\x00\x01")
    write("html-export.xls", "<html><head><meta charset='utf-8'></head><body><table><tr><td>Ngày báo cáo"
          "</td></tr></table></body></html>")
    write("tcvn3.csv", to_tcvn3(text))
    write("utf16-truncated.csv", b"\xff\xfe" + text.encode("utf-16-le") + b"\x41")
    write("undecodable-bytes.csv", text.encode("utf-8").replace("Hóa".encode(), b"H\x81\x8da", 1))

    # --- CSV structure ---
    ragged = [list(r) for r in lines]
    ragged[3][6] = ragged[3][6][:1] + "," + ragged[3][6][1:]   # 1,461 typed without quotes
    write("ragged-decimal-comma.csv", join(ragged))
    unclosed = [list(r) for r in lines]
    unclosed[5][3] = '"' + unclosed[5][3]
    write("unclosed-quote.csv", join(unclosed))
    stray = [list(r) for r in lines]
    stray[4][3] = '"Huyện"' + stray[4][3][5:]
    write("stray-quote.csv", join(stray))


def declared_size_bomb(xlsx: bytes) -> bytes:
    """A workbook whose central directory declares a 2 GB sheet: refused on
    the declaration, before any byte is inflated."""
    data = bytearray(xlsx)
    name = b"xl/worksheets/sheet1.xml"
    at = data.find(b"PK\x01\x02")
    while at != -1:
        length = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46: at + 46 + length] == name:
            struct.pack_into("<I", data, at + 24, 0x7FFF0000)
            return bytes(data)
        at = data.find(b"PK\x01\x02", at + 4)
    raise RuntimeError("sheet1.xml not in the central directory")


if __name__ == "__main__":
    main()
