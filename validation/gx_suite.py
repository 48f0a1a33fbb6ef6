"""The Great Expectations side: a suite generated from the dataset schema, and
the ONE place where GX results become our error records (each expectation's
``meta`` names the error code it stands for).

GX validates the DOMAIN of a batch, not its rows. Whether a cell passes a
column expectation (not null, in a set, within a range) depends only on its
value, and whether a row passes a cross-field rule only on the rule's inputs;
so GX is given each field's distinct values (and each rule's distinct input
combinations, already evaluated) as one small frame, every expectation
restricted by ``row_condition`` to its own field's rows of it. The verdicts
are exactly those a row-by-row run would give, and the failing values are
then traced back to their rows in DuckDB. A million-row file costs GX what
its few hundred distinct values cost (GX's pandas engine otherwise spends
seconds per million rows just hashing the frame for a batch id). Duplicate
keys depend on whole rows, so they are a table check (validation/checks.py).
"""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from ingest.registry import Registry
from ingest.schema import DatasetSchema
from validation.errors import ErrorRecord, column_letter, make_error

# GX 1.x phones home (usage analytics) unless told not to; the data centre may be air-gapped.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

RULE_PREFIX = "__rule__"


def in_domain(column: str) -> str:
    """The boolean column marking which rows of the domain frame are ``column``'s."""
    return f"in_domain{column}" if column.startswith("__") else f"in_domain__{column}"


def _condition(column: str) -> dict:
    from great_expectations.expectations.row_conditions import Column

    return {"row_condition": Column(in_domain(column)) == True}  # noqa: E712 (builds a GX condition)


def build_suite(schema: DatasetSchema, registry: Registry):
    import great_expectations as gx
    from great_expectations import expectations as gxe

    expectations = []
    for f in schema.fields:
        meta = {"field": f.name}
        where = _condition(f.name)
        if f.required:
            expectations.append(gxe.ExpectColumnValuesToNotBeNull(
                column=f.name, meta={**meta, "code": "required"}, **where))
        if f.minimum is not None or f.maximum is not None:
            expectations.append(gxe.ExpectColumnValuesToBeBetween(
                column=f.name, min_value=f.minimum, max_value=f.maximum,
                meta={**meta, "code": "out-of-range"}, **where))
        if f.enum:
            expectations.append(gxe.ExpectColumnValuesToBeInSet(
                column=f.name, value_set=list(f.enum), meta={**meta, "code": "not-in-enum"}, **where))
        if f.type == "area_code":
            levels = ("district", "commune") if f.area_level == "any" else (f.area_level,)
            codes = [a.area_code for a in registry.areas.values() if a.level in levels]
            expectations.append(gxe.ExpectColumnValuesToBeInSet(
                column=f.name, value_set=codes, meta={**meta, "code": "unknown-area"}, **where))
    for rule in schema.rules:
        column = RULE_PREFIX + rule.code
        expectations.append(gxe.ExpectColumnValuesToBeInSet(
            column=column, value_set=[True], meta={"code": "rule-violation", "rule": rule.code},
            **_condition(column)))
    # All at once: add_expectation() one by one re-serialises the suite each time.
    return gx.ExpectationSuite(name=schema.name, expectations=expectations)


def _checks_values(f) -> bool:
    """Whether any expectation of the field looks at the value itself, not
    only at whether it is blank."""
    return f.minimum is not None or f.maximum is not None or bool(f.enum) or f.type == "area_code"


@lru_cache(maxsize=1)
def _batch_definition():
    import great_expectations as gx

    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    # GX draws progress bars on stderr for every validation; they only clutter task logs.
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas("submissions")
    return source.add_dataframe_asset("distinct_values").add_batch_definition_whole_dataframe("all")


_SUITES: dict[tuple[str, int], object] = {}


def _suite(schema: DatasetSchema, registry: Registry):
    cache_key = (schema.name, id(registry))
    if cache_key not in _SUITES:
        _SUITES[cache_key] = build_suite(schema, registry)
    return _SUITES[cache_key]


