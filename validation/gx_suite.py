"""The Great Expectations side: a suite generated from the dataset schema, run
on typed DataFrames, and the ONE place where GX results become our error
records (each expectation's ``meta`` names the error code it stands for)."""
from __future__ import annotations

import datetime as dt
import os
from functools import lru_cache

import numpy as np
import pandas as pd

from ingest.registry import Registry
from ingest.schema import DatasetSchema
from validation.errors import ErrorRecord, column_letter, make_error

# GX 1.x phones home (usage analytics) unless told not to; the data centre may be air-gapped.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

RULE_PREFIX = "__rule__"
INDEX_COLUMNS = ["__file", "__row"]


def build_suite(schema: DatasetSchema, registry: Registry):
    import great_expectations as gx
    from great_expectations import expectations as gxe

    suite = gx.ExpectationSuite(name=schema.name)
    for f in schema.fields:
        meta = {"field": f.name}
        if f.required:
            suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(
                column=f.name, meta={**meta, "code": "required"}))
        if f.minimum is not None or f.maximum is not None:
            suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(
                column=f.name, min_value=f.minimum, max_value=f.maximum,
                meta={**meta, "code": "out-of-range"}))
        if f.enum:
            suite.add_expectation(gxe.ExpectColumnValuesToBeInSet(
                column=f.name, value_set=list(f.enum), meta={**meta, "code": "not-in-enum"}))
        if f.type == "area_code":
            levels = ("district", "commune") if f.area_level == "any" else (f.area_level,)
            codes = [a.area_code for a in registry.areas.values() if a.level in levels]
            suite.add_expectation(gxe.ExpectColumnValuesToBeInSet(
                column=f.name, value_set=codes, meta={**meta, "code": "unknown-area"}))
    if schema.grain:
        suite.add_expectation(gxe.ExpectCompoundColumnsToBeUnique(
            column_list=["__file", *schema.grain], meta={"code": "duplicate-key"}))
    for rule in schema.rules:
        suite.add_expectation(gxe.ExpectColumnValuesToBeInSet(
            column=RULE_PREFIX + rule.code, value_set=[True], meta={"code": "rule-violation",
                                                                   "rule": rule.code}))
    return suite


@lru_cache(maxsize=1)
def _batch_definition():
    import great_expectations as gx

    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    # GX draws progress bars on stderr for every validation; they only clutter task logs.
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas("submissions")
    return source.add_dataframe_asset("rows").add_batch_definition_whole_dataframe("all")


_SUITES: dict[tuple[str, int], object] = {}


def _suite(schema: DatasetSchema, registry: Registry):
    cache_key = (schema.name, id(registry))
    if cache_key not in _SUITES:
        _SUITES[cache_key] = build_suite(schema, registry)
    return _SUITES[cache_key]


def add_rule_columns(schema: DatasetSchema, frame: pd.DataFrame) -> pd.DataFrame:
    """Evaluate each cross-field rule into a boolean column GX can check.
    Rows with a missing input pass here: the blank cell is reported on its own."""
    frame = frame.copy()
    for rule in schema.rules:
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


def run_suite(schema: DatasetSchema, registry: Registry, frame: pd.DataFrame) -> tuple[list[dict], object]:
    """Validate a frame holding the rows of one or more files (column __file).
    Returns raw failures ({"code", "field", "file", "row", "value", "rule"})
    and GX's own validation result, which Data Docs renders as is."""
    frame = add_rule_columns(schema, frame)
    for f in schema.fields:  # GX compares like with like; keep ints as nullable objects
        if f.name not in frame:
            frame[f.name] = None
    batch = _batch_definition().get_batch(batch_parameters={"dataframe": frame})
    result = batch.validate(_suite(schema, registry), result_format={
        "result_format": "COMPLETE", "unexpected_index_column_names": INDEX_COLUMNS})
    failures = []
    for outcome in result.results:
        if outcome.success:
            continue
        config = outcome.expectation_config
        meta = config.meta or {}
        column = config.kwargs.get("column")
        for hit in outcome.result.get("unexpected_index_list") or []:
            failures.append({"code": meta["code"], "field": meta.get("field"), "rule": meta.get("rule"),
                             "file": int(hit["__file"]), "row": int(hit["__row"]),
                             "value": hit.get(column) if column else None})
    return failures, result


def _show(value) -> str:
    return value.strftime("%d/%m/%Y") if isinstance(value, dt.date) else str(value)


def to_error_records(schema: DatasetSchema, failures: list[dict], columns: dict[str, int],
                     frame: pd.DataFrame, failed_cells: set[tuple[int, str]]) -> list[ErrorRecord]:
    """Translate one file's GX failures into error records with Excel positions."""
    records = []
    # Row lookups cost a pass over the frame: a million-row file pays it only
    # when it has duplicate keys or rule violations to describe.
    lookups = {}

    def by_row():
        if "by_row" not in lookups:
            lookups["by_row"] = frame.set_index("__row")
        return lookups["by_row"]

    def grain_seen():
        if "grain" not in lookups:
            seen = lookups["grain"] = {}
            for number, *key in frame[["__row", *schema.grain]].itertuples(index=False):
                seen.setdefault(tuple(key), number)
        return lookups["grain"]

    for failure in sorted(failures, key=lambda x: (x["row"], x["code"])):
        row, name, code = failure["row"], failure["field"], failure["code"]
        if (row, name) in failed_cells:
            continue  # already reported as a type error
        if name is not None and name not in columns:
            continue  # the whole column is missing: reported once, as missing-column
        letter = column_letter(columns[name]) if name in columns else None
        title = schema.field(name).title if name else None
        if code == "out-of-range":
            f = schema.field(name)
            records.append(make_error("out-of-range-max" if f.maximum is not None else code, row=row,
                                      column=letter, field=name, field_title=title, value=failure["value"],
                                      minimum=f"{f.minimum:g}", maximum=f"{f.maximum:g}" if f.maximum is not None else ""))
        elif code == "not-in-enum":
            records.append(make_error(code, row=row, column=letter, field=name, field_title=title,
                                      value=failure["value"],
                                      allowed=", ".join(schema.field(name).enum)))
        elif code == "duplicate-key":
            key = tuple(by_row().loc[row, list(schema.grain)])
            first = grain_seen().get(key, row)
            if first != row:
                records.append(make_error(code, row=row, first_row=first,
                                          detail=", ".join(f"{schema.field(g).title} = {_show(v)}"
                                                           for g, v in zip(schema.grain, key))))
        elif code == "rule-violation":
            rule = next(r for r in schema.rules if r.code == failure["rule"])
            left, right = rule_sides(rule, by_row().loc[[row], list(rule.fields)])
            detail = rule.message.format(left=left, right=right)
            target = rule.fields[-1]
            records.append(make_error(code, row=row, detail=detail, field=target,
                                      column=column_letter(columns[target])))
        else:
            records.append(make_error(code, row=row, column=letter, field=name, field_title=title,
                                      value=failure["value"]))
    return records
