"""Monthly report DAG: on the 1st, the previous month's report to the Steering Committee.

Parse-time rule (tests/dags/test_dag_integrity.py): no database, no file
system at import; the tasks import what they need and only wire together
the steps of compliance/report and compliance/delivery.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import CronTriggerTimetable, dag, task

# 07:00 on the 1st, Viet Nam time: the previous month is closed, and the
# portal_compliance run of 00:05 has closed its last day.
SCHEDULE = "0 7 1 * *"
TIMEZONE = "Asia/Ho_Chi_Minh"

DOC_MD = """
### Báo cáo tháng gửi Ban Chỉ đạo tỉnh (portal_monthly_report)

Quy chế 4168/QĐ-UBND, **Điều 19**: định kỳ hằng tháng, Sở Y tế tổng hợp, báo cáo Ban Chỉ
đạo tỉnh, UBND tỉnh, Chủ tịch UBND tỉnh. DAG chạy **07:00 ngày 1 hằng tháng** (giờ Việt Nam)
cho tháng trước:

1. **audit** – chấm tháng trước và tháng liền trước nó (để so sánh) theo thời điểm máy chủ
   nhận tệp, tính đến giờ chạy của lượt này (chạy lại cho cùng kết quả).
2. **render** – lập báo cáo theo thể thức văn bản hành chính (Nghị định 30/2020/NĐ-CP):
   PDF, phụ lục Excel (mọi lần cập nhật muộn, không cập nhật) và bản Word để Sở chỉnh sửa
   trước khi ký; lưu vào `reports/<YYYY-MM>/`.
3. **deliver** – gửi thư điện tử kèm ba tệp cho danh sách `monthly_report` trong
   `compliance/recipients.yaml`. Mỗi người nhận chỉ nhận một lần cùng một báo cáo (sổ
   `reports/delivery-ledger.jsonl`); lỗi gửi làm task thất bại, lần thử lại chỉ gửi cho
   người chưa nhận.

Báo cáo đột xuất: `portal report --from 2021-11-01 --to 2021-11-15 --send`.

---

**English.** Runs at 07:00 on the 1st of each month (Asia/Ho_Chi_Minh) for the previous
month. `audit` judges that month and the one before it (for the comparison) as seen at
the run's start; `render` writes the PDF (Decree 30/2020 layout), the .xlsx annex and an
editable .docx into `reports/<YYYY-MM>/`; `deliver` e-mails them to the `monthly_report`
list, once per recipient and report (ledger), failing the task — after recording — when a
recipient could not be reached, so the retry sends only to those.
"""


@dag(
    dag_id="portal_monthly_report",
    schedule=CronTriggerTimetable(SCHEDULE, timezone=TIMEZONE),
    start_date=datetime(2021, 11, 1),
    catchup=False,
    max_active_runs=1,
    doc_md=DOC_MD,
    tags=["portal", "compliance", "report"],
    default_args={"owner": "portal", "retries": 2, "retry_delay": timedelta(minutes=10)},
)
def portal_monthly_report():
    @task
    def audit() -> str:
        from airflow.sdk import get_current_context

        from compliance.report import audit_periods, save_model, scheduled
        from compliance.report.content import build_report
        from ingest.settings import load_settings

        settings = load_settings()
        # The scheduled 07:00 of the 1st; a manual run with no logical date: its trigger time.
        context = get_current_context()
        start, end, as_of = scheduled(context.get("logical_date") or context["dag_run"].run_after)
        current, previous = audit_periods(settings.warehouse_path, start, end, as_of)
        return str(save_model(settings, build_report(current, previous)))

    @task
    def render(model: str) -> str:
        from compliance.delivery import record_folder
        from compliance.report import load_model, reports_root, write_report
        from ingest.settings import load_settings

        settings = load_settings()
        report = load_model(model)
        produced = write_report(report, reports_root(settings) / report.period.key)
        record_folder(settings, produced)
        return str(produced.folder)

    @task
    def deliver(folder: str) -> dict:
        from compliance.delivery import deliver as send
        from compliance.report import load_produced
        from ingest.settings import load_settings

        result = send(load_settings(), load_produced(folder))
        if not result.ok:
            # Recorded in the ledger already; failing makes the miss visible,
            # and the retry sends only to the recipients who did not get it.
            raise RuntimeError(result.summary())
        return {"sent": result.sent, "skipped": result.skipped}

    deliver(render(audit()))


portal_monthly_report()
