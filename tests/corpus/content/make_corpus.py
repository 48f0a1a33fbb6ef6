"""Write the content-layer corpus: one bad (or tricky) CSV per failure, built
from a valid sample with one targeted change, and expected.yaml with the exact
findings (code, Excel row, column letter) each must produce.

Run: .venv/pipeline/bin/python tests/corpus/content/make_corpus.py
"""
from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import yaml

from ingest.samples import sample_rows
from ingest.schema import load_schema

HERE = Path(__file__).resolve().parent
DATE = dt.date(2021, 10, 22)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def table(dataset: str, unit: str, slot: str = "08:00") -> list[list[str]]:
    schema = load_schema(dataset)
    rows = sample_rows(dataset, unit, DATE, slot)
    return [[f.title for f in schema.fields]] + [[_text(r.get(f.name)) for f in schema.fields] for r in rows]


def col(dataset: str, name: str) -> int:
    return load_schema(dataset).field_names.index(name)


def setcell(lines, row, dataset, name, value):
    """row is the Excel row number (header = 1)."""
    lines[row - 1][col(dataset, name)] = value


EPI = "epidemic_situation_by_district"
CASES = "case_line_list"


def cases():
    """(file name, unit, dataset, edit, expected findings, note)."""
    yield "header-missing-column", "SYT", EPI, lambda t: [r.pop() for r in t], [["missing-column", None, None]]
    yield "header-duplicate-column", "SYT", EPI, lambda t: [r.append(r[4]) for r in t], [["duplicate-column", None, "L"]]
    yield "header-extra-column", "SYT", EPI, lambda t: [r.append("Ghi chú" if i == 0 else "") for i, r in enumerate(t)], [["extra-column", None, "L"]]
    yield "header-renamed-column", "SYT", EPI, lambda t: t[0].__setitem__(4, "Số ca mới"), [["missing-column", None, None], ["extra-column", None, "E"]]
    yield "header-no-diacritics", "SYT", EPI, lambda t: t[0].__setitem__(4, "  CA MAC moi trong  cong dong "), [["header-recognised", None, "E"]]
    yield "header-absent", "SYT", EPI, lambda t: t.pop(0), [["header-not-found", None, None]]
    yield "header-only", "SYT", EPI, lambda t: t.__delitem__(slice(1, None)), [["no-data-rows", None, None]]
    yield "cell-integer-text", "SYT", EPI, lambda t: setcell(t, 2, EPI, "new_cases_community", "abc"), [["type-integer", 2, "E"]]
    yield "cell-integer-negative", "SYT", EPI, lambda t: setcell(t, 3, EPI, "new_cases_quarantine", "-4"), [["out-of-range", 3, "F"]]
    yield "cell-integer-decimal-comma", "SYT", EPI, lambda t: setcell(t, 4, EPI, "tests_performed", "2,5"), [["type-integer", 4, "K"]]
    yield "cell-integer-ambiguous", "SYT", EPI, lambda t: setcell(t, 5, EPI, "tests_performed", "1,234"), [["number-ambiguous", 5, "K"]]
    yield "cell-integer-vietnamese-thousands", "SYT", EPI, lambda t: setcell(t, 6, EPI, "tests_performed", "1.234"), []
    yield "cell-date-invalid", "SYT", EPI, lambda t: setcell(t, 2, EPI, "report_date", "31/02/2021"), [["type-date", 2, "A"]]
    yield "cell-date-two-digit-year", "SYT", EPI, lambda t: setcell(t, 3, EPI, "report_date", "22/10/21"), [["date-ambiguous", 3, "A"]]
    yield "cell-date-month-first", "SYT", EPI, lambda t: setcell(t, 4, EPI, "report_date", "10/22/2021"), [["type-date", 4, "A"]]
    yield "cell-date-iso", "SYT", EPI, lambda t: setcell(t, 4, EPI, "report_date", "2021-10-22"), []
    yield "cell-slot-not-allowed", "SYT", EPI, lambda t: setcell(t, 2, EPI, "slot", "09:00"), [["mixed-period", 2, "B"], ["not-in-enum", 2, "B"]]
    yield "cell-slot-text", "SYT", EPI, lambda t: setcell(t, 3, EPI, "slot", "sáng"), [["type-slot", 3, "B"]]
    yield "cell-slot-8h", "SYT", EPI, lambda t: [setcell(t, r, EPI, "slot", "8h") for r in range(2, 29)], []
    yield "cell-unknown-district", "SYT", EPI, lambda t: setcell(t, 2, EPI, "district_code", "999"), [["missing-district", None, None], ["unknown-area", 2, "C"]]
    yield "cell-district-name-mismatch", "SYT", EPI, lambda t: setcell(t, 3, EPI, "district_name", "Huyện Nga Sơn"), [["area-name-mismatch", 3, "D"]]
    yield "cell-district-name-no-diacritics", "SYT", EPI, lambda t: setcell(t, 3, EPI, "district_name", "thi xa bim son"), []
    yield "cell-required-blank", "SYT", EPI, lambda t: setcell(t, 4, EPI, "cumulative_cases", ""), [["required", 4, "G"]]
    yield "row-cumulative-balance", "SYT", EPI, lambda t: setcell(t, 5, EPI, "under_treatment", "999999"), [["rule-violation", 5, "G"]]
    yield "table-duplicate-key", "SYT", EPI, lambda t: t.append(list(t[2])), [["duplicate-key", 29, None]]
    yield "table-mixed-dates", "SYT", EPI, lambda t: setcell(t, 6, EPI, "report_date", "21/10/2021"), [["mixed-period", 6, "A"]]
    yield "table-future-date", "SYT", EPI, lambda t: [setcell(t, r, EPI, "report_date", "24/10/2021") for r in range(2, 29)], [["future-date", r, "A"] for r in range(2, 29)]
    yield "table-missing-district", "SYT", EPI, lambda t: t.__delitem__(27), [["missing-district", None, None]]
    yield "unit-not-responsible", "UBND-DONGSON", EPI, None, [["unit-not-responsible", None, None]]
    yield "unit-unknown", "XYZ", EPI, None, [["unit-unknown", None, None]]

    u = "TTYT-DONGSON"
    yield "cases-sex-not-allowed", u, CASES, lambda t: setcell(t, 2, CASES, "sex", "Khác"), [["not-in-enum", 2, "E"]]
    yield "cases-sex-no-diacritics", u, CASES, lambda t: setcell(t, 2, CASES, "sex", "nu"), []
    yield "cases-birth-year-range", u, CASES, lambda t: setcell(t, 2, CASES, "birth_year", "1850"), [["out-of-range-max", 2, "D"]]
    yield "cases-commune-other-district", u, CASES, lambda t: setcell(t, 2, CASES, "commune_name", "Phường Ba Đình"), [["commune-not-in-district", 2, "G"]]
    yield "cases-commune-unknown", u, CASES, lambda t: setcell(t, 2, CASES, "commune_name", "Xã Không Tồn Tại"), [["unknown-commune", 2, "G"]]
    yield "cases-commune-no-diacritics", u, CASES, lambda t: setcell(t, 2, CASES, "commune_name", "xa dong hoang"), []
    yield "cases-other-district", u, CASES, lambda t: (setcell(t, 2, CASES, "district_code", "380"), setcell(t, 2, CASES, "commune_name", "Phường Ba Đình")), [["not-own-district", 2, "F"]]
    yield "cases-detection-after-report", u, CASES, lambda t: setcell(t, 2, CASES, "detection_date", "23/10/2021"), [["rule-violation", 2, "A"]]
    yield "cases-detection-outside-period", u, CASES, lambda t: setcell(t, 2, CASES, "detection_date", "01/08/2021"), [["date-outside-period", 2, "H"]]
    yield "cases-status-not-allowed", u, CASES, lambda t: setcell(t, 2, CASES, "status", "Khỏi"), [["not-in-enum", 2, "J"]]
    yield "cases-duplicate-id", u, CASES, lambda t: setcell(t, 3, CASES, "case_id", t[1][col(CASES, "case_id")]), [["duplicate-key", 3, None]]

    yield "testing-positives-over-tested", "CDC", "testing", lambda t: setcell(t, 2, "testing", "positives", "100000"), [["rule-violation", 2, "G"]]
    yield "testing-site-type", "CDC", "testing", lambda t: setcell(t, 2, "testing", "site_type", "Bệnh viện"), [["not-in-enum", 2, "E"]]
    yield "testing-other-district", "TTYT-DONGSON", "testing", lambda t: setcell(t, 2, "testing", "district_code", "380"), [["not-own-district", 2, "B"], ["area-name-mismatch", 2, "C"]]
    v = "vaccination_by_district"
    yield "vaccination-second-over-first", "CDC", v, lambda t: setcell(t, 2, v, "doses_second", "99999999"), [["rule-violation", 2, "E"]]
    q = "quarantine_facilities"
    yield "facilities-over-capacity", "BCHQS", q, lambda t: setcell(t, 2, q, "occupancy", "100000"), [["rule-violation", 2, "G"]]
    yield "facilities-military-flag", "BCHQS", q, lambda t: setcell(t, 2, q, "military_run", "Yes"), [["not-in-enum", 2, "F"]]
    yield "facilities-ubnd-other-district", "UBND-DONGSON", q, lambda t: (setcell(t, 2, q, "district_code", "380"), setcell(t, 2, q, "commune_name", "Phường Ba Đình")), [["not-own-district", 2, "C"]]
    lv = "epidemic_levels"
    yield "levels-out-of-range", "SYT", lv, lambda t: setcell(t, 2, lv, "level", "5"), [["out-of-range-max", 2, "D"]]
    yield "levels-wrong-colour", "SYT", lv, lambda t: (setcell(t, 2, lv, "level", "2"), setcell(t, 2, lv, "colour", "Đỏ")), [["rule-violation", 2, "E"]]
    yield "levels-unknown-area", "SYT", lv, lambda t: setcell(t, 2, lv, "area_code", "99999"), [["unknown-area", 2, "B"]]
    yield "levels-ubnd-other-district", "UBND-DONGSON", lv, lambda t: (setcell(t, 2, lv, "area_code", "14755"), setcell(t, 2, lv, "area_name", "Phường Hàm Rồng")), [["not-own-district", 2, "B"]]
    d = "directive_documents"
    yield "directives-bad-link", "SYT", d, lambda t: setcell(t, 2, d, "link", "www.thanhhoa.gov.vn"), [["type-url", 2, "F"]]
    yield "directives-missing-number", "SYT", d, lambda t: setcell(t, 2, d, "document_number", ""), [["required", 2, "A"]]
    fb = "citizen_feedback"
    yield "feedback-unbalanced", "SYT", fb, lambda t: setcell(t, 2, fb, "open", "999"), [["rule-violation", 2, "C"]]
    vi = "violations"
    yield "violations-fine-ambiguous", "CA", vi, lambda t: setcell(t, 2, vi, "fine_amount", "7.5"), [["number-ambiguous", 2, "G"]]
    yield "violations-fine-text", "CA", vi, lambda t: setcell(t, 2, vi, "fine_amount", "bảy triệu"), [["type-decimal", 2, "G"]]
    yield "violations-fine-vietnamese", "CA", vi, lambda t: setcell(t, 2, vi, "fine_amount", "7.500.000,5"), []
    sp = "support_policies"
    yield "policies-negative-amount", "SLDTBXH", sp, lambda t: setcell(t, 2, sp, "amount_paid", "-5"), [["out-of-range", 2, "G"]]
    pts = "supply_points"
    yield "supply-point-type", "SCT", pts, lambda t: setcell(t, 2, pts, "point_type", "Tiệm"), [["not-in-enum", 2, "C"]]
    cp = "checkpoints"
    yield "checkpoints-staff-text", "CA", cp, lambda t: setcell(t, 2, cp, "staff", "mười"), [["type-integer", 2, "G"]]
    fe = "food_establishments"
    yield "food-status", "SCT", fe, lambda t: setcell(t, 2, fe, "status", "Mở"), [["not-in-enum", 2, "G"]]
    rq = "returnees_quarantine"
    yield "returnees-negative", "CDC", rq, lambda t: setcell(t, 2, rq, "arrived_today", "-1"), [["out-of-range", 2, "D"]]


def main() -> None:
    expected = {}
    for name, unit, dataset, edit, findings in cases():
        source_unit = unit if unit in ("UBND-DONGSON", "TTYT-DONGSON") or dataset != EPI else "SYT"
        lines = table(dataset, source_unit if unit != "XYZ" else "SYT")
        if edit:
            edit(lines)
        path = HERE / f"{name}.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh, lineterminator="\n").writerows(lines)
        expected[path.name] = {"unit": unit, "dataset": dataset,
                               "findings": [list(f) for f in findings]}
    (HERE / "expected.yaml").write_text(
        "# Written by make_corpus.py: file -> unit, dataset and the exact findings\n"
        "# [code, Excel row, column letter] (errors, warnings and notes), in report order.\n"
        + yaml.safe_dump(expected, allow_unicode=True, sort_keys=True, width=200), encoding="utf-8")


if __name__ == "__main__":
    main()
