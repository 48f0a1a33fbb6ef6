"""Checks against what the warehouse already holds: cumulative figures never
go down, outliers against the unit's own history (DHIS2's z-score and
modified z-score), and consistency with another unit's figures.

They read the warehouse through the connection the caller passes (the
pipeline's writer connection, so files earlier in the same batch count as
history); they yield error records and never write.
"""
from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pandas as pd

from ingest.schema import DatasetSchema
from validation.errors import ErrorRecord, make_error

Z_LIMIT = 3.0            # DHIS2 default for the z-score
MODIFIED_Z_LIMIT = 3.5   # Iglewicz and Hoaglin's cut-off for the modified z-score
MIN_HISTORY = 7          # fewer earlier values say nothing about what is usual
HISTORY_WINDOW = 60      # earlier accepted values considered per key and field


def _fmt(value) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}".replace(",", "X").replace(".", ",").replace("X", ".")
    return f"{int(value):,}".replace(",", ".")


def order_fields(schema: DatasetSchema) -> list[str]:
    """How a unit's submissions are ordered in time: the period, else the first date."""
    if schema.period_key:
        return list(schema.period_key)
    return [next(f.name for f in schema.fields if f.type == "date")]


def entity_key(schema: DatasetSchema) -> list[str]:
    """What a figure is about, across periods (e.g. the district)."""
    order = set(order_fields(schema))
    return [g for g in schema.grain if g not in order]


def _earlier(con, schema, table, unit, frame, fields):
    """The unit's open rows from earlier periods, for the keys in the file."""
    order, key = order_fields(schema), entity_key(schema)
    if not key or frame.empty:
        return None
    current = tuple(frame[order].iloc[0])
    con.register("file_keys", frame[key].drop_duplicates())
    try:
        where = " AND ".join(f"f.{c} = k.{c}" for c in key)
        before = f"({', '.join('f.' + c for c in order)}) < ({', '.join('?' for _ in order)})"
        return con.execute(f"""
            SELECT {', '.join('f.' + c for c in key + order + fields)}
            FROM {table} f JOIN file_keys k ON {where}
            WHERE f.unit_code = ? AND f.valid_to IS NULL AND {before}
            QUALIFY row_number() OVER (PARTITION BY {', '.join('f.' + c for c in key)}
                                       ORDER BY {', '.join('f.' + c + ' DESC' for c in order)}) <= {HISTORY_WINDOW}
        """, [unit, *current]).df()
    finally:
        con.unregister("file_keys")


