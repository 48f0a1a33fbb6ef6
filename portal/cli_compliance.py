"""The `portal` CLI's compliance commands: the audit, rates, freshness and
"no change" confirmations.

A thin click layer over compliance/ (the functions the DAG tasks call); each
command's docstring is its --help, with an example."""
from __future__ import annotations

import dataclasses
import datetime as dt

import click

from portal.cli_common import echo_json as _echo_json
from portal.cli_common import parse_date as _date

STATUS_LABELS = {"on_time": "Đúng hạn", "late": "Trễ hạn", "missing": "Không cập nhật",
                 "rejected_only": "Chỉ có tệp bị từ chối", "pending": "Chưa đến hạn"}
FRESHNESS_LABELS = {"fresh": "Còn mới", "stale": "Quá hạn cập nhật", "never": "Chưa từng cập nhật"}
TEXT_ROWS = 40


def _plain(record) -> dict:
    return dataclasses.asdict(record) if dataclasses.is_dataclass(record) else dict(record)


def _as_of(text: str | None) -> dt.datetime:
    from portal.cli import UsageError
    from warehouse.asof import parse_timestamp

    if text is None:
        return dt.datetime.now(dt.timezone.utc)
    try:
        return parse_timestamp(text)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _window(start: str | None, end: str | None, as_of: dt.datetime) -> tuple[dt.date, dt.date]:
    """--from/--to, by default the month of --as-of."""
    from compliance.run import month_window
    from compliance.schedules import default_config
    from portal.cli import UsageError

    first, last = month_window(as_of.astimezone(default_config().tz).date())
    first, last = _date(start, "--from") or first, _date(end, "--to") or last
    if last < first:
        raise UsageError(f"--to ({last:%d/%m/%Y}) trước --from ({first:%d/%m/%Y}).")
    return first, last


def _audit(start: dt.date, end: dt.date, as_of: dt.datetime):
    from compliance.audit import audit
    from ingest.settings import load_settings
    from warehouse.db import reader

    settings = load_settings()
    if not settings.warehouse_path.exists():
        raise click.ClickException(f"Chưa có kho dữ liệu tại {settings.warehouse_path}.")
    with reader(settings.warehouse_path) as con:
        return audit(con, start, end, as_of)


def _table(rows: list[list[str]], names: list[str]) -> None:
    if not rows:
        click.echo("  (không có dòng nào)")
        return
    widths = [min(44, max(len(n), *(len(r[i]) for r in rows[:TEXT_ROWS]))) for i, n in enumerate(names)]
    click.echo("  " + "  ".join(n.ljust(w) for n, w in zip(names, widths)))
    for row in rows[:TEXT_ROWS]:
        click.echo("  " + "  ".join(v[:w].ljust(w) for v, w in zip(row, widths)))
    if len(rows) > TEXT_ROWS:
        click.echo(f"  ... còn {len(rows) - TEXT_ROWS} dòng nữa (dùng --json để xem tất cả)")


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}%".replace(".", ",")


