"""A unit's "no change" confirmation for an "on change" dataset.

Quy chế 4168, Điều 7 khoản 2: units other than SYT and CDC update "ngay khi có
biến động số liệu". When nothing changed, the unit says so: the confirmation
counts as an update without new figures, so the dataset stays fresh
(compliance/audit.py). It is stamped with the server's receipt time,
journalled under PORTAL_HOME/confirmations/<id>.json (replayed by `portal
rebuild`) and recorded in raw.confirmation.

Refused, with a Vietnamese message, for an unknown unit or dataset, a unit
not responsible for the dataset, a dataset that is not "on change" (its
figures are due at deadlines: the unit must send them), or an account that
does not exist on the day.
"""
from __future__ import annotations

import datetime as dt
import secrets

from compliance.journal import confirmations_dir, record_confirmation, write_json
from compliance.schedules import Config, default_config
from ingest.settings import Settings

MAX_NOTE = 500


class ConfirmationRefused(ValueError):
    """The confirmation cannot be accepted; str() is the Vietnamese reason."""


def new_confirmation_id(now: dt.datetime) -> str:
    return f"C{now.astimezone(dt.timezone.utc):%Y%m%dT%H%M%S%f}-{secrets.token_hex(3)}"


def check(unit_code: str, dataset: str, day: dt.date, config: Config | None = None) -> tuple:
    """(unit, schema, rule) when `unit_code` may confirm `dataset` on `day`;
    raises ConfirmationRefused otherwise."""
    from ingest.registry import load_registry
    from ingest.schema import all_schemas

    config = config or default_config()
    unit = load_registry().unit(unit_code)
    extra = {u.unit_code: u for u in config.extra_units}
    code = (unit_code or "").strip().upper()
    if unit is None and code not in extra:
        raise ConfirmationRefused(f"Không có đơn vị '{unit_code}'. Xem danh sách: portal units")
    code, unit_type = (unit.unit_code, unit.unit_type) if unit else (code, extra[code].unit_type)
    schema = all_schemas().get(dataset)
    if schema is None:
        raise ConfirmationRefused(f"Không có biểu mẫu '{dataset}'. Xem danh sách: portal datasets")
    rule = config.rule_for(code, unit_type, dataset, day)
    if rule is None:
        owners = ", ".join(schema.responsible_unit_types)
        raise ConfirmationRefused(f"Đơn vị {code} không được giao biểu mẫu '{schema.title}' "
                                  f"({dataset}); đơn vị phụ trách: {owners}.")
    if rule.kind != "on_change":
        when = (f"vào các khung giờ {', '.join(rule.slot_labels)}" if rule.kind == "slots"
                else f"trước {rule.deadline:%H:%M} {'hằng ngày' if rule.every == 'day' else 'hằng tuần'}")
        raise ConfirmationRefused(f"Biểu mẫu '{schema.title}' không phải loại cập nhật khi có biến động: "
                                  f"đơn vị phải nộp số liệu {when}. Không thể xác nhận \"không có thay đổi\".")
    if not any(life.covers(day) for life in config.lifetimes(code)):
        raise ConfirmationRefused(f"Tài khoản của đơn vị {code} không còn hiệu lực ngày {day:%d/%m/%Y}.")
    return code, schema, rule


def confirm(settings: Settings, unit_code: str, dataset: str, note: str = "") -> dict:
    """Record that `unit_code` confirms `dataset` unchanged, at the server's
    clock. Returns the journalled record, with the time until which the
    dataset now counts as fresh."""
    from warehouse.db import writer

    now = dt.datetime.now(dt.timezone.utc)
    config = default_config()
    local = now.astimezone(config.tz)
    code, schema, rule = check(unit_code, dataset, local.date(), config)
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise ConfirmationRefused(f"Ghi chú dài quá {MAX_NOTE} ký tự.")
    record = {"confirmation_id": new_confirmation_id(now), "unit_code": code, "dataset": dataset,
              "confirmed_at": now.isoformat(), "note": note}
    # Journal first: it is what `portal rebuild` replays.
    write_json(confirmations_dir(settings) / f"{record['confirmation_id']}.json", record)
    with writer(settings.warehouse_path) as con:
        record_confirmation(con, record)
    fresh_until = local + dt.timedelta(hours=rule.max_age_hours)
    return {**record, "dataset_title": schema.title, "max_age_hours": rule.max_age_hours,
            "fresh_until": fresh_until.isoformat()}
