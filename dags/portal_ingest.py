"""Ingest DAG: inbox file -> validated facts in DuckDB -> refreshed dashboards.

Parse-time rule: this file is imported by the dag-processor every few seconds
and by tests. It must not touch a database or the file system; everything
heavy is imported and done inside the tasks.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from airflow.sdk import Asset, AssetWatcher, dag, task

from ingest.settings import load_settings
from ingest.watch import InboxTrigger

log = logging.getLogger(__name__)

# Path arithmetic only (no mkdir, no listing): the watcher needs the folder.
_SETTINGS = load_settings()

# Fired by the triggerer when files land in inbox/<UNIT>/ (already claimed).
INBOX_ASSET = Asset(
    name="portal_inbox",
    watchers=[AssetWatcher(name="portal_inbox_watcher", trigger=InboxTrigger(str(_SETTINGS.inbox)))],
)
# Updated each time the serving DuckDB file is swapped. Later DAGs (reports,
# exports) schedule on Asset("portal_serving_db"); the event's extra carries
# the changed table names.
SERVING_ASSET = Asset(name="portal_serving_db")

DOC_MD = """
### Nạp dữ liệu COVID-19 tỉnh Thanh Hóa (portal_ingest)

**Câu chuyện của một tệp dữ liệu**

1. Đơn vị (CDC, bệnh viện, TTYT huyện...) thả tệp bảng tính vào `inbox/<MÃ_ĐƠN_VỊ>/`.
2. Trong vòng khoảng 1 giây, bộ theo dõi (`InboxTrigger` chạy trong *triggerer*) nhận
   tệp: chuyển sang `spool/`, ghi **thời điểm tiếp nhận của máy chủ**, rồi khởi chạy DAG này.
   Không có lịch chạy định kỳ: DAG chạy theo sự kiện.
3. **process** – kiểm tra (định dạng, mã địa bàn, ngày, số liệu) và nạp vào kho DuckDB.
   Tệp hợp lệ vào `archive/`; tệp lỗi vào `quarantine/` kèm báo cáo lỗi bằng tiếng Việt;
   tệp trùng được ghi nhận là trùng, không nạp lại.
4. **publish** – dựng lại tệp DuckDB phục vụ và thay thế nguyên tử (người xem dashboard
   không bao giờ thấy dữ liệu dở dang). Bỏ qua khi không có dữ liệu mới.
5. **refresh_superset** – làm mới các bảng trên Superset rồi đánh dấu hồ sơ là
   *đã công bố*. Nếu Superset chưa cài hoặc đang tắt, chỉ ghi cảnh báo: dữ liệu đã nạp
   vẫn an toàn và dashboard đọc tệp mới ở truy vấn kế tiếp.
6. **data_docs** – dựng trang Data Docs (Great Expectations) của lượt kiểm tra, chạy song song
   với việc công bố: trang báo cáo dành cho người đọc, không làm chậm số liệu.

Mỗi lần chỉ một lượt chạy (`max_active_runs=1`) để các lượt nạp không giẫm lên nhau.

---

**English.** Agencies drop spreadsheets into `inbox/<UNIT>/`. The `InboxTrigger` watcher
(in the triggerer) claims them within ~1 s — moves them to `spool/` and stamps the
server receipt time — and emits an event on the `portal_inbox` asset, which starts this
DAG (event-driven, no polling schedule). `process` also claims anything left in the inbox
(e.g. dropped while the triggerer was down), then validates and loads every spooled
submission; `publish` atomically swaps the serving DuckDB file and updates the
`portal_serving_db` asset; `refresh_superset` refreshes Superset datasets (only warning
when Superset is absent or unreachable) and marks the loaded submissions as published;
`data_docs` renders the Great Expectations Data Docs of the run beside them, off the
critical path.
"""


@dag(
    dag_id="portal_ingest",
    schedule=[INBOX_ASSET],
    start_date=datetime(2021, 1, 1),
    catchup=False,
    max_active_runs=1,
    doc_md=DOC_MD,
    tags=["portal", "ingest"],
    default_args={"owner": "portal", "retries": 0},
)
def portal_ingest():
    @task
    def process() -> dict:
        from ingest.pipeline import claim_inbox, process_spool
        from ingest.settings import load_settings

        settings = load_settings()
        try:
            # Catch files the watcher did not claim (triggerer down, restart gap).
            extra = claim_inbox(settings)
            if extra:
                log.info("Claimed %d submission(s) left in the inbox: %s", len(extra), extra)
        except Exception:
            # Already-spooled files must still be loaded; the watcher keeps
            # retrying the inbox and logs the same error.
            log.exception("Không nhận được tệp từ inbox; vẫn xử lý các tệp đã nằm trong spool")
        result = process_spool(settings)
        log.info(
            "loaded=%s duplicate=%s rejected=%s datasets=%s",
            result.get("loaded"),
            result.get("duplicate"),
            result.get("rejected"),
            result.get("datasets"),
        )
        return result

    @task(outlets=[SERVING_ASSET])
    def publish(result: dict) -> list[str]:
        from airflow.sdk import get_current_context
        from airflow.sdk.exceptions import AirflowSkipException

        from ingest.pipeline import processed_any
        from ingest.pipeline import publish as publish_serving
        from ingest.settings import load_settings

        settings = load_settings()
        datasets = list(result.get("datasets") or [])
        if not processed_any(result) and settings.serving_path.exists():
            # Nothing changed: skip, so no asset event wakes downstream DAGs
            # and Superset is left alone. (A run that only rejected files still
            # publishes: the data-quality dashboard counts rejections.)
            raise AirflowSkipException("Không có dữ liệu mới cần công bố")
        tables = list(publish_serving(settings, datasets, processed_any(result)))
        get_current_context()["outlet_events"][SERVING_ASSET].extra = {"tables": tables}
        return tables

    @task(retries=2, retry_delay=timedelta(seconds=20))
    def refresh_superset(tables: list[str], result: dict) -> list[str]:
        from ingest.pipeline import mark_published
        from ingest.settings import load_settings

        settings = load_settings()
        from dashboards.refresh import refresh_tables

        refreshed = refresh_tables(settings, tables)
        # The serving file is swapped, so dashboards show the new figures on
        # their next query whether or not Superset's cache was refreshed.
        mark_published(settings, list(result.get("loaded") or []))
        return refreshed

    @task
    def data_docs(result: dict) -> int:
        """Great Expectations Data Docs of this run's validations, rendered after
        the load (pages are for people; figures must not wait for them)."""
        from ingest.pipeline import build_datadocs
        from ingest.settings import load_settings

        return build_datadocs(load_settings())

    result = process()
    refresh_superset(publish(result), result)
    data_docs(result)


portal_ingest()
