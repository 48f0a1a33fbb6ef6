"""The `portal` CLI's warehouse commands: as-of queries and rebuilding from the archive.

A thin click layer over the functions the DAG tasks call; each command's
docstring is its --help, with an example."""
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from portal.cli_common import echo_json as _echo_json

DEFAULT_DATASET = "epidemic_situation_by_district"
TEXT_ROWS = 30   # rows per mart in text mode; --json gives them all


def _cell(value) -> str:
    if isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y %H:%M:%S%z")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return "" if value is None else str(value)


def _echo_table(rows: list[dict]) -> None:
    if not rows:
        click.echo("  (không có dòng nào)")
        return
    names = list(rows[0])
    shown = [[_cell(r[n]) for n in names] for r in rows[:TEXT_ROWS]]
    widths = [min(40, max(len(n), *(len(s[i]) for s in shown))) for i, n in enumerate(names)]
    click.echo("  " + "  ".join(n.ljust(w) for n, w in zip(names, widths)))
    for line in shown:
        click.echo("  " + "  ".join(v[:w].ljust(w) for v, w in zip(line, widths)))
    if len(rows) > TEXT_ROWS:
        click.echo(f"  ... còn {len(rows) - TEXT_ROWS} dòng nữa (dùng --json để xem tất cả)")


def register(main: click.Group) -> None:
    """Add this module's commands to the `portal` group."""
    from portal.cli import UsageError

    @main.command()
    @click.argument("timestamp")
    @click.option("--dataset", default=DEFAULT_DATASET, show_default=True,
                  help="Biểu mẫu có các bảng dashboard cần xem, hoặc data_quality.")
    @click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON.")
    def asof(timestamp: str, dataset: str, as_json: bool) -> None:
        """Show the dashboard tables of a dataset as published at a past moment.

        Rows count from the moment their file was received (a correction
        replaces earlier figures from its own receipt on; see
        warehouse/migrations/007_as_of.sql). A time without an offset is
        Viet Nam time; dd/mm/yyyy is accepted.

        Example: portal asof "2021-11-10 16:00" --dataset epidemic_situation_by_district --json
        """
        from ingest.settings import load_settings
        from warehouse.asof import known_datasets, marts_as_of, parse_timestamp

        try:
            ts = parse_timestamp(timestamp)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        if dataset not in known_datasets():
            raise UsageError(f"Không có biểu mẫu '{dataset}'. Chọn một trong: {', '.join(known_datasets())}")
        settings = load_settings()
        if not settings.warehouse_path.exists():
            raise click.ClickException(f"Chưa có kho dữ liệu tại {settings.warehouse_path}.")
        marts = marts_as_of(settings.warehouse_path, ts, dataset)
        if as_json:
            _echo_json({"as_of": ts.isoformat(), "clock": "received_at", "dataset": dataset, "marts": marts})
            return
        click.echo(f"Số liệu đã công bố tại {ts:%H:%M:%S %d/%m/%Y} (UTC{ts:%z}), "
                   f"tính theo thời điểm nhận tệp — biểu mẫu {dataset}")
        for name, rows in marts.items():
            click.echo(f"\n{name} ({len(rows)} dòng)")
            _echo_table(rows)

    @main.command()
    @click.option("--into", type=click.Path(dir_okay=False, path_type=Path),
                  help="Dựng vào tệp mới này và giữ nguyên kho đang chạy.")
    @click.option("--compare", "compare_live", is_flag=True,
                  help="So sánh từng dòng kết quả với kho đang chạy (cùng --into).")
    @click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON.")
    def rebuild(into: Path | None, compare_live: bool, as_json: bool) -> None:
        """Rebuild the warehouse from the archive, replaying every kept file in receipt order.

        Accepted files come from archive/, rejected ones from quarantine/ (they
        load nothing but are recorded, as the first time). Without --into the
        result replaces the live warehouse (the old file is kept beside it as
        warehouse.duckdb.before-rebuild) and the dashboards are republished.
        Exit code 1 if anything disagrees with the journal or, with --compare,
        with the live warehouse.

        Example: portal rebuild --into /tmp/rebuilt.duckdb --compare
        """
        from ingest.settings import load_settings
        from warehouse.rebuild import compare_with_live, rebuild as build, rebuild_in_place

        settings = load_settings()
        if compare_live and into is None:
            raise UsageError("--compare cần --into (kho đang chạy bị thay thế khi không có --into).")
        if into is not None and into.exists():
            raise UsageError(f"Tệp {into} đã tồn tại; hãy chọn một tệp mới.")
        result = build(settings, into) if into is not None else rebuild_in_place(settings)
        report = result.to_dict()
        if compare_live:
            report["differences"] = compare_with_live(settings, into)
        failed = bool(result.problems or report.get("differences"))
        if as_json:
            _echo_json(report)
        else:
            counts = ", ".join(f"{n} {s}" for s, n in sorted(result.replayed.items())) or "không có tệp nào"
            click.echo(f"Đã dựng lại kho dữ liệu tại {result.into}: {counts}.")
            for problem in result.problems:
                click.echo(f"Vấn đề: {problem}")
            if compare_live:
                if report["differences"]:
                    click.echo("Khác với kho đang chạy:")
                    for name, diff in report["differences"].items():
                        click.echo(f"  {name}: {diff['left_only']} dòng chỉ có ở kho đang chạy, "
                                   f"{diff['right_only']} dòng chỉ có ở bản dựng lại")
                else:
                    click.echo("Trùng khớp từng dòng với kho đang chạy (mọi bảng và view).")
        sys.exit(1 if failed else 0)
