"""Write submission files (.xlsx or .csv) from a dataset schema: the templates
agencies fill in, and filled sample submissions.

The header titles, cell formats, input checks, drop-down lists and the
instructions sheet all come from the schema file (and the unit registry), so
a template can never drift from the parser.

Two kinds of workbook come out of ``write_submission``:

* a **template** (``template=True``, what ``portal template`` writes): sheet
  "Số liệu" with a locked header row and editable data cells, drop-down lists
  and Excel input checks; sheet "Hướng dẫn" with the instructions and the
  example row; a hidden sheet "Danh mục" holding the drop-down sources.
* a **filled file** (the default, what ``portal sample``/``portal up``, the
  corpus and the benchmark write): the same "Số liệu" and "Hướng dẫn"
  sheets with the rows, but no hidden sheet, no protection and no example,
  because it stands for what a unit actually submits.

The example row never sits on "Số liệu": the validator reads every non-blank
row under the header of the first visible sheet as data, so an example left
there by a busy clerk would be loaded as real figures. It lives on
"Hướng dẫn", under a copy of the header, and in each column's input prompt.
"""
from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

from ingest.registry import Area, Registry, Unit, load_registry
from ingest.schema import DatasetSchema, Field

DATA_SHEET = "Số liệu"
GUIDE_SHEET = "Hướng dẫn"
LISTS_SHEET = "Danh mục"
# Custom document property naming the hidden sheet the template itself
# created; the reader's hidden-sheet warning can skip exactly that sheet.
LISTS_PROPERTY = "CongThongTinCovid.DanhMuc"
AUTHOR = "Cổng thông tin COVID-19"

HEADER_FILL = "1F4E79"
EXAMPLE_FONT_COLOR = "808080"
LAST_ROW = 1_048_576            # validations and formats cover whole columns, as Excel does
EXCEL_2020_01_01 = 43831        # date serial: no COVID-19 figure predates 2020
# Excel refuses longer validation texts (and LibreOffice truncates them).
MAX_TITLE, MAX_MESSAGE = 32, 255

KINDS = {"date": "Ngày (dd/mm/yyyy)", "slot": "Khung giờ (HH:MM)", "integer": "Số nguyên",
         "decimal": "Số (dấu phẩy thập phân)", "string": "Văn bản", "url": "Đường dẫn (http/https)",
         "area_code": "Mã GSO", "area_name": "Tên đơn vị hành chính"}
NUMBER_FORMATS = {"date": "DD/MM/YYYY", "integer": "#,##0", "decimal": "#,##0.##",
                  # Text, so Excel keeps "08:00" and "405" as typed (a time or
                  # a number would no longer match the drop-down values).
                  "slot": "@", "area_code": "@"}
UNIT_TYPE_NAMES = {"UBND": "UBND các huyện, thị xã, thành phố",
                   "TTYT": "Trung tâm Y tế các huyện, thị xã, thành phố"}


def _cell_text(value) -> object:
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return value


def prefilled_rows(schema: DatasetSchema) -> list[dict]:
    """Rows an agency should fill: one per district when the file must cover them all."""
    if schema.coverage != "every_district":
        return []
    return [{"district_code": d.area_code, "district_name": d.name} for d in load_registry().districts]


