"""The `portal` command: a thin click layer over the functions the DAG tasks call.

Each command's docstring is its --help, with an example.
"""
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from ingest.settings import load_settings
from portal.cli_common import UsageError  # noqa: F401  (command modules import it from here)
from portal.cli_common import echo_json as _echo_json


def _check_unit_dataset(unit: str, dataset: str | None) -> tuple[str, str]:
    from ingest.registry import load_registry
    from ingest.schema import all_schemas

    registry = load_registry()
    found = registry.unit(unit)
    if found is None:
        raise UsageError(f"Không có đơn vị '{unit}'. Xem danh sách: portal units")
    if dataset is None:
        own = [s.name for s in all_schemas().values() if found.unit_type in s.responsible_unit_types]
        if len(own) != 1:
            raise UsageError("Hãy chỉ định --dataset.")
        dataset = own[0]
    if dataset not in all_schemas():
        raise UsageError(f"Không có biểu mẫu '{dataset}'. Xem danh sách: portal datasets")
    if found.unit_type not in all_schemas()[dataset].responsible_unit_types:
        raise UsageError(f"Đơn vị {found.unit_code} không được giao biểu mẫu '{dataset}'.")
    return found.unit_code, dataset


@click.group()
def main() -> None:
    """Cổng thông tin phòng, chống COVID-19 tỉnh Thanh Hóa: nạp và công bố số liệu."""


@main.command()
@click.option("--airflow-port", default=8080, show_default=True)
@click.option("--superset-port", default=8088, show_default=True)
@click.option("--days", default=14, show_default=True, help="Số ngày dữ liệu mẫu cần nạp.")
@click.option("--detach", is_flag=True, help="Nạp xong thì dừng các máy chủ và thoát (dùng cho kiểm thử).")
def up(airflow_port: int, superset_port: int, days: int, detach: bool) -> None:
    """Install if needed, load sample submissions, serve Airflow and Superset.

    Example: bin/portal up    (Ctrl-C stops everything cleanly)
    """
    from portal.stack import up as stack_up

    sys.exit(stack_up(load_settings(), airflow_port, superset_port, days, detach))


@main.command()
@click.option("--unit", required=True, help="Mã đơn vị, ví dụ SYT.")
@click.option("--dataset", help="Tên biểu mẫu, ví dụ epidemic_situation_by_district.")
@click.option("--date", "date_", required=True, type=click.DateTime(["%Y-%m-%d"]), help="YYYY-MM-DD")
@click.option("--slot", help="Khung giờ HH:MM (08:00 hoặc 16:00).")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def sample(unit: str, dataset: str | None, date_: dt.datetime, slot: str | None, out: Path) -> None:
    """Write a realistic, valid submission file (.xlsx or .csv).

    Example: portal sample --unit SYT --dataset epidemic_situation_by_district
             --date 2021-10-22 --slot 16:00 --out syt.xlsx
    """
    from ingest.samples import SLOTS, sample_rows
    from ingest.schema import load_schema
    from ingest.templates import write_submission

    unit, dataset = _check_unit_dataset(unit, dataset)
    if slot is not None and slot not in SLOTS:
        raise UsageError(f"Khung giờ phải là một trong {', '.join(SLOTS)}.")
    if out.suffix.lower() not in (".xlsx", ".csv"):
        raise UsageError("Tên tệp phải kết thúc bằng .xlsx hoặc .csv")
    rows = sample_rows(dataset, unit, date_.date(), slot)
    click.echo(write_submission(load_schema(dataset), rows, out, unit))


@main.command()
@click.option("--unit", required=True)
@click.option("--dataset")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def template(unit: str, dataset: str | None, out: Path) -> None:
    """Write the empty template an agency fills in (.xlsx with instructions, or .csv).

    Example: portal template --unit CDC --dataset epidemic_situation_by_district --out mau.xlsx
    """
    from ingest.schema import load_schema
    from ingest.templates import write_template

    unit, dataset = _check_unit_dataset(unit, dataset)
    if out.suffix.lower() not in (".xlsx", ".csv"):
        raise UsageError("Tên tệp phải kết thúc bằng .xlsx hoặc .csv")
    click.echo(write_template(load_schema(dataset), out, unit))


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--unit", required=True)
@click.option("--dataset")
@click.option("--json", "as_json", is_flag=True, help="In báo cáo dạng JSON.")
def validate(file: Path, unit: str, dataset: str | None, as_json: bool) -> None:
    """Dry run: check a file as the pipeline would, with no side effects.

    Exit code 0 = valid, 1 = invalid, 2 = usage error.
    Example: portal validate syt.xlsx --unit SYT --json
    """
    from validation.validate import render_text, validate_file

    if not file.is_file():
        raise UsageError(f"Không tìm thấy tệp {file}")
    summary = validate_file(file, unit, dataset).to_dict()
    _echo_json(summary) if as_json else click.echo(render_text(summary), nl=False)
    sys.exit(0 if summary["valid"] else 1)


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--unit", required=True)
@click.option("--dataset", help="Biểu mẫu; nếu bỏ trống, hệ thống nhận ra từ dòng tiêu đề.")
def submit(file: Path, unit: str, dataset: str | None) -> None:
    """Drop a file into inbox/<UNIT>/ atomically and print its submission id.

    Example: portal submit syt.xlsx --unit SYT --dataset epidemic_situation_by_district
    """
    from ingest.inbox import submit as drop
    from ingest.registry import load_registry

    if not file.is_file():
        raise UsageError(f"Không tìm thấy tệp {file}")
    found = load_registry().unit(unit)
    if found is None:
        raise UsageError(f"Không có đơn vị '{unit}'. Xem danh sách: portal units")
    if dataset is not None:
        _check_unit_dataset(found.unit_code, dataset)
    click.echo(drop(load_settings(), file, found.unit_code, dataset))