def register(main: click.Group) -> None:
    """Add the `compliance` group and the `confirm` command to `portal`."""
    from portal.cli import UsageError

    @main.group()
    def compliance() -> None:
        """Tuân thủ lịch cập nhật (Quy chế 4168, Điều 7): kiểm tra, tỷ lệ, độ mới."""

    @compliance.command("audit")
    @click.option("--from", "start", required=True, help="Ngày đầu, YYYY-MM-DD hoặc dd/mm/yyyy.")
    @click.option("--to", "end", required=True, help="Ngày cuối (tính cả ngày này).")
    @click.option("--as-of", "as_of", help="Mốc thời gian (mặc định: bây giờ); giờ không kèm múi giờ là giờ Việt Nam.")
    @click.option("--record", is_flag=True, help="Ghi kết quả vào kho dữ liệu và nhật ký audits/.")
    @click.option("--json", "as_json", is_flag=True, help="In mọi kết quả dạng JSON.")
    def audit_command(start: str, end: str, as_of: str | None, record: bool, as_json: bool) -> None:
        """Chấm từng hạn cập nhật của mọi đơn vị theo thời điểm máy chủ nhận tệp được chấp nhận.

        Mỗi hạn là: đúng hạn, trễ hạn (số phút, làm tròn lên), không cập nhật,
        chỉ có tệp bị từ chối, hoặc chưa đến hạn (tại --as-of). Chỉ đọc kho dữ
        liệu, trừ khi có --record.

        Ví dụ: portal compliance audit --from 2021-11-01 --to 2021-11-30 --as-of "2021-12-01 00:00" --json
        """
        when = _as_of(as_of)
        first, last = _window(start, end, when)
        if record:
            from compliance.run import audit_and_record
            from ingest.settings import load_settings

            summary = audit_and_record(load_settings(), when, spans=[(first, last)])[0]
            _echo_json(summary) if as_json else click.echo(
                f"Đã ghi lần kiểm tra {summary['run_id']}: {summary['counts']}")
            return
        result = _audit(first, last, when)
        if as_json:
            _echo_json({"start": result.start, "end": result.end, "as_of": result.as_of,
                        "expected": [_plain(e) for e in result.expected],
                        "freshness": [_plain(f) for f in result.freshness],
                        "attempts": [_plain(a) for a in result.attempts]})
            return
        counts = {s: 0 for s in STATUS_LABELS}
        for e in result.expected:
            counts[e.status] += 1
        click.echo(f"Kiểm tra từ {first:%d/%m/%Y} đến {last:%d/%m/%Y}, tính đến "
                   f"{result.as_of:%H:%M:%S %d/%m/%Y}: {len(result.expected)} hạn cập nhật.")
        click.echo("  " + "; ".join(f"{STATUS_LABELS[s]}: {n}" for s, n in counts.items()))
        problems = [e for e in result.expected if e.status in ("late", "missing", "rejected_only")]
        click.echo(f"\nCác hạn không đúng hạn ({len(problems)}):")
        _table([[e.unit_code, e.dataset, f"{e.period_date:%d/%m/%Y}", e.slot or "", f"{e.due_at:%H:%M %d/%m}",
                 STATUS_LABELS[e.status], "" if e.minutes_late is None else str(e.minutes_late)]
                for e in problems],
               ["đơn vị", "biểu mẫu", "ngày", "khung", "hạn", "kết quả", "phút trễ"])
        if result.attempts:
            click.echo(f"\nTệp bị từ chối (lần nộp không thành): {len(result.attempts)}")

    @compliance.command("rates")
    @click.option("--by", "by", default="unit_code", show_default=True,
                  help="Nhóm theo, cách nhau bởi dấu phẩy: unit_code, unit_type, district_code, dataset, "
                       "slot, day, week, month.")
    @click.option("--from", "start", help="Ngày đầu (mặc định: đầu tháng của --as-of).")
    @click.option("--to", "end", help="Ngày cuối (mặc định: cuối tháng của --as-of).")
    @click.option("--as-of", "as_of", help="Mốc thời gian (mặc định: bây giờ).")
    @click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON.")
    def rates_command(by: str, start: str | None, end: str | None, as_of: str | None, as_json: bool) -> None:
        """Tỷ lệ nộp (đã nộp / phải nộp) và tỷ lệ đúng hạn (đúng hạn / phải nộp), theo định nghĩa của DHIS2.

        Hạn chưa đến không tính vào tỷ lệ nào; một đơn vị chỉ được tính vào
        những ngày tài khoản của đơn vị còn hiệu lực.

        Ví dụ: portal compliance rates --by unit_type,month --from 2021-11-01 --to 2021-11-30 --json
        """
        from compliance.rates import KEYS, rates

        keys = tuple(k.strip() for k in by.split(",") if k.strip())
        unknown = [k for k in keys if k not in KEYS]
        if unknown:
            raise UsageError(f"--by: không nhóm được theo {', '.join(unknown)}; chọn trong: {', '.join(KEYS)}.")
        when = _as_of(as_of)
        first, last = _window(start, end, when)
        found = rates(_audit(first, last, when).expected, keys)
        if as_json:
            _echo_json([_plain(r) for r in found])
            return
        click.echo(f"Tỷ lệ từ {first:%d/%m/%Y} đến {last:%d/%m/%Y} (hạn chưa đến không tính):")
        _table([[*(str(r.group[k]) if r.group[k] is not None else "" for k in keys), str(r.expected),
                 str(r.received), str(r.on_time), str(r.late), str(r.missing + r.rejected_only),
                 _percent(r.reporting_rate), _percent(r.on_time_rate),
                 "" if r.median_minutes_late is None else f"{r.median_minutes_late:g}"] for r in found],
               [*keys, "phải nộp", "đã nộp", "đúng hạn", "trễ", "thiếu", "tỷ lệ nộp", "tỷ lệ đúng hạn",
                "trung vị phút trễ"])

    @compliance.command("freshness")
    @click.option("--as-of", "as_of", help="Mốc thời gian (mặc định: bây giờ).")
    @click.option("--stale", "only_stale", is_flag=True, help="Chỉ in biểu mẫu quá hạn hoặc chưa từng cập nhật.")
    @click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON.")
    def freshness_command(as_of: str | None, only_stale: bool, as_json: bool) -> None:
        """Độ mới của các biểu mẫu cập nhật khi có biến động: tuổi lần cập nhật gần nhất so với tuổi tối đa.

        Một lần cập nhật là một tệp được chấp nhận hoặc một xác nhận "không có
        thay đổi" (portal confirm).

        Ví dụ: portal compliance freshness --stale --json
        """
        when = _as_of(as_of)
        from compliance.schedules import default_config

        today = when.astimezone(default_config().tz).date()
        rows = [f for f in _audit(today, today, when).freshness if not only_stale or f.status != "fresh"]
        if as_json:
            _echo_json([_plain(f) for f in rows])
            return
        click.echo(f"Độ mới lúc {when.astimezone(default_config().tz):%H:%M %d/%m/%Y}:")
        _table([[f.unit_code, f.dataset, f"{f.last_update_at:%H:%M %d/%m/%Y}" if f.last_update_at else "",
                 {"file": "tệp", "confirmation": "xác nhận"}.get(f.last_update_kind, ""),
                 "" if f.age_hours is None else f"{f.age_hours:.1f}", f"{f.max_age_hours:g}",
                 FRESHNESS_LABELS[f.status]] for f in rows],
               ["đơn vị", "biểu mẫu", "cập nhật gần nhất", "loại", "tuổi (giờ)", "tối đa (giờ)", "tình trạng"])

    @main.command()
    @click.option("--unit", required=True, help="Mã đơn vị, ví dụ CA.")
    @click.option("--dataset", required=True, help="Biểu mẫu cập nhật khi có biến động, ví dụ checkpoints.")
    @click.option("--note", default="", help="Ghi chú (tùy chọn).")
    @click.option("--json", "as_json", is_flag=True, help="In bản ghi xác nhận dạng JSON.")
    def confirm(unit: str, dataset: str, note: str, as_json: bool) -> None:
        """Xác nhận biểu mẫu cập nhật khi có biến động không có thay đổi (tính là một lần cập nhật).

        Ghi theo giờ của máy chủ. Bị từ chối (mã thoát 2) nếu đơn vị không được
        giao biểu mẫu, hoặc biểu mẫu có hạn nộp theo khung giờ hay định kỳ.

        Ví dụ: portal confirm --unit CA --dataset checkpoints --note "Không có chốt mới"
        """
        from compliance.confirm import ConfirmationRefused
        from compliance.confirm import confirm as record
        from ingest.settings import load_settings

        try:
            done = record(load_settings(), unit, dataset, note)
        except ConfirmationRefused as exc:
            raise UsageError(str(exc)) from None
        if as_json:
            _echo_json(done)
            return
        confirmed = dt.datetime.fromisoformat(done["confirmed_at"])
        fresh_until = dt.datetime.fromisoformat(done["fresh_until"])
        click.echo(f"Đã ghi nhận: {done['unit_code']} xác nhận biểu mẫu \"{done['dataset_title']}\" không có "
                   f"thay đổi lúc {confirmed.astimezone(fresh_until.tzinfo):%H:%M:%S %d/%m/%Y} "
                   f"(mã {done['confirmation_id']}).")
        click.echo(f"Dữ liệu được coi là còn mới đến {fresh_until:%H:%M %d/%m/%Y}.")

