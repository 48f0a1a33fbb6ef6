"""Schedules, holidays and account lifetimes, as data.

Three YAML files beside this module (schedules.yaml, holidays.yaml,
accounts.yaml) say what each unit owes and on which days; this module reads
them into plain objects and answers two questions for the audit:

* which rule applies to a unit, a dataset and a day (`Config.rule_for`);
* over which runs of days a unit's obligation for a dataset is one and the
  same rule (`Config.segments`), clipped to the days its account existed.

Problems in the files are collected, all at once, as Vietnamese messages in a
`ScheduleError` (errors are data, as validation reports are).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

HERE = Path(__file__).resolve().parent
KINDS = ("slots", "periodic", "on_change", "none")
EVERY = ("day", "week")
FILES = ("schedules.yaml", "holidays.yaml", "accounts.yaml")


class ScheduleError(ValueError):
    """The configuration files are not usable; `problems` lists every reason."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("Cấu hình lịch cập nhật không hợp lệ:\n" + "\n".join(f"- {p}" for p in problems))


@dataclass(frozen=True)
class Rule:
    index: int                          # position in schedules.yaml (stable id within one config)
    dataset: str
    kind: str                           # slots | periodic | on_change | none
    units: tuple[str, ...] = ()
    unit_types: tuple[str, ...] = ()
    start: dt.date = dt.date.min        # `from`, inclusive
    until: dt.date | None = None        # inclusive
    times: tuple[dt.time, ...] = ()     # slots
    every: str | None = None            # periodic: day | week
    deadline: dt.time | None = None     # periodic
    weekday: int | None = None          # periodic weekly: ISO day the week's report is due
    weekdays: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7)  # periodic daily: ISO days that owe a report
    max_age_hours: float | None = None  # on_change
    basis: str = ""

    def applies_to(self, unit_code: str, unit_type: str) -> int:
        """0 = not this unit; 2 = names the unit; 1 = names its type."""
        if unit_code in self.units:
            return 2
        if unit_type in self.unit_types:
            return 1
        return 0

    def in_force(self, day: dt.date) -> bool:
        return self.start <= day and (self.until is None or day <= self.until)

    @property
    def slot_labels(self) -> tuple[str, ...]:
        return tuple(f"{t:%H:%M}" for t in self.times)


@dataclass(frozen=True)
class Lifetime:
    issued: dt.date
    revoked: dt.date | None = None      # first day WITHOUT the account
    note: str = ""

    def covers(self, day: dt.date) -> bool:
        return self.issued <= day and (self.revoked is None or day < self.revoked)


@dataclass(frozen=True)
class ExtraUnit:
    """A unit with an account but not (yet) in the registry."""
    unit_code: str
    name: str
    unit_type: str
    district_code: str | None


@dataclass(frozen=True)
class Segment:
    """Days first..last (inclusive) on which `rule` is what the unit owes."""
    unit_code: str
    dataset: str
    rule: Rule
    first: dt.date
    last: dt.date


