"""Every DAG file imports cleanly, and importing it does no I/O.

The dag-processor re-imports dags/ every few seconds; a DAG file that opens a
database or writes a file at import time would do so forever, and one with an
import error silently stops the pipeline. Both are checked with Airflow's own
DagBag, in a subprocess so AIRFLOW_HOME / PORTAL_HOME point at temp folders.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DAGS = REPO / "dags"
DAG_FILES = sorted(p for p in DAGS.glob("*.py") if not p.name.startswith("_"))

# Runs in a child interpreter. An audit hook (permanent once added, hence the
# subprocess) records, while DagBag parses, every write-mode open, file
# creation/removal, database or socket connection, subprocess, and any
# access at all under PORTAL_HOME.
PROBE = textwrap.dedent(
    r"""
    import json, os, sys
    from airflow.dag_processing.dagbag import DagBag

    home = os.environ["PORTAL_HOME"]
    seen, active = [], [False]
    MUTATING = {"os.mkdir", "os.rename", "os.replace", "os.remove", "os.rmdir", "os.truncate",
                "shutil.move", "shutil.copyfile", "shutil.rmtree", "sqlite3.connect",
                "socket.connect", "subprocess.Popen", "os.system", "os.chmod", "os.symlink"}
    WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC

    def hook(event, args):
        if not active[0]:
            return
        if event == "open":
            path, mode, flags = args
            if isinstance(path, int):
                return
            writes = (mode and any(c in mode for c in "wax+")) or (flags and flags & WRITE_FLAGS)
            if writes or str(path).startswith(home):
                seen.append([event, str(path), str(mode)])
        elif event in MUTATING:
            seen.append([event] + [str(a) for a in args])
        elif event in ("os.scandir", "os.listdir", "os.stat") and args and str(args[0]).startswith(home):
            seen.append([event, str(args[0])])

    sys.addaudithook(hook)
    active[0] = True
    bag = DagBag(dag_folder=sys.argv[1])
    active[0] = False

    dags = {}
    from airflow.serialization.serialized_objects import DagSerialization
    for dag_id, dag in bag.dags.items():
        DagSerialization.to_dict(dag)  # what the dag-processor stores must serialize
        dags[dag_id] = {"fileloc": dag.fileloc, "max_active_runs": dag.max_active_runs,
                        "catchup": dag.catchup, "timetable": type(dag.timetable).__name__,
                        "tasks": sorted(dag.task_ids), "doc_md": dag.doc_md or ""}
    print("RESULT " + json.dumps({"import_errors": {str(k): v for k, v in bag.import_errors.items()},
                                  "dags": dags, "io": seen}))
    """
)


def _parse(tmp_path: Path, folder: Path) -> dict:
    portal_home = tmp_path / "portal-home-that-must-not-exist"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env.update(
        PORTAL_HOME=str(portal_home),
        AIRFLOW_HOME=str(tmp_path / "airflow"),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__CORE__UNIT_TEST_MODE="True",
        PYTHONPATH=os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        PATH=os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]),
    )
    probe = tmp_path / "probe.py"
    probe.write_text(PROBE, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, str(probe), str(folder)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    assert proc.returncode == 0 and lines, f"DagBag probe failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    result = json.loads(lines[-1][len("RESULT ") :])
    result["portal_home_created"] = portal_home.exists()
    return result


@pytest.fixture(scope="module")
def parsed(tmp_path_factory) -> dict:
    return _parse(tmp_path_factory.mktemp("dagbag"), DAGS)


def test_there_are_dag_files():
    assert DAG_FILES, "dags/ has no DAG file"


def test_no_import_errors(parsed):
    assert parsed["import_errors"] == {}


def test_every_dag_file_defines_a_dag(parsed):
    files_with_dags = {Path(d["fileloc"]).name for d in parsed["dags"].values()}
    assert {p.name for p in DAG_FILES} <= files_with_dags


def test_parsing_does_no_io(parsed):
    assert parsed["io"] == [], "DAG files must not do I/O at import time"
    assert not parsed["portal_home_created"], "parsing created PORTAL_HOME"


def test_ingest_dag_shape(parsed):
    dag = parsed["dags"]["portal_ingest"]
    assert dag["tasks"] == ["data_docs", "process", "publish", "refresh_superset"]
    assert dag["max_active_runs"] == 1
    assert dag["catchup"] is False
    # Event-driven: scheduled on an asset (the inbox watcher), never on a clock.
    assert dag["timetable"] == "AssetTriggeredTimetable"
    assert "Thanh Hóa" in dag["doc_md"] and "inbox" in dag["doc_md"]


def test_inbox_trigger_round_trips():
    """The triggerer rebuilds the trigger from serialize(); it must be equal."""
    from ingest.watch import InboxTrigger

    trigger = InboxTrigger("/x/inbox", poke_interval=0.5)
    classpath, kwargs = trigger.serialize()
    assert classpath == "ingest.watch.InboxTrigger"
    assert InboxTrigger(**kwargs).serialize() == (classpath, kwargs)


def test_probe_catches_parse_time_io(tmp_path):
    """Guard the guard: a DAG file that creates folders at import is caught."""
    folder = tmp_path / "bad_dags"
    folder.mkdir()
    (folder / "bad.py").write_text(
        textwrap.dedent(
            """
            from airflow.sdk import dag
            from ingest.settings import load_settings

            load_settings().inbox.mkdir(parents=True, exist_ok=True)

            @dag(schedule=None)
            def bad():
                pass

            bad()
            """
        ),
        encoding="utf-8",
    )
    result = _parse(tmp_path, folder)
    assert result["portal_home_created"]
    assert any(event[0] == "os.mkdir" for event in result["io"])
