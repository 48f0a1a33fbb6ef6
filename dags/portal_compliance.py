"""Compliance DAG: audit every unit's update timeliness, record, publish, refresh.

Parse-time rule (tests/dags/test_dag_integrity.py): no database, no file
system at import; everything heavy is imported and done inside the tasks,
which only wire the steps of compliance/run.py together.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import Asset, CronTriggerTimetable, dag, task

# Five minutes after each epidemic slot (08:00, 16:00) and after the daily
# reports' deadline (17:00), and at 00:05 to close the previous day (its
# freshness at 24:00, the first days' audit of the previous month).
# tests/compliance/test_dag_schedule.py checks these hours against
# compliance/schedules.yaml, so a new deadline cannot go unaudited.
SCHEDULE = "5 0,8,16,17 * * *"
TIMEZONE = "Asia/Ho_Chi_Minh"
# The serving file's asset, as in dags/portal_ingest.py: both DAGs swap it.
SERVING_ASSET = Asset(name="portal_serving_db")

DOC_MD = """
### Kiểm tra tuân thủ lịch cập nhật (portal_compliance)

Quy chế 4168/QĐ-UBND, Điều 7: Sở Y tế và CDC cập nhật tình hình dịch **lúc 08h00 và
16h00** mỗi ngày; các đơn vị khác cập nhật **ngay khi số liệu thay đổi**. DAG này chấm
từng đơn vị theo **thời điểm máy chủ nhận tệp được chấp nhận**, chính xác đến phút.

Lịch chạy: 00:05, 08:05, 16:05 và 17:05 giờ Việt Nam.

1. **audit** – với tháng hiện tại (và tháng trước trong 5 ngày đầu tháng): mỗi hạn cập
   nhật của mỗi đơn vị là *đúng hạn*, *trễ* (số phút), *không cập nhật*, *chỉ có tệp bị
   từ chối* hoặc *chưa đến hạn*; độ mới của các biểu mẫu cập nhật khi có biến động (tệp
   hoặc xác nhận "không thay đổi"). Ghi vào các bảng `compliance.*` và nhật ký
   `audits/` (để `portal rebuild` dựng lại).
2. **publish** – dựng lại tệp DuckDB phục vụ và thay thế nguyên tử.
3. **refresh_superset** – làm mới các bảng của dashboard "Tuân thủ cập nhật"; nếu
   Superset đang tắt chỉ ghi cảnh báo.

Lịch của từng biểu mẫu, ngày nghỉ lễ và thời hạn tài khoản là dữ liệu:
`compliance/schedules.yaml`, `holidays.yaml`, `accounts.yaml` (xem `docs/compliance.md`).

---

**English.** Runs at 00:05, 08:05, 16:05 and 17:05 Asia/Ho_Chi_Minh. `audit` judges every
unit, dataset and deadline of the current month (and of the previous month during
its first five days) on the server receipt time of accepted files: on time, late
(minutes), missing, rejected only, or pending; and the freshness of "on change"
datasets. It records the results in the `compliance` tables and journals the run;
`publish` swaps the serving DuckDB file; `refresh_superset` refreshes the datasets of
the dashboard "Tuân thủ cập nhật" (a warning only when Superset is down).
"""


@dag(
    dag_id="portal_compliance",
    schedule=CronTriggerTimetable(SCHEDULE, timezone=TIMEZONE),
    start_date=datetime(2021, 10, 22),
    catchup=False,
    max_active_runs=1,
    doc_md=DOC_MD,
    tags=["portal", "compliance"],
    default_args={"owner": "portal", "retries": 1, "retry_delay": timedelta(minutes=2)},
)
def portal_compliance():
    @task
    def audit() -> list[dict]:
        from compliance.run import audit_and_record
        from ingest.settings import load_settings

        # The audit's clock is the wall clock when it runs, not the scheduled
        # time: a file received between the two is already on the portal.
        return audit_and_record(load_settings())

    @task(outlets=[SERVING_ASSET])
    def publish(summaries: list[dict]) -> list[str]:
        from airflow.sdk import get_current_context

        from compliance.run import publish as publish_serving
        from ingest.settings import load_settings

        tables = publish_serving(load_settings())
        get_current_context()["outlet_events"][SERVING_ASSET].extra = {"tables": tables}
        return tables

    @task(retries=2, retry_delay=timedelta(seconds=20))
    def refresh_superset(tables: list[str]) -> list[str]:
        from compliance.run import refresh_superset as refresh
        from ingest.settings import load_settings

        return refresh(load_settings(), tables)

    refresh_superset(publish(audit()))


DAG = portal_compliance()
