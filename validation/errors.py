"""Error records: what is wrong, where (Excel row and column letter), in Vietnamese.

An error is data (frictionless style): a kebab-case code from errors.yaml,
its severity, the position, the offending value and the rendered message.
"""
from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import yaml

CATALOGUE_PATH = Path(__file__).resolve().parent / "errors.yaml"


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict]:
    return yaml.safe_load(CATALOGUE_PATH.read_text(encoding="utf-8"))


@dataclass
class ErrorRecord:
    code: str
    severity: str
    message: str
    row: int | None = None
    column: str | None = None
    field: str | None = None
    value: object = None
    params: dict = dataclasses.field(default_factory=dict, repr=False)

    def to_dict(self) -> dict:
        data = asdict(self)
        data.pop("params")
        data["value"] = None if self.value is None else str(self.value)
        data["row"] = None if self.row is None else int(self.row)
        return data


class _Blank(dict):
    def __missing__(self, k):
        return ""


def make_error(code: str, *, row: int | None = None, column: str | None = None,
               field: str | None = None, field_title: str | None = None,
               value: object = None, **params) -> ErrorRecord:
    entry = catalogue()[code]
    context = _Blank(params, row="" if row is None else row, column=column or "",
                     field_title=field_title or field or "", value="" if value is None else value)
    return ErrorRecord(code=code, severity=entry["severity"],
                       message=entry["message"].format_map(context),
                       row=row, column=column, field=field, value=value, params=params)


def column_letter(index: int) -> str:
    """0 -> 'A', 25 -> 'Z', 26 -> 'AA'."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
