"""validation.typed and the reader's DuckDB fast path: the SQL shortcuts must
give exactly what the Python rules give.

- The CSV fast path (DuckDB reading a well-formed UTF-8 file) must yield the
  records the Python reader yields, or decline the file.
- A text cell typed by an SQL expression (the "plain" shortcut) must get the
  value validation/cells.py would give it.
"""
from __future__ import annotations

import itertools
import random
import sys
from pathlib import Path

import duckdb
import pytest

from ingest import reader
from ingest.schema import Field
from validation import typed
from validation.cells import parse_cell

HERE = Path(__file__).resolve().parent
CORPUS_CSV = sorted([*(HERE.parent / "corpus" / "file" / "files").glob("*.csv"),
                     *(HERE.parent / "corpus" / "content").glob("*.csv")])


def _records(table) -> list[tuple[int, list]]:
    """Rows with empty cells spelled the same way and trailing empties trimmed
    (DuckDB reads an empty unquoted cell as NULL, Python's csv as '')."""
    out = []
    for number, cells in table.rows:
        cells = ["" if c is None else c for c in cells]
        while cells and cells[-1] == "":
            cells.pop()
        out.append((number, cells))
    return out


def _python_reader(path: Path, monkeypatch):
    monkeypatch.setattr(reader, "_read_csv_duckdb", lambda *a: None)
    try:
        return reader.read_table(path, duckdb.connect())
    finally:
        monkeypatch.undo()


@pytest.mark.parametrize("path", CORPUS_CSV, ids=lambda p: p.name)
def test_reader_fast_path_reads_what_the_python_reader_reads(path, monkeypatch):
    con = duckdb.connect()
    fast = reader._read_csv_duckdb(path, path.read_bytes(), con)
    if fast is None:
        return      # declined: the Python reader reads it (what the corpus tests check)
    table, notes = fast
    slow, slow_notes = _python_reader(path, monkeypatch)
    assert _records(table) == _records(slow)
    assert [e.code for e in notes] == [e.code for e in slow_notes]
    assert (table.encoding, table.delimiter, table.count) == (slow.encoding, slow.delimiter, slow.count)


def test_reader_fast_path_declines_what_it_cannot_read_exactly():
    files = HERE.parent / "corpus" / "file" / "files"
    taken = {p.name for p in CORPUS_CSV if p.parent == files
             and reader._read_csv_duckdb(p, p.read_bytes(), duckdb.connect()) is not None}
    # Blank lines (DuckDB skips them, Excel numbers them), decomposed Vietnamese
    # (NFC is the Python reader's), other encodings, bad quoting, ragged rows.
    for name in ("blank-lines.csv", "utf8-decomposed.csv", "utf16le-bom.csv", "utf16be-bom.csv",
                 "utf16le-no-bom.csv", "windows-1258.csv", "tcvn3.csv", "unclosed-quote.csv",
                 "stray-quote.csv", "ragged-decimal-comma.csv", "empty.csv", "bom-only.csv"):
        assert name not in taken, name
    # The common case goes the fast way, whatever the delimiter or BOM.
    assert {"utf8-bom.csv", "utf8-no-bom.csv", "tab.csv", "semicolon-vietnamese-numbers.csv"} <= taken


def test_reader_fast_path_line_breaks_inside_quotes_and_lone_cr_go_to_python(tmp_path):
    con = duckdb.connect()
    for name, text in {"quoted-newline.csv": 'a,b\n1,"x\ny"\n2,z\n',
                       "lone-cr.csv": "a,b\n1,x\r2,y\n3,z\n"}.items():
        path = tmp_path / name
        path.write_bytes(text.encode())
        assert reader._read_csv_duckdb(path, path.read_bytes(), con) is None, name


def test_typed_whitespace_is_what_python_strips():
    python = "".join(ch for ch in map(chr, range(sys.maxunicode + 1)) if ch.isspace())
    assert typed.WHITESPACE == python


