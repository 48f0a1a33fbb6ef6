"""Markdown documentation for each dataset, generated from its schema file."""
from __future__ import annotations

from pathlib import Path

from ingest.schema import DatasetSchema, all_schemas

KINDS = {"date": "Ngày (dd/mm/yyyy)", "slot": "Khung giờ (HH:MM)", "integer": "Số nguyên",
         "area_code": "Mã GSO", "area_name": "Tên đơn vị hành chính", "string": "Văn bản",
         "decimal": "Số (dấu phẩy thập phân)", "url": "Đường dẫn (http/https)"}


def render(schema: DatasetSchema) -> str:
    cadence = schema.cadence
    when = {"slots": lambda: "hằng ngày lúc " + ", ".join(cadence["times"]),
            "daily": lambda: f"hằng ngày, trước {cadence['deadline']}",
            "on_change": lambda: f"ngay khi có thay đổi (tối đa {cadence['max_age_hours']} giờ)"}[cadence["kind"]]()
    lines = [f"# {schema.title}", "", f"`{schema.name}` — {schema.description}", "",
             f"- Đơn vị chịu trách nhiệm: {', '.join(schema.responsible_unit_types)}",
             f"- Tần suất cập nhật: {when} ({cadence.get('timezone', '')})",
             f"- Khóa (mỗi dòng là duy nhất theo): {', '.join(schema.field(g).title for g in schema.grain)}",
             "", "| Cột | Tên kỹ thuật | Kiểu | Bắt buộc | Ràng buộc | Mô tả |", "|---|---|---|---|---|---|"]
    for f in schema.fields:
        limits = []
        if f.minimum is not None:
            limits.append(f"≥ {f.minimum:g}")
        if f.enum:
            limits.append("một trong " + ", ".join(f.enum))
        if f.cumulative:
            limits.append("cộng dồn, không giảm")
        lines.append(f"| {f.title} | `{f.name}` | {KINDS[f.type]} | {'có' if f.required else 'không'} "
                     f"| {'; '.join(limits)} | {f.description} |")
    if schema.rules:
        lines += ["", "## Quy tắc giữa các cột", ""]
        lines += [f"- `{r.code}`: `{r.expression}`" for r in schema.rules]
    return "\n".join(lines) + "\n"


def write_docs(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for schema in all_schemas().values():
        path = out / f"{schema.name}.md"
        path.write_text(render(schema), encoding="utf-8")
        written.append(path)
    return written
