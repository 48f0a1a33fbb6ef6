import datetime as dt
from pathlib import Path

import pytest
from openpyxl import load_workbook

from ingest.docs import render
from ingest.registry import load_registry
from ingest.schema import all_schemas, load_schema
from ingest.templates import (DATA_SHEET, GUIDE_SHEET, LISTS_PROPERTY, LISTS_SHEET, example_rows,
                              prefilled_rows, write_submission, write_template)
from validation.validate import Request, validate_file, validate_files

from tests.conftest import DATASET, REPO

TODAY = dt.date(2021, 12, 1)   # after every example date in the schemas


def allowed_pairs() -> list[tuple[str, str]]:
    """Every (unit, dataset) the registry lets a unit submit."""
    return [(unit.unit_code, schema.name)
            for unit in load_registry().units.values()
            for schema in all_schemas().values()
            if unit.unit_type in schema.responsible_unit_types]


def list_values(wb, title: str) -> list[str] | None:
    """The drop-down values Excel offers under the data column titled
    ``title``, resolved through the validation's workbook name; None when
    the column has no list."""
    sheet = wb[DATA_SHEET]
    column = next(c.column_letter for c in sheet[1] if c.value == title)
    for rule in sheet.data_validations.dataValidation:
        if rule.type == "list" and any(str(r).startswith(f"{column}2:") for r in rule.sqref.ranges):
            name = rule.formula1.lstrip("=")
            ((sheet_name, ref),) = wb.defined_names[name].destinations
            return [row[0].value for row in wb[sheet_name][ref.replace("$", "")]]
    return None


def fill(template: Path, out: Path, unit: str, dataset: str) -> Path:
    """What a clerk does: open the template, type the rows, save."""
    schema = load_schema(dataset)
    wb = load_workbook(template)
    sheet = wb[DATA_SHEET]
    for r, row in enumerate(example_rows(schema, unit), start=2):
        for c, f in enumerate(schema.fields, start=1):
            sheet.cell(row=r, column=c, value=row[f.name])
    wb.save(out)
    return out


def problems(report) -> list[tuple[str, str]]:
    """Errors and warnings, except the hidden-sheet warning about the lists
    sheet the template itself adds (the reader may learn to skip it)."""
    return [(e.code, e.message) for e in report.errors
            if e.severity != "info" and not (e.code == "sheet-hidden" and LISTS_SHEET in e.message)]


@pytest.fixture(scope="module")
def templates(tmp_path_factory) -> dict[tuple[str, str], Path]:
    """Every allowed template, written once for the tests of this module."""
    folder = tmp_path_factory.mktemp("templates")
    return {(unit, dataset): write_template(load_schema(dataset), folder / f"{unit}_{dataset}.xlsx", unit)
            for unit, dataset in allowed_pairs()}


def test_templates_xlsx_headers_come_from_the_schema(tmp_path):
    schema = load_schema(DATASET)
    out = write_submission(schema, prefilled_rows(schema), tmp_path / "mau.xlsx", "SYT")
    wb = load_workbook(out)
    sheet = wb["Số liệu"]
    assert [c.value for c in sheet[1]] == [f.title for f in schema.fields]
    assert [sheet.cell(row=r, column=3).value for r in (2, 28)] == ["380", "407"]
    # A filled file stands for a real submission: no hidden lists, no example.
    assert wb.sheetnames == ["Số liệu", "Hướng dẫn"]


def test_templates_csv_has_bom_and_vietnamese_headers(tmp_path):
    schema = load_schema(DATASET)
    out = write_submission(schema, [], tmp_path / "mau.csv", "SYT")
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.decode("utf-8-sig").splitlines()[0].split(",")[:3] == ["Ngày báo cáo", "Khung giờ", "Mã huyện"]
    rows = example_rows(schema, "SYT")
    out = write_submission(schema, rows, tmp_path / "day_du.csv", "SYT")
    assert len(out.read_text(encoding="utf-8-sig").splitlines()) == 1 + len(rows)