def check_history(con: duckdb.DuckDBPyConnection, table: str, schema: DatasetSchema, unit: str,
                  frame: pd.DataFrame, columns: dict[str, int]) -> Iterator[ErrorRecord]:
    from validation.errors import column_letter

    cumulative = [f.name for f in schema.fields if f.cumulative and f.name in frame]
    flows = [f.name for f in schema.fields if f.outliers and f.name in frame]
    history = _earlier(con, schema, table, unit, frame, cumulative + flows)
    if history is None or history.empty:
        return
    key, order = entity_key(schema), order_fields(schema)
    history = history.sort_values(order, ascending=False)
    # Text keys on both sides: DuckDB and the parser may type a code differently.
    def as_key(df: pd.DataFrame) -> pd.Series:
        text = df[key[0]].astype(str)
        for column in key[1:]:
            text = text + "|" + df[column].astype(str)
        return text
    history["__key"], rows = as_key(history), frame.assign(__key=as_key(frame))
    groups = history.groupby("__key", sort=False)

    if cumulative:
        last = groups.first()
        when = last[order].apply(lambda r: " ".join(v.strftime("%d/%m/%Y") if hasattr(v, "strftime")
                                                    else str(v) for v in r), axis=1)
        joined = rows.join(last[cumulative].add_suffix("__before"), on="__key")
        for name in cumulative:
            bad = joined[joined[name] < joined[name + "__before"]]
            for _, row in bad.iterrows():
                yield make_error("cumulative-decreased", row=int(row["__row"]),
                                 column=column_letter(columns[name]), field=name,
                                 field_title=schema.field(name).title, value=_fmt(row[name]),
                                 previous=_fmt(row[name + "__before"]), when=when[row["__key"]])
    for name in flows:
        values = history[["__key", name]].dropna().astype({name: float})
        stats = values.groupby("__key")[name].agg(["count", "mean", "median"])
        stats["sd"] = values.groupby("__key")[name].std(ddof=0)
        deviation = (values[name] - values["__key"].map(stats["median"])).abs()
        stats["mad"] = deviation.groupby(values["__key"]).median()
        joined = rows.join(stats, on="__key")
        value = joined[name].astype(float)
        z = (value - joined["mean"]).abs() / joined["sd"].where(joined["sd"] > 0)
        modified = 0.6745 * (value - joined["median"]).abs() / joined["mad"].where(joined["mad"] > 0)
        flagged = joined[(joined["count"] >= MIN_HISTORY) & (z > Z_LIMIT) & (modified > MODIFIED_Z_LIMIT)]
        for index, row in flagged.iterrows():
            yield make_error("outlier", row=int(row["__row"]), column=column_letter(columns[name]),
                             field=name, field_title=schema.field(name).title, value=_fmt(row[name]),
                             mean=_fmt(round(row["mean"], 1)), z=f"{z[index]:.1f}".replace(".", ","),
                             modified=f"{modified[index]:.1f}".replace(".", ","), count=int(row["count"]))


def check_cross_unit(con: duckdb.DuckDBPyConnection, table: str, schema: DatasetSchema, unit_type: str,
                     frame: pd.DataFrame, columns: dict[str, int]) -> Iterator[ErrorRecord]:
    """A district unit's figures against the provincial unit's figures for the
    same district and date (e.g. TTYT testing vs CDC testing). Warnings only:
    either side may be the one that is wrong."""
    from ingest.registry import load_registry
    from validation.errors import column_letter

    spec = schema.cross_check
    if not spec or unit_type != spec["unit_type"] or frame.empty:
        return
    by, fields = list(spec["by"]), list(spec["fields"])
    mine = frame.groupby(by, as_index=False)[fields].sum()
    registry = load_registry()
    reference_units = [u.unit_code for u in registry.units.values() if u.unit_type == spec["against"]]
    con.register("mine", mine)
    try:
        theirs = con.execute(f"""
            SELECT {', '.join('f.' + c for c in by)}, {', '.join(f'sum(f.{c}) AS {c}' for c in fields)}
            FROM {table} f JOIN mine m ON {' AND '.join(f'f.{c} = m.{c}' for c in by)}
            WHERE f.valid_to IS NULL AND f.unit_code IN ({', '.join('?' for _ in reference_units)})
            GROUP BY ALL""", reference_units).df()
    finally:
        con.unregister("mine")
    if theirs.empty:
        return
    # DuckDB hands dates back as timestamps: compare keys as text on both sides.
    for side in (mine, theirs):
        for c in by:
            side[c + "_key"] = side[c].map(lambda v: v.strftime("%Y-%m-%d") if hasattr(v, "strftime") else str(v))
    keys = [c + "_key" for c in by]
    merged = mine.merge(theirs.drop(columns=by), on=keys, suffixes=("", "_ref"))
    first_rows = frame.groupby(by)["__row"].min()
    for _, row in merged.iterrows():
        for name in fields:
            if row[name] != row[name + "_ref"]:
                yield make_error("cross-unit-mismatch", row=int(first_rows[tuple(row[c] for c in by)]),
                                 column=column_letter(columns[name]), field=name,
                                 field_title=schema.field(name).title, value=_fmt(row[name]),
                                 reference=_fmt(row[name + "_ref"]), against=spec["against"],
                                 detail=", ".join(str(row[c]) if not hasattr(row[c], "strftime")
                                                  else row[c].strftime("%d/%m/%Y") for c in by))
