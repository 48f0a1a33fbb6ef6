"""Dashboard query latency: p50 and p95 per chart, through Superset's chart-data API.

Two synthetic serving files, built at the shape of the real marts:

  a. province: three years of data for Thanh Hóa (27 districts, 547 communes,
     both daily slots of the epidemic figures, every other dataset);
  b. national: the same three years for 63 provinces (~700 districts,
     ~10,000 communes).

The shape is not written here: the real pipeline first loads two days of
sample files for every dataset into a scratch PORTAL_HOME, and every table of
the serving file it publishes is then scaled in DuckDB: tables with two or
more report dates are repeated back in time to cover three years; for the
national scale, commune-grain tables are repeated 18 times (547 x 18 = 9,846
communes; a table with more than 30 distinct area codes counts as commune
grain), district-grain tables 26 times (27 x 26 = 702 districts) and tables
with no area column 63 times (one copy per province), area codes and names
suffixed per copy so that they stay distinct. Snapshot tables (one date) are
not repeated in time.

A private Superset is started on a free port; every chart it holds is found
through its REST API and asked for its data with its saved query context,
``force: true`` (cache bypassed), sequentially. Baseline, same run: the SQL
Superset reports for the chart, run straight on the serving file in DuckDB
with a fresh read-only connection per query (as Superset's NullPool does); the
ratio is what Superset adds. Goal: p95 <= 300 ms per chart.

Run: .venv/pipeline/bin/python bench/dashboard_latency.py [--runs 30] [--json out.json]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.superset_harness import (EPIDEMIC, LocalSuperset, discover_charts, fetch_sql,  # noqa: E402
                                    free_port, post_chart_data, sample_pairs, submit_sample)
from ingest.settings import Settings  # noqa: E402

GOAL_MS = 300.0
YEARS_DAYS = 3 * 365
SEED_DAYS = 2
NATIONAL = {"commune": 18, "district": 26, "none": 63}
MAX_ROWS_PER_TABLE = 30_000_000
SCALES = ("province", "national")
SCALE_TITLES = {"province": "tỉnh (3 năm, 27 huyện, 547 xã)",
                "national": "toàn quốc (3 năm, 63 tỉnh, ~700 huyện, ~10.000 xã)"}


def seed_serving(home: Path) -> Path:
    """Two days of samples of every dataset through the real pipeline; the serving file."""
    from ingest.pipeline import run_once

    settings = Settings(home=home, superset_url="http://127.0.0.1:1", airflow_url="http://127.0.0.1:1")
    first = dt.date.today() - dt.timedelta(days=SEED_DAYS + 7)
    for offset in range(SEED_DAYS):
        day = first + dt.timedelta(days=offset)
        for dataset, unit in sample_pairs():
            slots = ("08:00", "16:00") if dataset == EPIDEMIC else (None,)
            for slot in slots:
                submit_sample(settings, home / "samples", dataset, unit, day, slot)
        result = run_once(settings)
        if result["rejected"]:
            print(f"  (mẫu bị từ chối, bỏ qua: {len(result['rejected'])} tệp)", file=sys.stderr)
    return settings.serving_path


def _area_role(con, table: str, columns: list[tuple[str, str]]) -> str:
    """commune, district or none: the finest area grain the table holds.

    A generic ``area_code`` column may mix districts and communes (a levels map),
    so more distinct codes than Thanh Hóa has districts means commune grain.
    """
    names = [n for n, _ in columns]
    if any("commune" in n and n.endswith("code") for n in names):
        return "commune"
    area = [n for n in names if ("district" in n or "area" in n) and n.endswith("code")]
    if not area:
        return "none"
    distinct = max(con.execute(f'SELECT count(DISTINCT "{n}") FROM seed.main.{table}').fetchone()[0]
                   for n in area)
    return "commune" if distinct > 30 else "district"


def _table_plan(con, table: str, scale: str) -> dict:
    columns = [(r[0], r[1]) for r in con.execute(f"DESCRIBE seed.main.{table}").fetchall()]
    rows = con.execute(f"SELECT count(*) FROM seed.main.{table}").fetchone()[0]
    temporal = [n for n, t in columns if t == "DATE" or t.startswith("TIMESTAMP")]
    span, time_copies = 0, 1
    for name in (n for n, t in columns if t == "DATE"):
        lo, hi, distinct = con.execute(
            f'SELECT min("{name}"), max("{name}"), count(DISTINCT "{name}") FROM seed.main.{table}').fetchone()
        if distinct and distinct >= 2:
            span = (hi - lo).days + 1
            time_copies = math.ceil(YEARS_DAYS / span)
            break
    role = _area_role(con, table, columns)
    area_copies = NATIONAL[role] if scale == "national" else 1
    if rows * time_copies * area_copies > MAX_ROWS_PER_TABLE:
        time_copies = max(1, MAX_ROWS_PER_TABLE // max(1, rows * area_copies))
    return {"columns": columns, "temporal": temporal, "span": span, "time_copies": time_copies,
            "role": role, "area_copies": area_copies, "seed_rows": rows}


def _select_list(plan: dict) -> str:
    out = []
    for name, ctype in plan["columns"]:
        col = f'"{name}"'
        if name in plan["temporal"] and plan["time_copies"] > 1:
            expr = (f"{col} - CAST(t.i * {plan['span']} AS INTEGER)" if ctype == "DATE"
                    else f"{col} - to_days(CAST(t.i * {plan['span']} AS INTEGER))")
            out.append(f"CAST({expr} AS {ctype}) AS {col}")
        elif (plan["area_copies"] > 1 and ctype == "VARCHAR"
              and any(k in name for k in ("commune", "district", "area", "province"))):
            out.append(f"CASE WHEN a.j = 0 THEN {col} ELSE {col} || printf('-%02d', a.j) END AS {col}")
        else:
            out.append(col)
    return ", ".join(out)


def build_synthetic(seed: Path, target: Path, scale: str) -> dict[str, dict]:
    """Scale every table of ``seed`` into a new file, swapped over ``target`` (os.replace)."""
    tmp = target.with_name(f".{target.name}.{scale}.building")
    tmp.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    con.execute(f"ATTACH '{seed}' AS seed (READ_ONLY)")
    tables = [r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = 'seed' AND schema_name = 'main' "
        "ORDER BY table_name").fetchall()]
    plans = {}
    for table in tables:
        plan = _table_plan(con, table, scale)
        con.execute(f"""CREATE TABLE main.{table} AS
            SELECT {_select_list(plan)}
            FROM seed.main.{table}, range({plan['time_copies']}) AS t(i), range({plan['area_copies']}) AS a(j)""")
        plan["rows"] = con.execute(f"SELECT count(*) FROM main.{table}").fetchone()[0]
        plans[table] = plan
    con.execute("DETACH seed")
    con.execute("CHECKPOINT")
    con.close()
    os.replace(tmp, target)
    return plans


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


def health_floor(instance: LocalSuperset, runs: int) -> dict:
    """Superset's bare HTTP round trip (GET /health): the floor under any chart."""
    import requests

    ms = []
    with requests.Session() as session:
        for _ in range(runs):
            started = time.perf_counter()
            session.get(f"{instance.url}/health", timeout=30).raise_for_status()
            ms.append((time.perf_counter() - started) * 1000)
    return {"p50_ms": statistics.median(ms), "p95_ms": percentile(ms, 0.95)}


