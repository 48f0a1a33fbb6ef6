"""Realistic, valid sample submissions, coherent over time.

Figures come from a deterministic model of half-day periods (08:00 and 16:00
slots) per district: new cases follow waves, cumulative counts are running
sums, so no cumulative figure ever goes down between two samples, whichever
order they are generated in.
"""
from __future__ import annotations

import datetime as dt

import random

import numpy as np

from ingest.registry import load_registry

EPOCH = dt.date(2021, 4, 27)       # start of the fourth wave in Viet Nam
SLOTS = ("08:00", "16:00")
RECOVERY_PERIODS = 28              # about two weeks of half-day periods


def period_index(date: dt.date, slot: str) -> int:
    return (date - EPOCH).days * 2 + SLOTS.index(slot)


def _noise(code: int, periods: np.ndarray, salt: float) -> np.ndarray:
    x = np.sin(periods * 12.9898 + code * 78.233 + salt) * 43758.5453
    return x - np.floor(x)


def _new_cases(code: int, upto: int) -> tuple[np.ndarray, np.ndarray]:
    k = np.arange(upto + 1, dtype=float)
    scale = 1.0 + (code % 7)
    wave = (0.5 + 0.5 * np.sin(2 * np.pi * k / 240 + code)) ** 2
    intensity = scale * wave * 4
    community = np.floor(intensity * 0.4 * 2 * _noise(code, k, 0.1)).astype(np.int64)
    quarantine = np.floor(intensity * 0.6 * 2 * _noise(code, k, 0.7)).astype(np.int64)
    return community, quarantine


def epidemic_figures(district_code: str, date: dt.date, slot: str) -> dict:
    code = int(district_code)
    k = period_index(date, slot)
    if k < 0:
        raise ValueError(f"samples start on {EPOCH:%d/%m/%Y}")
    community, quarantine = _new_cases(code, k)
    cumulative = np.cumsum(community + quarantine) + 5 * (code % 5)
    settled = int(cumulative[k - RECOVERY_PERIODS]) if k >= RECOVERY_PERIODS else 0
    recovered = int(settled * 0.985)
    deaths = int(settled * 0.012)
    return {
        "new_cases_community": int(community[k]),
        "new_cases_quarantine": int(quarantine[k]),
        "cumulative_cases": int(cumulative[k]),
        "under_treatment": int(cumulative[k]) - recovered - deaths,
        "recovered": recovered,
        "deaths": deaths,
        "tests_performed": int(150 + 40 * (code % 9) + 25 * (community[k] + quarantine[k])),
    }


