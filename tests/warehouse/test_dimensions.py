"""The core dimensions: calendar, reporting slots and the area hierarchy,
checked against Python's calendar, the regulation's slot times and the registry."""
import datetime as dt

import duckdb
import pytest

from ingest.registry import load_registry
from ingest.samples import SLOTS
from warehouse.db import migrate
from warehouse.load import sync_dimensions

DAY_NAMES = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật"]


@pytest.fixture(scope="module")
def con():
    con = duckdb.connect()
    migrate(con)
    sync_dimensions(con)
    yield con
    con.close()


def test_dimensions_calendar_matches_python_calendar(con):
    rows = con.execute("""SELECT calendar_date, year, quarter, month, month_name, day_of_month, iso_day_of_week,
                                 day_name, iso_year, iso_week, iso_week_label, week_start, is_weekend,
                                 date_label, day_label
                          FROM core.dim_date ORDER BY calendar_date""").fetchall()
    days = [r[0] for r in rows]
    assert days[0] <= dt.date(2021, 1, 1) and days[-1] >= dt.date.today()
    assert all(b - a == dt.timedelta(days=1) for a, b in zip(days, days[1:]))
    for (day, year, quarter, month, month_name, dom, dow, day_name, iso_year, iso_week, week_label,
         week_start, weekend, date_label, day_label) in rows:
        iso = day.isocalendar()
        assert (year, month, dom, quarter) == (day.year, day.month, day.day, (day.month - 1) // 3 + 1)
        assert (iso_year, iso_week, dow) == (iso.year, iso.week, iso.weekday)
        assert day_name == DAY_NAMES[day.weekday()] and weekend == (day.weekday() >= 5)
        assert month_name == f"Tháng {day.month}" and week_label == f"Tuần {iso.week:02d}/{iso.year}"
        assert week_start == day - dt.timedelta(days=day.weekday())
        assert date_label == day.strftime("%d/%m/%Y") and day_label == f"{day_name}, {date_label}"


def test_dimensions_slots_are_the_regulation_times_and_their_deadlines(con):
    slots = con.execute("SELECT slot, slot_order, deadline_local, previous_slot, previous_day_offset "
                        "FROM core.dim_slot ORDER BY slot_order").fetchall()
    assert [s[0] for s in slots] == list(SLOTS)
    for slot, order, deadline, previous, offset in slots:
        assert deadline == dt.time.fromisoformat(slot)
        assert previous == SLOTS[order - 2] and offset == (-1 if order == 1 else 0)
    deadline = con.execute("SELECT core.slot_deadline(DATE '2021-11-10', '16:00')").fetchone()[0]
    assert deadline == dt.datetime(2021, 11, 10, 9, 0, tzinfo=dt.timezone.utc)


def test_dimensions_area_hierarchy_matches_the_registry(con):
    registry = load_registry()
    rows = {r[0]: r for r in con.execute("""SELECT area_code, level, province_code, district_code, commune_code
                                            FROM core.dim_area_hierarchy""").fetchall()}
    assert set(rows) == set(registry.areas)
    province = [a for a in registry.areas.values() if a.level == "province"]
    assert len(province) == 1
    for area in registry.areas.values():
        _, level, province_code, district_code, commune_code = rows[area.area_code]
        assert province_code == province[0].area_code, area
        if level == "district":
            assert district_code == area.area_code and commune_code is None
        elif level == "commune":
            assert district_code == area.parent_code and commune_code == area.area_code
            assert registry.areas[district_code].level == "district"
    counts = dict(con.execute("SELECT level, count(*) FROM core.dim_area_hierarchy GROUP BY 1").fetchall())
    assert counts["district"] == len(registry.districts)
