"""Where the portal keeps its state, and how its parts find each other.

Every path derives from one root, ``PORTAL_HOME`` (default: ``<repo>/var``), so a
test or a benchmark can run a whole isolated portal in a temporary folder.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
TIMEZONE = "Asia/Ho_Chi_Minh"


@dataclass(frozen=True)
class Settings:
    home: Path
    superset_url: str
    airflow_url: str

    # --- file areas -------------------------------------------------------
    @property
    def inbox(self) -> Path:
        """Agencies drop files into inbox/<UNIT>/."""
        return self.home / "inbox"

    @property
    def spool(self) -> Path:
        """Claimed files waiting for validation: spool/<submission_id>/<file>."""
        return self.home / "spool"

    @property
    def archive(self) -> Path:
        """Accepted files, kept forever: the source of truth."""
        return self.home / "archive"

    @property
    def quarantine(self) -> Path:
        """Rejected files with their Vietnamese report beside them."""
        return self.home / "quarantine"

    @property
    def outbox(self) -> Path:
        """What each agency gets back: report, summary, annotated workbook."""
        return self.home / "outbox"

    @property
    def datadocs(self) -> Path:
        """Great Expectations Data Docs, readable offline."""
        return self.home / "datadocs"

    @property
    def submissions(self) -> Path:
        """One JSON status journal per submission id (readable without any lock)."""
        return self.home / "submissions"

    # --- databases --------------------------------------------------------
    @property
    def warehouse_path(self) -> Path:
        """Read-write DuckDB file; only the pipeline ever opens it."""
        return self.home / "warehouse" / "warehouse.duckdb"

    @property
    def serving_path(self) -> Path:
        """Read-only DuckDB file that Superset queries; replaced atomically on publish."""
        return self.home / "serving" / "portal.duckdb"

    @property
    def credentials_path(self) -> Path:
        return self.home / "credentials.json"

    @property
    def airflow_home(self) -> Path:
        return self.home / "airflow"

    @property
    def superset_home(self) -> Path:
        return self.home / "superset"

    @property
    def logs(self) -> Path:
        return self.home / "logs"


def load_settings() -> Settings:
    home = Path(os.environ.get("PORTAL_HOME", REPO_ROOT / "var")).resolve()
    return Settings(
        home=home,
        superset_url=os.environ.get("PORTAL_SUPERSET_URL", "http://127.0.0.1:8088"),
        airflow_url=os.environ.get("PORTAL_AIRFLOW_URL", "http://127.0.0.1:8080"),
    )
