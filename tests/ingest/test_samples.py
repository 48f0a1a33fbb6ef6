import datetime as dt

from ingest.samples import sample_rows
from validation.validate import validate_file

from tests.conftest import DATASET


def test_samples_cumulative_figures_never_decrease():
    previous = {}
    day = dt.date(2021, 9, 1)
    for offset in range(20):
        for slot in ("08:00", "16:00"):
            for row in sample_rows(DATASET, "SYT", day + dt.timedelta(days=offset), slot):
                key = row["district_code"]
                figures = (row["cumulative_cases"], row["recovered"], row["deaths"])
                if key in previous:
                    assert all(now >= before for now, before in zip(figures, previous[key]))
                previous[key] = figures


def test_samples_balance_and_cover_every_district():
    rows = sample_rows(DATASET, "CDC", dt.date(2021, 10, 22), "16:00")
    assert len(rows) == 27
    for row in rows:
        assert row["under_treatment"] + row["recovered"] + row["deaths"] == row["cumulative_cases"]


def test_samples_are_valid_submissions(sample_file):
    for suffix in (".xlsx", ".csv"):
        report = validate_file(sample_file(suffix=suffix), "SYT", DATASET, today=dt.date(2021, 10, 23))
        assert report.valid, report.to_dict()["errors"]
        assert report.rows == 27
