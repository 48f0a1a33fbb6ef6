"""The monthly report to the Steering Committee (Điều 19, Quy chế 4168/QĐ-UBND).

    audit (compliance.audit) of the period and of the previous one
      → Report, plain data (content.py)
      → PDF (pdf.py), .xlsx annex (xlsx.py), editable .docx (docx.py)
      → reports folder PORTAL_HOME/reports/<YYYY-MM>/ and e-mail (compliance.delivery)

`produce` runs the first three steps on the warehouse and writes the folder;
`write_report` does the writing for a Report already built (tests build one
from hand-made audit results).
"""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from compliance.report.content import Report, build_report, period, previous_period

FORMATS = ("pdf", "xlsx", "docx")
MODEL_FILE = "bao-cao.json"


@dataclass(frozen=True)
class Produced:
    report: Report
    folder: Path
    files: dict[str, Path]            # format -> file (pdf, xlsx, docx), in the reports folder
    fingerprint: str
    reused: bool                      # the folder already held this very report: nothing re-rendered

    @property
    def period_key(self) -> str:
        return self.report.period.key

    @property
    def attachments(self) -> list[Path]:
        return [self.files[f] for f in FORMATS if f in self.files]


def reports_root(settings) -> Path:
    return settings.home / "reports"


def file_names(report: Report) -> dict[str, str]:
    key = report.period.key
    return {"pdf": f"bao-cao-cap-nhat-{key}.pdf", "xlsx": f"phu-luc-cap-nhat-{key}.xlsx",
            "docx": f"bao-cao-cap-nhat-{key}.docx"}


def render(report: Report, folder: Path, formats=FORMATS) -> dict[str, Path]:
    from compliance.report import docx, pdf, xlsx

    renderers = {"pdf": pdf.render, "xlsx": xlsx.render, "docx": docx.render}
    names = file_names(report)
    return {f: renderers[f](report, Path(folder) / names[f]) for f in formats}


def _existing(folder: Path, report: Report, formats) -> dict[str, Path] | None:
    """The files already in the folder if they are this report (same fingerprint)."""
    try:
        saved = json.loads((folder / MODEL_FILE).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    if saved.get("fingerprint") != report.fingerprint():
        return None
    names = file_names(report)
    files = {f: folder / names[f] for f in formats}
    return files if all(p.is_file() for p in files.values()) else None


def write_report(report: Report, folder: Path, formats=FORMATS) -> Produced:
    """Write the report into `folder` (its period's folder under reports/).

    Same figures as the files already there: they are kept as they are, so
    the folder keeps holding exactly what was e-mailed. Different figures
    (late files arrived, the schedule changed): the earlier files move to
    earlier/<fingerprint>/ and the new ones take their place; each file
    appears whole (rendered beside, then renamed)."""
    folder = Path(folder)
    fingerprint = report.fingerprint()
    found = _existing(folder, report, formats)
    if found is not None:
        return Produced(report, folder, found, fingerprint, reused=True)
    staging = folder / f".rendering-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        rendered = render(report, staging, formats)
        (staging / MODEL_FILE).write_text(json.dumps({"fingerprint": fingerprint, "report": report.to_dict()},
                                                     ensure_ascii=False, indent=1), encoding="utf-8")
        _set_aside_earlier(folder)
        files = {}
        for fmt, path in rendered.items():
            os.replace(path, folder / path.name)
            files[fmt] = folder / path.name
        os.replace(staging / MODEL_FILE, folder / MODEL_FILE)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return Produced(report, folder, files, fingerprint, reused=False)


def _set_aside_earlier(folder: Path) -> None:
    try:
        saved = json.loads((folder / MODEL_FILE).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return
    keep = folder / "earlier" / saved.get("fingerprint", "unknown")[:16]
    keep.mkdir(parents=True, exist_ok=True)
    for path in folder.iterdir():
        if path.is_file():
            os.replace(path, keep / path.name)


def load_produced(folder: Path, formats=FORMATS) -> Produced:
    """The report a folder holds (as write_report left it), for delivery by a later task."""
    folder = Path(folder)
    saved = json.loads((folder / MODEL_FILE).read_text(encoding="utf-8"))
    report = Report.from_dict(saved["report"])
    names = file_names(report)
    files = {f: folder / names[f] for f in formats if (folder / names[f]).is_file()}
    return Produced(report, folder, files, saved["fingerprint"], reused=True)


def scheduled(run_time: dt.datetime) -> tuple[dt.date, dt.date, dt.datetime]:
    """The period and clock of the scheduled report: the calendar month before
    the run, audited as seen at the run's own start time (a retry reads the same)."""
    from compliance.report.content import month_before
    from compliance.report.text import VN

    # Airflow hands over a pendulum DateTime, whose arithmetic with plain
    # dates and timedeltas fails inside the audit: make it a plain datetime.
    local = dt.datetime.fromtimestamp(run_time.timestamp(), tz=VN)
    month = month_before(local.date())
    return month.start, month.end, local


def save_model(settings, report: Report) -> Path:
    """Keep a built report between the DAG's tasks (one file per period and clock)."""
    path = reports_root(settings) / ".built" / f"{report.period.key}__{report.as_of:%Y%m%dT%H%M%z}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(report.to_dict(), ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)
    return path


def load_model(path: Path) -> Report:
    return Report.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


def audit_periods(warehouse_path: Path, start: dt.date, end: dt.date, as_of: dt.datetime):
    """The audit of start..end and of the period before it, as seen at `as_of`."""
    from compliance.audit import audit
    from warehouse.db import reader

    before = previous_period(period(start, end))
    with reader(warehouse_path) as con:
        return audit(con, start, end, as_of), audit(con, before.start, before.end, as_of)


def produce(settings, start: dt.date, end: dt.date, *, as_of: dt.datetime | None = None,
            issued_on: dt.date | None = None, formats=FORMATS, config: dict | None = None) -> Produced:
    """Audit the warehouse and write the report of start..end under PORTAL_HOME/reports/<period>/.

    `as_of` (default: now) is the audit's clock: files received later are not
    seen. The scheduled run passes its own start time, so a retry of the
    same run reads the same figures and is recognised as the same report."""
    from compliance.report.text import VN

    as_of = as_of or dt.datetime.now(VN)
    if not settings.warehouse_path.exists():
        raise FileNotFoundError(f"Chưa có kho dữ liệu tại {settings.warehouse_path}.")
    current, previous = audit_periods(settings.warehouse_path, start, end, as_of)
    report = build_report(current, previous, issued_on=issued_on, config=config)
    return write_report(report, reports_root(settings) / report.period.key, formats)