def test_templates_every_unit_and_dataset_has_header_lists_and_checks(templates):
    registry = load_registry()
    assert len(templates) > 100 and {d for _, d in templates} == set(all_schemas())
    for (unit, dataset), out in templates.items():
        schema = load_schema(dataset)
        wb = load_workbook(out)
        where = f"{unit}/{dataset}"
        assert wb.sheetnames == [DATA_SHEET, GUIDE_SHEET, LISTS_SHEET], where
        assert wb[LISTS_SHEET].sheet_state == "hidden", where
        assert [p.value for p in wb.custom_doc_props.props if p.name == LISTS_PROPERTY] == [LISTS_SHEET]
        sheet = wb[DATA_SHEET]
        assert [c.value for c in sheet[1]] == [f.title for f in schema.fields], where
        assert all(c.comment is not None and c.comment.text.startswith(f.description)
                   for c, f in zip(sheet[1], schema.fields)), where
        assert sheet.freeze_panes == "A2"
        # Header locked, data cells editable.
        assert sheet.protection.sheet and sheet.protection.insertRows is False, where
        assert all(c.protection.locked for c in sheet[1]), where
        assert all(sheet.column_dimensions[c.column_letter].protection.locked is False for c in sheet[1])
        checks = {str(r).split(":")[0][:-1]: rule for rule in sheet.data_validations.dataValidation
                  for r in rule.sqref.ranges}
        for c, f in zip(sheet[1], schema.fields):
            rule = checks[c.column_letter]
            assert rule.showInputMessage and rule.prompt, (where, f.name)
            values = list_values(wb, f.title)
            if f.enum:
                assert values == [str(v) for v in f.enum], (where, f.name)
            elif f.type in ("area_code", "area_name"):
                assert values, (where, f.name)
                if f.type == "area_code":
                    assert all(v in registry.areas for v in values), (where, f.name)
            else:
                assert values is None
                expected = {"integer": "whole", "decimal": "decimal", "date": "date", "url": "custom"}
                assert rule.type == expected.get(f.type), (where, f.name)
                if rule.type:
                    assert rule.showErrorMessage and rule.error, (where, f.name)
        # The example lives on the guide sheet, never on the data sheet.
        guide_text = [c.value for row in wb[GUIDE_SHEET].iter_rows() for c in row if c.value]
        assert any(str(v).startswith("DÒNG VÍ DỤ") for v in guide_text), where
        if schema.coverage != "every_district":
            assert sheet.max_row == 1, where


def test_templates_district_unit_lists_only_its_district(tmp_path):
    registry = load_registry()
    bim_son = registry.unit("TTYT-BIMSON").district_code
    wb = load_workbook(write_template(load_schema("case_line_list"), tmp_path / "a.xlsx", "TTYT-BIMSON"))
    assert list_values(wb, "Mã huyện") == [bim_son]
    communes = list_values(wb, "Xã, phường, thị trấn")
    own = sorted(a.name for a in registry.areas.values() if a.parent_code == bim_son)
    assert sorted(communes) == own and communes

    wb = load_workbook(write_template(load_schema("epidemic_levels"), tmp_path / "b.xlsx", "UBND-DONGSON"))
    codes = list_values(wb, "Mã địa bàn")
    assert codes[0] == "405" and len(codes) > 1
    assert {registry.district_of(c).area_code for c in codes} == {"405"}
    assert len(list_values(wb, "Tên địa bàn")) == len(codes)

    # A provincial unit sees the whole province.
    wb = load_workbook(write_template(load_schema("epidemic_levels"), tmp_path / "c.xlsx", "SYT"))
    assert {registry.district_of(c).area_code for c in list_values(wb, "Mã địa bàn")} == \
        {d.area_code for d in registry.districts}
    wb = load_workbook(write_template(load_schema("quarantine_facilities"), tmp_path / "d.xlsx", "SYT"))
    assert len(list_values(wb, "Mã huyện")) == len(registry.districts)


def test_templates_example_adapts_to_the_unit(tmp_path):
    row = example_rows(load_schema("testing"), "TTYT-BIMSON")[0]
    assert (row["district_code"], row["district_name"]) == ("381", "Thị xã Bỉm Sơn")
    row = example_rows(load_schema("case_line_list"), "TTYT-BIMSON")[0]
    assert load_registry().communes_named(row["commune_name"])[0].parent_code == "381"
    # The schema's own example, untouched, for a provincial unit.
    assert example_rows(load_schema("testing"), "CDC")[0]["district_code"] == "405"


def test_templates_filled_with_the_example_validate_for_every_unit(templates, tmp_path):
    requests = []
    for (unit, dataset), template in templates.items():
        requests.append(Request(fill(template, tmp_path / f"{unit}_{dataset}_filled.xlsx", unit, dataset),
                                unit, dataset))
    reports = validate_files(requests, today=TODAY)
    failures = {(r.unit, r.dataset): problems(r) for r in reports if not r.valid or problems(r)}
    assert not failures
    assert all(r.rows >= 1 for r in reports)


def test_templates_empty_template_has_no_data_rows(tmp_path):
    """The example row must never be loaded as data: an untouched template
    has nothing to load."""
    out = write_template(load_schema("case_line_list"), tmp_path / "mau.xlsx", "TTYT-DONGSON")
    report = validate_file(out, "TTYT-DONGSON", "case_line_list", today=TODAY)
    assert [e.code for e in report.errors if e.severity == "error"] == ["no-data-rows"]


def test_templates_docs_in_repo_are_up_to_date():
    """docs/datasets/ is generated from the schemas (`portal docs`) and committed."""
    from ingest.schema import all_schemas

    for schema in all_schemas().values():
        committed = (REPO / "docs" / "datasets" / f"{schema.name}.md").read_text(encoding="utf-8")
        assert committed == render(schema), schema.name
