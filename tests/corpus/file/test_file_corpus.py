"""The file-layer corpus: every bad, broken or unusual file gives exactly the
expected error records (code, row, column), in Vietnamese, and never raises."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

from ingest.reader import read_table
from validation.validate import validate_file

HERE = Path(__file__).resolve().parent
FILES = HERE / "files"
EXPECTED = yaml.safe_load((HERE / "expected.yaml").read_text(encoding="utf-8"))
TODAY = dt.date(2021, 10, 23)
VIETNAMESE = re.compile("[ăâđêôơưáàảãạéèẻẽẹíìỉĩịóòỏõọúùủũụýỳỷỹỵ]", re.IGNORECASE)


def test_every_corpus_file_has_an_expectation():
    on_disk = {p.name for p in FILES.iterdir()}
    assert on_disk == set(EXPECTED)
    assert len(on_disk) >= 20


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_file(name):
    path = FILES / name
    read_table(path)    # a reader bug must fail here, not hide behind validate's catch-all
    report = validate_file(path, "SYT", "epidemic_situation_by_district", today=TODAY)
    got = sorted((e.code, e.row, e.column) for e in report.errors)
    want = sorted((e["code"], e.get("row"), e.get("column")) for e in EXPECTED[name])
    assert got == want, [e.message for e in report.errors]
    assert report.valid == (not any(e.severity == "error" for e in report.errors))
    for error in report.errors:
        assert "{" not in error.message and VIETNAMESE.search(error.message), error.message
