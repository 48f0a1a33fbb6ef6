"""What every `portal` command module shares: JSON output, the usage error
(exit code 2) and reading the dates and moments a user types."""
from __future__ import annotations

import datetime as dt
import json

import click


class UsageError(click.UsageError):
    exit_code = 2


def echo_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def parse_date(text: str | None, option: str) -> dt.date | None:
    """A date typed as 2021-11-01 or 01/11/2021 (None stays None)."""
    if text is None:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise UsageError(f"{option}: không hiểu ngày '{text}'. Ví dụ hợp lệ: 2021-11-01 hoặc 01/11/2021.")


def parse_moment(text: str | None) -> dt.datetime | None:
    """A moment as `portal asof` reads it (Viet Nam time unless a zone is given)."""
    from warehouse.asof import parse_timestamp

    if text is None:
        return None
    try:
        return parse_timestamp(text)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
