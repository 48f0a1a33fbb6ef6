"""The archive is the source of truth: a month of submissions (corrections,
late data, a duplicate, a rejected file, several datasets and units) is
replayed by `portal rebuild` into an empty warehouse that must equal the live
one row for row, every table and every mart, history and lineage included."""
import datetime as dt
import json
import shutil

import duckdb
import pytest
from click.testing import CliRunner

from ingest.pipeline import run_once
from ingest.settings import Settings
from warehouse.rebuild import compare, plan, rebuild

from tests.warehouse.history_fixture import EPIDEMIC, add_to, at, query, submit_at, write_sample

MONTH = [dt.date(2021, 11, day) for day in range(1, 31)]
LATE = (15, "16:00")           # SYT's 16:00 file of the 15th arrives on the 18th


def _settings(home) -> Settings:
    return Settings(home=home, superset_url="http://127.0.0.1:9", airflow_url="http://127.0.0.1:9")


def _send_month(settings, folder) -> dict:
    ids = {}

    def send(key, unit, dataset, day, slot, when, **kw):
        path = write_sample(folder, unit, dataset, day, slot, suffix=".csv", **kw)
        ids[key] = submit_at(settings, path, unit, when, dataset)
        return path

    for day in MONTH:
        for slot, hhmm in (("08:00", "07:40"), ("16:00", "15:40")):
            if (day.day, slot) != LATE:
                path = send(f"SYT {day.day} {slot}", "SYT", EPIDEMIC, day, slot, at(day, hhmm))
                if (day.day, slot) == (12, "08:00"):  # sent twice by mistake
                    ids["duplicate"] = submit_at(settings, path, "SYT", at(day, "09:00"), EPIDEMIC)
        if day.day == 2 or day.day == 16:
            send(f"CDC vaccination {day.day}", "CDC", "vaccination_by_district", day, None, at(day, "10:00"))
        if day.day == 3 or day.day == 17:
            send(f"BCHQS facilities {day.day}", "BCHQS", "quarantine_facilities", day, None, at(day, "09:00"))
        if day.day == 4:
            send("CDC testing", "CDC", "testing", day, None, at(day, "17:00"))
            send("TTYT testing", "TTYT-THANHHOA", "testing", day, None, at(day, "17:05"))
        if day.day == 5:  # the CDC also answers for the epidemic situation; the newest statement wins
            send("CDC 5 16:00", "CDC", EPIDEMIC, day, "16:00", at(day, "16:30"),
                 edit=add_to("381", new_cases_community=2))
        if day.day == 6:
            send("SYT levels", "SYT", "epidemic_levels", day, None, at(day, "11:00"))
        if day.day == 8:
            send("SYT feedback", "SYT", "citizen_feedback", day, None, at(day, "18:00"))
        if day.day == 9:
            send("cases 9", "TTYT-THANHHOA", "case_line_list", day, None, at(day, "18:00"))
        if day.day == 10:
            send("SYT 10 16:00 fix", "SYT", EPIDEMIC, day, "16:00", at(day, "17:30"),
                 edit=add_to("380", new_cases_community=7, tests_performed=120), tag="-fix")
        if day.day == 11:  # the line list of the 9th, corrected
            def move(rows):
                rows[0]["treatment_place"] = "Bệnh viện Đa khoa tỉnh Thanh Hóa"
            send("cases 9 fix", "TTYT-THANHHOA", "case_line_list", MONTH[8], None, at(day, "10:00"),
                 edit=move, tag="-fix")
        if day.day == 14:
            good = write_sample(folder, "SYT", EPIDEMIC, day, "16:00", suffix=".csv", tag="-draft")
            bad = folder / "SYT_bad_district.csv"
            bad.write_text(good.read_text(encoding="utf-8-sig").replace(",405,", ",4O5,"), encoding="utf-8")
            ids["rejected"] = submit_at(settings, bad, "SYT", at(day, "10:00"), EPIDEMIC)
        if day.day == 18:
            send("SYT 15 16:00 late", "SYT", EPIDEMIC, MONTH[14], "16:00", at(day, "10:00"))
        if day.day == 20:
            send("SYT 20 08:00 fix", "SYT", EPIDEMIC, day, "08:00", at(day, "09:00"),
                 edit=add_to("384", new_cases_quarantine=3), tag="-fix1")
            send("SYT 20 08:00 fix 2", "SYT", EPIDEMIC, day, "08:00", at(day, "11:00"),
                 edit=add_to("384", new_cases_quarantine=4), tag="-fix2")
        if day.day % 3 == 0 or day == MONTH[-1]:  # the pipeline runs in batches of varying size
            run_once(settings)
    return ids