def add_rule_columns(schema: DatasetSchema, frame: pd.DataFrame, rules=None) -> pd.DataFrame:
    """Evaluate each cross-field rule into a boolean column GX can check.
    Rows with a missing input pass here: the blank cell is reported on its own."""
    frame = frame.copy()
    for rule in schema.rules if rules is None else rules:
        inputs = frame[list(rule.fields)]
        complete = inputs.notna().all(axis=1)
        result = pd.Series(True, index=frame.index, dtype=object)
        if complete.any():
            result[complete] = _evaluate(rule, inputs[complete])
        frame[RULE_PREFIX + rule.code] = result
    return frame


def _numeric(values: pd.DataFrame) -> pd.DataFrame:
    """Dates become day numbers so one expression language covers both.
    Each distinct value is converted once (a column holds few distinct dates)."""
    out = values.copy()
    for column in out:
        codes, uniques = pd.factorize(out[column])
        if len(uniques) and all(isinstance(v, dt.date) for v in uniques):
            ordinals = np.array([v.toordinal() for v in uniques], dtype="float64")
            out[column] = np.where(codes < 0, np.nan, ordinals[codes])
    return out.astype("float64")


def _evaluate(rule, inputs: pd.DataFrame) -> pd.Series:
    if rule.mapping:
        source, target = rule.fields
        expected = inputs[source].map(lambda v: dict(rule.mapping).get(int(v)))
        # A source value outside the mapping is the range check's to report.
        return (expected.isna() | (inputs[target] == expected)).astype(bool)
    return _numeric(inputs).eval(rule.expression).astype(bool)


def rule_sides(rule, values: pd.DataFrame) -> tuple[str, str]:
    """The two numbers (or values) shown in a rule's message for one row."""
    if rule.mapping:
        level = values[rule.fields[0]].iloc[0]
        return str(level), str(dict(rule.mapping).get(int(level), "?"))
    left, right = rule.sides
    shown = []
    for side in (left, right):
        if side in values and isinstance(values[side].iloc[0], dt.date):
            shown.append(values[side].iloc[0].strftime("%d/%m/%Y"))
        else:
            number = _numeric(values).eval(side).iloc[0]
            shown.append(f"{number:,.0f}".replace(",", ".") if float(number).is_integer() else str(number))
    return shown[0], shown[1]


@dataclass
class Failure:
    """A value (or a rule's input combination) GX found unexpected."""
    code: str
    field: str | None
    rule: str | None
    columns: tuple[str, ...]     # the typed columns the value is of
    value: tuple                 # one value per column; (None,) for a blank cell


def domain_columns(schema: DatasetSchema) -> tuple[list[tuple[str, ...]], list[str]]:
    """What the domain frame needs of each file: the distinct values of these
    column sets, and only the blankness (plus an example) of these fields."""
    sets = [(f.name,) for f in schema.fields if _checks_values(f)] + [tuple(r.fields) for r in schema.rules]
    return sets, [f.name for f in schema.fields if not _checks_values(f)]


def _distinct(typed_tables: list, columns: list[str], values_matter: bool) -> list[tuple]:
    """The distinct values (tuples) of ``columns`` over the batch's files that
    hold them all. When only blankness matters, one non-blank value stands for
    all, plus the blank one if any."""
    found: dict[tuple, None] = {}
    for t in typed_tables:
        if not all(c in t.columns for c in columns):
            continue
        if values_matter:
            found.update(dict.fromkeys(t.distinct(columns)))
        else:
            has_blank, example = t.presence(columns[0])
            found.update(dict.fromkeys([(None,)] if has_blank else []))
            found.update(dict.fromkeys([(example,)] if example is not None else []))
    if not values_matter:      # one non-blank example stands for all the batch's values
        return [v for v in found if v == (None,)] + [v for v in found if v != (None,)][:1]
    return list(found)


