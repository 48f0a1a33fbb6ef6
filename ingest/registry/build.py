"""Build the unit registry (areas.csv, units.csv) from the reference data.

The areas come from the ``vietnamadminunits`` package (GSO codes, names,
centroids) plus ``amendments.yaml`` (what changed between October 2021 and the
package's snapshot). The units come from ``departments.yaml`` plus one UBND and
one TTYT per district. Run ``portal registry build`` after upgrading the
package; the CSVs are committed so the registry is versioned data.
"""
from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

import yaml

from ingest.text import key

HERE = Path(__file__).resolve().parent
PROVINCE_CODE = "38"
AREA_FIELDS = ["area_code", "level", "name", "short_name", "area_type", "parent_code",
               "latitude", "longitude", "name_key"]
UNIT_FIELDS = ["unit_code", "name", "unit_type", "district_code"]


def _reference_db() -> Path:
    import vietnamadminunits

    return Path(vietnamadminunits.__file__).resolve().parent / "data" / "dataset.db"


def build_areas() -> list[dict]:
    amendments = yaml.safe_load((HERE / "amendments.yaml").read_text(encoding="utf-8"))
    con = sqlite3.connect(_reference_db())
    con.row_factory = sqlite3.Row
    rows = con.execute(
        "SELECT * FROM admin_units_legacy WHERE provinceCode = ? ORDER BY districtCode, wardCode",
        (PROVINCE_CODE,),
    ).fetchall()
    if not rows:
        raise RuntimeError("reference data has no Thanh Hóa rows")
    first = rows[0]
    areas = {PROVINCE_CODE: {
        "area_code": PROVINCE_CODE, "level": "province", "name": first["province"],
        "short_name": first["provinceShort"], "area_type": "Tỉnh", "parent_code": "",
        "latitude": first["provinceLat"], "longitude": first["provinceLon"],
    }}
    moved = {}
    for district in amendments["restored_districts"]:
        members = [r for r in rows if r["wardCode"] in set(district["communes"])]
        if len(members) != len(district["communes"]):
            raise RuntimeError(f"communes of {district['name']} not all found in the reference data")
        areas[district["code"]] = {
            "area_code": district["code"], "level": "district", "name": district["name"],
            "short_name": district["short_name"], "area_type": district["type"],
            "parent_code": PROVINCE_CODE,
            "latitude": round(sum(r["wardLat"] for r in members) / len(members), 6),
            "longitude": round(sum(r["wardLon"] for r in members) / len(members), 6),
        }
        moved.update({code: district["code"] for code in district["communes"]})
    for r in rows:
        areas.setdefault(r["districtCode"], {
            "area_code": r["districtCode"], "level": "district", "name": r["district"],
            "short_name": r["districtShort"], "area_type": r["districtType"],
            "parent_code": PROVINCE_CODE, "latitude": r["districtLat"], "longitude": r["districtLon"],
        })
        areas[r["wardCode"]] = {
            "area_code": r["wardCode"], "level": "commune", "name": r["ward"],
            "short_name": r["wardShort"], "area_type": r["wardType"],
            "parent_code": moved.get(r["wardCode"], r["districtCode"]),
            "latitude": r["wardLat"], "longitude": r["wardLon"],
        }
    for area in areas.values():
        area["name_key"] = key(area["short_name"])
    order = {"province": 0, "district": 1, "commune": 2}
    return sorted(areas.values(), key=lambda a: (order[a["level"]], a["area_code"].zfill(5)))


def build_units(areas: list[dict]) -> list[dict]:
    units = [dict(u, district_code="") for u in
             yaml.safe_load((HERE / "departments.yaml").read_text(encoding="utf-8"))]
    districts = [a for a in areas if a["level"] == "district"]
    for prefix, unit_type, label in (("UBND", "UBND", "UBND"), ("TTYT", "TTYT", "Trung tâm Y tế")):
        for d in districts:
            units.append({
                "unit_code": f"{prefix}-{d['name_key'].upper()}",
                "name": f"{label} {d['name']}" if prefix == "UBND" else f"{label} {d['area_type'].lower()} {d['short_name']}",
                "unit_type": unit_type,
                "district_code": d["area_code"],
            })
    for u in units:
        u.setdefault("unit_code", u.pop("code", None))
    codes = [u["unit_code"] for u in units]
    if len(codes) != len(set(codes)):
        raise RuntimeError("unit codes are not unique")
    return units


def _write(path: Path, fields: list[str], rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def build(out_dir: Path = HERE) -> tuple[int, int]:
    areas = build_areas()
    units = build_units(areas)
    _write(out_dir / "areas.csv", AREA_FIELDS, areas)
    _write(out_dir / "units.csv", UNIT_FIELDS, units)
    return len(areas), len(units)
