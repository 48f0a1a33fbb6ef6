"""Read a submitted file into rows of cells, numbered as Excel numbers them.

The format is detected from the content, never from the file name: an agency's
"bao_cao.xls" is as often a renamed .xlsx, an HTML export or a CSV as a real
Excel 97 file. Every problem becomes an error record (Vietnamese message,
code from validation/errors.yaml); nothing here raises on bad input, and
nothing is guessed silently: when the reader has to choose (encoding,
delimiter, which sheet) it says so in an info record.

The reader is on the hot path of backfills and of very large files, so the
file is read once, decoded once, and the workbook sheets other than the one
used are not parsed unless the first visible one is empty.
"""
from __future__ import annotations

import csv
import io
import itertools
import re
import struct
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from validation.errors import ErrorRecord, column_letter, make_error

ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls, or an encrypted .xlsx

# Limits. A daily district report is a few KB; these leave room for the
# 1,000,000-row benchmark file (about 60 MB as CSV, 80 MB as .xlsx whose
# sheet XML inflates to about 450 MB at a ratio near 6) while refusing what
# would exhaust the worker's memory.
# A million-row case line list is about 150 MB as CSV; that must pass.
MAX_FILE_BYTES = 256 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 1024 * 1024 * 1024     # sum of the zip's declared member sizes
MAX_COMPRESSION_RATIO = 100                     # real sheet XML deflates 5-20x; bombs 1000x
RATIO_CHECK_MIN_BYTES = 1024 * 1024             # small members may legitimately compress well
MAX_ZIP_MEMBERS = 10_000                        # a workbook has tens; millions is an attack
# calamine allocates the sheet's whole bounding box densely: one value in A1
# and one in XFD1048576 (a 5 KB file) is 17 billion cells and a Rust abort
# that kills the worker, not an exception. The 1,000,000 x 11 benchmark is 11M.
MAX_SHEET_CELLS = 20_000_000
FULL_SCAN_BYTES = 8 * 1024 * 1024               # sheets this small: every cell reference is checked

SNIFF_BYTES = 64 * 1024                         # sample for UTF-16 and delimiter detection
SNIFF_LINES = 50
DELIMITERS = (",", ";", "\t")
DELIMITER_NAMES = {";": "dấu chấm phẩy (;)", "\t": "ký tự tab"}

MAIN_CONTENT_TYPES = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": "xlsx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml": "xlsx",
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml": "macro",
    "application/vnd.ms-excel.template.macroEnabled.main+xml": "macro",
    "application/vnd.ms-excel.addin.macroEnabled.main+xml": "macro",
    "application/vnd.ms-excel.sheet.binary.macroEnabled.main": "xlsb",
}

# Letters of the Vietnamese alphabet outside ASCII, and the typographic marks
# Vietnamese office documents commonly contain. A Windows-1258 decoding whose
# non-ASCII characters are mostly outside this set is not Windows-1258 (it is
# typically TCVN3/VNI, which have no Python codec): refuse rather than load
# mojibake district names.
_VIETNAMESE = ("àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ")
VIETNAMESE_CHARS = frozenset(_VIETNAMESE + _VIETNAMESE.upper() + "–—‘’“”…•°±×÷€«»§©®™·\u00a0")
MAX_FOREIGN_SHARE = 0.1

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_CONTENT = re.compile(r'[^\s,;"]')
_HTML = re.compile(rb"^\s*<(!doctype\s+html|html|table|\?xml|meta|head|body)", re.IGNORECASE)


@dataclass
class Column:
    """One column of a sheet, dictionary-encoded: each distinct raw cell is kept
    once (``values``, code 0 is a missing cell) and every record holds a code.
    A million-row line list has few distinct dates, codes and statuses, so the
    later layers parse and check each distinct value once, not each cell."""
    values: list
    codes: np.ndarray            # int32, one per record