def _confirm_and_audit(settings) -> None:
    """What the compliance side adds beside the files: "no change" confirmations
    and recorded audits (an earlier audit of the month, a partial one, then the
    DAG's run of 01/12 that redoes November and opens December)."""
    from compliance.confirm import confirm
    from compliance.run import audit_and_record

    confirm(settings, "CA", "checkpoints", note="Không có chốt mới")
    confirm(settings, "BCHQS", "quarantine_facilities")
    audit_and_record(settings, at(MONTH[19], "08:05"))
    audit_and_record(settings, at(dt.date(2021, 12, 1), "00:05"), spans=[(MONTH[0], MONTH[14])])
    audit_and_record(settings, at(dt.date(2021, 12, 1), "00:05"))


@pytest.fixture(scope="module")
def month(tmp_path_factory):
    settings = _settings(tmp_path_factory.mktemp("month") / "home")
    ids = _send_month(settings, tmp_path_factory.mktemp("files"))
    _confirm_and_audit(settings)
    return settings, ids


@pytest.fixture(scope="module")
def rebuilt(month, tmp_path_factory):
    settings, _ = month
    target = tmp_path_factory.mktemp("rebuilt") / "rebuilt.duckdb"
    return target, rebuild(settings, target)


def _objects(path) -> list[str]:
    return [f"{s}.{t}" for s, t in query(path, """
        SELECT schema_name, table_name FROM duckdb_tables() WHERE NOT internal AND schema_name <> 'meta'
        UNION ALL
        SELECT schema_name, view_name FROM duckdb_views() WHERE NOT internal AND schema_name <> 'meta'
        ORDER BY 1, 2""")]


def test_rebuild_month_is_what_the_live_run_went_through(month):
    settings, ids = month
    live = settings.warehouse_path
    statuses = dict(query(live, "SELECT status, count(*) FROM raw.submission GROUP BY 1"))
    assert statuses["rejected"] == 1 and statuses["duplicate"] == 1 and statuses["loaded"] >= 68
    superseded = query(live, "SELECT count(DISTINCT submission_id) FROM core.fact_epidemic_situation "
                             "WHERE valid_to IS NOT NULL")[0][0]
    assert superseded == 3          # the 10th 16:00, and the 20th 08:00 twice
    assert query(live, "SELECT count(*) FROM core.fact_case_line_list WHERE valid_to IS NOT NULL")[0][0] > 0
    assert query(live, "SELECT count(*) FROM raw.validation_issue WHERE severity = 'warning'")[0][0] > 0
    assert query(live, "SELECT last_slot FROM marts.mart_epidemic_province_daily WHERE report_date = ?",
                 [MONTH[14]]) == [("16:00",)]


def test_rebuild_month_replays_every_kept_file_without_problems(month, rebuilt):
    settings, ids = month
    _, result = rebuilt
    assert result.problems == []
    live_counts = dict(query(settings.warehouse_path, "SELECT status, count(*) FROM raw.submission GROUP BY 1"))
    assert result.replayed == live_counts
    entries, _ = plan(settings)
    received = [e.received for e in entries]
    assert received == sorted(received) and entries[0].submission_id == ids["SYT 1 08:00"]


def test_rebuild_month_equals_live_row_for_row(month, rebuilt):
    settings, _ = month
    target, _ = rebuilt
    objects = _objects(settings.warehouse_path)
    assert objects == _objects(target)
    assert {"raw.submission", "raw.validation_issue", "core.fact_epidemic_situation",
            "marts.mart_epidemic_province_daily", "marts.mart_data_quality_submissions"} <= set(objects)
    for name in objects:
        ordered = f"SELECT * FROM {name} ORDER BY ALL"
        assert query(target, ordered) == query(settings.warehouse_path, ordered), name
    assert compare(settings.warehouse_path, target) == {}


