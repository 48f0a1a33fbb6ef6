"""Templates survive LibreOffice: a unit that opens the template in
LibreOffice Calc and saves it as .xlsx must still have the header, the
drop-down lists and the input checks, and its filled file must validate.

Needs soffice (Debian package libreoffice-calc-nogui). Its absence is a
failure, not a skip: the install script provides it.
"""
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from ingest.registry import load_registry
from ingest.schema import all_schemas, load_schema
from ingest.templates import DATA_SHEET, LISTS_PROPERTY, LISTS_SHEET, write_template
from validation.validate import Request, validate_files

from tests.ingest.test_templates import TODAY, fill, list_values, problems

PACKAGE = "libreoffice-calc-nogui"


def soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found:
        pytest.fail(f"LibreOffice is not installed (no soffice on PATH): "
                    f"apt-get install -y --no-install-recommends {PACKAGE}")
    return found


def resave(files: list[Path], out: Path, profile: Path) -> list[Path]:
    """Open and save each file as .xlsx in LibreOffice, as a user would.
    A private profile keeps parallel runs and a desktop session apart."""
    out.mkdir()
    result = subprocess.run(
        [soffice(), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
         "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), *map(str, files)],
        capture_output=True, text=True, timeout=300)
    saved = [out / f.name for f in files]
    missing = [p.name for p in saved if not p.exists()]
    assert result.returncode == 0 and not missing, (result.stdout, result.stderr, missing)
    return saved


def pairs() -> list[tuple[str, str]]:
    """Every dataset, for a provincial unit and (where one answers for it) a
    district unit, whose lists are filtered."""
    registry = load_registry()
    chosen = []
    for schema in all_schemas().values():
        units = [u for u in registry.units.values() if u.unit_type in schema.responsible_unit_types]
        provincial = [u for u in units if not u.district_code][:1]
        district = [u for u in units if u.district_code][:1]
        chosen += [(u.unit_code, schema.name) for u in provincial + district]
    return chosen


def test_templates_libreoffice_resave_keeps_header_lists_and_checks(tmp_path):
    chosen = pairs()
    originals = [write_template(load_schema(d), tmp_path / f"{u}_{d}.xlsx", u) for u, d in chosen]
    resaved = resave(originals, tmp_path / "lo", tmp_path / "profile")
    registry = load_registry()
    for (unit, dataset), original, path in zip(chosen, originals, resaved):
        schema = load_schema(dataset)
        where = f"{unit}/{dataset}"
        wb = load_workbook(path)
        assert wb.sheetnames[0] == DATA_SHEET and LISTS_SHEET in wb.sheetnames, where
        assert wb[LISTS_SHEET].sheet_state == "hidden", where
        assert [p.value for p in wb.custom_doc_props.props if p.name == LISTS_PROPERTY] == [LISTS_SHEET]
        sheet = wb[DATA_SHEET]
        assert [c.value for c in sheet[1]][:len(schema.fields)] == [f.title for f in schema.fields], where
        assert sheet.protection.sheet and all(c.protection.locked for c in sheet[1][:len(schema.fields)])
        before = load_workbook(original)
        for f in schema.fields:
            assert list_values(wb, f.title) == list_values(before, f.title), (where, f.name)
        kinds = sorted(r.type or "" for r in sheet.data_validations.dataValidation)
        expected = sorted(r.type or "" for r in before[DATA_SHEET].data_validations.dataValidation)
        # LibreOffice writes "any value" as type="none".
        assert [k.replace("none", "") for k in kinds] == expected, where
        unit_district = registry.unit(unit).district_code
        if unit_district and "district_code" in schema.field_names and schema.field("district_code").own_district:
            assert list_values(wb, "Mã huyện") == [unit_district], where


def test_templates_libreoffice_filled_and_resaved_validate(tmp_path):
    chosen = pairs()
    # A clerk fills the template in Excel and a colleague re-saves it in
    # LibreOffice; or the clerk opens the template in LibreOffice first.
    filled = [fill(write_template(load_schema(d), tmp_path / f"{u}_{d}.xlsx", u),
                   tmp_path / f"{u}_{d}_filled.xlsx", u, d) for u, d in chosen]
    templates_resaved = resave([tmp_path / f"{u}_{d}.xlsx" for u, d in chosen], tmp_path / "lo_t",
                               tmp_path / "profile")
    filled_after = [fill(p, tmp_path / f"{p.stem}_lo_filled.xlsx", u, d)
                    for p, (u, d) in zip(templates_resaved, chosen)]
    filled_resaved = resave(filled, tmp_path / "lo_f", tmp_path / "profile")
    requests = [Request(p, u, d) for paths in (filled_resaved, filled_after) for p, (u, d) in zip(paths, chosen)]
    reports = validate_files(requests, today=TODAY)
    failures = {(r.path.name, r.dataset): problems(r) for r in reports if not r.valid or problems(r)}
    assert not failures
    assert all(r.rows >= 1 for r in reports)