@dataclass
class RawTable:
    """The cells of one sheet, held in a DuckDB temporary table ``name`` of the
    connection ``con``: one row per record, in file order (record n is the
    table's ``rowid`` n - 1, and Excel's row n: blank rows included), one
    column ``c0``, ``c1``... per cell position.

    A column holds each cell in one of two ways, chosen by the reader:
    - text (a well-formed UTF-8 CSV that DuckDB read itself): the cell's text,
      NULL for an empty cell; ``dictionaries`` is None;
    - coded (a workbook, or a CSV only the Python reader could read): an INTEGER
      code into ``dictionaries[i]``, whose entries are the cells as read (str,
      float, int, datetime, bool), code 0 being the missing cell.
    Later layers work per distinct value, so either costs the same to validate;
    they never pull a million records into Python."""
    format: str                  # "xlsx" | "csv"
    con: object                  # duckdb.DuckDBPyConnection
    name: str                    # temporary table holding the records
    width: int                   # cell columns
    count: int                   # records (Excel rows, from 1)
    dictionaries: list[list] | None = None
    encoding: str | None = None  # csv: codec used to decode the bytes
    delimiter: str | None = None # csv
    sheet: str | None = None     # xlsx: name of the worksheet read

    ROW = "(rowid + 1)"          # a record's Excel row number, in SQL over ``name``

    @property
    def coded(self) -> bool:
        return self.dictionaries is not None

    def head(self, n: int) -> list[tuple[int, list]]:
        return self._fetch(f"WHERE rowid < {int(n)}")

    @property
    def rows(self) -> list[tuple[int, list]]:
        """Every record as (Excel row number, cells). Costly on big files: the
        validation layers use SQL over ``name``; this serves small copies and tests."""
        return self._fetch("")

    def _fetch(self, where: str) -> list[tuple[int, list]]:
        cells = ", ".join(f"c{i}" for i in range(self.width))
        found = self.con.execute(f"SELECT {self.ROW}, {cells} FROM {self.name} {where} ORDER BY rowid").fetchall()
        if not self.coded:
            return [(number, list(values)) for number, *values in found]
        return [(number, [d[c] for d, c in zip(self.dictionaries, values)]) for number, *values in found]

    def drop(self) -> None:
        self.con.execute(f"DROP TABLE IF EXISTS {self.name}")


CHUNK_RECORDS = 65_536


def columnize(records) -> tuple[list[Column], np.ndarray]:
    """Dictionary-encode an iterator of records (lists of cells) column by
    column, a chunk at a time, so memory holds codes and distinct values, never
    a million Python lists. Missing cells of short records get code 0.

    Each chunk is factorised at C speed, then the chunks' distinct values are
    factorised together once, so no Python code runs per cell."""
    import gc

    chunks: list[list[tuple[np.ndarray, np.ndarray]]] = []   # per column: (local codes, uniques)
    widths: list[np.ndarray] = []
    done = 0
    enabled = gc.isenabled()
    gc.disable()          # the collector rescans every chunk's lists: twice the time for nothing
    try:
        while block := list(itertools.islice(records, CHUNK_RECORDS)):
            lengths = np.fromiter(map(len, block), dtype=np.int32, count=len(block))
            widths.append(lengths)
            for index, cells in enumerate(_transpose(block, lengths)):
                if index == len(chunks):                      # a column first seen in this chunk
                    chunks.append([(np.full(done, -1, dtype=np.int64), np.empty(0, dtype=object))])
                chunks[index].append(_factorize(cells))
            for index in range(max(map(len, block), default=0), len(chunks)):
                chunks[index].append((np.full(len(block), -1, dtype=np.int64), np.empty(0, dtype=object)))
            done += len(block)
    finally:
        if enabled:
            gc.enable()
    return [_merge(parts) for parts in chunks], (np.concatenate(widths) if widths else np.zeros(0, np.int32))


def _transpose(block: list[list], lengths: np.ndarray):
    """The columns of a block of records. Records of one width (every row a
    workbook gives) go through one 2-D array, cheaper than zip_longest;
    ragged ones (a hand-edited CSV) are padded with None."""
    if len(block) and lengths.min() == lengths.max() > 0:
        grid = np.empty((len(block), int(lengths[0])), dtype=object)
        grid[:] = block
        return (grid[:, i] for i in range(grid.shape[1]))
    return (np.array(cells, dtype=object) for cells in itertools.zip_longest(*block, fillvalue=None))


