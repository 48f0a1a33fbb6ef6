"""Every file of the content corpus gives exactly its expected findings."""
import datetime as dt
from pathlib import Path

import pytest
import yaml

from validation.validate import Request, validate_files

HERE = Path(__file__).resolve().parent
EXPECTED = yaml.safe_load((HERE / "expected.yaml").read_text(encoding="utf-8"))
TODAY = dt.date(2021, 10, 23)


@pytest.fixture(scope="module")
def reports():
    names = sorted(EXPECTED)
    requests = [Request(HERE / n, EXPECTED[n]["unit"], EXPECTED[n]["dataset"]) for n in names]
    return dict(zip(names, validate_files(requests, today=TODAY)))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_content_corpus_file_gives_exact_findings(reports, name):
    findings = [[e["code"], e["row"], e["column"]] for e in reports[name].to_dict()["errors"]]
    assert findings == EXPECTED[name]["findings"]


def test_content_corpus_is_large_enough():
    bad = [n for n, e in EXPECTED.items() if any(f[0] for f in e["findings"])]
    assert len(bad) >= 45
