"""Build a serving DuckDB file the way the pipeline publishes it, for dashboard tests.

The marts come from the real migration (warehouse/migrations/001_*.sql) run on
a small in-memory warehouse, then are copied as tables into schema ``main`` of a
new file that replaces the served one atomically (os.replace), as the contract says.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path

import duckdb

REPO_ROOT = Path(__file__).resolve().parents[2]
MIGRATION = REPO_ROOT / "warehouse" / "migrations" / "001_epidemic_situation.sql"
MART_TABLES = (
    "mart_epidemic_district_latest",
    "mart_epidemic_province_slot",
    "mart_epidemic_province_daily",
    "mart_epidemic_province_latest",
)
SLOTS = ("08:00", "16:00")
FIRST_DAY = dt.date(2021, 10, 1)

# Thanh Hóa's 27 district-level units in October 2021 (GSO codes; 383 does not exist).
DISTRICTS = [
    ("380", "Thành phố Thanh Hóa"), ("381", "Thị xã Bỉm Sơn"), ("382", "Thành phố Sầm Sơn"),
    ("384", "Huyện Mường Lát"), ("385", "Huyện Quan Hóa"), ("386", "Huyện Bá Thước"),
    ("387", "Huyện Quan Sơn"), ("388", "Huyện Lang Chánh"), ("389", "Huyện Ngọc Lặc"),
    ("390", "Huyện Cẩm Thủy"), ("391", "Huyện Thạch Thành"), ("392", "Huyện Hà Trung"),
    ("393", "Huyện Vĩnh Lộc"), ("394", "Huyện Yên Định"), ("395", "Huyện Thọ Xuân"),
    ("396", "Huyện Thường Xuân"), ("397", "Huyện Triệu Sơn"), ("398", "Huyện Thiệu Hóa"),
    ("399", "Huyện Hoằng Hóa"), ("400", "Huyện Hậu Lộc"), ("401", "Huyện Nga Sơn"),
    ("402", "Huyện Như Xuân"), ("403", "Huyện Như Thanh"), ("404", "Huyện Nông Cống"),
    ("405", "Huyện Đông Sơn"), ("406", "Huyện Quảng Xương"), ("407", "Thị xã Nghi Sơn"),
]


def _figures(code: int, period: int, bump: int) -> tuple[int, int]:
    """Deterministic new cases (community, quarantine) for one district and half-day."""
    community = (code * 7 + period * 3) % 5 + bump
    quarantine = (code * 11 + period * 5) % 9 + 2 * bump
    return community, quarantine


def build_serving_file(path: Path, days: int = 10, bump: int = 0) -> None:
    """Publish ``days`` days x 2 slots x 27 districts to ``path``.

    ``bump`` raises every district's new cases, so a second publish carries
    visibly different figures on every chart.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wh = duckdb.connect(":memory:")
    wh.execute("SET TimeZone='Asia/Ho_Chi_Minh'")
    wh.execute(MIGRATION.read_text(encoding="utf-8"))
    wh.executemany(
        "INSERT INTO core.dim_area VALUES (?, 'district', ?, ?, ?, '38', NULL, NULL)",
        [(code, name, name.split(" ", 2)[-1], name.rsplit(" ", 2)[0]) for code, name in DISTRICTS],
    )
    rows = []
    for day in range(days):
        date = FIRST_DAY + dt.timedelta(days=day)
        for s, slot in enumerate(SLOTS):
            period = day * 2 + s
            sub = f"SUB-{date:%Y%m%d}-{slot[:2]}-{bump}"
            received = dt.datetime.combine(date, dt.time(int(slot[:2]) + 1, 15), tzinfo=dt.timezone(dt.timedelta(hours=7)))
            for code, _ in DISTRICTS:
                c = int(code)
                cumulative = 5 * (c % 5) + sum(sum(_figures(c, p, bump)) for p in range(period + 1))
                settled = sum(sum(_figures(c, p, bump)) for p in range(max(0, period - 9)))  # ~5 days earlier
                recovered = settled * 985 // 1000
                deaths = settled // 60
                community, quarantine = _figures(c, period, bump)
                rows.append((sub, "SYT", hashlib.sha256(f"{sub}/{code}".encode()).hexdigest(), received, date, slot, code, community, quarantine,
                             cumulative, cumulative - recovered - deaths, recovered, deaths,
                             150 + 40 * (c % 9) + 25 * (community + quarantine), received, None))
    wh.executemany(f"INSERT INTO core.fact_epidemic_situation VALUES ({', '.join(['?'] * 16)})", rows)

    tmp = path.with_name(path.name + ".building")
    tmp.unlink(missing_ok=True)
    wh.execute(f"ATTACH '{tmp}' AS serving")
    for table in MART_TABLES:
        wh.execute(f"CREATE TABLE serving.main.{table} AS SELECT * FROM marts.{table}")
    wh.execute("CHECKPOINT serving")
    wh.execute("DETACH serving")
    wh.close()
    os.replace(tmp, path)


def query(path: Path, sql: str) -> list[dict]:
    """Rows of ``sql`` on the served file, opened read-only like Superset does."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        cur = con.execute(sql)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]
    finally:
        con.close()