def domain_frame(schema: DatasetSchema, typed_tables: list) -> tuple[pd.DataFrame, dict[str, list[tuple]]]:
    """The frame GX validates: for each field its distinct values, for each
    rule its distinct complete input combinations with the rule's verdict,
    each in its own rows (marked by the field's in_domain column), padded
    with blanks to a common length."""
    facets: dict[str, list[tuple]] = {}
    columns: dict[str, list] = {}
    for f in schema.fields:
        facets[f.name] = _distinct(typed_tables, [f.name], _checks_values(f))
        columns[f.name] = [v for (v,) in facets[f.name]]
    for rule in schema.rules:
        combos = [c for c in _distinct(typed_tables, list(rule.fields), True) if None not in c]
        name = RULE_PREFIX + rule.code
        facets[name] = combos
        inputs = pd.DataFrame(combos, columns=list(rule.fields), dtype=object)
        columns[name] = list(add_rule_columns(schema, inputs, [rule])[name]) if combos else []
    length = max((len(v) for v in columns.values()), default=0)
    frame = {}
    for name, values in columns.items():
        frame[name] = pd.Series(values + [None] * (length - len(values)), dtype=object)
        frame[in_domain(name)] = pd.Series([True] * len(values) + [False] * (length - len(values)), dtype=bool)
    return pd.DataFrame(frame), facets


def run_suite(schema: DatasetSchema, registry: Registry, typed_tables: list) -> tuple[list[Failure], object]:
    """Validate the domain of the batch's typed tables (one per file, all of
    ``schema``'s dataset). Returns the unexpected values and GX's own
    validation result, which Data Docs renders as is."""
    frame, facets = domain_frame(schema, typed_tables)
    batch = _batch_definition().get_batch(batch_parameters={"dataframe": frame})
    result = batch.validate(_suite(schema, registry), result_format={"result_format": "COMPLETE"})
    failures = []
    for outcome in result.results:
        if outcome.success:
            continue
        config = outcome.expectation_config
        meta = config.meta or {}
        column = config.kwargs["column"]
        rule = meta.get("rule")
        inputs = tuple(next(r for r in schema.rules if r.code == rule).fields) if rule else (column,)
        for index in sorted(set(outcome.result.get("unexpected_index_list") or [])):
            failures.append(Failure(meta["code"], meta.get("field"), rule, inputs, facets[column][int(index)]))
    return failures, result


def _show(value) -> str:
    return value.strftime("%d/%m/%Y") if isinstance(value, dt.date) else str(value)


def to_error_records(schema: DatasetSchema, failures: list[Failure], columns: dict[str, int],
                     typed) -> list[ErrorRecord]:
    """Translate the batch's failures into one file's error records, one per
    row holding a failing value, with Excel positions."""
    from validation.checks import rows_matching

    records = []
    for failure in failures:
        name, code = failure.field, failure.code
        if name is not None and name not in columns:
            continue  # the whole column is missing: reported once, as missing-column
        if not all(c in typed.columns for c in failure.columns):
            continue
        if failure.value == (None,):
            rows = [number for (number,) in typed.con.execute(
                f"SELECT __row FROM {typed.name} WHERE {name} IS NULL ORDER BY __row").fetchall()]
        else:
            rows = [number for number, _ in rows_matching(typed, list(failure.columns), [failure.value])]
        letter = column_letter(columns[name]) if name in columns else None
        title = schema.field(name).title if name else None
        value = failure.value[0]
        for row in rows:
            if (row, name) in typed.failed:
                continue  # already reported as a type error
            if code == "out-of-range":
                f = schema.field(name)
                records.append(make_error("out-of-range-max" if f.maximum is not None else code, row=row,
                                          column=letter, field=name, field_title=title, value=value,
                                          minimum=f"{f.minimum:g}",
                                          maximum=f"{f.maximum:g}" if f.maximum is not None else ""))
            elif code == "not-in-enum":
                records.append(make_error(code, row=row, column=letter, field=name, field_title=title,
                                          value=value, allowed=", ".join(schema.field(name).enum)))
            elif code == "rule-violation":
                rule = next(r for r in schema.rules if r.code == failure.rule)
                values = pd.DataFrame([failure.value], columns=list(failure.columns), dtype=object)
                left, right = rule_sides(rule, values)
                target = rule.fields[-1]
                records.append(make_error(code, row=row, detail=rule.message.format(left=left, right=right),
                                          field=target, column=column_letter(columns[target])))
            else:
                records.append(make_error(code, row=row, column=letter, field=name, field_title=title,
                                          value=value))
    return sorted(records, key=lambda r: (r.row, r.code))
