"""Dataset schemas: one declarative YAML file per dataset under ``schemas/``.

The same object drives the parser (titles, types), the Great Expectations
suite (validation/gx_suite.py), the templates (ingest/templates.py) and the
docs (ingest/docs.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"


@dataclass(frozen=True)
class Field:
    name: str
    title: str
    type: str  # date | slot | integer | string | area_code | area_name
    description: str = ""
    example: object = None
    required: bool = True
    minimum: float | None = None
    maximum: float | None = None
    enum: tuple = ()
    area_level: str | None = None
    code_field: str | None = None
    cumulative: bool = False
    not_in_future: bool = False
    personal: bool = False          # personal data: never in a public or unit view
    own_district: bool = False      # a district unit may only report its own district
    parent_field: str | None = None  # commune names are resolved within this district code
    outliers: bool = False           # compare with the unit's own history (z-scores, warnings)
    within_days_of: str | None = None  # a date that must fall in the days before this date field...
    within_days: int | None = None     # ...at most this many days before it


@dataclass(frozen=True)
class Rule:
    """A cross-field rule: either a comparison expression over the row's fields
    ('a + b <= c'), or a mapping the second field must follow from the first
    (epidemic level -> official colour)."""
    code: str
    fields: tuple[str, ...]
    message: str
    expression: str | None = None
    mapping: tuple[tuple[object, str], ...] = ()

    @property
    def sides(self) -> tuple[str, str]:
        """'a + b <= c' -> ('a + b', 'c'): the two sides shown in messages."""
        if self.mapping:
            return self.fields[0], self.fields[1]
        for op in ("<=", ">=", "=="):
            if op in self.expression:
                left, right = self.expression.split(op, 1)
                return left.strip(), right.strip()
        raise ValueError(f"rule {self.code} has no comparison")


@dataclass(frozen=True)
class DatasetSchema:
    name: str
    title: str
    description: str
    responsible_unit_types: tuple[str, ...]
    cadence: dict
    grain: tuple[str, ...]
    period_key: tuple[str, ...]
    coverage: str | None
    supersede: str  # period: a file replaces the unit's rows for its period; key: rows with the same grain
    fields: tuple[Field, ...]
    rules: tuple[Rule, ...] = field(default=())
    cross_check: dict | None = None  # compare with another unit type's figures (warnings)

    @property
    def personal_fields(self) -> list[str]:
        return [f.name for f in self.fields if f.personal]

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]


def _parse(doc: dict) -> DatasetSchema:
    return DatasetSchema(
        name=doc["name"],
        title=doc["title"],
        description=doc.get("description", ""),
        responsible_unit_types=tuple(doc["responsible_unit_types"]),
        cadence=doc["cadence"],
        grain=tuple(doc["grain"]),
        period_key=tuple(doc.get("period_key", ())),
        coverage=doc.get("coverage"),
        supersede=doc.get("supersede", "period" if doc.get("period_key") else "key"),
        fields=tuple(Field(**{**f, "enum": tuple(f.get("enum", ()))}) for f in doc["fields"]),
        rules=tuple(Rule(r["code"], tuple(r["fields"]), " ".join(r["message"].split()),
                         expression=r.get("expression"),
                         mapping=tuple((r.get("mapping") or {}).items()))
                    for r in doc.get("rules", ())),
        cross_check=doc.get("cross_check"),
    )


@lru_cache(maxsize=None)
def all_schemas() -> dict[str, DatasetSchema]:
    schemas = {}
    for path in sorted(SCHEMA_DIR.glob("*.yaml")):
        schema = _parse(yaml.safe_load(path.read_text(encoding="utf-8")))
        schemas[schema.name] = schema
    return schemas


def load_schema(name: str) -> DatasetSchema:
    try:
        return all_schemas()[name]
    except KeyError:
        raise KeyError(f"unknown dataset {name!r}; known: {', '.join(all_schemas())}") from None


def datasets_for_unit_type(unit_type: str) -> list[str]:
    return [s.name for s in all_schemas().values() if unit_type in s.responsible_unit_types]
