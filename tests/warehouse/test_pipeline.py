"""The pipeline in one process (no Airflow): idempotence, supersede, lineage."""
import datetime as dt

import duckdb

from ingest import inbox
from ingest.pipeline import run_once

from tests.conftest import REPORT_DATE


def _query(path, sql):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _serving(settings, sql):
    return _query(settings.serving_path, sql)


def _warehouse(settings, sql):
    return _query(settings.warehouse_path, sql)


def test_pipeline_same_file_twice_adds_nothing(portal_home, sample_file):
    path = sample_file()
    first = inbox.submit(portal_home, path, "SYT")
    assert run_once(portal_home)["loaded"] == [first]
    facts = _warehouse(portal_home, "SELECT count(*) FROM core.fact_epidemic_situation")
    marts = _serving(portal_home, "SELECT * FROM mart_epidemic_district_latest ORDER BY district_code")
    second = inbox.submit(portal_home, path, "SYT")
    assert run_once(portal_home)["duplicate"] == [second]
    assert _warehouse(portal_home, "SELECT count(*) FROM core.fact_epidemic_situation") == facts == [(27,)]
    assert _serving(portal_home, "SELECT * FROM mart_epidemic_district_latest ORDER BY district_code") == marts
    assert inbox.read_status(portal_home, second)["state"] == "duplicate"


def test_pipeline_correction_supersedes_and_keeps_history(portal_home, sample_file):
    original = inbox.submit(portal_home, sample_file(), "SYT")
    run_once(portal_home)

    def fix(rows):
        rows[0]["new_cases_community"] += 7
        rows[0]["cumulative_cases"] += 7
        rows[0]["under_treatment"] += 7

    correction = inbox.submit(portal_home, sample_file(edit=fix, name="fixed.xlsx"), "SYT")
    run_once(portal_home)
    versions = _warehouse(portal_home, """
        SELECT submission_id, valid_to IS NULL FROM core.fact_epidemic_situation
        WHERE district_code = '380' ORDER BY valid_from""")
    assert versions == [(original, False), (correction, True)]
    latest = _serving(portal_home, """SELECT new_cases_community, submission_id
                                      FROM mart_epidemic_district_latest WHERE district_code = '380'""")
    from ingest.samples import epidemic_figures
    expected = epidemic_figures("380", REPORT_DATE, "08:00")["new_cases_community"] + 7
    assert latest == [(expected, correction)]


def test_pipeline_rows_trace_back_to_their_submission(portal_home, sample_file):
    path = sample_file(unit="CDC", slot="16:00")
    sid = inbox.submit(portal_home, path, "CDC")
    run_once(portal_home)
    lineage = set(_serving(portal_home, "SELECT unit_code, submission_id, file_sha256 FROM mart_epidemic_district_latest"))
    assert lineage == {("CDC", sid, inbox.sha256_of(path))}
    received = _warehouse(portal_home, f"SELECT received_at FROM raw.submission WHERE submission_id = '{sid}'")
    status = inbox.read_status(portal_home, sid)
    assert received[0][0] == dt.datetime.fromisoformat(status["received_at"])
    assert status["state"] == "published"
    archived = portal_home.home / status["stored_path"].split(str(portal_home.home) + "/")[-1]
    assert archived.read_bytes() == path.read_bytes()


def test_pipeline_rejected_file_is_quarantined_with_report_and_loads_nothing(portal_home, tmp_path, sample_file):
    good = inbox.submit(portal_home, sample_file(), "SYT")
    run_once(portal_home)
    before = _serving(portal_home, "SELECT * FROM mart_epidemic_district_latest ORDER BY district_code")
    bad = tmp_path / "bad.csv"
    text = sample_file(suffix=".csv", slot="16:00").read_text(encoding="utf-8-sig").replace(",405,", ",4O5,")
    bad.write_text(text, encoding="utf-8")
    sid = inbox.submit(portal_home, bad, "SYT")
    assert run_once(portal_home)["rejected"] == [sid]
    status = inbox.read_status(portal_home, sid)
    assert status["state"] == "rejected"
    kept = portal_home.quarantine / "SYT" / f"{sid}__bad.csv"
    assert kept.read_bytes() == bad.read_bytes()
    report = (portal_home.quarantine / "SYT" / f"{sid}__bad.csv.report.txt").read_text(encoding="utf-8")
    assert "KHÔNG HỢP LỆ" in report and '"4O5"' in report
    assert _serving(portal_home, "SELECT * FROM mart_epidemic_district_latest ORDER BY district_code") == before
    assert _warehouse(portal_home, "SELECT status, count(*) FROM raw.submission GROUP BY 1 ORDER BY 1") == [
        ("loaded", 1), ("rejected", 1)]
    assert good


def test_pipeline_file_dropped_without_portal_submit_is_claimed(portal_home, sample_file):
    folder = portal_home.inbox / "CDC"
    folder.mkdir(parents=True)
    dropped = folder / "bao-cao.xlsx"
    dropped.write_bytes(sample_file(unit="CDC").read_bytes())
    import os
    os.utime(dropped, (0, 0))  # settled long ago
    result = run_once(portal_home)
    assert len(result["loaded"]) == 1 and not dropped.exists()


def test_pipeline_data_docs_are_rendered_after_the_load_from_the_kept_result(portal_home, sample_file):
    """process_spool only keeps the GX result; the Data Docs step renders it
    (and nothing is left pending)."""
    from ingest.pipeline import build_datadocs, claim_inbox, process_spool
    from validation.datadocs import PENDING_DIR

    sid = inbox.submit(portal_home, sample_file(), "SYT")
    claim_inbox(portal_home)
    assert process_spool(portal_home)["loaded"] == [sid]
    pending = sorted((portal_home.datadocs / PENDING_DIR).glob("*.json"))
    assert [p.name for p in pending] == [f"{sid}__epidemic_situation_by_district.json"]
    assert not (portal_home.datadocs / "index.html").exists()
    assert build_datadocs(portal_home) == 1
    assert (portal_home.datadocs / "index.html").exists()
    assert list((portal_home.datadocs / PENDING_DIR).glob("*.json")) == []
    pages = list((portal_home.datadocs / "validations").rglob("*.html"))
    assert any(sid in str(p) for p in pages)


def test_pipeline_fact_rows_keep_their_grain_and_staging_is_the_fact_table(portal_home, sample_file):
    """Migration 009 dropped the row-key index: the loader alone keeps one
    row per (submission, Excel row), and staging shows exactly those rows."""
    import duckdb

    from ingest.schema import all_schemas
    from warehouse.load import fact_table

    sids = [inbox.submit(portal_home, sample_file(dataset="case_line_list", unit="TTYT-DONGSON", slot="08:00"),
                   "TTYT-DONGSON"), inbox.submit(portal_home, sample_file(), "SYT")]
    assert sorted(run_once(portal_home)["loaded"]) == sorted(sids)
    con = duckdb.connect(str(portal_home.warehouse_path), read_only=True)
    try:
        for name in all_schemas():
            table = fact_table(name)
            grain = "submission_id, source_row" if name != "epidemic_situation_by_district" else \
                "submission_id, district_code"
            rows, keys = con.execute(f"SELECT count(*), count(DISTINCT ({grain})) FROM {table}").fetchone()
            assert rows == keys, table
        assert con.execute("SELECT count(*) FROM staging.case_line_list").fetchone()[0] == \
            con.execute("SELECT count(*) FROM core.fact_case_line_list").fetchone()[0] > 0
    finally:
        con.close()
