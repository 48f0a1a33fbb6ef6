"""The `portal` CLI's report commands: the monthly report (Điều 19) and the
early warnings around the 08:00 / 16:00 deadlines (Điều 7).

A thin click layer over compliance.report, compliance.delivery and
compliance.warnings (the functions the DAG tasks call); each command's
docstring is its --help, with an example."""
from __future__ import annotations

import datetime as dt
import shutil
import sys
from pathlib import Path

import click

from portal.cli_common import echo_json as _echo_json
from portal.cli_common import parse_date as _date
from portal.cli_common import parse_moment as _moment


def register(main: click.Group) -> None:
    """Add this module's commands to the `portal` group."""
    from portal.cli import UsageError

    @main.command()
    @click.option("--from", "start", help="Ngày đầu kỳ báo cáo (mặc định: ngày 1 tháng trước).")
    @click.option("--to", "end", help="Ngày cuối kỳ báo cáo, tính cả ngày này (mặc định: cuối tháng trước).")
    @click.option("--send", is_flag=True, help="Gửi thư điện tử cho người nhận chưa nhận báo cáo này.")
    @click.option("--resend", is_flag=True, help="Gửi lại cho mọi người nhận, kể cả người đã nhận (kèm --send).")
    @click.option("--out", type=click.Path(file_okay=False, path_type=Path),
                  help="Sao chép các tệp báo cáo vào thư mục này.")
    @click.option("--as-of", "as_of", help="Tính số liệu đến thời điểm này (mặc định: bây giờ).")
    @click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON.")
    def report(start, end, send, resend, out, as_of, as_json) -> None:
        """Produce the report to the Steering Committee (PDF, .xlsx annex, .docx).

        The files are written to PORTAL_HOME/reports/<YYYY-MM>/ (or
        <from>_<to>/ for another period). With --send they are e-mailed to the
        list monthly_report of compliance/recipients.yaml; a recipient who
        already has this very report is skipped unless --resend. Exit code 1
        if a recipient could not be reached (the others still get theirs).

        Example: portal report --from 2021-11-01 --to 2021-11-30 --send
        """
        from compliance import delivery, notify
        from compliance.report import produce
        from compliance.report.content import month_before
        from compliance.report.text import VN
        from ingest.settings import load_settings

        clock = _moment(as_of) or dt.datetime.now(VN)
        default = month_before(clock.astimezone(VN).date())
        first, last = _date(start, "--from") or default.start, _date(end, "--to") or default.end
        if last < first:
            raise UsageError(f"--to ({last:%d/%m/%Y}) trước --from ({first:%d/%m/%Y}).")
        if resend:
            send = True
        settings = load_settings()
        try:
            produced = produce(settings, first, last, as_of=clock)
        except FileNotFoundError as exc:
            raise click.ClickException(str(exc)) from None
        delivery.record_folder(settings, produced)
        copied = []
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
            for path in produced.attachments:
                copied.append(shutil.copy2(path, out / path.name))
        result = None
        if send:
            try:
                result = delivery.deliver(settings, produced, resend=resend)
            except notify.ConfigError as exc:
                raise click.ClickException(str(exc)) from None
        if as_json:
            _echo_json({"period": produced.period_key, "fingerprint": produced.fingerprint,
                        "folder": str(produced.folder), "reused": produced.reused,
                        "files": {k: str(v) for k, v in produced.files.items()},
                        "copied": [str(p) for p in copied],
                        "delivery": None if result is None else {
                            "sent": result.sent, "skipped": result.skipped, "failed": result.failed}})
        else:
            state = "giữ nguyên (số liệu không đổi)" if produced.reused else "đã tạo"
            click.echo(f"Báo cáo {produced.report.period.label}: {state} tại {produced.folder}")
            for path in produced.attachments:
                click.echo(f"  {path.name}")
            if copied:
                click.echo(f"Đã sao chép {len(copied)} tệp vào {out}")
            if result is not None:
                click.echo(result.summary())
            elif not send:
                click.echo("Chưa gửi thư (thêm --send để gửi).")
        if result is not None and not result.ok:
            sys.exit(1)

    @main.command()
    @click.option("--slot", required=True, help="Hạn cập nhật HH:MM, ví dụ 08:00 hoặc 16:00.")
    @click.option("--kind", required=True, type=click.Choice(["before", "after"]),
                  help="before: trước hạn, đơn vị chưa cập nhật; after: sau hạn, đơn vị muộn hoặc chưa cập nhật.")
    @click.option("--date", "day", help="Ngày (mặc định: hôm nay).")
    @click.option("--as-of", "as_of", help="Xét đến thời điểm này (mặc định: giờ cảnh báo theo lịch, 07:30/08:05...).")
    @click.option("--dry-run", is_flag=True, help="Chỉ in danh sách, không gửi.")
    @click.option("--resend", is_flag=True, help="Gửi lại cả qua các kênh đã nhận cảnh báo này.")
    @click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON.")
    def warnings(slot, kind, day, as_of, dry_run, resend, as_json) -> None:
        """List the units not yet updated before a deadline, or late after it, and notify.

        The list goes to every channel of compliance/warnings.yaml (e-mail,
        a JSON-lines file under PORTAL_HOME, a webhook), once per day,
        deadline and kind: a channel that already has it is skipped unless
        --resend. Exit code 1 if a channel failed.

        Example: portal warnings --slot 08:00 --kind before --date 2021-11-10
        """
        from compliance import notify
        from compliance import warnings as early
        from compliance.report.text import VN
        from ingest.settings import load_settings

        try:
            config = early.load_config()
            early.parse_slot(slot)
        except notify.ConfigError as exc:
            raise UsageError(str(exc)) from None
        settings = load_settings()
        if not settings.warehouse_path.exists():
            raise click.ClickException(f"Chưa có kho dữ liệu tại {settings.warehouse_path}.")
        the_day = _date(day, "--date") or dt.datetime.now(VN).date()
        warning = early.compute(settings, the_day, slot, kind, as_of=_moment(as_of), config=config)
        result = None if dry_run else early.send(settings, warning, config=config, resend=resend)
        if as_json:
            _echo_json({"warning": warning.payload(), "delivery": None if result is None else {
                "sent": result.sent, "skipped": result.skipped, "failed": result.failed}})
        else:
            click.echo(warning.text(), nl=False)
            if result is not None:
                click.echo("")
                for channel in result.sent:
                    click.echo(f"Đã gửi qua kênh {channel}.")
                for channel, why in result.skipped.items():
                    click.echo(f"Bỏ qua kênh {channel}: {why}.")
                for channel, why in result.failed.items():
                    click.echo(f"KHÔNG gửi được qua kênh {channel}: {why}.")
        if result is not None and not result.ok:
            sys.exit(1)