def write_submission(schema: DatasetSchema, rows: list[dict], out: Path, unit_code: str,
                     *, template: bool = False) -> Path:
    """Write ``rows`` as a submission of ``unit_code``. ``template=True`` adds
    what only an empty form needs: drop-down lists, protection, the example."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".csv":
        _write_csv(schema, rows, out)
    elif out.suffix.lower() == ".xlsx":
        _write_xlsx(schema, rows, out, unit_code, template)
    else:
        raise ValueError("tên tệp phải kết thúc bằng .xlsx hoặc .csv")
    return out


def write_template(schema: DatasetSchema, out: Path, unit_code: str) -> Path:
    """The form ``portal template`` hands to a unit (rows prefilled where the
    dataset must cover every district)."""
    return write_submission(schema, prefilled_rows(schema), out, unit_code, template=True)


# --- examples ---------------------------------------------------------------

def _typed_example(f: Field):
    from validation.cells import parse_cell

    if f.example is None:
        return None
    if f.type in ("area_code", "slot"):
        return str(f.example)
    value, error = parse_cell(f.type, f.example)
    if error:
        raise ValueError(f"example {f.example!r} of field {f.name} does not parse: {error}")
    return value


def example_row(schema: DatasetSchema, unit_code: str | None = None) -> dict:
    """The schema's example values, typed as a filled cell would be, with the
    areas moved into the unit's own district when it has one (a Bỉm Sơn
    health centre's example must not show Đông Sơn, which it may not report)."""
    registry = load_registry()
    unit = registry.unit(unit_code) if unit_code else None
    row = {f.name: _typed_example(f) for f in schema.fields}
    own = registry.areas.get(unit.district_code) if unit and unit.district_code else None
    for f in schema.fields:
        if f.type != "area_code" or not f.own_district or own is None:
            continue
        area = registry.areas.get(row[f.name] or "")
        if area is not None and registry.district_of(area.area_code) == own:
            continue
        if f.area_level == "commune" or (area is not None and area.level == "commune"):
            row[f.name] = _communes(registry, own.area_code)[0].area_code
        else:
            row[f.name] = own.area_code
    # Names follow their codes, communes their district.
    for f in schema.fields:
        if f.type != "area_name":
            continue
        if f.code_field and row.get(f.code_field) in registry.areas:
            row[f.name] = registry.areas[row[f.code_field]].name
        elif f.parent_field and row.get(f.parent_field) in registry.areas:
            parent = row[f.parent_field]
            if not any(c.parent_code == parent for c in registry.communes_named(row[f.name] or "")):
                row[f.name] = _communes(registry, parent)[0].name
    return row


def example_rows(schema: DatasetSchema, unit_code: str | None = None) -> list[dict]:
    """A complete valid submission built from the examples: one example row,
    or the prefilled districts each completed with the example figures."""
    example = example_row(schema, unit_code)
    prefilled = prefilled_rows(schema)
    if not prefilled:
        return [example]
    return [{**example, **row} for row in prefilled]


# --- lists ----------------------------------------------------------------

def _communes(registry: Registry, district_code: str) -> list[Area]:
    return [a for a in registry.areas.values() if a.level == "commune" and a.parent_code == district_code]


def _list_values(f: Field, schema: DatasetSchema, registry: Registry, unit: Unit | None) -> list[str]:
    """Drop-down values for a field, or [] when Excel cannot offer a list."""
    if f.enum:
        return [str(v) for v in f.enum]
    if f.type not in ("area_code", "area_name"):
        return []
    # A district unit may only report its own district when the field (or
    # the code it names, or the district its commune lies in) says so.
    anchor = f
    if f.code_field:
        anchor = schema.field(f.code_field)
    elif f.parent_field:
        anchor = schema.field(f.parent_field)
    own = unit.district_code if unit is not None and unit.district_code and anchor.own_district else ""
    districts = [d for d in registry.districts if not own or d.area_code == own]
    level = f.area_level or "any"
    if level == "district":
        areas = districts
    elif level == "commune":
        areas = [c for d in districts for c in _communes(registry, d.area_code)]
    else:
        areas = [a for d in districts for a in (d, *_communes(registry, d.area_code))]
    values = [a.area_code if f.type == "area_code" else a.name for a in areas]
    return list(dict.fromkeys(values))   # commune names recur across districts


def _safe_name(field_name: str) -> str:
    return "DanhMuc_" + field_name


# --- CSV --------------------------------------------------------------------

def _write_csv(schema: DatasetSchema, rows: list[dict], out: Path) -> None:
    # UTF-8 with BOM: Excel on Windows opens it with the right diacritics.
    with out.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([f.title for f in schema.fields])
        for row in rows:
            writer.writerow([_cell_text(row.get(f.name, "")) for f in schema.fields])


# --- xlsx -------------------------------------------------------------------

def _constraints(f: Field) -> str:
    parts = []
    if f.minimum is not None and f.maximum is not None:
        parts.append(f"từ {f.minimum:g} đến {f.maximum:g}")
    elif f.minimum is not None:
        parts.append(f"≥ {f.minimum:g}")
    elif f.maximum is not None:
        parts.append(f"≤ {f.maximum:g}")
    if f.enum:
        parts.append("một trong: " + ", ".join(map(str, f.enum)))
    if f.not_in_future:
        parts.append("không sau ngày nộp")
    if f.cumulative:
        parts.append("cộng dồn, không giảm")
    if f.own_district:
        parts.append("đơn vị cấp huyện chỉ ghi địa bàn huyện mình")
    if f.code_field:
        parts.append("phải khớp với cột mã")
    if f.parent_field:
        parts.append("thuộc huyện ở cột mã huyện")
    if f.personal:
        parts.append("thông tin cá nhân, không công khai")
    return "; ".join(parts)