def _merge(parts: list[tuple[np.ndarray, np.ndarray]]) -> Column:
    import pandas as pd

    all_uniques = np.concatenate([uniques for _, uniques in parts])
    merged, values = pd.factorize(all_uniques)
    codes, start = [], 0
    for local, uniques in parts:
        # Code 0 is the missing cell (factorize's -1, from None); the rest shift by one.
        lookup = np.append(merged[start:start + len(uniques)] + 1, 0).astype(np.int32)
        codes.append(lookup[local])
        start += len(uniques)
    return Column([None, *(v.value if type(v) is _Bool else v for v in values)], np.concatenate(codes))


class _Bool:
    """A TRUE/FALSE cell, kept apart from the numbers 1 and 0 it equals in Python."""
    __slots__ = ("value",)

    def __init__(self, value: bool):
        self.value = value

    def __eq__(self, other):
        return type(other) is _Bool and other.value == self.value

    def __hash__(self):
        return hash((_Bool, self.value))


_TRUE, _FALSE = _Bool(True), _Bool(False)


def _factorize(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    import pandas as pd

    local, uniques = pd.factorize(cells)
    if pd.api.types.infer_dtype(uniques, skipna=True) == "string":
        return local, uniques         # text only (checked at C speed): no TRUE to tell from a 1
    if any(type(v) is not str and (v is True or v is False or v == 0 or v == 1) for v in uniques):
        # A TRUE may have been merged with a 1 (or FALSE with a 0): keep them apart.
        is_bool = np.fromiter((type(v) is bool for v in cells), dtype=bool, count=len(cells))
        if is_bool.any():
            cells = cells.copy()
            for position in np.flatnonzero(is_bool):
                cells[position] = _TRUE if cells[position] else _FALSE
            local, uniques = pd.factorize(cells)
    return local, uniques


_TABLES = itertools.count(1)


def _table_name(kind: str) -> str:
    """A temporary table name unique in the process: one connection may hold
    the tables of many files (a batch, a rebuild)."""
    import os

    return f"{kind}_{os.getpid()}_{next(_TABLES)}"


def _load(con, format: str, columns: list[Column], widths: np.ndarray, **meta) -> RawTable:
    """Move dictionary-encoded columns into a temporary table of codes."""
    import pandas as pd

    name = _table_name("raw")
    if not columns:    # records with no cells at all: one column of missing cells
        columns = [Column([None], np.zeros(len(widths), dtype=np.int32))]
    codes = pd.DataFrame({f"c{i}": c.codes for i, c in enumerate(columns)}, copy=False)
    con.register("__cells", codes)
    try:
        con.execute(f"CREATE TEMP TABLE {name} AS SELECT * FROM __cells")
    finally:
        con.unregister("__cells")
    return RawTable(format, con, name, width=len(columns), count=len(widths),
                    dictionaries=[c.values for c in columns], **meta)


def detect_format(head: bytes) -> str:
    if not head:
        return "empty"
    if head.startswith(ZIP_MAGIC) or head.startswith(EMPTY_ZIP_MAGIC):
        return "zip"
    if head.startswith(OLE_MAGIC):
        return "ole"
    return "text"


def read_table(path: Path, con=None) -> tuple[RawTable | None, list[ErrorRecord]]:
    """Read ``path`` into a temporary table of ``con`` (a private in-memory
    DuckDB connection when None). Returns the table, or None with the errors
    that make the file unreadable; the errors list also carries the reader's
    notes (encoding, delimiter, sheet chosen)."""
    import duckdb

    path = Path(path)
    con = con if con is not None else duckdb.connect()
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return None, [make_error("file-too-large", value=_megabytes(size),
                                     limit=_megabytes(MAX_FILE_BYTES))]
        with path.open("rb") as fh:
            head = fh.read(len(OLE_MAGIC))
            kind = detect_format(head)
            # Text and OLE files are read whole, once; a zip is left to the
            # zip reader, which only needs its central directory.
            data = head + fh.read() if kind in ("text", "ole") else b""
    except OSError as exc:
        return None, [make_error("file-unreadable", detail="hệ thống không mở được tệp",
                                 technical=str(exc))]
    if kind == "empty":
        return None, [make_error("file-empty")]
    if kind == "zip":
        return _read_xlsx(path, con)
    if kind == "ole":
        return None, [_ole_error(data)]
    return _read_csv(path, data, con)


def _megabytes(size: int) -> str:
    return f"{size / 2**20:.1f}".replace(".", ",") + " MB"


# --- xlsx -----------------------------------------------------------------

def _read_xlsx(path: Path, con) -> tuple[RawTable | None, list[ErrorRecord]]:
    corrupt = "tệp Excel bị hỏng hoặc chưa được tải lên đầy đủ; hãy mở lại bằng Excel, lưu rồi nộp lại"
    try:
        with zipfile.ZipFile(path) as zf:
            members = zf.infolist()
            refusal = _zip_bomb(members)
            if refusal:
                return None, [refusal]
            names = {m.filename for m in members}
            kind = _package_kind(zf, names)
            if kind == "xlsx":
                refusal = _sheet_area(zf, members)
                if refusal:
                    return None, [refusal]
                own_lists = _template_lists_sheet(zf, names)
    # What zipfile raises on damaged archives: bad structures, inflate errors,
    # CRC mismatches, unsupported compression, password-protected zip members.
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, KeyError,
            NotImplementedError, RuntimeError, zlib.error, struct.error) as exc:
        return None, [make_error("file-unreadable", detail=corrupt, technical=str(exc))]
    if kind == "macro":
        return None, [make_error("xlsx-macro")]
    if kind != "xlsx":
        return None, [make_error("file-format-unsupported", detail=kind)]
    return _read_workbook(path, con, corrupt, own_lists)