@main.command()
@click.argument("submission_id")
@click.option("--json", "as_json", is_flag=True)
def status(submission_id: str, as_json: bool) -> None:
    """Show a submission's state: received, rejected, loaded, duplicate or published.

    Example: portal status S20211022T080102123456-a1b2c3 --json
    """
    from ingest.inbox import read_status

    record = read_status(load_settings(), submission_id)
    if record is None:
        raise UsageError(f"Không có lần nộp {submission_id}")
    if as_json:
        _echo_json(record)
        return
    labels = {"received": "đã nhận", "rejected": "bị từ chối", "loaded": "đã nạp",
              "duplicate": "trùng lặp (đã nạp trước đó)", "published": "đã công bố"}
    click.echo(f"{submission_id}: {labels.get(record['state'], record['state'])}")
    if record.get("report_path"):
        click.echo(f"Báo cáo: {record['report_path']}")


@main.command()
def ingest() -> None:
    """Run the pipeline once in this process, without Airflow (claim, validate, load, publish).

    Example: portal ingest
    """
    _echo_json(__import__("ingest.pipeline", fromlist=["run_once"]).run_once(load_settings()))


@main.command()
@click.option("--json", "as_json", is_flag=True)
def units(as_json: bool) -> None:
    """List the reporting units (one account each) and their datasets.

    Example: portal units --json
    """
    from ingest.registry import load_registry
    from ingest.schema import datasets_for_unit_type

    rows = [{**vars(u), "datasets": datasets_for_unit_type(u.unit_type)}
            for u in load_registry().units.values()]
    if as_json:
        _echo_json(rows)
    else:
        for r in rows:
            click.echo(f"{r['unit_code']:<18} {r['name']}")


@main.command()
@click.option("--json", "as_json", is_flag=True)
def datasets(as_json: bool) -> None:
    """List the dataset catalogue: responsible unit types, cadence and fields.

    Example: portal datasets --json
    """
    from ingest.schema import all_schemas

    rows = [{"name": s.name, "title": s.title, "responsible_unit_types": list(s.responsible_unit_types),
             "cadence": s.cadence, "fields": [{"name": f.name, "title": f.title, "type": f.type}
                                              for f in s.fields]}
            for s in all_schemas().values()]
    if as_json:
        _echo_json(rows)
    else:
        for r in rows:
            click.echo(f"{r['name']:<36} {r['title']}")


@main.command()
def registry() -> None:
    """Rebuild ingest/registry/areas.csv and units.csv from the reference data package.

    Example: portal registry
    """
    from ingest.registry.build import build

    areas, units_count = build()
    click.echo(f"{areas} đơn vị hành chính, {units_count} đơn vị cung cấp thông tin")


@main.command()
@click.option("--out", default="docs/datasets", type=click.Path(file_okay=False, path_type=Path))
def docs(out: Path) -> None:
    """Write one Markdown page per dataset schema.

    Example: portal docs --out docs/datasets
    """
    from ingest.docs import write_docs

    for path in write_docs(out):
        click.echo(path)


# Command groups that live in their own modules: the warehouse (asof, rebuild),
# the dashboards (export/import of Superset assets), access (roles, accounts)
# and compliance (audit, rates, freshness, confirm).
from portal import cli_access, cli_compliance, cli_dashboards, cli_warehouse  # noqa: E402

cli_warehouse.register(main)
cli_dashboards.register(main)
cli_access.register(main)
cli_compliance.register(main)

# The monthly report to the Steering Committee and the early warnings (Điều 7, 19).
from portal import cli_report  # noqa: E402

cli_report.register(main)
