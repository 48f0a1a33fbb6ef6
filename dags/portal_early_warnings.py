"""Early warnings DAG: who has not updated before 08:00 / 16:00, who is late after.

Parse-time rule (tests/dags/test_dag_integrity.py): no database, no file
system at import; the tasks only wire together compliance/warnings.py.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import MultipleCronTriggerTimetable, dag, task

# 30 minutes before and 5 minutes after each deadline of compliance/warnings.yaml
# (08:00 and 16:00, Điều 7): keep these lines in step with that file.
BEFORE = "30 7,15 * * *"
AFTER = "5 8,16 * * *"
TIMEZONE = "Asia/Ho_Chi_Minh"

DOC_MD = """
### Cảnh báo sớm trước và sau hạn cập nhật (portal_early_warnings)

Quy chế 4168/QĐ-UBND, Điều 7: Sở Y tế và CDC cập nhật tình hình dịch **lúc 08h00 và 16h00**.

* **07:30 và 15:30** – còn 30 phút: liệt kê các đơn vị **chưa gửi** số liệu hợp lệ cho hạn sắp tới.
* **08:05 và 16:05** – đã quá hạn: liệt kê các đơn vị **cập nhật muộn**, **chưa cập nhật** hoặc
  **chỉ có tệp bị từ chối**.

1. **list_units** – hỏi kết quả chấm (`compliance.audit`) tại đúng thời điểm cảnh báo.
2. **notify** – gửi danh sách (tiếng Việt) tới mọi kênh trong `compliance/warnings.yaml`:
   thư điện tử, tệp JSON lines `notifications/early-warnings.jsonl`, webhook. Mỗi kênh nhận
   **một lần** cho mỗi ngày, hạn và loại cảnh báo; kênh lỗi làm task thất bại và lần thử lại
   chỉ gửi cho kênh đó. Không có đơn vị nào cần nhắc thì không gửi gì.

Chạy tay: `portal warnings --slot 08:00 --kind before --date 2021-11-10`.

---

**English.** Runs at 07:30 and 15:30 (30 minutes before the 08:00 and 16:00 deadlines:
units with no accepted file yet) and at 08:05 and 16:05 (units late, missing or with
rejected files only), Asia/Ho_Chi_Minh. `list_units` asks the audit at the warning's
moment; `notify` writes the Vietnamese list to every channel of `compliance/warnings.yaml`
(e-mail, JSON-lines file, webhook) once per day, deadline, kind and channel (ledger),
failing after recording when a channel failed so the retry resends to that channel only.
"""


@dag(
    dag_id="portal_early_warnings",
    schedule=MultipleCronTriggerTimetable(BEFORE, AFTER, timezone=TIMEZONE),
    start_date=datetime(2021, 10, 22),
    catchup=False,
    max_active_runs=1,
    doc_md=DOC_MD,
    tags=["portal", "compliance", "warnings"],
    default_args={"owner": "portal", "retries": 2, "retry_delay": timedelta(minutes=1)},
)
def portal_early_warnings():
    @task
    def list_units() -> list[dict]:
        import logging

        from airflow.sdk import get_current_context

        from compliance import warnings
        from ingest.settings import load_settings

        settings = load_settings()
        config = warnings.load_config()
        # The scheduled 07:30/08:05/...; a manual run with no logical date: its trigger time.
        context = get_current_context()
        moment = context.get("logical_date") or context["dag_run"].run_after
        due = warnings.due_at(moment, config)
        if not due:
            logging.getLogger(__name__).warning("Không có cảnh báo nào theo lịch lúc %s", moment)
        return [warnings.compute(settings, day, slot, kind, config=config).to_dict() for day, slot, kind in due]

    @task
    def notify(found: list[dict]) -> list[dict]:
        from compliance import warnings
        from ingest.settings import load_settings

        settings = load_settings()
        results = [warnings.send(settings, warnings.SlotWarning.from_dict(item)) for item in found]
        failed = {r.warning.key: r.failed for r in results if r.failed}
        if failed:
            raise RuntimeError(f"Không gửi được cảnh báo: {failed}")
        return [{"warning": r.warning.key, "sent": r.sent, "skipped": r.skipped} for r in results]

    notify(list_units())


portal_early_warnings()
