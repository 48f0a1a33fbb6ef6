"""Benchmark: the compliance audit of one month, at province and national scale.

    .venv/pipeline/bin/python bench/compliance_audit.py [--runs 3] [--scale province|national|both] [--json F]

Each scale builds a warehouse in a temporary folder (migrated like the real
one) and fills raw.submission / raw.confirmation with a synthetic November
2021 that follows the shipped schedule (compliance/schedules.yaml): every
deadline of every unit gets a file, mostly on time, some late, corrected,
rejected first, or missing; "on change" datasets get files and "no change"
confirmations every few days.

* province: the 61 units of the registry (ingest/registry/units.csv);
* national: about 10,000 synthetic units, 63 provinces × the 7 provincial
  departments plus ~4,780 district People's Committees and ~4,780 health
  centres, the same unit types and schedules.

Timed: `compliance.audit.audit(con, 1/11, 30/11, as_of=1/12 00:00)` on a
read-only connection (what the DAG and the CLI run), median of --runs after
one warm-up; and `record_audit` once. Baseline, in the same run and on the
same file: a bare DuckDB scan of raw.submission (every column the audit
reads, aggregated, so DuckDB reads them all), median of --runs. Goals: ≤ 2 s
(province) and ≤ 30 s (national) for the audit.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import duckdb  # noqa: E402
import pandas as pd  # noqa: E402

VN = ZoneInfo("Asia/Ho_Chi_Minh")
START, END = dt.date(2021, 11, 1), dt.date(2021, 11, 30)
AS_OF = dt.datetime(2021, 12, 1, 0, 0, tzinfo=VN)
GOALS = {"province": 2.0, "national": 30.0}
PROVINCIAL = [("SYT", "Sở Y tế"), ("CDC", "Trung tâm Kiểm soát bệnh tật"), ("BCHQS", "Bộ Chỉ huy Quân sự"),
              ("CA", "Công an"), ("SCT", "Sở Công Thương"), ("SLDTBXH", "Sở Lao động - Thương binh và Xã hội"),
              ("STTTT", "Sở Thông tin và Truyền thông")]


def national_units(total: int = 10_000, provinces: int = 63) -> list[tuple]:
    units = [(f"P{p:02d}-{t}", f"{name} tỉnh {p:02d}", t, None) for p in range(1, provinces + 1)
             for t, name in PROVINCIAL]
    i = 0
    while len(units) < total:
        district = f"D{i:04d}"
        units.append((f"UBND-{district}", f"UBND huyện {district}", "UBND", district))
        if len(units) < total:
            units.append((f"TTYT-{district}", f"Trung tâm Y tế huyện {district}", "TTYT", district))
        i += 1
    return units


def _at(day: dt.date, hh: int, mm: int, ss: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hh, mm, ss), tzinfo=VN).astimezone(dt.timezone.utc)


def fill(con: duckdb.DuckDBPyConnection, units: list[tuple], seed: int = 2021) -> dict:
    """Synthetic receipts for every unit's November, following the shipped schedule."""
    from compliance.schedules import default_config

    rng = random.Random(seed)
    config = default_config()
    rows = {k: [] for k in ("submission_id", "unit_code", "dataset", "received_at", "status", "report_date", "slot",
                            "warning_count", "error_count")}
    confirmations = {k: [] for k in ("confirmation_id", "unit_code", "dataset", "confirmed_at")}
    serial = 0

    def add(unit, dataset, when, status="loaded", report_date=None, slot=None):
        nonlocal serial
        serial += 1
        rows["submission_id"].append(f"S{serial:09d}")
        rows["unit_code"].append(unit)
        rows["dataset"].append(dataset)
        rows["received_at"].append(when)
        rows["status"].append(status)
        rows["report_date"].append(None if status == "rejected" else report_date)
        rows["slot"].append(None if status == "rejected" else slot)
        rows["warning_count"].append(1 if rng.random() < 0.05 else 0)
        rows["error_count"].append(2 if status == "rejected" else 0)

    days = [START + dt.timedelta(days=i) for i in range(30)]
    for code, _, unit_type, _ in units:
        for seg in config.segments(code, unit_type, START, END):
            rule = seg.rule
            if rule.kind == "on_change":
                step = max(1, int(rule.max_age_hours // 24))
                for day in days[::step]:
                    if rng.random() < 0.7:
                        add(code, seg.dataset, _at(day, rng.randint(7, 18), rng.randint(0, 59)), report_date=day)
                    elif rng.random() < 0.9:
                        serial += 1
                        confirmations["confirmation_id"].append(f"C{serial:09d}")
                        confirmations["unit_code"].append(code)
                        confirmations["dataset"].append(seg.dataset)
                        confirmations["confirmed_at"].append(_at(day, 8, rng.randint(0, 59)))
                continue
            times = rule.times if rule.kind == "slots" else (rule.deadline,)
            for day in days:
                if rule.kind == "periodic" and config.is_holiday(day):
                    continue
                for t in times:
                    slot = f"{t:%H:%M}" if rule.kind == "slots" else None
                    due = _at(day, t.hour, t.minute)
                    luck = rng.random()
                    if luck < 0.02:
                        continue                                            # missing
                    if luck < 0.03:
                        add(code, seg.dataset, due - dt.timedelta(minutes=20), status="rejected")
                        add(code, seg.dataset, due + dt.timedelta(minutes=rng.randint(1, 180)),
                            report_date=day, slot=slot)                    # rejected, then late
                        continue
                    if luck < 0.09:
                        add(code, seg.dataset, due + dt.timedelta(seconds=rng.randint(1, 6 * 3600)),
                            report_date=day, slot=slot)                    # late
                        continue
                    add(code, seg.dataset, due - dt.timedelta(seconds=rng.randint(0, 3 * 3600)),
                        report_date=day, slot=slot)                        # on time
                    if luck > 0.97:
                        add(code, seg.dataset, due + dt.timedelta(minutes=rng.randint(5, 600)),
                            report_date=day, slot=slot)                    # a correction
    frame = pd.DataFrame(rows)
    frame["received_at"] = pd.to_datetime(frame["received_at"], utc=True)
    frame["report_date"] = pd.to_datetime(frame["report_date"]).dt.date
    con.register("bench_submissions", frame)
    con.execute("""
        INSERT INTO raw.submission BY NAME
        SELECT submission_id, unit_code, dataset, 'tep.xlsx' AS original_name, 'sha' AS file_sha256,
               1000 AS file_size, received_at, received_at + INTERVAL 5 SECOND AS processed_at, status,
               NULL AS duplicate_of, 'archive/x' AS stored_path, 10 AS row_count, error_count, warning_count,
               report_date::DATE AS report_date, slot
        FROM bench_submissions""")
    con.unregister("bench_submissions")
    conf = pd.DataFrame(confirmations)
    conf["confirmed_at"] = pd.to_datetime(conf["confirmed_at"], utc=True)
    con.register("bench_confirmations", conf)
    con.execute("INSERT INTO raw.confirmation SELECT confirmation_id, unit_code, dataset, confirmed_at, '' "
                "FROM bench_confirmations")
    con.unregister("bench_confirmations")
    return {"submissions": len(frame), "confirmations": len(conf)}


def build(folder: Path, scale: str) -> tuple[Path, dict]:
    from warehouse.db import migrate
    from warehouse.load import sync_dimensions

    path = folder / f"{scale}.duckdb"
    con = duckdb.connect(str(path))
    try:
        migrate(con)
        sync_dimensions(con)
        if scale == "national":
            con.execute("DELETE FROM core.dim_unit")
            units = national_units()
            frame = pd.DataFrame(units, columns=["unit_code", "name", "unit_type", "district_code"])
            con.register("bench_units", frame)
            con.execute("INSERT INTO core.dim_unit SELECT * FROM bench_units")
            con.unregister("bench_units")
        else:
            units = con.execute("SELECT unit_code, name, unit_type, district_code FROM core.dim_unit").fetchall()
        counts = {"units": len(units), **fill(con, units)}
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return path, counts


def baseline(con) -> float:
    start = time.perf_counter()
    con.execute("""SELECT count(*), count(DISTINCT unit_code), count(DISTINCT dataset), min(received_at),
                          max(received_at), count(DISTINCT status), min(report_date), count(slot),
                          sum(warning_count), sum(error_count), count(DISTINCT submission_id)
                   FROM raw.submission""").fetchall()
    return time.perf_counter() - start


def measure(path: Path, runs: int) -> dict:
    from compliance.audit import audit, record_audit

    con = duckdb.connect(str(path), read_only=True)
    try:
        cold_start = time.perf_counter()
        result = audit(con, START, END, AS_OF)
        cold = time.perf_counter() - cold_start
        audits, bases = [], []
        for _ in range(runs):          # interleaved, so both see the same machine load
            bases.append(baseline(con))
            start = time.perf_counter()
            result = audit(con, START, END, AS_OF)
            audits.append(time.perf_counter() - start)
    finally:
        con.close()
    copy = path.with_name(path.stem + "-record.duckdb")
    shutil.copyfile(path, copy)
    con = duckdb.connect(str(copy))
    try:
        start = time.perf_counter()
        record_audit(con, result)
        recorded = time.perf_counter() - start
    finally:
        con.close()
    statuses = {}
    for e in result.expected:
        statuses[e.status] = statuses.get(e.status, 0) + 1
    return {"audit_s": statistics.median(audits), "audit_runs_s": audits, "audit_first_s": cold,
            "baseline_s": statistics.median(bases), "record_s": recorded,
            "expectations": len(result.expected), "freshness_checks": len(result.freshness),
            "attempts": len(result.attempts), "statuses": statuses}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scale", choices=["province", "national", "both"], default="both")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    os.environ.pop("PORTAL_COMPLIANCE_CONFIG", None)     # the shipped schedule
    scales = ["province", "national"] if args.scale == "both" else [args.scale]
    figures = {}
    folder = Path(tempfile.mkdtemp(prefix="bench-compliance-"))
    try:
        for scale in scales:
            start = time.perf_counter()
            path, counts = build(folder, scale)
            built = time.perf_counter() - start
            found = measure(path, args.runs)
            figures[scale] = {**counts, "build_s": built, **found}
            ratio = found["audit_s"] / found["baseline_s"]
            print(f"\n{scale}: {counts['units']} units, {counts['submissions']} submissions, "
                  f"{counts['confirmations']} confirmations (built in {built:.1f} s)")
            print(f"  audit of November 2021: median {found['audit_s']:.2f} s over {args.runs} runs "
                  f"(first run {found['audit_first_s']:.2f} s) — goal ≤ {GOALS[scale]:g} s: "
                  f"{'met' if found['audit_s'] <= GOALS[scale] else 'NOT met'}")
            print(f"  {found['expectations']} deadlines judged, {found['freshness_checks']} freshness checks, "
                  f"{found['attempts']} attempts; statuses {found['statuses']}")
            print(f"  baseline, bare DuckDB scan of raw.submission: median {found['baseline_s'] * 1000:.0f} ms "
                  f"— audit / baseline = {ratio:.0f}×")
            print(f"  record_audit (replace the month's rows): {found['record_s']:.2f} s")
        load = os.getloadavg()
        print(f"\nload average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}, {os.cpu_count()} CPUs")
        if args.json:
            args.json.write_text(json.dumps(figures, indent=2, default=str), encoding="utf-8")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