# Text a hand-typed spreadsheet holds around a value: every kind of space,
# signs, digits, a decimal comma, a Vietnamese letter, a quote.
ALPHABET = [" ", "  ", "\t", "\u00a0", "\u2003", "\u3000", "\n", "+", "-", "0", "7", "42", "1.234",
            ",5", "Đông", "a", "'", "٣"]


def _samples(seed: int = 7, count: int = 3000) -> list[str]:
    rng = random.Random(seed)
    texts = {"".join(p) for p in itertools.product(ALPHABET[:8], repeat=2)}
    texts |= {"".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 5))) for _ in range(count)}
    texts |= {"9" * 18, "9" * 19, "-" + "9" * 18, "1" * 15, "1" * 16}
    return sorted(texts)


@pytest.mark.parametrize("kind", ["string", "area_name", "area_code", "integer", "decimal"])
def test_typed_plain_shortcut_gives_the_python_parsers_value(kind):
    f = Field(name="x", title="X", type=kind)
    predicate, expression = typed.plain_sql(f)
    con = duckdb.connect()
    con.execute("CREATE TABLE t (v VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?)", [[s] for s in _samples()])
    rows = con.execute(f"SELECT v, {typed.on(expression, 'v')} FROM t "
                       f"WHERE v <> '' AND {typed.on(predicate, 'v')}").fetchall()
    assert rows, "the shortcut must apply to some values"
    for text, value in rows:
        assert parse_cell(kind, text) == (value, None), text


@pytest.mark.parametrize("case_limit", [typed.CASE_LIMIT, 0], ids=["inline CASE", "joined dictionary"])
def test_typed_view_matches_per_cell_parsing_for_a_coded_and_a_text_table(tmp_path, monkeypatch, case_limit):
    """One sheet read both ways (codes from the Python reader, text from
    DuckDB) types to the same rows, whether a column's answers are inlined
    or joined (a column with many distinct values)."""
    monkeypatch.setattr(typed, "CASE_LIMIT", case_limit)
    from validation.checks import map_header
    from ingest.schema import load_schema

    import csv

    schema = load_schema("case_line_list")
    records = [[f.title for f in schema.fields],
               ["22/10/2021", "TH-1", "  Nguyễn  Văn A ", "1985", "nu", "405", "Xã Đông Hoàng", "21/10/2021",
                "Khu cách ly", "Đang điều trị", ""],
               ["22/10/2021", "TH-2", "Trần Thị B", "1.985", "Nam", " 405", "Xã Đông Hoàng", "2021-10-21",
                "Cộng đồng", "Tử vong", "BV"],
               [""] * 11,
               ["22/10/2021", "TH-3", "Lê C", "+0007", "Nữ", "405", "Xã Đông Hoàng", "21.10.2021",
                "Chưa rõ", "Chuyển viện", "BV"]]
    path = tmp_path / "cases.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(records)
    results = []
    for fast in (True, False):
        con = duckdb.connect()
        table = (reader._read_csv_duckdb(path, path.read_bytes(), con)[0] if fast else
                 reader._load(con, "csv", *reader.columnize(iter(records)), encoding="UTF-8"))
        assert table.coded is not fast
        errors = []
        header = map_header(schema, table.head(10), errors)
        rows = typed.type_cells(schema, header, table, errors).frame()
        results.append((rows.to_dict("records"), [(e.code, e.row, e.column) for e in errors]))
    assert results[0] == results[1]
    rows, errors = results[0]
    assert [r["__row"] for r in rows] == [2, 3, 5]                  # the blank row 4 is not data
    assert [r["full_name"] for r in rows] == ["Nguyễn Văn A", "Trần Thị B", "Lê C"]
    assert [r["sex"] for r in rows] == ["Nữ", "Nam", "Nữ"]
    assert [r["birth_year"] for r in rows] == [1985, 1985, 7]
    assert [r["district_code"] for r in rows] == ["405", "405", "405"]