def _validation(f: Field, letter: str, list_name: str | None, example=None):
    """The Excel input check for a column (or just its input prompt)."""
    from openpyxl.worksheet.datavalidation import DataValidation

    kind = KINDS[f.type].lower()
    if list_name:
        rule = DataValidation(type="list", formula1=list_name, allow_blank=True)
        error = f"Hãy chọn một giá trị trong danh sách của cột \"{f.title}\"."
    elif f.type in ("integer", "decimal"):
        low = f.minimum if f.minimum is not None else -1e15
        high = f.maximum if f.maximum is not None else 1e15
        rule = DataValidation(type="whole" if f.type == "integer" else "decimal", operator="between",
                              formula1=f"{low:g}" if f.type == "decimal" else str(int(low)),
                              formula2=f"{high:g}" if f.type == "decimal" else str(int(high)),
                              allow_blank=True)
        error = f"Cột \"{f.title}\" phải là {kind}"
        error += f" ({_constraints(f).split(';')[0]})." if f.minimum is not None or f.maximum is not None else "."
    elif f.type == "date":
        rule = DataValidation(type="date", operator="between" if f.not_in_future else "greaterThanOrEqual",
                              formula1=str(EXCEL_2020_01_01),
                              formula2="TODAY()" if f.not_in_future else None, allow_blank=True)
        # A warning, not a refusal: Excel set to an English locale stores a
        # typed "22/10/2021" as text, which the portal still reads correctly.
        rule.errorStyle = "warning"
        error = (f"Cột \"{f.title}\" cần một ngày dạng dd/mm/yyyy, từ 01/01/2020"
                 + (" và không sau hôm nay." if f.not_in_future else "."))
    elif f.type == "url":
        cell = f"{letter}2"
        rule = DataValidation(type="custom", allow_blank=True,
                              formula1=f'OR(LEFT({cell},7)="http://",LEFT({cell},8)="https://")')
        error = f"Cột \"{f.title}\" phải là đường dẫn bắt đầu bằng http:// hoặc https://."
    else:
        rule = DataValidation(allow_blank=True)      # any value: only the input prompt
        error = None
    if error:
        rule.showErrorMessage = True
        rule.errorTitle = "Dữ liệu không hợp lệ"
        rule.error = error[:MAX_MESSAGE]
    rule.showInputMessage = True
    rule.promptTitle = f.title[:MAX_TITLE]
    prompt = f.description
    if example is not None:
        prompt += f" Ví dụ: {_cell_text(example)}."
    if not f.required:
        prompt += " Có thể để trống."
    rule.prompt = prompt[:MAX_MESSAGE]
    return rule


def _write_xlsx(schema: DatasetSchema, rows: list[dict], out: Path, unit_code: str,
                template: bool) -> None:
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill, Protection

    registry = load_registry()
    unit = registry.unit(unit_code)
    wb = Workbook()
    ws = wb.active
    ws.title = DATA_SHEET
    unlocked = Protection(locked=False)
    ws.append([f.title for f in schema.fields])
    for index, f in enumerate(schema.fields, start=1):
        cell = ws.cell(row=1, column=index)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        comment = Comment(f"{f.description}\nKiểu: {KINDS[f.type]}"
                          + ("" if f.required else "\nCó thể để trống."), AUTHOR)
        comment.width, comment.height = 300, 110
        cell.comment = comment
        dim = ws.column_dimensions[cell.column_letter]
        dim.width = max(14, min(32, len(f.title) + 4))
        if template:
            # Column style: cells a user types into later are unlocked and
            # formatted too, not just the ones written here.
            dim.protection = unlocked
            if f.type in NUMBER_FORMATS:
                dim.number_format = NUMBER_FORMATS[f.type]
    ws.row_dimensions[1].height = 45
    for r, row in enumerate(rows, start=2):
        for index, f in enumerate(schema.fields, start=1):
            cell = ws.cell(row=r, column=index, value=row.get(f.name))
            if f.type in NUMBER_FORMATS:
                cell.number_format = NUMBER_FORMATS[f.type]
            if template:
                cell.protection = unlocked
    ws.freeze_panes = "A2"

    _write_guide(wb, schema, unit_code, unit, registry, template)
    if template:
        lists = _write_lists(wb, schema, registry, unit)    # after the guide: last, hidden
        example = example_row(schema, unit_code)
        for index, f in enumerate(schema.fields, start=1):
            letter = ws.cell(row=1, column=index).column_letter
            rule = _validation(f, letter, lists.get(f.name), example.get(f.name))
            ws.add_data_validation(rule)
            rule.add(f"{letter}2:{letter}{LAST_ROW}")
        # Locks the header only (data columns are unlocked above). No
        # password: the lock prevents accidents, it is not security.
        ws.protection.sheet = True
        for allowed in ("formatCells", "formatColumns", "formatRows", "insertRows",
                        "deleteRows", "sort", "autoFilter"):
            setattr(ws.protection, allowed, False)

        from openpyxl.packaging.custom import StringProperty
        wb.custom_doc_props.append(StringProperty(name=LISTS_PROPERTY, value=LISTS_SHEET))
    wb.active = 0
    wb.save(out)


