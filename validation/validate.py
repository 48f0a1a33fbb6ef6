"""Validate submitted files: every layer, every error at once.

``validate_files`` validates a batch (one GX run per dataset for the whole
batch, which is what makes a 730-file backfill cheap); ``validate_file`` is
the single-file form used by ``portal validate``. Neither has side effects
beyond temporary tables: each file's rows are read into, typed and checked in
a DuckDB connection (the loader's own, in the pipeline, so accepted rows go
into the warehouse without leaving DuckDB; a private in-memory one otherwise).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from ingest.reader import read_table
from ingest.registry import Registry, load_registry
from ingest.schema import DatasetSchema, all_schemas, load_schema
from ingest.settings import TIMEZONE
from validation import checks
from validation.errors import ErrorRecord, make_error
from validation.gx_suite import domain_columns
from validation.typed import Typed, type_cells


@dataclass
class Report:
    path: Path
    unit: str
    dataset: str | None
    errors: list[ErrorRecord] = field(default_factory=list)
    typed: Typed | None = None                 # typed rows in DuckDB, when the file could be read
    header_columns: dict[str, int] = field(default_factory=dict)
    # GX's result for the batch this file was validated in (shared by the batch's
    # files of the same dataset); Data Docs renders it instead of validating again.
    gx_result: object | None = field(default=None, repr=False)

    @property
    def valid(self) -> bool:
        return not any(e.severity == "error" for e in self.errors)

    @property
    def rows(self) -> int:
        return 0 if self.typed is None else self.typed.count

    @property
    def frame(self):
        """The typed rows as a pandas DataFrame (small files, tests)."""
        return None if self.typed is None else self.typed.frame()

    def release(self) -> None:
        """Drop the typed rows once loaded (or refused)."""
        if self.typed is not None:
            self.typed.drop()

    def to_dict(self) -> dict:
        order = {"error": 0, "warning": 1, "info": 2}
        errors = sorted(self.errors, key=lambda e: (order[e.severity], e.row or 0, e.column or ""))
        return {
            "valid": self.valid,
            "file": self.path.name,
            "unit": self.unit,
            "dataset": self.dataset,
            "rows": self.rows,
            "error_count": sum(e.severity == "error" for e in self.errors),
            "warning_count": sum(e.severity == "warning" for e in self.errors),
            "errors": [e.to_dict() for e in errors],
        }


@dataclass(frozen=True)
class Request:
    path: Path
    unit: str
    dataset: str | None = None


def today_local() -> dt.date:
    return dt.datetime.now(ZoneInfo(TIMEZONE)).date()


def _detect_dataset(report: Report, registry: Registry, rows) -> None:
    """A file that does not name its dataset is recognised by its header row
    among the datasets its unit answers for."""
    unit = registry.unit(report.unit)
    own = [s for s in all_schemas().values() if unit.unit_type in s.responsible_unit_types]
    if len(own) == 1:
        report.dataset = own[0].name
        return
    scores = sorted(((checks.header_score(s, rows), s.name) for s in own), reverse=True)
    if scores and scores[0][0] >= 2 and (len(scores) == 1 or scores[0][0] > scores[1][0]):
        report.dataset = scores[0][1]
        return
    report.errors.append(make_error("dataset-required", value=unit.unit_code,
                                    detail=", ".join(s.name for s in own) or "chưa có"))


def _check_unit(report: Report, registry: Registry) -> bool:
    if registry.unit(report.unit) is None:
        report.errors.append(make_error("unit-unknown", value=report.unit))
        return False
    return True


def _check_responsibility(report: Report, registry: Registry) -> DatasetSchema | None:
    unit = registry.unit(report.unit)
    try:
        schema = load_schema(report.dataset)
    except KeyError:
        report.errors.append(make_error("dataset-unknown", value=report.dataset))
        return None
    if unit.unit_type not in schema.responsible_unit_types:
        responsible = [u.unit_code for u in registry.units.values()
                       if u.unit_type in schema.responsible_unit_types]
        shown = ", ".join(responsible[:8]) + (f" và {len(responsible) - 8} đơn vị khác" if len(responsible) > 8 else "")
        report.errors.append(make_error("unit-not-responsible", value=unit.unit_code,
                                        dataset_title=schema.title, detail=shown))
        return None
    return schema


def _prepare(request: Request, registry: Registry, today: dt.date, con):
    report = Report(Path(request.path), request.unit.strip().upper(), request.dataset)
    if not _check_unit(report, registry):
        return report, None
    table, errors = read_table(report.path, con)
    report.errors.extend(errors)
    if table is None:
        return report, None
    try:
        if report.dataset is None:
            _detect_dataset(report, registry, table.head(checks.HEADER_SEARCH_ROWS))
            if report.dataset is None:
                return report, None
        schema = _check_responsibility(report, registry)
        if schema is None:
            return report, None
        header = checks.map_header(schema, table.head(checks.HEADER_SEARCH_ROWS), report.errors)
        if header is None:
            return report, None
        report.header_columns = header.columns
        report.typed = type_cells(schema, header, table, report.errors)   # owns the raw table now
    finally:
        if report.typed is None:
            table.drop()
    if report.typed.count == 0:
        report.errors.append(make_error("no-data-rows"))
        return report, None
    typed, unit = report.typed, registry.unit(report.unit)
    # Every distinct value the table checks and GX look at, in one pass over the rows.
    sets, presence = domain_columns(schema)
    typed.prefetch(sets + checks.combinations(schema), presence)
    report.errors.extend(checks.check_duplicates(schema, typed))
    report.errors.extend(checks.check_areas(schema, header, typed, registry, unit))
    report.errors.extend(checks.check_period(schema, header, typed, today))
    report.errors.extend(checks.check_coverage(schema, header, typed, registry))
    return report, schema


def validate_files(requests: list[Request], *, today: dt.date | None = None,
                   registry: Registry | None = None, con=None) -> list[Report]:
    """Validate a batch. ``con``: the DuckDB connection to work in (the
    pipeline passes its warehouse writer, so the loader reads the typed rows
    where they are); a private in-memory one when None."""
    import duckdb

    from validation.gx_suite import run_suite, to_error_records

    registry = registry or load_registry()
    today = today or today_local()
    con = con if con is not None else duckdb.connect()
    prepared = []
    for request in requests:
        try:
            prepared.append(_prepare(request, registry, today, con))
        except Exception as exc:  # a file that trips a reader bug must not sink the batch
            report = Report(Path(request.path), request.unit.strip().upper(), request.dataset)
            report.errors.append(make_error("file-unreadable", detail=f"{type(exc).__name__}: {exc}"))
            prepared.append((report, None))
    by_dataset: dict[str, list[Report]] = {}
    for report, schema in prepared:
        if schema is not None:
            by_dataset.setdefault(schema.name, []).append(report)
    for name, reports in by_dataset.items():
        schema = load_schema(name)
        failures, gx_result = run_suite(schema, registry, [r.typed for r in reports])
        for report in reports:
            report.gx_result = gx_result
            report.errors.extend(to_error_records(schema, failures, report.header_columns, report.typed))
    return [report for report, _ in prepared]


def render_text(summary: dict, receipt: dict | None = None) -> str:
    """The report an agency reads: plain Vietnamese text, errors first."""
    lines = [f"KẾT QUẢ KIỂM TRA TỆP: {summary['file']}",
             f"Đơn vị: {summary['unit']} — Biểu mẫu: {summary['dataset'] or '(không xác định)'}"]
    if receipt:
        lines.append(f"Mã nộp: {receipt['submission_id']} — Thời điểm nhận: {receipt['received_at']}")
    if summary["valid"]:
        lines.append(f"Kết luận: HỢP LỆ — {summary['rows']} dòng số liệu, "
                     f"{summary['warning_count']} cảnh báo.")
    else:
        lines.append(f"Kết luận: KHÔNG HỢP LỆ — {summary['error_count']} lỗi, "
                     f"{summary['warning_count']} cảnh báo. Tệp gốc được lưu giữ nguyên vẹn; "
                     "không có số liệu nào của tệp được nạp. Hãy sửa các lỗi dưới đây rồi nộp lại.")
    labels = {"error": "LỖI", "warning": "CẢNH BÁO", "info": "GHI CHÚ"}
    for number, error in enumerate(summary["errors"], start=1):
        where = f"{error['column'] or ''}{error['row'] or ''}"
        lines.append(f"{number:>3}. [{labels[error['severity']]}]{' ' + where if where else ''} "
                     f"{error['message']}")
    return "\n".join(lines) + "\n"


def validate_file(path: Path, unit: str, dataset: str | None = None, **kwargs) -> Report:
    return validate_files([Request(Path(path), unit, dataset)], **kwargs)[0]
