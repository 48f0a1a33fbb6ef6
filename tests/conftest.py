import datetime as dt
import os
from pathlib import Path

import pytest

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "test-artifacts"
DATASET = "epidemic_situation_by_district"
REPORT_DATE = dt.date(2021, 10, 22)


@pytest.fixture
def portal_home(tmp_path, monkeypatch):
    """An isolated PORTAL_HOME; returns its Settings."""
    from ingest.settings import load_settings

    monkeypatch.setenv("PORTAL_HOME", str(tmp_path / "home"))
    return load_settings()


@pytest.fixture
def sample_file(tmp_path):
    """Factory: write a valid sample submission and return its path."""
    from ingest.samples import sample_rows
    from ingest.schema import load_schema
    from ingest.templates import write_submission

    def make(unit="SYT", date=REPORT_DATE, slot="08:00", suffix=".xlsx", edit=None, name=None,
             dataset=DATASET):
        rows = sample_rows(dataset, unit, date, slot)
        if edit:
            edit(rows)
        out = tmp_path / (name or f"{unit}_{dataset}_{date}_{slot.replace(':', '')}{suffix}")
        return write_submission(load_schema(dataset), rows, out, unit)

    return make
