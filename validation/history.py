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


def history_fields(schema: DatasetSchema, unit_type: str, present) -> list[str]:
    """The columns the history checks need from a file of this unit type, or
    [] when none applies (no cumulative or outlier figure, no cross-check)."""
    cumulative = [f.name for f in schema.fields if f.cumulative and f.name in present]
    flows = [f.name for f in schema.fields if f.outliers and f.name in present]
    spec = schema.cross_check
    crossed = list(spec["by"]) + list(spec["fields"]) if spec and unit_type == spec["unit_type"] else []
    if not ((cumulative or flows) and entity_key(schema)) and not crossed:
        return []
    wanted = order_fields(schema) + entity_key(schema) + cumulative + flows + crossed
    return [c for c in dict.fromkeys(wanted) if c in present]


def _history_stats(con, schema, table, unit, frame, cumulative, flows) -> pd.DataFrame | None:
    """One query: per key of the file, the last earlier values of the cumulative
    fields and, for the flow fields, count, mean, standard deviation, median
    and median absolute deviation over the unit's last HISTORY_WINDOW periods."""
    order, key = order_fields(schema), entity_key(schema)
    if not key or frame.empty or not (cumulative or flows):
        return None
    current = tuple(frame[order].iloc[0])
    keys = ", ".join(key)
    newest_first = ", ".join(f"f.{c} DESC" for c in order)
    by_key = ", ".join(f"f.{c}" for c in key)
    last = [f"arg_max({c}, rn_inv) AS last__{c}" for c in cumulative + order]
    flow_stats = [f"count({c}) AS count__{c}, avg({c}) AS mean__{c}, stddev_pop({c}) AS sd__{c}, "
                  f"any_value(med__{c}) AS median__{c}, median(abs({c} - med__{c})) AS mad__{c}"
                  for c in flows]
    medians = ", ".join([keys] + [f"median({c}) AS med__{c}" for c in flows])
    con.register("file_keys", frame[key].drop_duplicates())
    try:
        return con.execute(f"""
            WITH h AS (
                SELECT {', '.join('f.' + c for c in key + order + cumulative + flows)},
                       -row_number() OVER (PARTITION BY {by_key} ORDER BY {newest_first}) AS rn_inv
                FROM {table} f JOIN file_keys k ON {' AND '.join(f'f.{c} = k.{c}' for c in key)}
                WHERE f.unit_code = ? AND f.valid_to IS NULL
                  AND ({', '.join('f.' + c for c in order)}) < ({', '.join('?' for _ in order)})
                QUALIFY row_number() OVER (PARTITION BY {by_key} ORDER BY {newest_first}) <= {HISTORY_WINDOW}
            ), m AS (SELECT {medians} FROM h GROUP BY {keys})
            SELECT {keys}, {', '.join(last + flow_stats)}
            FROM h JOIN m USING ({keys}) GROUP BY {keys}
        """, [unit, *current]).df()
    finally:
        con.unregister("file_keys")


def check_history(con: duckdb.DuckDBPyConnection, table: str, schema: DatasetSchema, unit: str,
                  frame: pd.DataFrame, columns: dict[str, int]) -> Iterator[ErrorRecord]:
    from validation.errors import column_letter

    cumulative = [f.name for f in schema.fields if f.cumulative and f.name in frame]
    flows = [f.name for f in schema.fields if f.outliers and f.name in frame]
    stats = _history_stats(con, schema, table, unit, frame, cumulative, flows)
    if stats is None or stats.empty:
        return
    key, order = entity_key(schema), order_fields(schema)

    def as_key(df: pd.DataFrame) -> pd.Series:
        # Text keys on both sides: DuckDB and the parser may type a code differently.
        text = df[key[0]].astype(str)
        for column in key[1:]:
            text = text + "|" + df[column].astype(str)
        return text

    joined = frame.assign(__key=as_key(frame)).join(stats.set_index(as_key(stats)).drop(columns=key),
                                                    on="__key")
    for name in cumulative:
        for _, row in joined[joined[name] < joined[f"last__{name}"]].iterrows():
            when = " ".join(v.strftime("%d/%m/%Y") if hasattr(v, "strftime") else str(v)
                            for v in (row[f"last__{c}"] for c in order))
            yield make_error("cumulative-decreased", row=int(row["__row"]),
                             column=column_letter(columns[name]), field=name,
                             field_title=schema.field(name).title, value=_fmt(row[name]),
                             previous=_fmt(row[f"last__{name}"]), when=when)
    for name in flows:
        value = joined[name].astype(float)
        sd, mad = joined[f"sd__{name}"], joined[f"mad__{name}"]
        z = (value - joined[f"mean__{name}"]).abs() / sd.where(sd > 0)
        modified = 0.6745 * (value - joined[f"median__{name}"]).abs() / mad.where(mad > 0)
        flagged = (joined[f"count__{name}"] >= MIN_HISTORY) & (z > Z_LIMIT) & (modified > MODIFIED_Z_LIMIT)
        for index, row in joined[flagged].iterrows():
            yield make_error("outlier", row=int(row["__row"]), column=column_letter(columns[name]),
                             field=name, field_title=schema.field(name).title, value=_fmt(row[name]),
                             mean=_fmt(round(row[f"mean__{name}"], 1)),
                             z=f"{z[index]:.1f}".replace(".", ","),
                             modified=f"{modified[index]:.1f}".replace(".", ","),
                             count=int(row[f"count__{name}"]))


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
