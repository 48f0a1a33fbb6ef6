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


def test_samples_validate_for_every_unit_and_dataset_pair(tmp_path):
    """`portal sample` output validates for every pair the registry allows, as .xlsx and .csv."""
    from ingest.registry import load_registry
    from ingest.schema import all_schemas
    from ingest.templates import write_submission
    from validation.validate import Request, validate_files

    requests = []
    for unit in load_registry().units.values():
        for schema in all_schemas().values():
            if unit.unit_type in schema.responsible_unit_types:
                rows = sample_rows(schema.name, unit.unit_code, dt.date(2021, 10, 22), "16:00")
                for suffix in (".xlsx", ".csv"):
                    out = write_submission(schema, rows, tmp_path / f"{unit.unit_code}_{schema.name}{suffix}",
                                           unit.unit_code)
                    requests.append(Request(out, unit.unit_code, schema.name))
    assert len(requests) == 2 * 157
    reports = validate_files(requests, today=dt.date(2021, 10, 23))
    failing = {r.path.name: [e.message for e in r.errors if e.severity == "error"][:2]
               for r in reports if not r.valid}
    assert failing == {}