def measure(instance: LocalSuperset, serving: Path, runs: int) -> list[dict]:
    client = instance.client()
    charts, without = discover_charts(client)
    if without:
        print(f"  biểu đồ không có query_context (không đo được): {', '.join(without)}")
    rows = []
    for chart in charts:
        fetch_sql(client, chart)
        qc = chart.context(force=True)
        for _ in range(2):  # warm the worker's dataset metadata and the OS page cache
            post_chart_data(client, qc)
        # Interleaved, so that both sides see the same background load on a
        # shared machine and the ratio stays meaningful when the figures do not.
        superset_ms, duck_ms = [], []
        for _ in range(runs):
            started = time.perf_counter()
            post_chart_data(client, qc)
            superset_ms.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            con = duckdb.connect(str(serving), read_only=True)
            try:
                for sql in chart.sql:
                    con.execute(sql).fetchall()
            finally:
                con.close()
            duck_ms.append((time.perf_counter() - started) * 1000)
        rows.append({
            "chart": chart.name, "viz_type": chart.viz_type, "dataset": chart.datasource,
            "dashboards": chart.dashboards,
            "superset_p50_ms": statistics.median(superset_ms), "superset_p95_ms": percentile(superset_ms, 0.95),
            "duckdb_p50_ms": statistics.median(duck_ms), "duckdb_p95_ms": percentile(duck_ms, 0.95),
        })
        row = rows[-1]
        row["ratio_p50"] = row["superset_p50_ms"] / max(row["duckdb_p50_ms"], 0.001)
        row["meets_goal"] = row["superset_p95_ms"] <= GOAL_MS
    return rows