@dataclass
class Config:
    timezone: str
    rules: list[Rule]
    holidays: dict[dt.date, str]
    default_issued: dt.date
    accounts: dict[str, list[Lifetime]]
    extra_units: list[ExtraUnit] = field(default_factory=list)
    sha256: str = ""

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def lifetimes(self, unit_code: str) -> list[Lifetime]:
        return self.accounts.get(unit_code) or [Lifetime(self.default_issued)]

    def datasets_of(self, unit_code: str, unit_type: str) -> list[str]:
        """Datasets some rule gives this unit (at any date)."""
        return sorted({r.dataset for r in self.rules if r.applies_to(unit_code, unit_type)})

    def rule_for(self, unit_code: str, unit_type: str, dataset: str, day: dt.date) -> Rule | None:
        """The rule in force for this unit, dataset and day: a rule naming the
        unit beats one naming its type, then the latest `from` wins (then the
        later rule in the file). None when nothing is owed."""
        best, best_key = None, None
        for rule in self.rules:
            if rule.dataset != dataset or not rule.in_force(day):
                continue
            specificity = rule.applies_to(unit_code, unit_type)
            if not specificity:
                continue
            key = (specificity, rule.start, rule.index)
            if best_key is None or key > best_key:
                best, best_key = rule, key
        return None if best is None or best.kind == "none" else best

    def segments(self, unit_code: str, unit_type: str, first: dt.date, last: dt.date) -> list[Segment]:
        """Runs of days in first..last (inclusive) with the account existing
        and one rule in force, per dataset."""
        out = []
        for dataset in self.datasets_of(unit_code, unit_type):
            relevant = [r for r in self.rules if r.dataset == dataset and r.applies_to(unit_code, unit_type)]
            for life in self.lifetimes(unit_code):
                lo = max(first, life.issued)
                hi = min(last, life.revoked - dt.timedelta(days=1)) if life.revoked else last
                if lo > hi:
                    continue
                # The answer can change only where some rule starts or ends.
                cuts = {lo}
                for r in relevant:
                    for day in (r.start, (r.until + dt.timedelta(days=1)) if r.until else None):
                        if day is not None and lo < day <= hi:
                            cuts.add(day)
                bounds = sorted(cuts)
                for i, start in enumerate(bounds):
                    end = bounds[i + 1] - dt.timedelta(days=1) if i + 1 < len(bounds) else hi
                    rule = self.rule_for(unit_code, unit_type, dataset, start)
                    if rule is None:
                        continue
                    if out and out[-1].unit_code == unit_code and out[-1].dataset == dataset \
                            and out[-1].rule == rule and out[-1].last + dt.timedelta(days=1) == start:
                        out[-1] = Segment(unit_code, dataset, rule, out[-1].first, end)
                    else:
                        out.append(Segment(unit_code, dataset, rule, start, end))
        return out

    def is_holiday(self, day: dt.date) -> bool:
        return day in self.holidays


# --- reading ---------------------------------------------------------------------

def _date(value, where: str, problems: list[str]) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(str(value).strip(), fmt).date()
        except ValueError:
            continue
    problems.append(f"{where}: ngày '{value}' không hợp lệ (dùng YYYY-MM-DD hoặc dd/mm/yyyy).")
    return None


def _time(value, where: str, problems: list[str]) -> dt.time | None:
    try:
        hours, minutes = str(value).strip().split(":")
        return dt.time(int(hours), int(minutes))
    except (ValueError, TypeError):
        problems.append(f"{where}: giờ '{value}' không hợp lệ (dùng HH:MM, ví dụ \"08:00\").")
        return None