# Our templates keep their drop-down sources on a hidden sheet and name it in
# this custom document property (ingest/templates.py); that sheet is expected
# to be hidden and holds no data, so it gets no warning.
TEMPLATE_LISTS_PROPERTY = "CongThongTinCovid.DanhMuc"


def _template_lists_sheet(zf: zipfile.ZipFile, names: set[str]) -> str | None:
    if "docProps/custom.xml" not in names:
        return None
    import xml.etree.ElementTree as ET

    try:
        root = ET.fromstring(zf.read("docProps/custom.xml")[:1_000_000])
    except ET.ParseError:
        return None
    for prop in root:
        if prop.get("name") == TEMPLATE_LISTS_PROPERTY:
            return "".join(prop.itertext()).strip() or None
    return None


def _zip_bomb(members: list[zipfile.ZipInfo]) -> ErrorRecord | None:
    """Judge the archive on its declared sizes, before anything is inflated."""
    if len(members) > MAX_ZIP_MEMBERS:
        return make_error("zip-bomb", detail=f"{len(members):,} thành phần".replace(",", "."))
    total = sum(m.file_size for m in members)
    if total > MAX_UNCOMPRESSED_BYTES:
        return make_error("zip-bomb", detail=f"{_megabytes(total)} sau giải nén, giới hạn "
                                             f"{_megabytes(MAX_UNCOMPRESSED_BYTES)}")
    for m in members:
        ratio = m.file_size / max(m.compress_size, 1)
        if m.file_size > RATIO_CHECK_MIN_BYTES and ratio > MAX_COMPRESSION_RATIO:
            return make_error("zip-bomb", detail=f"thành phần {m.filename} nén {ratio:,.0f} lần"
                                                 .replace(",", "."))
    return None


_WORKSHEET_PART = re.compile(r"xl/worksheets/[^/]+\.xml")
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([A-Z]{1,3})(\d+)(?::([A-Z]{1,3})(\d+))?\"")
_CELL_REF = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')


def _column_number(letters: bytes) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ch - 64
    return number


def _sheet_area(zf: zipfile.ZipFile, members: list[zipfile.ZipInfo]) -> ErrorRecord | None:
    """Refuse a worksheet whose bounding box calamine could not allocate. The
    declared <dimension> (Excel and openpyxl always write it, accurately) is
    read from the first KB; small sheets are also checked cell by cell, so a
    lying dimension needs a sheet too big to be cheap to forge."""
    for member in members:
        if not _WORKSHEET_PART.fullmatch(member.filename):
            continue
        with zf.open(member) as fh:
            head = fh.read(4096)
            refs = []
            found = _DIMENSION.search(head)
            if found:
                first_col, first_row, last_col, last_row = found.groups()
                refs = [(first_col, first_row), (last_col or first_col, last_row or first_row)]
            if member.file_size <= FULL_SCAN_BYTES:
                refs += _CELL_REF.findall(head + fh.read())
        if not refs:
            continue
        columns = [_column_number(c) for c, _ in refs]
        rows = [int(r) for _, r in refs]
        area = max(columns) * max(rows)     # rows are read from A1 (Excel numbering kept)
        if area > MAX_SHEET_CELLS:
            corner = f"{column_letter(max(columns) - 1)}{max(rows)}"
            return make_error("sheet-too-large", value=corner,
                              detail=f"{area:,}".replace(",", "."),
                              limit=f"{MAX_SHEET_CELLS:,}".replace(",", "."))
    return None


