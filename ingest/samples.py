"""Realistic, valid sample submissions, coherent over time.

Figures come from a deterministic model of half-day periods (08:00 and 16:00
slots) per district: new cases follow waves, cumulative counts are running
sums, so no cumulative figure ever goes down between two samples, whichever
order they are generated in.
"""
from __future__ import annotations

import datetime as dt

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


def sample_rows(dataset: str, unit_code: str, date: dt.date, slot: str | None) -> list[dict]:
    if dataset != "epidemic_situation_by_district":
        raise ValueError(f"no sample generator for {dataset}")
    slot = slot or SLOTS[0]
    registry = load_registry()
    return [{"report_date": date, "slot": slot, "district_code": d.area_code,
             "district_name": d.name, **epidemic_figures(d.area_code, date, slot)}
            for d in registry.districts]