def _rule(index: int, doc: dict, known: set[str] | None, problems: list[str]) -> Rule | None:
    where = f"schedules.yaml, quy tắc thứ {index + 1}"
    if not isinstance(doc, dict):
        problems.append(f"{where}: phải là một bảng khóa–giá trị.")
        return None
    dataset, kind = doc.get("dataset"), doc.get("kind")
    where = f"{where} ({dataset})"
    start_problems = len(problems)
    if not dataset:
        problems.append(f"{where}: thiếu 'dataset'.")
    elif known is not None and dataset not in known:
        problems.append(f"{where}: không có biểu mẫu '{dataset}' trong ingest/schemas.")
    if kind not in KINDS:
        problems.append(f"{where}: 'kind' phải là một trong {', '.join(KINDS)}.")
    units, types = tuple(doc.get("units") or ()), tuple(doc.get("unit_types") or ())
    if not units and not types:
        problems.append(f"{where}: cần 'units' hoặc 'unit_types'.")
    unknown_keys = set(doc) - {"dataset", "kind", "units", "unit_types", "from", "until", "times", "every",
                               "deadline", "weekday", "weekdays", "max_age_hours", "basis"}
    if unknown_keys:
        problems.append(f"{where}: khóa không hợp lệ {sorted(unknown_keys)}.")
    start = _date(doc.get("from"), where, problems)
    if start is None and "from" not in doc:
        problems.append(f"{where}: thiếu ngày hiệu lực 'from'.")
    until = _date(doc.get("until"), where, problems)
    if start and until and until < start:
        problems.append(f"{where}: 'until' ({until:%d/%m/%Y}) trước 'from' ({start:%d/%m/%Y}).")
    extra: dict = {}
    if kind == "slots":
        times = [_time(t, where, problems) for t in doc.get("times") or ()]
        if not times:
            problems.append(f"{where}: khung giờ (slots) cần danh sách 'times'.")
        if len(set(times)) != len(times):
            problems.append(f"{where}: 'times' có giờ trùng nhau.")
        extra["times"] = tuple(sorted(t for t in times if t is not None))
    elif kind == "periodic":
        every = doc.get("every")
        if every not in EVERY:
            problems.append(f"{where}: 'every' phải là day (hằng ngày) hoặc week (hằng tuần).")
        extra["every"] = every
        extra["deadline"] = _time(doc.get("deadline"), where, problems)
        if every == "week":
            weekday = doc.get("weekday")
            if weekday not in range(1, 8):
                problems.append(f"{where}: báo cáo hằng tuần cần 'weekday' từ 1 (Thứ Hai) đến 7 (Chủ nhật).")
            extra["weekday"] = weekday
        if "weekdays" in doc:
            days = tuple(doc["weekdays"] or ())
            if not days or any(d not in range(1, 8) for d in days):
                problems.append(f"{where}: 'weekdays' là danh sách các thứ từ 1 (Thứ Hai) đến 7 (Chủ nhật).")
            extra["weekdays"] = tuple(sorted(set(days)))
    elif kind == "on_change":
        age = doc.get("max_age_hours")
        if not isinstance(age, (int, float)) or isinstance(age, bool) or age <= 0:
            problems.append(f"{where}: cập nhật khi có biến động cần 'max_age_hours' là số giờ dương.")
        extra["max_age_hours"] = float(age) if isinstance(age, (int, float)) else None
    if len(problems) > start_problems:
        return None
    return Rule(index=index, dataset=dataset, kind=kind, units=units, unit_types=types,
                start=start, until=until, basis=str(doc.get("basis") or ""), **extra)


def _load_yaml(path: Path, problems: list[str]) -> dict:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        problems.append(f"Không tìm thấy tệp {path}.")
    except yaml.YAMLError as exc:
        problems.append(f"{path.name}: YAML không hợp lệ ({exc}).")
    return {}


def load_config(folder: Path | str | None = None, known_datasets: set[str] | None = None) -> Config:
    """Read schedules.yaml, holidays.yaml and accounts.yaml from `folder`
    (default: beside this module). `known_datasets` defaults to the schemas."""
    folder = Path(folder) if folder is not None else HERE
    if known_datasets is None:
        from ingest.schema import all_schemas

        known_datasets = set(all_schemas())
    problems: list[str] = []
    digest = hashlib.sha256()
    for name in FILES:
        path = folder / name
        digest.update(name.encode() + b"\0" + (path.read_bytes() if path.exists() else b"") + b"\0")
    schedules = _load_yaml(folder / "schedules.yaml", problems)
    holidays_doc = _load_yaml(folder / "holidays.yaml", problems)
    accounts_doc = _load_yaml(folder / "accounts.yaml", problems)

    timezone = schedules.get("timezone", "Asia/Ho_Chi_Minh")
    try:
        ZoneInfo(timezone)
    except Exception:  # noqa: BLE001 - any lookup failure means the same thing here
        problems.append(f"schedules.yaml: múi giờ '{timezone}' không hợp lệ.")
    rules = [_rule(i, doc, known_datasets, problems) for i, doc in enumerate(schedules.get("rules") or ())]

    holidays: dict[dt.date, str] = {}
    for i, doc in enumerate(holidays_doc.get("holidays") or ()):
        day = _date((doc or {}).get("date"), f"holidays.yaml, dòng thứ {i + 1}", problems)
        if day is not None:
            holidays[day] = str(doc.get("name") or "")

    default = accounts_doc.get("default") or {}
    default_issued = _date(default.get("issued"), "accounts.yaml, default", problems)
    if default_issued is None and "issued" not in default:
        problems.append("accounts.yaml: thiếu ngày cấp tài khoản mặc định (default: issued).")
    accounts: dict[str, list[Lifetime]] = {}
    extra_units: dict[str, ExtraUnit] = {}
    for i, doc in enumerate(accounts_doc.get("accounts") or ()):
        where = f"accounts.yaml, tài khoản thứ {i + 1}"
        doc = doc or {}
        code = str(doc.get("unit_code") or "").strip().upper()
        if not code:
            problems.append(f"{where}: thiếu 'unit_code'.")
            continue
        issued = _date(doc.get("issued"), where, problems) or default_issued
        revoked = _date(doc.get("revoked"), where, problems)
        if issued and revoked and revoked <= issued:
            problems.append(f"{where} ({code}): ngày thu hồi phải sau ngày cấp.")
            continue
        accounts.setdefault(code, []).append(Lifetime(issued, revoked, str(doc.get("note") or "")))
        if doc.get("unit_type"):
            extra_units[code] = ExtraUnit(code, str(doc.get("name") or code), str(doc["unit_type"]),
                                          str(doc["district_code"]) if doc.get("district_code") else None)
    for code, lives in accounts.items():
        ordered = sorted(lives, key=lambda life: life.issued)
        for before, after in zip(ordered, ordered[1:]):
            if before.revoked is None or before.revoked > after.issued:
                problems.append(f"accounts.yaml ({code}): các thời hạn tài khoản chồng lên nhau.")
        accounts[code] = ordered
    if problems:
        raise ScheduleError(problems)
    return Config(timezone=timezone, rules=[r for r in rules if r is not None], holidays=holidays,
                  default_issued=default_issued, accounts=accounts, extra_units=list(extra_units.values()),
                  sha256=digest.hexdigest())


