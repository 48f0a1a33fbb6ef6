"""November 2021, a synthetic month in which the true status of every unit
and deadline is known in advance.

The warehouse is real: a DuckDB file migrated to the current version, units
from the registry (warehouse.load.sync_dimensions), and receipts inserted
into raw.submission / raw.confirmation exactly as the pipeline and
compliance.confirm record them. The schedule is a small one written here
(three YAML files, loaded by compliance.schedules.load_config), so every
count below can be worked out by hand:

  epidemic_situation_by_district  SYT, CDC   slots 08:00 and 16:00, every day
  testing  TTYT-DONGSON, TTYT-NGASON, TTYT-HATRUNG  daily, due 17:00 until
           15/11, due 12:00 from 16/11 (the schedule change); 10/11 is a
           holiday (no testing report owed; the epidemic slots still are)
  checkpoints  CA  on change, at most 24 hours old
  accounts  TTYT-NGASON revoked on 21/11 (owes 1–20/11);
            TTYT-HATRUNG issued on 25/11 (owes 25–30/11)

What each unit did (everything not listed was received on time: SYT and
CDC 15 minutes before each slot, CDC at 07:50 / 15:50):

  SYT  01/11 08:00  accepted 07:59:59                     -> on time
       01/11 16:00  accepted 16:00:01                     -> late, 1 minute
       02/11 08:00  accepted 08:00:00 exactly             -> on time
       02/11 16:00  rejected 15:50, accepted 16:40        -> late, 40 minutes, 1 rejected file
       03/11 08:00  accepted 07:30 (1 warning), correction 09:15 (2 warnings)
                                                          -> on time, 1 correction, late
       03/11 16:00  only a rejected file, 16:30           -> rejected only
       04/11 08:00  nothing                               -> missing
       05/11 08:00  rejected 07:30, accepted 07:45        -> on time, 1 rejected file
                    (at 07:30 the 04/11 08:00 deadline is 23.5 h old, more
                    than the 16 h period of an 08:00 slot: not assigned there)
       06/11 08:00  accepted 07:40, the same file again 07:50 (duplicate)
                                                          -> on time, 1 accepted file
       07/11 16:00  accepted 09/11 10:00                  -> late, 42 h = 2520 minutes
  CDC  15/11 10:00  a rejected file whose dataset was not recognised -> unassigned attempt
       30/11 16:00  nothing                               -> missing
  TTYT-DONGSON  testing at 14:00 every day, 10/11 included (not owed: holiday)
                -> 01–15/11 (deadline 17:00) on time, 16–30/11 (12:00) late 120 minutes
  TTYT-NGASON   testing at 16:00 every day until 25/11 (21–25/11 after revocation, not owed)
                -> 01–15/11 on time, 16–20/11 late 240 minutes
  TTYT-HATRUNG  testing at 11:00 on 25–29/11, nothing on 30/11 -> 5 on time, 1 missing
  CA   checkpoints: file 31/10 20:00, "no change" 01/11 09:00 and 02/11 09:00,
       file 04/11 10:00, "no change" at 08:00 on 05–19/11 and 23–30/11,
       a rejected file 12/11 10:00 (an attempt, not an update)
       -> stale at the close of 03/11 (39 h), 20/11 (40 h), 21/11 (64 h), 22/11 (88 h)
"""
from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

VN = ZoneInfo("Asia/Ho_Chi_Minh")
EPI = "epidemic_situation_by_district"
START, END = dt.date(2021, 11, 1), dt.date(2021, 11, 30)
DAYS = [START + dt.timedelta(days=i) for i in range(30)]
AS_OF_END = dt.datetime(2021, 12, 1, 0, 0, tzinfo=VN)       # every deadline of the month has passed
AS_OF_MID = dt.datetime(2021, 11, 16, 12, 0, tzinfo=VN)     # the 16th at noon: a testing deadline exactly
HOLIDAY = dt.date(2021, 11, 10)

SCHEDULES = """
timezone: Asia/Ho_Chi_Minh
rules:
  - {dataset: epidemic_situation_by_district, unit_types: [SYT, CDC], kind: slots,
     times: ["08:00", "16:00"], from: 2021-10-22}
  - {dataset: testing, units: [TTYT-DONGSON, TTYT-NGASON, TTYT-HATRUNG], kind: periodic,
     every: day, deadline: "17:00", from: 2021-10-22}
  - {dataset: testing, units: [TTYT-DONGSON, TTYT-NGASON, TTYT-HATRUNG], kind: periodic,
     every: day, deadline: "12:00", from: 2021-11-16}
  - {dataset: checkpoints, unit_types: [CA], kind: on_change, max_age_hours: 24, from: 2021-10-22}
"""
HOLIDAYS = """
holidays:
  - {date: 2021-11-10, name: Ngày nghỉ dùng trong kiểm thử}
"""
ACCOUNTS = """
default: {issued: 2021-10-22}
accounts:
  - {unit_code: TTYT-NGASON, issued: 2021-10-22, revoked: 2021-11-21}
  - {unit_code: TTYT-HATRUNG, issued: 2021-11-25}
"""


def at(day: dt.date, hhmm: str) -> dt.datetime:
    parts = [int(p) for p in hhmm.split(":")]
    return dt.datetime.combine(day, dt.time(*parts), tzinfo=VN)


def write_config(folder: Path, schedules: str = SCHEDULES, holidays: str = HOLIDAYS, accounts: str = ACCOUNTS):
    from compliance.schedules import load_config

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "schedules.yaml").write_text(schedules, encoding="utf-8")
    (folder / "holidays.yaml").write_text(holidays, encoding="utf-8")
    (folder / "accounts.yaml").write_text(accounts, encoding="utf-8")
    return load_config(folder)