def test_rebuild_month_replays_confirmations_and_compliance_audits(month, rebuilt):
    settings, _ = month
    target, _ = rebuilt
    for sql in ("SELECT unit_code, dataset, note FROM raw.confirmation ORDER BY ALL",
                "SELECT window_start, window_end, expectations FROM compliance.audit_run ORDER BY ran_at"):
        assert query(target, sql) == query(settings.warehouse_path, sql), sql
    assert query(target, "SELECT unit_code, dataset FROM raw.confirmation ORDER BY ALL") == \
        [("BCHQS", "quarantine_facilities"), ("CA", "checkpoints")]
    windows = [(s.day, e.day) for s, e, _ in query(target, "SELECT window_start, window_end, expectations "
                                                             "FROM compliance.audit_run ORDER BY ran_at")]
    assert windows == [(1, 30), (1, 15), (1, 30), (1, 31)]
    # The rows that survive come from the last run covering each day.
    runs = query(target, "SELECT DISTINCT run_id FROM compliance.expectation ORDER BY 1")
    assert runs == query(target, "SELECT run_id FROM compliance.audit_run ORDER BY ran_at DESC LIMIT 2 ")[::-1]
    late = query(target, """SELECT status, minutes_late FROM compliance.expectation WHERE unit_code = 'SYT'
                            AND period_date = ? AND slot = ?""", [MONTH[LATE[0] - 1], LATE[1]])
    received_late = at(MONTH[17], "10:00") - at(MONTH[LATE[0] - 1], LATE[1])
    assert late == [("late", received_late // dt.timedelta(minutes=1))]


def test_rebuild_compare_reports_a_changed_history(month, rebuilt, tmp_path):
    settings, _ = month
    target, _ = rebuilt
    tampered = tmp_path / "tampered.duckdb"
    shutil.copyfile(target, tampered)
    con = duckdb.connect(str(tampered))
    reopened = con.execute("""UPDATE core.fact_epidemic_situation SET valid_to = NULL
                              WHERE valid_to IS NOT NULL AND district_code = '380'""").fetchone()[0]
    con.close()
    assert reopened > 0
    differences = compare(settings.warehouse_path, tampered)
    assert differences["core.fact_epidemic_situation"] == {"left_only": reopened, "right_only": reopened}
    # The marts read open versions only: the comparison catches history itself.
    assert list(differences) == ["core.fact_epidemic_situation"]


def test_rebuild_cli_into_a_new_file_and_compare(month, tmp_path, monkeypatch):
    from portal.cli import main

    settings, _ = month
    monkeypatch.setenv("PORTAL_HOME", str(settings.home))
    target = tmp_path / "cli.duckdb"
    result = CliRunner().invoke(main, ["rebuild", "--into", str(target), "--compare", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["differences"] == {} and report["problems"] == []
    assert CliRunner().invoke(main, ["rebuild", "--into", str(target)]).exit_code == 2


def test_rebuild_lost_warehouse_comes_back_from_the_archive(month, rebuilt, tmp_path, monkeypatch):
    from portal.cli import main

    settings, _ = month
    target, _ = rebuilt
    copy = _settings(tmp_path / "home")
    shutil.copytree(settings.home, copy.home)
    copy.warehouse_path.unlink()
    copy.serving_path.unlink()
    monkeypatch.setenv("PORTAL_HOME", str(copy.home))
    result = CliRunner().invoke(main, ["rebuild"])
    assert result.exit_code == 0, result.output
    assert compare(target, copy.warehouse_path) == {}
    served = query(copy.serving_path, "SELECT * FROM mart_epidemic_province_daily ORDER BY ALL")
    assert served == query(settings.serving_path, "SELECT * FROM mart_epidemic_province_daily ORDER BY ALL")


def test_rebuild_plan_reports_a_corrupted_or_missing_archive_file(month, tmp_path):
    settings, ids = month
    copy = _settings(tmp_path / "home")
    shutil.copytree(settings.home, copy.home)
    [changed] = list(copy.archive.glob(f"SYT/*/{ids['SYT 10 16:00']}__*.csv"))
    changed.write_bytes(changed.read_bytes().replace(b",380,", b",380 ,", 1))
    [lost] = list(copy.archive.glob(f"SYT/*/{ids['SYT 11 08:00']}__*.csv"))
    lost.unlink()
    _, problems = plan(copy)
    assert [p.split(":")[0] for p in problems] == sorted([ids["SYT 10 16:00"], ids["SYT 11 08:00"]])


def test_rebuild_plan_flags_a_file_processed_after_a_later_receipt(tmp_path):
    from warehouse.rebuild import Entry, _out_of_order

    def entry(sid, received_minute, processed_minute):
        base = dt.datetime(2021, 11, 10, 8, 0, tzinfo=dt.timezone.utc)
        return Entry(sid, "SYT", "f.csv", (base + dt.timedelta(minutes=received_minute)).isoformat(), EPIDEMIC,
                     tmp_path / sid, "archive", base + dt.timedelta(minutes=processed_minute), {})

    in_order = [entry("A", 0, 1), entry("B", 2, 3), entry("C", 4, 4)]
    assert _out_of_order(in_order) == []
    # A was still being copied when B's batch ran: A is processed after B.
    problems = _out_of_order([entry("A", 0, 9), entry("B", 2, 3), entry("C", 4, 10)])
    assert [p.split(":")[0] for p in problems] == ["A"] and "B" in problems[0]


def test_rebuild_month_timeliness_judges_first_receipt_against_the_slot_deadline(month):
    settings, _ = month
    rows = {(r[0], r[1]): r[2:] for r in query(settings.warehouse_path, """
        SELECT report_date, slot, on_time, minutes_late, files, corrections
        FROM marts.mart_epidemic_timeliness WHERE unit_code = 'SYT'""")}
    late_day = MONTH[LATE[0] - 1]
    received_late = at(MONTH[17], "10:00") - at(late_day, LATE[1])
    assert rows[(late_day, LATE[1])] == (False, received_late // dt.timedelta(minutes=1), 1, 0)
    assert rows[(MONTH[9], "16:00")] == (True, 0, 2, 1)     # corrected once
    assert rows[(MONTH[19], "08:00")] == (True, 0, 3, 2)    # corrected twice
    assert rows[(MONTH[11], "08:00")] == (True, 0, 1, 0)    # the duplicate adds nothing
    assert len(rows) == len(MONTH) * 2                       # the rejected draft counts for nothing