def _package_kind(zf: zipfile.ZipFile, names: set[str]) -> str:
    """'xlsx', 'macro', or a Vietnamese description of what the zip really is."""
    if "xl/vbaProject.bin" in names:
        return "macro"      # whatever the content type claims, the macros are in there
    if "[Content_Types].xml" in names:
        types = zf.read("[Content_Types].xml").decode("utf-8", "replace")
        for content_type, kind in MAIN_CONTENT_TYPES.items():
            if content_type in types:
                if kind == "xlsb":
                    return "tệp Excel nhị phân .xlsb; hãy lưu thành .xlsx"
                if kind == "macro" or "xl/workbook.xml" in names:
                    return kind
        if "word/document.xml" in names:
            return "tệp Word .docx"
        if "ppt/presentation.xml" in names:
            return "tệp PowerPoint .pptx"
    if "mimetype" in names and b"opendocument.spreadsheet" in zf.read("mimetype")[:100]:
        return "bảng tính OpenDocument .ods; hãy lưu thành .xlsx"
    if "xl/workbook.xml" in names:
        return "tệp nén có cấu trúc giống Excel nhưng thiếu phần khai báo; hãy mở bằng Excel, lưu lại"
    return "tệp nén .zip không phải bảng tính Excel"


def _read_workbook(path: Path, con, corrupt: str,
                   own_lists: str | None = None) -> tuple[RawTable | None, list[ErrorRecord]]:
    import python_calamine

    errors: list[ErrorRecord] = []
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
        sheets = workbook.sheets_metadata
        worksheets = [(i, s) for i, s in enumerate(sheets)
                      if s.typ == python_calamine.SheetTypeEnum.WorkSheet]
        for _, s in worksheets:
            if s.visible != python_calamine.SheetVisibleEnum.Visible and s.name != own_lists:
                very = s.visible == python_calamine.SheetVisibleEnum.VeryHidden
                errors.append(make_error("sheet-hidden", value=s.name,
                                         detail=" (ẩn ở mức cao, chỉ bỏ ẩn được trong trình soạn VBA)"
                                         if very else ""))
        visible = [(i, s) for i, s in worksheets if s.visible == python_calamine.SheetVisibleEnum.Visible]
        if not visible:
            return None, errors + [make_error("sheet-none-visible")]
        for position, (index, sheet) in enumerate(visible):
            columns, widths = _read_sheet(workbook.get_sheet_by_index(index))
            if any(any(_filled(v) for v in c.values) for c in columns):
                break
        else:
            return None, errors + [make_error("file-empty")]
    except Exception as exc:  # calamine raises its own error types for corrupt parts
        return None, errors + [make_error("file-unreadable", detail=corrupt,
                                          technical=f"{type(exc).__name__}: {exc}")]
    if index != 0:
        why = (f' vì trang tính "{visible[0][1].name}" đang trống' if position
               else " vì các trang tính đứng trước bị ẩn hoặc không phải bảng số liệu")
        errors.append(make_error("sheet-chosen", value=sheet.name, detail=why))
    return _load(con, "xlsx", columns, widths, sheet=sheet.name), errors


def _filled(value) -> bool:
    return value != "" and value is not None


def _read_sheet(sheet) -> tuple[list[Column], np.ndarray]:
    """Rows from A1 as Excel numbers them. calamine yields rows from row 1 but
    columns only from the first used one: pad the columns on the left."""
    offset = sheet.start[1] if sheet.start else 0
    rows = sheet.iter_rows()
    if offset:
        pad = [""] * offset
        rows = (pad + row for row in rows)
    return columnize(rows)


# --- OLE compound files (legacy .xls, encrypted .xlsx) ---------------------