def print_table(scale: str, rows: list[dict], plans: dict[str, dict], floor: dict, load: tuple) -> None:
    print(f"\n== Quy mô {SCALE_TITLES[scale]} ==")
    print(f"tải máy (loadavg 1/5/15 phút) lúc đo: {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} trên {os.cpu_count()} lõi; "
          f"GET /health: p50 {floor['p50_ms']:.0f} ms, p95 {floor['p95_ms']:.0f} ms")
    print("bảng   số dòng   (x thời gian, x địa bàn)")
    for table, plan in plans.items():
        print(f"  {table:<44} {plan['rows']:>11,}  (x{plan['time_copies']}, x{plan['area_copies']} {plan['role']})")
    head = (f"{'biểu đồ':<46} {'loại':<24} {'Superset p50':>12} {'p95':>7} "
            f"{'DuckDB p50':>10} {'p95':>7} {'tỉ lệ p50':>9}  p95 ≤ {GOAL_MS:.0f} ms")
    print(head)
    print("-" * len(head))
    for r in sorted(rows, key=lambda r: -r["superset_p95_ms"]):
        print(f"{r['chart'][:46]:<46} {r['viz_type'][:24]:<24} {r['superset_p50_ms']:>10.0f}ms {r['superset_p95_ms']:>5.0f}ms "
              f"{r['duckdb_p50_ms']:>8.1f}ms {r['duckdb_p95_ms']:>5.1f}ms {r['ratio_p50']:>8.1f}×  "
              f"{'đạt' if r['meets_goal'] else 'KHÔNG ĐẠT'}")
    met = sum(r["meets_goal"] for r in rows)
    print(f"{met}/{len(rows)} biểu đồ đạt p95 ≤ {GOAL_MS:.0f} ms")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30, help="forced requests per chart and scale (default 30)")
    parser.add_argument("--scale", choices=SCALES, action="append", help="only this scale (repeatable)")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument("--keep", action="store_true", help="keep the scratch PORTAL_HOME")
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # progress shows when piped to a file
    scales = args.scale or list(SCALES)

    home = Path(tempfile.mkdtemp(prefix="portal-latency-"))
    os.environ["PORTAL_HOME"] = str(home)
    started = time.perf_counter()
    print(f"PORTAL_HOME tạm: {home}")
    seed_home = home / "seed"
    seed = seed_serving(seed_home)
    print(f"dữ liệu mẫu qua pipeline thật: {time.perf_counter() - started:.0f} s")

    port = free_port()
    settings = Settings(home=home / "bench", superset_url=f"http://127.0.0.1:{port}",
                        airflow_url="http://127.0.0.1:1")
    settings.serving_path.parent.mkdir(parents=True, exist_ok=True)
    instance = LocalSuperset(settings, port)
    report = {"date": dt.datetime.now(dt.timezone.utc).isoformat(), "runs": args.runs, "goal_ms": GOAL_MS,
              "cpus": os.cpu_count(), "scales": {}}
    try:
        for n, scale in enumerate(scales):
            t0 = time.perf_counter()
            plans = build_synthetic(seed, settings.serving_path, scale)
            print(f"\ntệp phục vụ {scale}: {time.perf_counter() - t0:.0f} s, "
                  f"{settings.serving_path.stat().st_size / 2**20:.0f} MiB")
            if n == 0:
                instance.start()
            # The publish path: file swapped, then datasets refreshed and caches dropped.
            instance.client().refresh_datasets(list(plans))
            floor = health_floor(instance, args.runs)
            rows = measure(instance, settings.serving_path, args.runs)
            load = os.getloadavg()
            print_table(scale, rows, plans, floor, load)
            report["scales"][scale] = {
                "loadavg": load, "health": floor,
                "tables": {t: {k: p[k] for k in ("rows", "time_copies", "area_copies", "role")}
                           for t, p in plans.items()},
                "charts": rows}
    finally:
        instance.stop()
        if not args.keep:
            import shutil
            shutil.rmtree(home, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\ntổng thời gian: {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