class Receipts:
    """Rows of raw.submission and raw.confirmation, as the pipeline records them."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con
        self.ids = itertools.count(1)

    def submission(self, unit: str, dataset: str | None, received: dt.datetime, status: str = "loaded",
                   report_date: dt.date | None = None, slot: str | None = None, warnings: int = 0) -> str:
        sid = f"S{received.astimezone(dt.timezone.utc):%Y%m%dT%H%M%S%f}-{next(self.ids):06x}"
        rejected = status == "rejected"
        self.con.execute("""
            INSERT INTO raw.submission BY NAME
            SELECT ? AS submission_id, ? AS unit_code, ? AS dataset, 'tep.xlsx' AS original_name,
                   ? AS file_sha256, 1000 AS file_size, ?::TIMESTAMPTZ AS received_at,
                   ?::TIMESTAMPTZ AS processed_at, ? AS status, NULL AS duplicate_of, ? AS stored_path,
                   20 AS row_count, ? AS error_count, ? AS warning_count, ?::DATE AS report_date, ? AS slot""",
                         [sid, unit, dataset, f"sha-{sid}", received.isoformat(),
                          (received + dt.timedelta(seconds=5)).isoformat(), status,
                          f"{'quarantine' if rejected else 'archive'}/{unit}/{sid}__tep.xlsx",
                          3 if rejected else 0, warnings, None if rejected else report_date,
                          None if rejected else slot])
        return sid

    def confirmation(self, unit: str, dataset: str, when: dt.datetime) -> None:
        self.con.execute("INSERT INTO raw.confirmation VALUES (?, ?, ?, ?::TIMESTAMPTZ, '')",
                         [f"C{when.astimezone(dt.timezone.utc):%Y%m%dT%H%M%S%f}-{next(self.ids):06x}", unit,
                          dataset, when.isoformat()])


def fill(con: duckdb.DuckDBPyConnection) -> None:
    """Insert the month described above into a migrated warehouse."""
    from warehouse.load import sync_dimensions

    sync_dimensions(con)
    r = Receipts(con)
    special_syt = {(1, "08:00"), (1, "16:00"), (2, "08:00"), (2, "16:00"), (3, "08:00"), (3, "16:00"),
                   (4, "08:00"), (5, "08:00"), (6, "08:00"), (7, "16:00")}
    for day in DAYS:
        for slot, before in (("08:00", "07:45"), ("16:00", "15:45")):
            if (day.day, slot) not in special_syt:
                r.submission("SYT", EPI, at(day, before), report_date=day, slot=slot)
        for slot, before in (("08:00", "07:50"), ("16:00", "15:50")):
            if (day.day, slot) != (30, "16:00"):
                r.submission("CDC", EPI, at(day, before), report_date=day, slot=slot)
    d = dict((day.day, day) for day in DAYS)
    r.submission("SYT", EPI, at(d[1], "07:59:59"), report_date=d[1], slot="08:00")
    r.submission("SYT", EPI, at(d[1], "16:00:01"), report_date=d[1], slot="16:00")
    r.submission("SYT", EPI, at(d[2], "08:00:00"), report_date=d[2], slot="08:00")
    r.submission("SYT", EPI, at(d[2], "15:50"), status="rejected")
    r.submission("SYT", EPI, at(d[2], "16:40"), report_date=d[2], slot="16:00")
    r.submission("SYT", EPI, at(d[3], "07:30"), report_date=d[3], slot="08:00", warnings=1)
    r.submission("SYT", EPI, at(d[3], "09:15"), report_date=d[3], slot="08:00", warnings=2)
    r.submission("SYT", EPI, at(d[3], "16:30"), status="rejected")
    r.submission("SYT", EPI, at(d[5], "07:30"), status="rejected")
    r.submission("SYT", EPI, at(d[5], "07:45"), report_date=d[5], slot="08:00")
    r.submission("SYT", EPI, at(d[6], "07:40"), report_date=d[6], slot="08:00")
    r.submission("SYT", EPI, at(d[6], "07:50"), status="duplicate", report_date=d[6], slot="08:00")
    r.submission("SYT", EPI, at(d[9], "10:00"), report_date=d[7], slot="16:00")
    r.submission("CDC", None, at(d[15], "10:00"), status="rejected")

    for day in DAYS:
        r.submission("TTYT-DONGSON", "testing", at(day, "14:00"), report_date=day)
        if day.day <= 25:
            r.submission("TTYT-NGASON", "testing", at(day, "16:00"), report_date=day)
        if 25 <= day.day <= 29:
            r.submission("TTYT-HATRUNG", "testing", at(day, "11:00"), report_date=day)

    r.submission("CA", "checkpoints", at(dt.date(2021, 10, 31), "20:00"), report_date=dt.date(2021, 10, 31))
    r.confirmation("CA", "checkpoints", at(d[1], "09:00"))
    r.confirmation("CA", "checkpoints", at(d[2], "09:00"))
    r.submission("CA", "checkpoints", at(d[4], "10:00"), report_date=d[4])
    for day in DAYS[4:]:
        if not 20 <= day.day <= 22:
            r.confirmation("CA", "checkpoints", at(day, "08:00"))
    r.submission("CA", "checkpoints", at(d[12], "10:00"), status="rejected")


def build(path: Path) -> Path:
    from warehouse.db import migrate

    con = duckdb.connect(str(path))
    try:
        migrate(con)
        fill(con)
    finally:
        con.close()
    return path
