"""Every failing corpus file, through the real pipeline: the warehouse is left
exactly as it was, and the original file is kept in quarantine with its report."""
import shutil
from pathlib import Path

import duckdb
import yaml

from ingest import inbox
from ingest.pipeline import run_once

CORPUS = Path(__file__).resolve().parent


def _failing_files():
    content = yaml.safe_load((CORPUS / "content" / "expected.yaml").read_text(encoding="utf-8"))
    for name, spec in content.items():
        # "In the future" is judged against 23/10/2021 in the corpus test; the
        # pipeline judges against the real today, so those files are not errors here.
        if any(_severity(f[0]) == "error" and f[0] != "future-date" for f in spec["findings"]):
            yield CORPUS / "content" / name, spec["unit"]
    files = yaml.safe_load((CORPUS / "file" / "expected.yaml").read_text(encoding="utf-8"))
    for name, findings in files.items():
        if any(_severity(f["code"]) == "error" for f in findings):
            yield CORPUS / "file" / "files" / name, "SYT"


def _severity(code):
    from validation.errors import catalogue

    return catalogue()[code]["severity"]


def _snapshot(settings):
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        tables = [f"{s}.{t}" for s, t in con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE schema_name IN ('staging', 'core')"
        ).fetchall()]
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in tables}
    finally:
        con.close()


def test_corpus_failures_leave_warehouse_unchanged_and_file_in_quarantine(portal_home, sample_file):
    inbox.submit(portal_home, sample_file(), "SYT")
    run_once(portal_home)
    before = _snapshot(portal_home)
    files = list(_failing_files())
    assert len(files) >= 60
    submitted = {}
    for path, unit in files:
        unit_dir = unit if unit != "XYZ" else "XYZ"
        submitted[inbox.submit(portal_home, path, unit_dir)] = path
    result = run_once(portal_home)
    not_rejected = {submitted[s].name: inbox.read_status(portal_home, s)["state"]
                    for s in set(submitted) - set(result["rejected"])}
    assert not_rejected == {}
    assert _snapshot(portal_home) == before
    for sid, path in submitted.items():
        status = inbox.read_status(portal_home, sid)
        kept = Path(status["stored_path"])
        assert kept.parent.parent == portal_home.quarantine
        assert kept.read_bytes() == path.read_bytes()
        assert Path(status["report_path"]).exists()