# An operator (or a test) may keep the three files elsewhere.
CONFIG_ENV = "PORTAL_COMPLIANCE_CONFIG"


def default_config() -> Config:
    """The configuration in $PORTAL_COMPLIANCE_CONFIG, else the one shipped in compliance/."""
    return _cached_config(os.environ.get(CONFIG_ENV) or str(HERE))


@lru_cache(maxsize=4)
def _cached_config(folder: str) -> Config:
    # Cached per folder: the files change with a deployment, not while it runs.
    return load_config(folder)


def check_against_schemas(config: Config, schemas=None) -> list[str]:
    """Differences between the rules and the datasets' own `cadence` and
    `responsible_unit_types` (ingest/schemas): every responsible unit type
    has a rule from the regulation's date that repeats the cadence, and no
    rule names a type the schema does not make responsible. Returns one
    Vietnamese line per difference; empty when consistent."""
    if schemas is None:
        from ingest.schema import all_schemas

        schemas = all_schemas().values()
    problems = []
    for schema in schemas:
        rules = [r for r in config.rules if r.dataset == schema.name]
        cadence = schema.cadence
        for rule in rules:
            stray = set(rule.unit_types) - set(schema.responsible_unit_types)
            if stray:
                problems.append(f"{schema.name}: quy tắc thứ {rule.index + 1} giao cho {sorted(stray)}, "
                                "không có trong responsible_unit_types của biểu mẫu.")
        for unit_type in schema.responsible_unit_types:
            typed = [r for r in rules if unit_type in r.unit_types]
            if not typed:
                problems.append(f"{schema.name}: không có quy tắc cho loại đơn vị {unit_type}.")
                continue
            first = min(typed, key=lambda r: (r.start, r.index))
            wanted = _from_cadence(cadence)
            got = _describe(first)
            if got != wanted:
                problems.append(f"{schema.name} ({unit_type}): quy tắc đầu tiên {got} khác cadence {wanted}.")
    return problems


def _from_cadence(cadence: dict) -> tuple:
    kind = cadence.get("kind")
    if kind == "slots":
        return ("slots", tuple(cadence.get("times") or ()))
    if kind in ("daily", "weekly"):
        return ("periodic", "day" if kind == "daily" else "week", cadence.get("deadline"))
    if kind == "on_change":
        return ("on_change", float(cadence.get("max_age_hours")))
    return (kind,)


def _describe(rule: Rule) -> tuple:
    if rule.kind == "slots":
        return ("slots", rule.slot_labels)
    if rule.kind == "periodic":
        return ("periodic", rule.every, f"{rule.deadline:%H:%M}" if rule.deadline else None)
    if rule.kind == "on_change":
        return ("on_change", rule.max_age_hours)
    return (rule.kind,)
