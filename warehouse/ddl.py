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


def _table_sql(con, qualified: str, new_name: str) -> list[str]:
    """CREATE TABLE for `qualified` as the catalogue has it (types, NOT NULL,
    comments), under another name and without its primary key."""
    schema_name, table = qualified.split(".")
    columns = con.execute("SELECT column_name, data_type, is_nullable, comment FROM duckdb_columns() "
                          "WHERE schema_name = ? AND table_name = ? ORDER BY column_index",
                          [schema_name, table]).fetchall()
    lines = [f"    {name:<22} {kind}{'' if nullable else ' NOT NULL'}" for name, kind, nullable, _ in columns]
    return [f"CREATE TABLE {schema_name}.{new_name} (", ",\n".join(lines), ");"]


def _comments(con, qualified: str, kind: str) -> list[str]:
    schema_name, table = qualified.split(".")
    comment = con.execute("SELECT comment FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?",
                          [schema_name, table]).fetchone()[0]
    out = [f"COMMENT ON {kind} {qualified} IS '{_comment(comment)}';"]
    for name, text in con.execute("SELECT column_name, comment FROM duckdb_columns() WHERE schema_name = ? "
                                  "AND table_name = ? ORDER BY column_index", [schema_name, table]).fetchall():
        out.append(f"COMMENT ON COLUMN {qualified}.{name} IS '{_comment(text)}';")
    return out


def row_key_migration(con, schemas: list[DatasetSchema], fact_table) -> str:
    """SQL that rebuilds every fact table without its (submission_id,
    source_row) primary key and turns every staging table into a view over its
    fact table (wrote migration 009 from a warehouse migrated to 008)."""
    out = []
    for schema in schemas:
        fact, staging = fact_table(schema.name), f"staging.{schema.name}"
        fact_name = fact.split(".")[1]
        staging_columns = [c for (c,) in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'staging' AND table_name = ? "
            "ORDER BY column_index", [schema.name]).fetchall()]
        fact_columns = {c for (c,) in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'core' AND table_name = ?",
            [fact_name]).fetchall()}
        if not set(staging_columns) <= fact_columns:
            continue      # the fact table cannot stand in for staging (001's lacks source_row)
        staging_comments = _comments(con, staging, "VIEW")
        staging_comments[0] = (f"COMMENT ON VIEW {staging} IS 'Dòng đã kiểm tra của biểu mẫu "
                               f"\"{_comment(schema.title)}\", mỗi dòng đúng như tệp đã nộp (lấy từ {fact}, "
                               f"không kể phiên bản). Hạt: lần nộp × dòng Excel.';")
        out += [f"-- {schema.title}",
                *_table_sql(con, fact, f"{fact_name}__009"),
                f"INSERT INTO core.{fact_name}__009 SELECT * FROM {fact};",
                f"DROP TABLE {fact};",
                f"ALTER TABLE core.{fact_name}__009 RENAME TO {fact_name};",
                *_comments(con, fact, "TABLE"),
                f"DROP TABLE {staging};",
                f"CREATE VIEW {staging} AS SELECT {', '.join(staging_columns)} FROM {fact};",
                *staging_comments,
                ""]
    return "\n".join(out)
