"""Validate and load a 1,000,000-row case line list, as .csv and as .xlsx.

Time is reported as a ratio to a bare DuckDB read of the same file (every
column materialised as text, which is the least any loader does), measured in
the same warm process (library imports timed separately), with the peak
memory (RSS) of the process.

"Validate + load" is the pipeline's own `process_spool` on the file: claimed
from the inbox, read, typed, checked (table checks and Great Expectations),
loaded into the warehouse in one transaction, moved to archive/ and answered
in the agency's outbox. It is split into what each part costs. Publishing the
serving file and rendering Data Docs come after, in DAG tasks of their own;
they are shown on their own lines, not in the ratio.

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
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ARGS = [a for a in sys.argv[1:] if not a.startswith("--")]
ROWS = int(ARGS[0]) if ARGS and ARGS[0].isdigit() else 1_000_000
FILES = Path(sys.argv[sys.argv.index("--files") + 1]) if "--files" in sys.argv else None
UNIT = "TTYT-DONGSON"
DATASET = "case_line_list"
DATE = dt.date(2021, 10, 22)
GOALS = {".csv": 5, ".xlsx": 3}


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


class Stopwatch:
    """Seconds spent inside named functions of the pipeline, by wrapping them
    where the pipeline looks them up (the code under test is unchanged)."""

    def __init__(self):
        self.spent: dict[str, float] = {}
        self._undo = []

    def watch(self, owner, name: str, label: str) -> None:
        import inspect

        original = getattr(owner, name)
        lazy = inspect.isgeneratorfunction(original)     # checks yield: time the whole iteration

        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                result = original(*args, **kwargs)
                return list(result) if lazy else result
            finally:
                self.spent[label] = self.spent.get(label, 0.0) + time.perf_counter() - t0

        setattr(owner, name, timed)
        self._undo.append((owner, name, original))

    def restore(self) -> None:
        for owner, name, original in reversed(self._undo):
            setattr(owner, name, original)


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


@contextmanager
def portal_home(home: Path):
    previous = os.environ.get("PORTAL_HOME")
    os.environ["PORTAL_HOME"] = str(home)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("PORTAL_HOME", None)
        else:
            os.environ["PORTAL_HOME"] = previous


def run_pipeline(path: Path, home: Path, watch: Stopwatch | None = None) -> dict:
    """The pipeline's steps on one file in a fresh PORTAL_HOME, each timed."""
    from ingest import inbox, pipeline
    from ingest.settings import load_settings

    with portal_home(home):
        settings = load_settings()
        sid = inbox.submit(settings, path, UNIT)          # the agency's upload: not timed
        t0 = time.perf_counter()
        pipeline.claim_inbox(settings)
        result = pipeline.process_spool(settings)
        t1 = time.perf_counter()
        pipeline.publish(settings, result["datasets"], True)
        t2 = time.perf_counter()
        pipeline.build_datadocs(settings)
        t3 = time.perf_counter()
    assert result["loaded"] == [sid], result
    return {"validate_load": t1 - t0, "publish": t2 - t1, "datadocs": t3 - t2}


def instrument() -> Stopwatch:
    from ingest import inbox, pipeline
    from validation import checks, gx_suite, validate

    watch = Stopwatch()
    watch.watch(validate, "read_table", "read")
    watch.watch(validate, "type_cells", "typing (per distinct value)")
    for name in ("check_duplicates", "check_areas", "check_period", "check_coverage"):
        watch.watch(checks, name, "table checks (SQL)")
    watch.watch(gx_suite, "run_suite", "Great Expectations (distinct values)")
    watch.watch(gx_suite, "to_error_records", "Great Expectations (distinct values)")
    watch.watch(pipeline, "record_batch", "history checks + insert into warehouse")
    watch.watch(inbox, "sha256_of", "SHA-256 of the file")
    watch.watch(pipeline, "keep_for_datadocs", "keep GX result for Data Docs")
    watch.watch(inbox, "file_away", "move to archive + report files")
    watch.watch(pipeline, "write_outbox", "agency outbox")
    return watch


def main() -> None:
    t0 = time.perf_counter()
    import duckdb  # noqa: F401
    import great_expectations  # noqa: F401
    import pandas  # noqa: F401
    import python_calamine  # noqa: F401

    import ingest.pipeline  # noqa: F401
    import validation.gx_suite  # noqa: F401
    imports = time.perf_counter() - t0
    work = Path(tempfile.mkdtemp(prefix="portal-1m-"))
    folder = FILES or work
    folder.mkdir(parents=True, exist_ok=True)
    csv_path, xlsx_path = folder / "line_list.csv", folder / "line_list.xlsx"
    if not (FILES and csv_path.exists() and xlsx_path.exists()):
        csv_path, xlsx_path = write_files(folder)
    # Warm-up on small files of both kinds, so one-off costs (GX context, suite,
    # DuckDB extensions) are not charged to the big ones.
    from ingest.samples import sample_rows
    from ingest.schema import load_schema
    from ingest.templates import write_submission

    rows = sample_rows(DATASET, UNIT, DATE)
    for suffix in (".csv", ".xlsx"):
        small = write_submission(load_schema(DATASET), rows, work / f"warm{suffix}", UNIT)
        run_pipeline(small, work / f"warm{suffix[1:]}")
    print(f"imports (excluded below): {imports:.1f} s; rows: {ROWS:,}; load average "
          f"{os.getloadavg()[0]:.1f} (2 cores: figures above ~2 are from a shared machine)")
    for path in (csv_path, xlsx_path):
        base = bare_read(path)
        watch = instrument()
        try:
            with Peak() as peak:
                times = run_pipeline(path, work / path.suffix[1:])
        finally:
            watch.restore()
        total, goal = times["validate_load"], GOALS[path.suffix]
        print(f"\n{path.suffix}: {path.stat().st_size / 2**20:.0f} MiB; bare DuckDB read {base:.2f} s; "
              f"validate + load {total:.2f} s; ratio {total / base:.1f}x (goal {goal}x); "
              f"peak RSS {peak.peak / 2**30:.2f} GiB (goal 2 GiB)")
        parts = dict(watch.spent)
        inner = ("read", "typing (per distinct value)", "table checks (SQL)",
                 "Great Expectations (distinct values)", "history checks + insert into warehouse")
        accounted = sum(parts.get(k, 0.0) for k in inner) + sum(
            v for k, v in parts.items() if k not in inner and k != "SHA-256 of the file")
        for label, seconds in parts.items():
            shown = f"{seconds:6.2f} s  {seconds / base:4.1f}x the bare read"
            print(f"  {label:<45} {shown}" + ("  (inside the insert line)" if label.startswith("SHA") else ""))
        print(f"  {'commit, claim, bookkeeping':<45} {total - accounted:6.2f} s  "
              f"{(total - accounted) / base:4.1f}x the bare read")
        print(f"  after the load: publish serving file {times['publish']:.2f} s; "
              f"Data Docs {times['datadocs']:.2f} s")


if __name__ == "__main__":
    main()
