"""The serving DuckDB file for dashboard tests, made by the real pipeline.

Sample files of every dataset (ingest.samples + ingest.templates, the plan
`portal up` uses: portal.stack.sample_plan) go through the real inbox and
ingest.pipeline.run_once: validation, raw -> staging -> core, marts, and the
atomic publish. Nothing here writes a mart row by hand.

``bump`` > 0 builds a second state of the same warehouse in which SYT sent a
correction of the latest epidemic slot (every district ``bump`` more new
cases in the community), so a publish can carry visibly different figures.
Each state is built once per process, then swapped into place with
os.replace, exactly as warehouse/publish.py swaps the served file.
"""
from __future__ import annotations

import atexit
import datetime as dt
import os
import shutil
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from ingest.settings import TIMEZONE, Settings

# The sample load "happens" at 18:00 on this day: both slots of every day are due.
SAMPLE_NOW = dt.datetime(2021, 10, 22, 18, 0, tzinfo=ZoneInfo(TIMEZONE))
SAMPLE_DAYS = 4
REJECTED_SAMPLE = Path(__file__).resolve().parents[1] / "corpus" / "content" / "cell-unknown-district.csv"

_STATES: dict[int, Path] = {}
_WORKDIR: Path | None = None


def _workdir() -> Path:
    global _WORKDIR
    if _WORKDIR is None:
        _WORKDIR = Path(tempfile.mkdtemp(prefix="portal-serving-fixture-"))
        atexit.register(shutil.rmtree, _WORKDIR, True)
    return _WORKDIR


def _settings(home: Path) -> Settings:
    return Settings(home=home, superset_url="http://127.0.0.1:1", airflow_url="http://127.0.0.1:1")


def _run(settings: Settings) -> dict:
    from ingest.pipeline import run_once

    result = run_once(settings)
    assert result["loaded"], f"the pipeline loaded nothing: {result}"
    return result


def _base_state() -> Path:
    """Home of the pipeline after the sample load of every dataset."""
    from ingest.inbox import submit
    from portal.stack import submit_samples

    home = _workdir() / "state-0"
    if not (home / "done").exists():
        shutil.rmtree(home, ignore_errors=True)
        settings = _settings(home)
        ids = submit_samples(settings, SAMPLE_DAYS, now=SAMPLE_NOW)
        # One file of the validation corpus, so the data-quality marts hold a rejection.
        bad = submit(settings, REJECTED_SAMPLE, "SYT", "epidemic_situation_by_district")
        result = _run(settings)
        assert result["rejected"] == [bad], f"unexpected rejections: {result['rejected']}"
        assert sorted(result["loaded"]) == sorted(ids)
        (home / "done").write_text("ok")
    return home


def _correction_state(bump: int) -> Path:
    """The base warehouse plus SYT's correction of the latest slot."""
    from ingest.inbox import submit
    from ingest.samples import sample_rows
    from ingest.schema import load_schema
    from ingest.templates import write_submission

    base = _base_state()
    home = _workdir() / f"state-{bump}"
    if not (home / "done").exists():
        shutil.rmtree(home, ignore_errors=True)
        home.mkdir(parents=True)
        base_settings, settings = _settings(base), _settings(home)
        settings.warehouse_path.parent.mkdir(parents=True)
        shutil.copyfile(base_settings.warehouse_path, settings.warehouse_path)
        schema = load_schema("epidemic_situation_by_district")
        day = SAMPLE_NOW.date()
        rows = sample_rows(schema.name, "SYT", day, "16:00")
        for row in rows:
            row["new_cases_community"] += bump
            row["cumulative_cases"] += bump
            row["under_treatment"] += bump
        path = write_submission(schema, rows, home / "correction.xlsx", "SYT")
        submit(settings, path, "SYT", schema.name)
        _run(settings)
        (home / "done").write_text("ok")
    return home


def state_home(bump: int = 0) -> Path:
    """PORTAL_HOME of the pipeline state ``bump`` (built on first use)."""
    if bump not in _STATES:
        _STATES[bump] = _base_state() if bump == 0 else _correction_state(bump)
    return _STATES[bump]


def warehouse_path(bump: int = 0) -> Path:
    return _settings(state_home(bump)).warehouse_path


def build_serving_file(path: Path, bump: int = 0) -> None:
    """Publish pipeline state ``bump`` at ``path``: copy beside it, then os.replace."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    source = _settings(state_home(bump)).serving_path
    tmp = path.with_name(path.name + ".building")
    shutil.copyfile(source, tmp)
    os.replace(tmp, path)


def query(path: Path, sql: str, params: list | None = None) -> list[dict]:
    """Rows of ``sql`` on the served file, opened read-only like Superset does."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        cur = con.execute(sql, params or [])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]
    finally:
        con.close()
