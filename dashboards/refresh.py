"""After a publish: ask Superset to refresh the datasets of the tables that
changed and drop their cached charts. Used by every DAG that publishes.

The serving file is already swapped when this runs, so dashboards read the
new figures on their next query even if Superset is absent, down or not yet
set up: those cases only log a warning, in Vietnamese, and return []."""
from __future__ import annotations

import json
import logging

log = logging.getLogger(__name__)


def refresh_tables(settings, tables: list[str]) -> list[str]:
    """Refresh ``tables`` in Superset; returns the names it refreshed."""
    import requests

    if not tables:
        return []
    try:
        creds = json.loads(settings.credentials_path.read_text(encoding="utf-8"))
        user, password = creds["superset_admin_user"], creds["superset_admin_password"]
    except FileNotFoundError:
        log.warning("Chưa có %s: bỏ qua làm mới Superset", settings.credentials_path)
        return []
    except (KeyError, ValueError) as exc:
        log.warning("Tệp thông tin đăng nhập Superset không hợp lệ (%s): bỏ qua", exc)
        return []
    from dashboards.superset import SupersetClient

    try:
        client = SupersetClient(settings.superset_url, user, password)
        client.login()
        refreshed = list(client.refresh_datasets(tables))
    except (requests.ConnectionError, requests.Timeout, ConnectionError) as exc:
        log.warning("Không kết nối được Superset tại %s (%s): bỏ qua", settings.superset_url, exc)
        return []
    log.info("Đã làm mới %d bảng trên Superset: %s", len(refreshed), refreshed)
    return refreshed
