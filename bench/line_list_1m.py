"""Validate and load a 1,000,000-row case line list, as .csv and as .xlsx.

Time is reported as a ratio to a bare DuckDB read of the same file (every
column materialised as text, which is the least any loader does), measured in
the same warm process (library imports timed separately), with the peak
memory (RSS) of the process. The total is split into what each part costs:
reading (ingest.reader), validating (cell typing, table checks, Great
Expectations) and the rest of the pipeline (history checks, load into the
warehouse, Data Docs, outbox, archive).

Run: .venv/pipeline/bin/python bench/line_list_1m.py [ROWS] [--files DIR]
(--files keeps the generated files in DIR and reuses them on the next run).
"""
from __future__ import annotations

import csv
import datetime as dt
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ARGS = [a for a in sys.argv[1:] if not a.startswith("--")]
ROWS = int(ARGS[0]) if ARGS and ARGS[0].isdigit() else 1_000_000
FILES = Path(sys.argv[sys.argv.index("--files") + 1]) if "--files" in sys.argv else None
UNIT = "TTYT-DONGSON"
DATASET = "case_line_list"
DATE = dt.date(2021, 10, 22)


class Peak:
    def __init__(self):
        import psutil

        self.proc, self.peak, self._stop = psutil.Process(), 0, threading.Event()

    def __enter__(self):
        self.peak = self.proc.memory_info().rss
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self.proc.memory_info().rss)
            time.sleep(0.05)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def make_rows():
    from ingest.samples import sample_rows

    base = sample_rows(DATASET, UNIT, DATE)
    for i in range(ROWS):
        row = dict(base[i % len(base)])
        row["case_id"] = f"TH-405-{i:07d}"
        yield row


def write_files(folder: Path) -> tuple[Path, Path]:
    from openpyxl import Workbook

    from ingest.schema import load_schema

    schema = load_schema(DATASET)
    titles = [f.title for f in schema.fields]
    text = lambda v: v.strftime("%d/%m/%Y") if isinstance(v, dt.date) else ("" if v is None else v)
    csv_path = folder / "line_list.csv"
    with csv_path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(titles)
        for row in make_rows():
            writer.writerow([text(row.get(f.name)) for f in schema.fields])
    xlsx_path = folder / "line_list.xlsx"
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Số liệu")
    ws.append(titles)
    for row in make_rows():
        ws.append([row.get(f.name) for f in schema.fields])
    wb.save(xlsx_path)
    return csv_path, xlsx_path


def bare_read(path: Path) -> float:
    import duckdb

    import duckdb_ext

    con = duckdb.connect()
    reader = "read_csv" if path.suffix == ".csv" else "read_xlsx"
    if reader == "read_xlsx":
        ext = Path(duckdb_ext.__path__[0]).resolve() / "extensions"
        con.execute(f"SET extension_directory='{ext}'")
        con.execute("LOAD excel")
    t0 = time.perf_counter()
    con.execute(f"CREATE TABLE bare AS SELECT * FROM {reader}('{path}', all_varchar=true, header=true)")
    elapsed = time.perf_counter() - t0
    assert con.execute("SELECT count(*) FROM bare").fetchone()[0] == ROWS
    con.close()
    return elapsed


def timed(step) -> float:
    t0 = time.perf_counter()
    step()
    return time.perf_counter() - t0


def validate_and_load(path: Path, home: Path) -> tuple[float, float, dict]:
    os.environ["PORTAL_HOME"] = str(home)
    from ingest import inbox
    from ingest.pipeline import run_once
    from ingest.settings import load_settings

    settings = load_settings()
    sid = inbox.submit(settings, path, UNIT)
    t0 = time.perf_counter()
    result = run_once(settings)
    elapsed = time.perf_counter() - t0
    assert result["loaded"] == [sid], result
    return elapsed, 0.0, result


def main() -> None:
    t0 = time.perf_counter()
    import duckdb  # noqa: F401
    import great_expectations  # noqa: F401
    import pandas  # noqa: F401
    import python_calamine  # noqa: F401

    import ingest.pipeline  # noqa: F401
    imports = time.perf_counter() - t0
    work = Path(tempfile.mkdtemp(prefix="portal-1m-"))
    folder = FILES or work
    folder.mkdir(parents=True, exist_ok=True)
    csv_path, xlsx_path = folder / "line_list.csv", folder / "line_list.xlsx"
    if not (FILES and csv_path.exists() and xlsx_path.exists()):
        csv_path, xlsx_path = write_files(folder)
    # Warm-up on a tiny file so one-off costs (GX context, suite) are not charged to the big ones.
    from ingest.reader import read_table
    from ingest.samples import sample_rows
    from ingest.schema import load_schema
    from ingest.templates import write_submission
    from validation.validate import validate_file

    small = write_submission(load_schema(DATASET), sample_rows(DATASET, UNIT, DATE), work / "warm.csv", UNIT)
    validate_and_load(small, work / "warm")
    print(f"imports (excluded below): {imports:.1f} s; rows: {ROWS:,}")
    for path in (csv_path, xlsx_path):
        base = bare_read(path)
        with Peak() as peak:
            read = timed(lambda: read_table(path))
            validate = timed(lambda: validate_file(path, UNIT, DATASET))
            seconds, _, result = validate_and_load(path, work / path.suffix[1:])
        goal = 3 if path.suffix == ".xlsx" else 5
        print(f"{path.suffix}: {path.stat().st_size / 2**20:.0f} MiB; bare DuckDB read {base:.1f} s; "
              f"validate+load {seconds:.1f} s; ratio {seconds / base:.1f}x (goal {goal}x); "
              f"peak RSS {peak.peak / 2**30:.2f} GiB (goal 2 GiB)")
        print(f"  parts: read {read:.1f} s ({read / base:.1f}x the bare read); "
              f"typing + checks + GX {validate - read:.1f} s; "
              f"history, load, Data Docs, outbox, archive {seconds - validate:.1f} s")


if __name__ == "__main__":
    main()