def _ole_error(data: bytes) -> ErrorRecord:
    names = _ole_stream_names(data)
    if names is None:   # directory unreadable: the names are still in the bytes
        names = {n for n in ("EncryptionInfo", "Workbook", "Book", "WordDocument")
                 if n.encode("utf-16-le") in data}
        if not names:
            return make_error("file-unreadable",
                              detail="tệp Office cũ bị hỏng; hãy mở bằng Excel và lưu thành .xlsx")
    if "EncryptionInfo" in names or "EncryptedPackage" in names:
        return make_error("xlsx-encrypted")
    if "Workbook" in names or "Book" in names:
        return make_error("xls-legacy")
    if "WordDocument" in names:
        return make_error("file-format-unsupported", detail="tệp Word .doc")
    return make_error("file-format-unsupported", detail="tệp Office cũ không phải bảng tính Excel")


def _ole_stream_names(data: bytes) -> set[str] | None:
    """Names in the compound file's directory, or None if it cannot be walked."""
    try:
        shift = struct.unpack_from("<H", data, 0x1E)[0]
        if shift not in (9, 12):
            return None
        size = 1 << shift
        per_sector = size // 4
        n_sectors = max(0, (len(data) - size) // size)
        first_dir, = struct.unpack_from("<I", data, 0x30)
        first_difat, n_difat = struct.unpack_from("<II", data, 0x44)
        fat_sectors = [s for s in struct.unpack_from("<109I", data, 0x4C) if s < n_sectors]
        sector = first_difat
        for _ in range(min(n_difat, n_sectors)):
            if sector >= n_sectors:
                break
            entries = struct.unpack_from(f"<{per_sector}I", data, (sector + 1) * size)
            fat_sectors += [s for s in entries[:-1] if s < n_sectors]
            sector = entries[-1]
        fat = []
        for s in fat_sectors:
            fat += struct.unpack_from(f"<{per_sector}I", data, (s + 1) * size)
        names, sector, seen = set(), first_dir, set()
        while sector < n_sectors and sector not in seen:   # ENDOFCHAIN is 0xFFFFFFFE
            seen.add(sector)
            base = (sector + 1) * size
            for entry in range(base, base + size, 128):
                length, kind = struct.unpack_from("<HB", data, entry + 64)
                if kind in (1, 2) and 2 <= length <= 64:
                    names.add(data[entry:entry + length - 2].decode("utf-16-le", "replace"))
            sector = fat[sector] if sector < len(fat) else n_sectors
        return names or None
    except struct.error:
        return None


# --- CSV ------------------------------------------------------------------

def _decode(data: bytes) -> tuple[str | None, str | None, ErrorRecord | None]:
    """(text, label of the encoding, error). One decode of the whole file."""
    if data.startswith(b"\xef\xbb\xbf"):
        codec, label, body = "utf-8", "UTF-8", data[3:]
    elif data.startswith(b"\xff\xfe"):
        codec, label, body = "utf-16-le", "UTF-16 LE", data[2:]
    elif data.startswith(b"\xfe\xff"):
        codec, label, body = "utf-16-be", "UTF-16 BE", data[2:]
    else:
        codec, label, body = _utf16_without_bom(data[:SNIFF_BYTES]), None, data
        if codec:
            label = "UTF-16 LE" if codec.endswith("le") else "UTF-16 BE"
        elif b"\x00" in data[:SNIFF_BYTES]:
            return None, None, make_error("file-format-unsupported", detail=_binary_kind(data))
    if codec:
        try:
            return body.decode(codec), label, None
        except UnicodeDecodeError as exc:
            return None, None, make_error("file-encoding", technical=str(exc))
    try:
        return data.decode("utf-8"), "UTF-8", None
    except UnicodeDecodeError:
        pass
    try:
        text = unicodedata.normalize("NFC", data.decode("cp1258"))
    except UnicodeDecodeError as exc:
        return None, None, make_error("file-encoding", technical=str(exc))
    foreign = [ch for ch in text if ord(ch) > 127 and ch not in VIETNAMESE_CHARS]
    non_ascii = sum(ord(ch) > 127 for ch in text)
    if len(foreign) > MAX_FOREIGN_SHARE * non_ascii:
        return None, None, make_error("file-encoding", technical="not cp1258: " + "".join(foreign[:20]))
    return text, "Windows-1258", None


def _utf16_without_bom(sample: bytes) -> str | None:
    """Text in UTF-16 has a NUL in (nearly) every other byte: CSV is mostly ASCII."""
    sample = sample[:len(sample) // 2 * 2]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) // 2
    if odd > 0.3 * half and even < 0.02 * half:
        return "utf-16-le"
    if even > 0.3 * half and odd < 0.02 * half:
        return "utf-16-be"
    return None


def _binary_kind(data: bytes) -> str:
    signatures = {b"%PDF": "tệp PDF", b"\x89PNG": "tệp ảnh PNG", b"\xff\xd8\xff": "tệp ảnh JPEG",
                  b"\x1f\x8b": "tệp nén .gz", b"Rar!": "tệp nén .rar", b"7z\xbc\xaf": "tệp nén .7z"}
    for magic, kind in signatures.items():
        if data.startswith(magic):
            return kind
    return "tệp nhị phân, không phải văn bản CSV"


def _sniff_delimiter(sample: str) -> str:
    """The delimiter giving the most lines the same number (> 1) of columns;
    a comma when none splits the lines. Quotes are honoured, so '"1.234,5"' under ';'
    does not vote for ','."""
    lines = sample.splitlines()[:SNIFF_LINES + 1]
    if len(lines) > 1 and len(sample) >= SNIFF_BYTES:
        lines = lines[:-1]                   # the last line may be cut mid-way
    best, best_score = ",", None
    for delimiter in DELIMITERS:
        try:
            widths = [len(_trim(r)) for r in csv.reader(lines, delimiter=delimiter) if _trim(r)]
        except csv.Error:
            continue
        if not widths:
            continue
        mode = max(set(widths), key=lambda w: (widths.count(w), w))
        score = (widths.count(mode) / len(widths), mode)
        if mode > 1 and (best_score is None or score > best_score):
            best, best_score = delimiter, score
    return best


def _trim(cells: list) -> list:
    end = len(cells)
    while end and not str(cells[end - 1]).strip():
        end -= 1
    return cells[:end]


def _read_csv(path: Path, data: bytes, con) -> tuple[RawTable | None, list[ErrorRecord]]:
    if _HTML.match(data[:1024].lstrip(b"\xef\xbb\xbf")):
        return None, [make_error("file-format-unsupported",
                                 detail="trang HTML/XML, thường do phần mềm xuất ra với đuôi .xls; "
                                        "hãy mở bằng Excel và lưu thành .xlsx")]
    fast = _read_csv_duckdb(path, data, con)
    if fast is not None:
        return fast
    text, encoding, error = _decode(data)
    if error:
        return None, [error]
    if encoding != "Windows-1258":   # cp1258 is normalised in _decode already
        # Decomposed Vietnamese (Unicode tổ hợp) is the same text; NFC makes
        # 'Hóa' match. The quick check makes this near free for NFC text.
        text = unicodedata.normalize("NFC", text)
    if not _CONTENT.search(text):
        return None, [make_error("file-empty")]   # only whitespace and delimiters
    sample = text[:SNIFF_BYTES]
    if len(_CONTROL.findall(sample)) > 0.01 * max(len(sample), 1):
        return None, [make_error("file-format-unsupported", detail=_binary_kind(data))]
    errors = []
    if encoding != "UTF-8":
        errors.append(make_error("csv-encoding-used", value=encoding))
    delimiter = _sniff_delimiter(sample)
    if delimiter != ",":
        errors.append(make_error("csv-delimiter-used", value=DELIMITER_NAMES[delimiter]))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        columns, widths = columnize(reader)
    except csv.Error as exc:
        detail = ("dấu ngoặc kép mở nhưng không đóng" if "end of data" in str(exc)
                  else "dấu ngoặc kép đặt sai chỗ" if "expected after" in str(exc)
                  else "ô quá dài hoặc ký tự không hợp lệ")
        return None, errors + [make_error("csv-malformed", row=_records_before_error(text, delimiter) + 1,
                                          detail=detail, technical=str(exc))]
    errors += _ragged_rows(columns, widths)
    return _load(con, "csv", columns, widths, encoding=encoding, delimiter=delimiter), errors


# Combining diacritical marks (U+0300-U+036F) start with these UTF-8 bytes: the
# marks that "Unicode tổ hợp" keyboards type after a letter, which the Python
# reader composes (NFC). A file holding any is left to it.
_COMBINING_LEAD_BYTES = (b"\xcc", b"\xcd")


def _read_csv_duckdb(path: Path, data: bytes, con) -> tuple[RawTable, list[ErrorRecord]] | None:
    """The fast path for the common case: a well-formed UTF-8 CSV (what our
    templates and every spreadsheet program write) is read by DuckDB's parallel
    reader, with no Python object per cell. It must give exactly the records
    the Python reader would, so it is taken only when nothing can differ:
    UTF-8 (DuckDB refuses anything else), already composed (NFC), one record
    per line (no blank lines, which DuckDB skips, and no line breaks inside
    quotes), every record as wide as the sample's widest, strict quoting.
    Anything else returns None, and the Python reader reads the file and
    explains what is wrong with it."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or any(b in data for b in _COMBINING_LEAD_BYTES):
        return None
    sample_bytes = data[:SNIFF_BYTES]
    if b"\x00" in sample_bytes or _utf16_without_bom(sample_bytes):
        return None
    sample = sample_bytes.decode("utf-8", "ignore").lstrip("\ufeff")
    if not _CONTENT.search(sample) or _CONTROL.search(sample):
        return None
    delimiter = _sniff_delimiter(sample)
    lines = sample.splitlines()
    if len(sample_bytes) < len(data):
        lines = lines[:-1]                    # the sample may end mid-record
    try:
        width = max((len(r) for r in csv.reader(lines, delimiter=delimiter, strict=True)), default=0)
    except csv.Error:
        return None
    records = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    if width == 0:
        return None
    name = _table_name("raw")
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width)) + "}"
    try:
        con.execute(f"""CREATE TEMP TABLE {name} AS SELECT * FROM read_csv(?, delim = ?, quote = '"',
                            escape = '"', header = false, auto_detect = false, strict_mode = true,
                            columns = {columns})""", [str(path), delimiter])
    except Exception:    # duckdb.Error: malformed, ragged, not UTF-8... the Python reader says which
        con.execute(f"DROP TABLE IF EXISTS {name}")
        return None
    count = con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
    if count != records:
        con.execute(f"DROP TABLE {name}")
        return None
    errors = [] if delimiter == "," else [make_error("csv-delimiter-used", value=DELIMITER_NAMES[delimiter])]
    return RawTable("csv", con, name, width=width, count=count, encoding="UTF-8",
                    delimiter=delimiter), errors


def _records_before_error(text: str, delimiter: str) -> int:
    """How many records parse before the malformed one (the error path only:
    counting on the hot path would cost a Python call per record)."""
    count = 0
    try:
        for count, _ in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter,
                                             strict=True), start=1):
            pass
    except csv.Error:
        pass
    return count


def _ragged_rows(columns: list[Column], widths: np.ndarray) -> list[ErrorRecord]:
    """Rows with data beyond the header's last column: usually a number with a
    decimal comma ("1,5") left unquoted, which shifts every later cell."""
    def record(position: int) -> list:
        return [c.values[c.codes[position]] for c in columns[:widths[position]]]

    # The header is the early row with the most cells containing letters:
    # titles above it have one, data rows mostly numbers.
    start = width = 0
    best = -1
    for position in range(min(10, len(widths))):
        cells = record(position)
        wordy = sum(any(ch.isalpha() for ch in c) for c in cells)
        if wordy > best:
            best, start, width = wordy, position, len(_trim(cells))
    if best <= 0:
        return []           # no header-like row: header-not-found will say so
    if len(widths) <= start + 1 or int(widths[start + 1:].max()) <= width:
        return []           # the common case, at C speed on a million rows
    errors = []
    extra_cells = [(i, c) for i, c in enumerate(columns) if i >= width]
    for position in np.flatnonzero(widths > width):
        if position <= start:
            continue
        for i, column in extra_cells:
            value = column.values[column.codes[position]]
            if value is not None and value.strip():
                errors.append(make_error("csv-ragged-row", row=int(position) + 1, column=column_letter(i),
                                         value=value, count=len(_trim(record(position))),
                                         expected=width))
                break
    return errors