FAMILY = ["Nguyễn", "Lê", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đỗ", "Trịnh", "Mai", "Hà", "Lê"]
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Thu", "Hữu", "Ngọc", "Quang", "Thanh"]
GIVEN = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hòa", "Hùng", "Lan", "Linh",
         "Long", "Mai", "Nam", "Nga", "Phúc", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Yến"]
LEVEL_COLOURS = {1: "Xanh", 2: "Vàng", 3: "Cam", 4: "Đỏ"}


def _rng(*parts) -> random.Random:
    return random.Random("|".join(str(p) for p in parts))


def _districts(unit) -> list:
    registry = load_registry()
    return [registry.areas[unit.district_code]] if unit.district_code else registry.districts


def _communes(district_code: str) -> list:
    return [a for a in load_registry().areas.values() if a.parent_code == district_code]


def _day_cases(code: str, date: dt.date) -> tuple[int, int]:
    """(community, in quarantine) new cases of a whole day, from the epidemic model."""
    a, b = epidemic_figures(code, date, "08:00"), epidemic_figures(code, date, "16:00")
    return (a["new_cases_community"] + b["new_cases_community"],
            a["new_cases_quarantine"] + b["new_cases_quarantine"])


def _epidemic(unit, date, slot):
    return [{"report_date": date, "slot": slot, "district_code": d.area_code, "district_name": d.name,
             **epidemic_figures(d.area_code, date, slot)} for d in load_registry().districts]


def _case_line_list(unit, date, slot):
    district = load_registry().areas[unit.district_code]
    communes = _communes(district.area_code)
    community, quarantine = _day_cases(district.area_code, date)
    rng = _rng("cases", district.area_code, date)
    rows = []
    for i in range(max(1, community + quarantine)):
        sex = rng.choice(["Nam", "Nữ"])
        middle = "Thị" if sex == "Nữ" and rng.random() < 0.7 else rng.choice(MIDDLE)
        rows.append({
            "report_date": date, "case_id": f"TH-{district.area_code}-{date:%y%m%d}-{i + 1:03d}",
            "full_name": f"{rng.choice(FAMILY)} {middle} {rng.choice(GIVEN)}",
            "birth_year": rng.randint(1940, 2018), "sex": sex, "district_code": district.area_code,
            "commune_name": rng.choice(communes).name,
            "detection_date": date - dt.timedelta(days=rng.randint(0, 1)),
            "source": "Khu cách ly" if i < quarantine else rng.choice(["Cộng đồng", "Ngoại tỉnh", "Chưa rõ"]),
            "status": "Đang điều trị",
            "treatment_place": f"Trung tâm Y tế {district.area_type.lower()} {district.short_name}",
        })
    return rows


def _testing(unit, date, slot):
    rows = []
    for d in _districts(unit):
        sites = [f"Trung tâm Y tế {d.area_type.lower()} {d.short_name}"]
        if unit.district_code:
            sites.append(f"Trạm Y tế {_communes(d.area_code)[0].name}")
        community, quarantine = _day_cases(d.area_code, date)
        for index, site in enumerate(sites):
            rng = _rng("testing", d.area_code, site, date)
            tested = 150 + rng.randint(0, 400)
            positives = (community + quarantine) if index == 0 else 0
            rows.append({"report_date": date, "district_code": d.area_code, "district_name": d.name,
                         "site_name": site, "site_type": "Lấy mẫu và xét nghiệm" if index == 0 else "Lấy mẫu",
                         "samples_taken": tested + rng.randint(0, 40), "samples_tested": max(tested, positives),
                         "positives": positives})
    return rows


def _vaccination(unit, date, slot):
    rows = []
    for d in load_registry().districts:
        population = 40000 + int(d.area_code) * 211 % 90000
        progress = min(1.0, max(0.0, (date - dt.date(2021, 7, 1)).days / 200))
        first = int(population * 0.95 * progress)
        second = int(population * 0.9 * max(0.0, progress - 0.15) / 0.85)
        booster = int(population * 0.8 * max(0.0, progress - 0.6) / 0.4)
        rows.append({"report_date": date, "district_code": d.area_code, "district_name": d.name,
                     "population_18plus": population, "doses_first": first, "doses_second": min(second, first),
                     "doses_booster": booster})
    return rows


def _returnees(unit, date, slot):
    rows = []
    for d in _districts(unit):
        rng = _rng("returnees", d.area_code, date)
        days = (date - dt.date(2021, 7, 1)).days
        rows.append({"report_date": date, "district_code": d.area_code, "district_name": d.name,
                     "arrived_today": rng.randint(0, 60), "at_home": rng.randint(50, 600),
                     "at_facility": rng.randint(0, 150),
                     "completed": max(0, days) * (20 + int(d.area_code) % 17)})
    return rows


def _facilities(unit, date, slot):
    registry = load_registry()
    if unit.unit_type == "BCHQS":
        places = [("380", "Khu cách ly Trường Quân sự tỉnh"), ("407", "Khu cách ly Trung đoàn 762"),
                  ("389", "Khu cách ly Trung đoàn 4")]
        managing, military = unit.name, "Có"
    elif unit.unit_type == "SYT":
        places = [("380", "Khu cách ly Ký túc xá Đại học Hồng Đức"), ("382", "Khu cách ly Khách sạn Sầm Sơn"),
                  ("399", "Khu cách ly Trường Chính trị tỉnh")]
        managing, military = unit.name, "Không"
    else:
        district = registry.areas[unit.district_code]
        places = [(district.area_code, f"Khu cách ly tập trung {district.name}")]
        managing, military = unit.name, "Không"
    rows = []
    for code, name in places:
        rng = _rng("facility", name, date)
        capacity = rng.choice([150, 200, 300, 500])
        rows.append({"as_of_date": date, "facility_name": name, "district_code": code,
                     "commune_name": _communes(code)[0].name, "managing_body": managing,
                     "military_run": military, "capacity": capacity,
                     "occupancy": rng.randint(0, capacity), "status": "Đang hoạt động"})
    return rows


def _checkpoints(unit, date, slot):
    rows = []
    for code in ("392", "407", "381", "384", "402", "385"):
        commune = _communes(code)[0]
        rng = _rng("checkpoint", code, date)
        rows.append({"as_of_date": date, "checkpoint_name": f"Chốt kiểm soát {commune.short_name}",
                     "district_code": code, "commune_name": commune.name,
                     "location": f"Cửa ngõ {commune.name}", "status": "Đang hoạt động",
                     "staff": rng.randint(6, 20)})
    return rows


def _violations(unit, date, slot):
    kinds = ["Đầu cơ tăng giá", "Hàng giả kém chất lượng", "Thông tin sai sự thật",
             "Vi phạm quy định phòng dịch"]
    rows = []
    for i, kind in enumerate(kinds):
        rng = _rng("violation", date, i)
        action = rng.choice(["Đang xử lý", "Xử phạt hành chính", "Nhắc nhở"])
        rows.append({"case_number": f"VP-{date:%Y%m%d}-{i + 1:02d}", "detected_date": date,
                     "district_code": rng.choice(["380", "382", "407", "399"]), "violation_type": kind,
                     "description": f"Vụ việc {kind.lower()} phát hiện ngày {date:%d/%m/%Y}",
                     "action": action,
                     "fine_amount": rng.choice([2_000_000, 5_000_000, 7_500_000, 15_000_000]) if action == "Xử phạt hành chính" else None})
    return rows


def _supply_points(unit, date, slot):
    kinds = ["Chợ", "Siêu thị", "Trung tâm thương mại", "Cửa hàng tiện lợi", "Điểm bán trực tuyến"]
    rows = []
    for i, d in enumerate(load_registry().districts[:10]):
        kind = kinds[i % len(kinds)]
        rows.append({"as_of_date": date, "point_name": f"{kind} {d.short_name}", "point_type": kind,
                     "district_code": d.area_code, "address": f"Trung tâm {d.name}",
                     "phone": f"0237 38{int(d.area_code):02d} {100 + i:03d}",
                     "website": f"https://{d.area_code}.cho.example.vn" if kind == "Điểm bán trực tuyến" else None,
                     "status": "Đang hoạt động"})
    return rows


def _food(unit, date, slot):
    types = ["Sản xuất", "Kinh doanh", "Dịch vụ ăn uống"]
    rows = []
    for i, d in enumerate(load_registry().districts[:6]):
        rows.append({"as_of_date": date, "establishment_name": f"Cơ sở thực phẩm {d.short_name} số {i + 1}",
                     "business_type": types[i % 3], "district_code": d.area_code,
                     "address": f"Khu công nghiệp {d.short_name}",
                     "certificate_number": f"{100 + i}/2021/ATTP-{unit.unit_code}", "status": "Đang hoạt động"})
    return rows


def _policies(unit, date, slot):
    policies = [("NQ68-LDTD", "Hỗ trợ lao động tự do", "Nghị quyết 68/NQ-CP", 1_500_000),
                ("NQ68-NGUNG", "Hỗ trợ người lao động tạm hoãn hợp đồng", "Nghị quyết 68/NQ-CP", 3_710_000),
                ("NQ68-F0", "Hỗ trợ trẻ em, người điều trị COVID-19", "Nghị quyết 68/NQ-CP", 1_000_000)]
    days = max(1, (date - dt.date(2021, 7, 15)).days)
    rows = []
    for code, name, basis, amount in policies:
        for d in load_registry().districts:
            people = days * (3 + int(d.area_code) % 11)
            rows.append({"as_of_date": date, "policy_code": code, "policy_name": name, "legal_basis": basis,
                         "district_code": d.area_code, "beneficiaries": people,
                         "amount_paid": people * amount})
    return rows


def _levels(unit, date, slot):
    districts = _districts(unit)
    rows = []
    for d in districts:
        community, quarantine = _day_cases(d.area_code, date)
        level = 1 + min(3, community // 3)
        for area in [d, *_communes(d.area_code)]:
            area_level = max(1, level - (_rng("level", area.area_code, date).random() < 0.5))
            rows.append({"effective_date": date, "area_code": area.area_code, "area_name": area.name,
                         "level": area_level, "colour": LEVEL_COLOURS[area_level],
                         "decision": f"{(date.toordinal() % 900) + 100}/QĐ-{unit.unit_code}"})
    return rows


def _directives(unit, date, slot):
    return [
        {"document_number": "4168/QĐ-UBND", "issued_date": dt.date(2021, 10, 22), "issuer": "UBND tỉnh Thanh Hóa",
         "title": "Ban hành Quy chế quản lý, vận hành và sử dụng Cổng thông tin phòng, chống Covid-19 tỉnh",
         "summary": "Quy định cung cấp, cập nhật thông tin và trách nhiệm của các đơn vị.",
         "link": "https://thanhhoa.gov.vn/van-ban/4168-qd-ubnd"},
        {"document_number": f"{date.toordinal() % 900 + 100}/{unit.unit_code}-VP", "issued_date": date,
         "issuer": unit.name, "title": f"Về việc tăng cường phòng, chống dịch COVID-19 ngày {date:%d/%m/%Y}",
         "summary": None, "link": f"https://thanhhoa.gov.vn/van-ban/{unit.unit_code.lower()}-{date:%Y%m%d}"},
    ]


def _feedback(unit, date, slot):
    rows = []
    for topic in ["Xét nghiệm", "Cách ly", "Tiêm chủng", "Hỗ trợ an sinh", "Đi lại", "Khác"]:
        rng = _rng("feedback", topic, date)
        received = rng.randint(5, 80)
        handled = rng.randint(0, received)
        rows.append({"report_date": date, "topic": topic, "received": received, "handled": handled,
                     "open": received - handled})
    return rows


GENERATORS = {
    "epidemic_situation_by_district": _epidemic,
    "case_line_list": _case_line_list,
    "testing": _testing,
    "vaccination_by_district": _vaccination,
    "returnees_quarantine": _returnees,
    "quarantine_facilities": _facilities,
    "checkpoints": _checkpoints,
    "violations": _violations,
    "supply_points": _supply_points,
    "food_establishments": _food,
    "support_policies": _policies,
    "epidemic_levels": _levels,
    "directive_documents": _directives,
    "citizen_feedback": _feedback,
}


def sample_rows(dataset: str, unit_code: str, date: dt.date, slot: str | None = None) -> list[dict]:
    """Rows of a realistic, valid submission of `dataset` by `unit_code` for `date`."""
    if dataset not in GENERATORS:
        raise ValueError(f"no sample generator for {dataset}")
    unit = load_registry().unit(unit_code)
    if unit is None:
        raise ValueError(f"unknown unit {unit_code}")
    return GENERATORS[dataset](unit, date, slot or SLOTS[0])
