"""DDL for a dataset's staging and core tables, derived from its schema file.

Used once to write a migration (migrations are committed SQL, never generated
at run time), and by a test that checks every migration-built table still has
a column for every schema field.
"""
from __future__ import annotations

from ingest.schema import DatasetSchema

SQL_TYPES = {"date": "DATE", "slot": "VARCHAR", "integer": "BIGINT", "decimal": "DOUBLE",
             "string": "VARCHAR", "url": "VARCHAR", "area_code": "VARCHAR", "area_name": "VARCHAR"}


def _comment(text: str) -> str:
    return text.replace("'", "''")


def dataset_ddl(schema: DatasetSchema) -> str:
    columns = [f"    {f.name:<22} {SQL_TYPES[f.type]}{'' if not f.required else ' NOT NULL'}"
               for f in schema.fields]
    grain = ", ".join(schema.grain)
    comments = [f"COMMENT ON COLUMN {{table}}.{f.name} IS '{_comment(f.title + ': ' + f.description)}';"
                for f in schema.fields]
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
        *[c.format(table=core) for c in comments],
        "",
    ])


def migration(schemas: list[DatasetSchema], title: str) -> str:
    return f"-- {title}\n-- Written by warehouse/ddl.py from ingest/schemas/*.yaml, then committed.\n\n" + \
        "\n".join(dataset_ddl(s) for s in schemas)