def _write_lists(wb, schema: DatasetSchema, registry: Registry, unit: Unit | None) -> dict[str, str]:
    """The hidden "Danh mục" sheet: one column per drop-down, each behind a
    workbook name the validation refers to. Returns field name -> list name."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.workbook.defined_name import DefinedName

    sheet = wb.create_sheet(LISTS_SHEET)
    names = {}
    column = 0
    for f in schema.fields:
        values = _list_values(f, schema, registry, unit)
        if not values:
            continue
        column += 1
        letter = get_column_letter(column)
        sheet.cell(row=1, column=column, value=f.title).font = Font(bold=True)
        for r, value in enumerate(values, start=2):
            sheet.cell(row=r, column=column, value=value)
        sheet.column_dimensions[letter].width = max(16, len(f.title) + 2)
        name = _safe_name(f.name)
        ref = f"'{LISTS_SHEET}'!${letter}$2:${letter}${len(values) + 1}"
        wb.defined_names[name] = DefinedName(name, attr_text=ref)
        names[f.name] = name
    sheet.sheet_state = "hidden"
    sheet.protection.sheet = True
    return names


def _cadence(schema: DatasetSchema) -> str:
    c = schema.cadence
    if c["kind"] == "slots":
        return "Hằng ngày, trước các mốc " + ", ".join(c["times"]) + " (giờ Việt Nam)."
    if c["kind"] == "daily":
        return f"Hằng ngày, trước {c['deadline']} (giờ Việt Nam)."
    hours = c.get("max_age_hours")
    age = f"{hours // 24} ngày" if hours and hours % 24 == 0 and hours >= 48 else f"{hours} giờ"
    return f"Ngay khi có thay đổi; số liệu không được cũ quá {age}."


def _responsible(schema: DatasetSchema, registry: Registry) -> str:
    names = []
    for unit_type in schema.responsible_unit_types:
        if unit_type in UNIT_TYPE_NAMES:
            names.append(UNIT_TYPE_NAMES[unit_type])
        else:
            names += [u.name for u in registry.units.values() if u.unit_type == unit_type]
    return "; ".join(names)


def _write_guide(wb, schema: DatasetSchema, unit_code: str, unit: Unit | None,
                 registry: Registry, template: bool) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    guide = wb.create_sheet(GUIDE_SHEET)
    bold = Font(bold=True)
    guide.append([f"Biểu mẫu: {schema.title}"])
    guide["A1"].font = Font(bold=True, size=14)
    unit_text = f"{unit.name} ({unit.unit_code})" if unit else unit_code
    if unit and unit.district_code:
        unit_text += f", địa bàn {registry.areas[unit.district_code].name}"
    info = [("Mã biểu mẫu", schema.name), ("Mô tả", schema.description), ("Đơn vị nộp tệp này", unit_text),
            ("Đơn vị chịu trách nhiệm", _responsible(schema, registry)), ("Tần suất cập nhật", _cadence(schema)),
            ("Mỗi dòng là duy nhất theo", ", ".join(schema.field(g).title for g in schema.grain))]
    if schema.coverage == "every_district":
        info.append(("Phạm vi", "Mỗi tệp phải có đủ một dòng cho mỗi huyện, thị xã, thành phố "
                                "(đã điền sẵn mã và tên)."))
    for label, text in info:
        guide.append([label, text])
        guide.cell(row=guide.max_row, column=1).font = bold
        guide.cell(row=guide.max_row, column=2).alignment = Alignment(wrap_text=True, vertical="top")

    guide.append([])
    guide.append(["CÁCH NHẬP VÀ NỘP"])
    guide.cell(row=guide.max_row, column=1).font = Font(bold=True, size=12)
    steps = [
        f"Nhập số liệu ở trang \"{DATA_SHEET}\", mỗi dòng một bản ghi, bắt đầu từ dòng 2. "
        "Không đổi tên, thứ tự các cột và không thêm dòng tiêu đề.",
        "Ngày ghi dạng dd/mm/yyyy (ví dụ 22/10/2021); số ghi bằng chữ số, không kèm đơn vị.",
        "Cột có mũi tên: chọn giá trị trong danh sách. Để con trỏ vào một ô để xem gợi ý của cột.",
        "Các cột không ghi \"Có thể để trống\" là bắt buộc.",
        "Xóa các dòng không dùng; không nhập dòng ví dụ ở cuối trang này vào trang số liệu.",
        "Lưu tệp dạng .xlsx (hoặc .csv UTF-8) và nộp qua Cổng thông tin bằng tài khoản của đơn vị; "
        "hệ thống trả kết quả kiểm tra, nếu có lỗi hãy sửa và nộp lại.",
    ]
    if template:
        steps.insert(3, f"Dòng tiêu đề được khóa để tránh sửa nhầm (không đặt mật khẩu). Danh sách chọn "
                        f"nằm ở trang ẩn \"{LISTS_SHEET}\"; không xóa trang này.")
    for number, step in enumerate(steps, start=1):
        guide.append([f"Bước {number}", step])
        guide.cell(row=guide.max_row, column=2).alignment = Alignment(wrap_text=True, vertical="top")

    guide.append([])
    guide.append(["CÁC CỘT"])
    guide.cell(row=guide.max_row, column=1).font = Font(bold=True, size=12)
    guide.append(["Cột", "Ý nghĩa", "Kiểu", "Bắt buộc", "Ràng buộc", "Ví dụ"])
    for cell in guide[guide.max_row]:
        cell.font = bold
    for f in schema.fields:
        guide.append([f.title, f.description, KINDS[f.type], "Có" if f.required else "Không",
                      _constraints(f), "" if f.example is None else str(f.example)])
        for cell in guide[guide.max_row]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    if schema.rules:
        guide.append([])
        guide.append(["Quy tắc giữa các cột"])
        guide.cell(row=guide.max_row, column=1).font = bold
        for rule in schema.rules:
            guide.append(["", _rule_text(schema, rule)])

    if template:
        # The example row, shaped like the data sheet but on this sheet, so
        # it can never be submitted as data.
        example = example_row(schema, unit_code)
        guide.append([])
        guide.append([f"DÒNG VÍ DỤ (chỉ để tham khảo, không nhập vào trang \"{DATA_SHEET}\")"])
        guide.cell(row=guide.max_row, column=1).font = Font(bold=True, size=12)
        guide.append([f.title for f in schema.fields])
        for cell in guide[guide.max_row]:
            cell.font = Font(bold=True, color="FFFFFF")
            cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
            cell.alignment = Alignment(wrap_text=True)
        guide.append([_cell_text(example[f.name]) if f.type == "date" else example[f.name]
                      for f in schema.fields])
        for cell in guide[guide.max_row]:
            cell.font = Font(italic=True, color=EXAMPLE_FONT_COLOR)
    for letter, width in zip("ABCDEF", (30, 60, 22, 12, 36, 28)):
        guide.column_dimensions[letter].width = width


def _rule_text(schema: DatasetSchema, rule) -> str:
    if rule.mapping:
        left, right = rule.fields
        pairs = ", ".join(f"{k} → {v}" for k, v in rule.mapping)
        return f"{schema.field(right).title} theo {schema.field(left).title}: {pairs}."
    names = set(schema.field_names)
    text = re.sub(r"[a-z_][a-z_0-9]*",
                  lambda m: f"[{schema.field(m[0]).title}]" if m[0] in names else m[0], rule.expression)
    return text.replace("<=", "≤").replace(">=", "≥").replace("==", "=")
