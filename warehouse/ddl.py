"""DDL for a dataset's staging and core tables, derived from its schema file.

Used once to write a migration (migrations are committed SQL, never generated
at run time), and by a test that checks every migration-built table still has
a column for every schema field. Every column gets a comment: the schema
field's title and description, or the lineage text below.
"""
from __future__ import annotations

from ingest.schema import DatasetSchema

SQL_TYPES = {"date": "DATE", "slot": "VARCHAR", "integer": "BIGINT", "decimal": "DOUBLE",
             "string": "VARCHAR", "url": "VARCHAR", "area_code": "VARCHAR", "area_name": "VARCHAR"}


# Lineage and history columns every staging/core table carries, whatever the dataset.
LINEAGE_COMMENTS = {
    "submission_id": "Mã lần nộp (raw.submission) của tệp đã cung cấp dòng này.",
    "source_row": "Số dòng Excel của dòng này trong tệp đã nộp.",
    "unit_code": "Mã đơn vị đã nộp tệp (core.dim_unit).",
    "file_sha256": "Mã băm SHA-256 của tệp đã nộp; tệp gốc được lưu nguyên vẹn trong archive/.",
    "received_at": "Thời điểm máy chủ nhận tệp (lấy từ nhật ký lần nộp).",
    "valid_from": "Phiên bản có hiệu lực từ thời điểm này (= thời điểm nhận tệp đã cung cấp nó).",
    "valid_to": "Phiên bản hết hiệu lực từ thời điểm này (thời điểm nhận tệp thay thế nó); "
                "trống = đang có hiệu lực.",
}


def _comment(text: str) -> str:
    return text.replace("'", "''")


def field_comment(schema: DatasetSchema, column: str) -> str | None:
    """The comment a staging/core column of this dataset should carry."""
    if column in LINEAGE_COMMENTS:
        return LINEAGE_COMMENTS[column]
    if column in schema.field_names:
        f = schema.field(column)
        return f"{f.title}: {f.description}" if f.description else f.title
    return None


def missing_comments(con, schemas: list[DatasetSchema], fact_table) -> str:
    """COMMENT statements for the dataset columns of `con` that have none yet
    (wrote migration 006 for the tables migrations 001-002 created)."""
    statements = []
    for schema in schemas:
        for qualified in (f"staging.{schema.name}", fact_table(schema.name)):
            schema_name, table = qualified.split(".")
            for (column,) in con.execute(
                    "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? "
                    "AND comment IS NULL ORDER BY column_index", [schema_name, table]).fetchall():
                text = field_comment(schema, column)
                if text is not None:
                    statements.append(f"COMMENT ON COLUMN {qualified}.{column} IS '{_comment(text)}';")
    return "\n".join(statements)


def dataset_ddl(schema: DatasetSchema) -> str:
    columns = [f"    {f.name:<22} {SQL_TYPES[f.type]}{'' if not f.required else ' NOT NULL'}"
               for f in schema.fields]
    grain = ", ".join(schema.grain)
    comments = [f"COMMENT ON COLUMN {{table}}.{f.name} IS '{_comment(f.title + ': ' + f.description)}';"
                for f in schema.fields]
    lineage = {c: f"COMMENT ON COLUMN {{table}}.{c} IS '{_comment(text)}';" for c, text in LINEAGE_COMMENTS.items()}
    staging = f"staging.{schema.name}"
    core = f"core.fact_{schema.name}"
    return "\n".join([
        f"-- {schema.title}: grain of a file row = ({grain}).",
        f"CREATE TABLE {staging} (",
        "    submission_id          VARCHAR NOT NULL,",
        "    source_row             INTEGER NOT NULL,",
        ",\n".join(columns) + ",",
        "    PRIMARY KEY (submission_id, source_row)",
        ");",
        f"COMMENT ON TABLE {staging} IS 'Dòng đã kiểm tra của biểu mẫu \"{_comment(schema.title)}\". "
        f"Hạt: lần nộp × dòng Excel.';",
        *[lineage[c].format(table=staging) for c in ("submission_id", "source_row")],
        *[c.format(table=staging) for c in comments],
        "",
        f"CREATE TABLE {core} (",
        "    submission_id          VARCHAR NOT NULL,",
        "    unit_code              VARCHAR NOT NULL,",
        "    file_sha256            VARCHAR NOT NULL,",
        "    received_at            TIMESTAMPTZ NOT NULL,",
        "    source_row             INTEGER NOT NULL,",
        ",\n".join(columns) + ",",
        "    valid_from             TIMESTAMPTZ NOT NULL,",
        "    valid_to               TIMESTAMPTZ,",
        "    PRIMARY KEY (submission_id, source_row)",
        ");",
        f"COMMENT ON TABLE {core} IS '{_comment(schema.title)}, có lịch sử phiên bản "
        f"(valid_from/valid_to). Hạt: đơn vị × ({grain}) × phiên bản.';",
        *[lineage[c].format(table=core) for c in ("submission_id", "unit_code", "file_sha256",
                                                   "received_at", "source_row", "valid_from", "valid_to")],
        *[c.format(table=core) for c in comments],
        "",
    ])


def migration(schemas: list[DatasetSchema], title: str) -> str:
    return f"-- {title}\n-- Written by warehouse/ddl.py from ingest/schemas/*.yaml, then committed.\n\n" + \
        "\n".join(dataset_ddl(s) for s in schemas)
