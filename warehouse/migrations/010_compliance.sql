-- 010: compliance with the update schedule (Quy chế 4168, Điều 7 and 11–17).
--
-- raw.confirmation records a unit's "no change" confirmation of an "on change"
-- dataset (compliance/confirm.py; journalled under PORTAL_HOME/confirmations/
-- and replayed by `portal rebuild`). The `compliance` tables hold what the
-- audit (compliance/audit.py) judged: record_audit replaces a window's rows,
-- so each day's rows come from the latest audit that covered it (run_id).
-- The marts below are what the dashboard "Tuân thủ cập nhật" reads; they
-- depend only on stored rows (no now()), so a rebuilt or as-of warehouse
-- gives the same answer.

CREATE SCHEMA IF NOT EXISTS compliance;

-- Grain: one row per "no change" confirmation.
CREATE TABLE raw.confirmation (
    confirmation_id  VARCHAR PRIMARY KEY,
    unit_code        VARCHAR NOT NULL,
    dataset          VARCHAR NOT NULL,
    confirmed_at     TIMESTAMPTZ NOT NULL,
    note             VARCHAR NOT NULL
);
COMMENT ON TABLE raw.confirmation IS 'Xác nhận "không có thay đổi" của đơn vị cho một biểu mẫu cập nhật khi có biến động: được tính là một lần cập nhật (không có số liệu mới). Hạt: một dòng cho mỗi lần xác nhận.';
COMMENT ON COLUMN raw.confirmation.confirmation_id IS 'Mã lần xác nhận do máy chủ cấp (C + thời điểm nhận UTC + chuỗi ngẫu nhiên); cũng là tên tệp nhật ký confirmations/<mã>.json.';
COMMENT ON COLUMN raw.confirmation.unit_code IS 'Đơn vị xác nhận (core.dim_unit).';
COMMENT ON COLUMN raw.confirmation.dataset IS 'Biểu mẫu được xác nhận không thay đổi (ingest/schemas).';
COMMENT ON COLUMN raw.confirmation.confirmed_at IS 'Thời điểm máy chủ nhận lời xác nhận; là mốc "lần cập nhật gần nhất" khi tính độ mới.';
COMMENT ON COLUMN raw.confirmation.note IS 'Ghi chú của đơn vị (có thể để trống).';

-- Grain: one row per audit run.
CREATE TABLE compliance.audit_run (
    run_id            VARCHAR PRIMARY KEY,
    window_start      DATE NOT NULL,
    window_end        DATE NOT NULL,
    as_of             TIMESTAMPTZ NOT NULL,
    ran_at            TIMESTAMPTZ NOT NULL,
    config_sha256     VARCHAR NOT NULL,
    expectations      BIGINT NOT NULL,
    on_time           BIGINT NOT NULL,
    late              BIGINT NOT NULL,
    missing           BIGINT NOT NULL,
    rejected_only     BIGINT NOT NULL,
    pending           BIGINT NOT NULL,
    freshness_checks  BIGINT NOT NULL,
    not_fresh         BIGINT NOT NULL,
    attempts          BIGINT NOT NULL
);
COMMENT ON TABLE compliance.audit_run IS 'Nhật ký các lần kiểm tra tuân thủ lịch cập nhật (compliance/audit.py): khoảng ngày, mốc thời gian và số kết quả. Hạt: một dòng cho mỗi lần kiểm tra được ghi.';
COMMENT ON COLUMN compliance.audit_run.run_id IS 'Mã lần kiểm tra (A + thời điểm chạy UTC + chuỗi ngẫu nhiên).';
COMMENT ON COLUMN compliance.audit_run.window_start IS 'Ngày đầu của khoảng được kiểm tra.';
COMMENT ON COLUMN compliance.audit_run.window_end IS 'Ngày cuối của khoảng được kiểm tra (tính cả ngày này).';
COMMENT ON COLUMN compliance.audit_run.as_of IS 'Mốc thời gian của lần kiểm tra: tệp nhận sau mốc này không được tính, hạn sau mốc này là "chưa đến hạn".';
COMMENT ON COLUMN compliance.audit_run.ran_at IS 'Thời điểm lần kiểm tra được chạy và ghi vào kho.';
COMMENT ON COLUMN compliance.audit_run.config_sha256 IS 'Mã băm SHA-256 của cấu hình lịch (schedules.yaml, holidays.yaml, accounts.yaml) đã dùng.';
COMMENT ON COLUMN compliance.audit_run.expectations IS 'Số hạn cập nhật trong khoảng (mọi trạng thái).';
COMMENT ON COLUMN compliance.audit_run.on_time IS 'Số hạn được đáp ứng đúng hạn.';
COMMENT ON COLUMN compliance.audit_run.late IS 'Số hạn được đáp ứng trễ.';
COMMENT ON COLUMN compliance.audit_run.missing IS 'Số hạn đã qua mà không có tệp nào.';
COMMENT ON COLUMN compliance.audit_run.rejected_only IS 'Số hạn đã qua mà chỉ có tệp bị từ chối.';
COMMENT ON COLUMN compliance.audit_run.pending IS 'Số hạn chưa đến.';
COMMENT ON COLUMN compliance.audit_run.freshness_checks IS 'Số lần đo độ mới (đơn vị × biểu mẫu cập nhật khi có biến động × ngày).';
COMMENT ON COLUMN compliance.audit_run.not_fresh IS 'Số lần đo độ mới cho kết quả quá hạn hoặc chưa từng cập nhật.';
COMMENT ON COLUMN compliance.audit_run.attempts IS 'Số tệp bị từ chối (lần nộp không thành) trong khoảng.';

-- Grain: one row per (unit_code, dataset, due_at): one submission a unit owed.
CREATE TABLE compliance.expectation (
    unit_code          VARCHAR NOT NULL,
    unit_name          VARCHAR NOT NULL,
    unit_type          VARCHAR NOT NULL,
    district_code      VARCHAR,
    dataset            VARCHAR NOT NULL,
    dataset_title      VARCHAR NOT NULL,
    kind               VARCHAR NOT NULL,
    period_date        DATE NOT NULL,
    slot               VARCHAR,
    due_at             TIMESTAMPTZ NOT NULL,
    status             VARCHAR NOT NULL,
    first_accepted_at  TIMESTAMPTZ,
    minutes_late       INTEGER,
    accepted_files     INTEGER NOT NULL,
    corrections        INTEGER NOT NULL,
    late_corrections   INTEGER NOT NULL,
    rejected_files     INTEGER NOT NULL,
    warnings           INTEGER NOT NULL,
    run_id             VARCHAR NOT NULL,
    PRIMARY KEY (unit_code, dataset, due_at)
);
COMMENT ON TABLE compliance.expectation IS 'Mỗi lần cập nhật một đơn vị phải thực hiện theo lịch (khung giờ 08h00/16h00 hoặc định kỳ) và kết quả: đúng hạn, trễ (số phút), không cập nhật, chỉ có tệp bị từ chối, chưa đến hạn. Tính theo thời điểm máy chủ nhận tệp được chấp nhận đầu tiên. Hạt: đơn vị × biểu mẫu × hạn cập nhật.';
COMMENT ON COLUMN compliance.expectation.unit_code IS 'Mã đơn vị phải cập nhật (core.dim_unit).';
COMMENT ON COLUMN compliance.expectation.unit_name IS 'Tên đơn vị tại thời điểm kiểm tra.';
COMMENT ON COLUMN compliance.expectation.unit_type IS 'Loại đơn vị (SYT, CDC, BCHQS, CA, SCT, SLDTBXH, STTTT, UBND, TTYT).';
COMMENT ON COLUMN compliance.expectation.district_code IS 'Mã huyện của đơn vị cấp huyện; trống với đơn vị cấp tỉnh.';
COMMENT ON COLUMN compliance.expectation.dataset IS 'Biểu mẫu (ingest/schemas).';
COMMENT ON COLUMN compliance.expectation.dataset_title IS 'Tên biểu mẫu tiếng Việt.';
COMMENT ON COLUMN compliance.expectation.kind IS 'Loại lịch: slots (khung giờ trong ngày) hoặc periodic (hằng ngày, hằng tuần).';
COMMENT ON COLUMN compliance.expectation.period_date IS 'Ngày báo cáo mà lần cập nhật này phải nói về (với báo cáo tuần: Thứ Hai đầu tuần).';
COMMENT ON COLUMN compliance.expectation.slot IS 'Khung giờ (08:00 hoặc 16:00) với lịch theo khung giờ; trống với lịch định kỳ.';
COMMENT ON COLUMN compliance.expectation.due_at IS 'Hạn cập nhật (compliance/schedules.yaml).';
COMMENT ON COLUMN compliance.expectation.status IS 'Kết quả: on_time (đúng hạn), late (trễ), missing (không cập nhật), rejected_only (chỉ có tệp bị từ chối), pending (chưa đến hạn).';
COMMENT ON COLUMN compliance.expectation.first_accepted_at IS 'Thời điểm máy chủ nhận tệp được chấp nhận đầu tiên cho kỳ này; quyết định đúng hạn hay trễ.';
COMMENT ON COLUMN compliance.expectation.minutes_late IS 'Số phút trễ, làm tròn lên (08:00:01 là trễ 1 phút); chỉ có khi trễ.';
COMMENT ON COLUMN compliance.expectation.accepted_files IS 'Số tệp được chấp nhận cho kỳ này (tệp đầu tiên và các bản đính chính).';
COMMENT ON COLUMN compliance.expectation.corrections IS 'Số bản đính chính (tệp được chấp nhận sau tệp đầu tiên).';
COMMENT ON COLUMN compliance.expectation.late_corrections IS 'Số bản đính chính nhận sau hạn (tính trễ cho bản đính chính, không đổi trạng thái của tệp đầu tiên).';
COMMENT ON COLUMN compliance.expectation.rejected_files IS 'Số tệp bị từ chối được gán cho hạn này (quy tắc gán trong docs/compliance.md).';
COMMENT ON COLUMN compliance.expectation.warnings IS 'Số cảnh báo chất lượng dữ liệu trên các tệp được chấp nhận của kỳ này.';
COMMENT ON COLUMN compliance.expectation.run_id IS 'Lần kiểm tra đã ghi dòng này (compliance.audit_run).';

-- Grain: one row per (unit_code, dataset, check_date): the freshness of an
-- "on change" dataset at the close of each day (at as_of for the day in progress).
CREATE TABLE compliance.freshness (
    unit_code         VARCHAR NOT NULL,
    unit_name         VARCHAR NOT NULL,
    unit_type         VARCHAR NOT NULL,
    district_code     VARCHAR,
    dataset           VARCHAR NOT NULL,
    dataset_title     VARCHAR NOT NULL,
    check_date        DATE NOT NULL,
    as_of             TIMESTAMPTZ NOT NULL,
    last_update_at    TIMESTAMPTZ,
    last_update_kind  VARCHAR,
    max_age_hours     DOUBLE NOT NULL,
    age_hours         DOUBLE,
    status            VARCHAR NOT NULL,
    run_id            VARCHAR NOT NULL,
    PRIMARY KEY (unit_code, dataset, check_date)
);
COMMENT ON TABLE compliance.freshness IS 'Độ mới của biểu mẫu cập nhật khi có biến động: tuổi của lần cập nhật gần nhất (tệp hoặc xác nhận không thay đổi) so với tuổi tối đa, đo vào cuối mỗi ngày. Hạt: đơn vị × biểu mẫu × ngày.';
COMMENT ON COLUMN compliance.freshness.unit_code IS 'Mã đơn vị (core.dim_unit).';
COMMENT ON COLUMN compliance.freshness.unit_name IS 'Tên đơn vị tại thời điểm kiểm tra.';
COMMENT ON COLUMN compliance.freshness.unit_type IS 'Loại đơn vị.';
COMMENT ON COLUMN compliance.freshness.district_code IS 'Mã huyện của đơn vị cấp huyện; trống với đơn vị cấp tỉnh.';
COMMENT ON COLUMN compliance.freshness.dataset IS 'Biểu mẫu cập nhật khi có biến động.';
COMMENT ON COLUMN compliance.freshness.dataset_title IS 'Tên biểu mẫu tiếng Việt.';
COMMENT ON COLUMN compliance.freshness.check_date IS 'Ngày được đo.';
COMMENT ON COLUMN compliance.freshness.as_of IS 'Thời điểm đo: 24h00 của ngày, hoặc mốc của lần kiểm tra với ngày đang diễn ra.';
COMMENT ON COLUMN compliance.freshness.last_update_at IS 'Lần cập nhật gần nhất trước thời điểm đo (tệp được chấp nhận hoặc xác nhận không thay đổi).';
COMMENT ON COLUMN compliance.freshness.last_update_kind IS 'Loại cập nhật gần nhất: file (tệp số liệu) hoặc confirmation (xác nhận không thay đổi).';
COMMENT ON COLUMN compliance.freshness.max_age_hours IS 'Tuổi tối đa cho phép, giờ (compliance/schedules.yaml).';
COMMENT ON COLUMN compliance.freshness.age_hours IS 'Tuổi của lần cập nhật gần nhất tại thời điểm đo, giờ; trống nếu chưa từng cập nhật.';
COMMENT ON COLUMN compliance.freshness.status IS 'fresh (còn mới), stale (quá tuổi tối đa), never (chưa từng cập nhật).';
COMMENT ON COLUMN compliance.freshness.run_id IS 'Lần kiểm tra đã ghi dòng này (compliance.audit_run).';

-- Grain: one row per rejected submission (an attempt, never an update).
CREATE TABLE compliance.attempt (
    submission_id  VARCHAR PRIMARY KEY,
    unit_code      VARCHAR NOT NULL,
    dataset        VARCHAR,
    received_at    TIMESTAMPTZ NOT NULL,
    error_count    INTEGER NOT NULL,
    period_date    DATE,
    slot           VARCHAR,
    due_at         TIMESTAMPTZ,
    audit_date     DATE NOT NULL,
    run_id         VARCHAR NOT NULL
);
COMMENT ON TABLE compliance.attempt IS 'Tệp bị từ chối, ghi nhận là một lần nộp không thành và gán cho hạn cập nhật gần nhất còn chưa đáp ứng (không bao giờ tính là đã cập nhật). Hạt: một dòng cho mỗi tệp bị từ chối.';
COMMENT ON COLUMN compliance.attempt.submission_id IS 'Mã lần nộp (raw.submission).';
COMMENT ON COLUMN compliance.attempt.unit_code IS 'Đơn vị đã nộp.';
COMMENT ON COLUMN compliance.attempt.dataset IS 'Biểu mẫu của tệp; trống nếu không nhận ra được.';
COMMENT ON COLUMN compliance.attempt.received_at IS 'Thời điểm máy chủ nhận tệp.';
COMMENT ON COLUMN compliance.attempt.error_count IS 'Số lỗi làm tệp bị từ chối.';
COMMENT ON COLUMN compliance.attempt.period_date IS 'Ngày báo cáo của hạn được gán; trống nếu không gán được.';
COMMENT ON COLUMN compliance.attempt.slot IS 'Khung giờ của hạn được gán (nếu có).';
COMMENT ON COLUMN compliance.attempt.due_at IS 'Hạn được gán; trống nếu không gán được.';
COMMENT ON COLUMN compliance.attempt.audit_date IS 'Ngày dùng để xếp lần nộp vào khoảng kiểm tra: ngày báo cáo của hạn được gán, nếu không thì ngày nhận (giờ Việt Nam).';
COMMENT ON COLUMN compliance.attempt.run_id IS 'Lần kiểm tra đã ghi dòng này (compliance.audit_run).';

-- Grain: one row per (unit_code, dataset, due_at), with Vietnamese labels and
-- 0/1 flags that sum to the DHIS2 rates (PENDING counts in no denominator).
CREATE VIEW marts.mart_compliance_expectations AS
SELECT e.unit_code,
       e.unit_name,
       e.unit_type,
       e.district_code,
       coalesce(a.name, 'Cấp tỉnh') AS district_name,
       e.dataset,
       e.dataset_title,
       e.kind,
       e.period_date,
       e.slot,
       timezone('Asia/Ho_Chi_Minh', e.due_at) AS due_at,
       e.status,
       CASE e.status WHEN 'on_time' THEN 'Đúng hạn' WHEN 'late' THEN 'Trễ hạn'
                     WHEN 'missing' THEN 'Không cập nhật' WHEN 'rejected_only' THEN 'Chỉ có tệp bị từ chối'
                     ELSE 'Chưa đến hạn' END AS status_label,
       timezone('Asia/Ho_Chi_Minh', e.first_accepted_at) AS first_accepted_at,
       e.minutes_late,
       e.accepted_files,
       e.corrections,
       e.late_corrections,
       e.rejected_files,
       e.warnings,
       (e.status <> 'pending')::INTEGER AS expected,
       (e.status IN ('on_time', 'late'))::INTEGER AS received,
       (e.status = 'on_time')::INTEGER AS on_time,
       (e.status = 'late')::INTEGER AS late,
       (e.status = 'missing')::INTEGER AS missing,
       (e.status = 'rejected_only')::INTEGER AS rejected_only,
       (e.status = 'pending')::INTEGER AS pending
FROM compliance.expectation e
LEFT JOIN core.dim_area a ON a.area_code = e.district_code;
COMMENT ON VIEW marts.mart_compliance_expectations IS 'Từng hạn cập nhật của từng đơn vị với kết quả bằng tiếng Việt và các cờ 0/1 để cộng thành tỷ lệ báo cáo (như DHIS2): tỷ lệ nộp = đã nộp / phải nộp, tỷ lệ đúng hạn = đúng hạn / phải nộp; hạn chưa đến không tính. Hạt: đơn vị × biểu mẫu × hạn cập nhật.';
COMMENT ON COLUMN marts.mart_compliance_expectations.unit_code IS 'Mã đơn vị.';
COMMENT ON COLUMN marts.mart_compliance_expectations.unit_name IS 'Tên đơn vị.';
COMMENT ON COLUMN marts.mart_compliance_expectations.unit_type IS 'Loại đơn vị.';
COMMENT ON COLUMN marts.mart_compliance_expectations.district_code IS 'Mã huyện của đơn vị cấp huyện; trống với đơn vị cấp tỉnh.';
COMMENT ON COLUMN marts.mart_compliance_expectations.district_name IS 'Huyện của đơn vị, hoặc "Cấp tỉnh".';
COMMENT ON COLUMN marts.mart_compliance_expectations.dataset IS 'Biểu mẫu (tên kỹ thuật).';
COMMENT ON COLUMN marts.mart_compliance_expectations.dataset_title IS 'Tên biểu mẫu.';
COMMENT ON COLUMN marts.mart_compliance_expectations.kind IS 'Loại lịch: slots (khung giờ) hoặc periodic (định kỳ).';
COMMENT ON COLUMN marts.mart_compliance_expectations.period_date IS 'Ngày báo cáo.';
COMMENT ON COLUMN marts.mart_compliance_expectations.slot IS 'Khung giờ (08:00, 16:00) nếu có.';
COMMENT ON COLUMN marts.mart_compliance_expectations.due_at IS 'Hạn cập nhật, giờ Việt Nam.';
COMMENT ON COLUMN marts.mart_compliance_expectations.status IS 'Kết quả (mã kỹ thuật): on_time, late, missing, rejected_only, pending.';
COMMENT ON COLUMN marts.mart_compliance_expectations.status_label IS 'Kết quả: Đúng hạn, Trễ hạn, Không cập nhật, Chỉ có tệp bị từ chối, Chưa đến hạn.';
COMMENT ON COLUMN marts.mart_compliance_expectations.first_accepted_at IS 'Lần nhận tệp được chấp nhận đầu tiên, giờ Việt Nam.';
COMMENT ON COLUMN marts.mart_compliance_expectations.minutes_late IS 'Số phút trễ (làm tròn lên); trống nếu không trễ.';
COMMENT ON COLUMN marts.mart_compliance_expectations.accepted_files IS 'Số tệp được chấp nhận cho kỳ này.';
COMMENT ON COLUMN marts.mart_compliance_expectations.corrections IS 'Số bản đính chính.';
COMMENT ON COLUMN marts.mart_compliance_expectations.late_corrections IS 'Số bản đính chính nhận sau hạn.';
COMMENT ON COLUMN marts.mart_compliance_expectations.rejected_files IS 'Số tệp bị từ chối được gán cho hạn này.';
COMMENT ON COLUMN marts.mart_compliance_expectations.warnings IS 'Số cảnh báo chất lượng dữ liệu trên các tệp được chấp nhận.';
COMMENT ON COLUMN marts.mart_compliance_expectations.expected IS '1 nếu hạn đã đến hoặc đã có tệp (tính vào mẫu số), 0 nếu chưa đến hạn.';
COMMENT ON COLUMN marts.mart_compliance_expectations.received IS '1 nếu đã có tệp được chấp nhận (đúng hạn hoặc trễ).';
COMMENT ON COLUMN marts.mart_compliance_expectations.on_time IS '1 nếu đúng hạn.';
COMMENT ON COLUMN marts.mart_compliance_expectations.late IS '1 nếu trễ hạn.';
COMMENT ON COLUMN marts.mart_compliance_expectations.missing IS '1 nếu không cập nhật.';
COMMENT ON COLUMN marts.mart_compliance_expectations.rejected_only IS '1 nếu chỉ có tệp bị từ chối.';
COMMENT ON COLUMN marts.mart_compliance_expectations.pending IS '1 nếu chưa đến hạn (không tính vào tỷ lệ).';

-- Grain: one row per (unit_code, period_date): the heatmap's cells and the trends.
CREATE VIEW marts.mart_compliance_unit_daily AS
SELECT unit_code,
       unit_name,
       unit_type,
       district_code,
       district_name,
       period_date,
       count(*)::BIGINT AS deadlines,
       sum(expected)::BIGINT AS expected,
       sum(received)::BIGINT AS received,
       sum(on_time)::BIGINT AS on_time,
       sum(late)::BIGINT AS late,
       sum(missing)::BIGINT AS missing,
       sum(rejected_only)::BIGINT AS rejected_only,
       sum(pending)::BIGINT AS pending,
       sum(corrections)::BIGINT AS corrections,
       sum(late_corrections)::BIGINT AS late_corrections,
       sum(rejected_files)::BIGINT AS rejected_files,
       sum(coalesce(minutes_late, 0))::BIGINT AS minutes_late,
       sum(received)::DOUBLE / nullif(sum(expected), 0) AS reporting_rate,
       sum(on_time)::DOUBLE / nullif(sum(expected), 0) AS on_time_rate
FROM marts.mart_compliance_expectations
GROUP BY ALL;
COMMENT ON VIEW marts.mart_compliance_unit_daily IS 'Tuân thủ lịch cập nhật của mỗi đơn vị theo ngày: số hạn, đã nộp, đúng hạn, trễ, không cập nhật và hai tỷ lệ của DHIS2 (cộng dồn các cột đếm để có tỷ lệ theo tháng, huyện, loại đơn vị). Hạt: đơn vị × ngày báo cáo.';
COMMENT ON COLUMN marts.mart_compliance_unit_daily.unit_code IS 'Mã đơn vị.';
COMMENT ON COLUMN marts.mart_compliance_unit_daily.unit_name IS 'Tên đơn vị.';
COMMENT ON COLUMN marts.mart_compliance_unit_daily.unit_type IS 'Loại đơn vị.';
COMMENT ON COLUMN marts.mart_compliance_unit_daily.district_code IS 'Mã huyện của đơn vị cấp huyện; trống với đơn vị cấp tỉnh.';
COMMENT ON COLUMN marts.mart_compliance_unit_daily.district_name IS 'Huyện của đơn vị, hoặc "Cấp tỉnh".';
COMMENT ON COLUMN marts.mart_compliance_unit_daily.period_date IS 'Ngày báo cáo.';
COMMENT ON COLUMN marts.mart_compliance_unit_daily.deadlines IS 'Số hạn cập nhật trong ngày (kể cả chưa đến hạn).';
COMMENT ON COLUMN marts.mart_compliance_unit_daily.expected IS 'Số lần phải nộp (mẫu số của hai tỷ lệ; không tính hạn chưa đến).';
COMMENT ON COLUMN marts.mart_compliance_unit_daily.received IS 'Số lần đã nộp tệp được chấp nhận (đúng hạn + trễ).';
COMMENT ON COLUMN marts.mart_compliance_unit_daily.on_time IS 'Số lần nộp đúng hạn.';
COMMENT ON COLUMN marts.mart_compliance_unit_daily.late IS 'Số lần nộp trễ.';
COMMENT ON COLUMN marts.mart_compliance_unit_daily.missing IS 'Số lần không cập nhật.';
COMMENT ON COLUMN marts.mart_compliance_unit_daily.rejected_only IS 'Số lần chỉ có tệp bị từ chối.';
COMMENT ON COLUMN marts.mart_compliance_unit_daily.pending IS 'Số hạn chưa đến.';
COMMENT ON COLUMN marts.mart_compliance_unit_daily.corrections IS 'Số bản đính chính.';
COMMENT ON COLUMN marts.mart_compliance_unit_daily.late_corrections IS 'Số bản đính chính nhận sau hạn.';
COMMENT ON COLUMN marts.mart_compliance_unit_daily.rejected_files IS 'Số tệp bị từ chối được gán cho các hạn trong ngày.';
COMMENT ON COLUMN marts.mart_compliance_unit_daily.minutes_late IS 'Tổng số phút trễ của các lần nộp trễ.';
COMMENT ON COLUMN marts.mart_compliance_unit_daily.reporting_rate IS 'Tỷ lệ nộp = đã nộp / phải nộp (0–1); trống nếu chưa có hạn nào đến.';
COMMENT ON COLUMN marts.mart_compliance_unit_daily.on_time_rate IS 'Tỷ lệ đúng hạn = đúng hạn / phải nộp (0–1); trống nếu chưa có hạn nào đến.';

-- Grain: one row per (unit_code, dataset, due_at) due on the day of the latest
-- audit's as_of that is not met yet: missing, rejected only, or still pending.
CREATE VIEW marts.mart_compliance_open_today AS
WITH latest AS (
    SELECT timezone('Asia/Ho_Chi_Minh', max(as_of)) AS as_of FROM compliance.audit_run
)
SELECT e.unit_code,
       e.unit_name,
       e.unit_type,
       e.district_code,
       e.district_name,
       e.dataset,
       e.dataset_title,
       e.period_date,
       e.slot,
       e.due_at,
       strftime(e.due_at, '%H:%M') AS due_time,
       e.status,
       e.status_label,
       e.rejected_files,
       l.as_of AS audited_at,
       strftime(l.as_of, '%H:%M %d/%m/%Y') AS audited_at_text
FROM marts.mart_compliance_expectations e, latest l
WHERE e.due_at::DATE = l.as_of::DATE AND e.status IN ('missing', 'rejected_only', 'pending');
COMMENT ON VIEW marts.mart_compliance_open_today IS 'Các hạn cập nhật trong ngày của lần kiểm tra gần nhất mà chưa được đáp ứng: không cập nhật, chỉ có tệp bị từ chối, hoặc chưa đến hạn. Hạt: đơn vị × biểu mẫu × hạn cập nhật (chỉ hạn trong ngày đó).';
COMMENT ON COLUMN marts.mart_compliance_open_today.unit_code IS 'Mã đơn vị.';
COMMENT ON COLUMN marts.mart_compliance_open_today.unit_name IS 'Tên đơn vị.';
COMMENT ON COLUMN marts.mart_compliance_open_today.unit_type IS 'Loại đơn vị.';
COMMENT ON COLUMN marts.mart_compliance_open_today.district_code IS 'Mã huyện của đơn vị cấp huyện; trống với đơn vị cấp tỉnh.';
COMMENT ON COLUMN marts.mart_compliance_open_today.district_name IS 'Huyện của đơn vị, hoặc "Cấp tỉnh".';
COMMENT ON COLUMN marts.mart_compliance_open_today.dataset IS 'Biểu mẫu (tên kỹ thuật).';
COMMENT ON COLUMN marts.mart_compliance_open_today.dataset_title IS 'Tên biểu mẫu.';
COMMENT ON COLUMN marts.mart_compliance_open_today.period_date IS 'Ngày báo cáo.';
COMMENT ON COLUMN marts.mart_compliance_open_today.slot IS 'Khung giờ (08:00, 16:00) nếu có.';
COMMENT ON COLUMN marts.mart_compliance_open_today.due_at IS 'Hạn cập nhật, giờ Việt Nam.';
COMMENT ON COLUMN marts.mart_compliance_open_today.due_time IS 'Giờ của hạn cập nhật, HH:MM (giờ Việt Nam).';
COMMENT ON COLUMN marts.mart_compliance_open_today.status IS 'missing, rejected_only hoặc pending.';
COMMENT ON COLUMN marts.mart_compliance_open_today.status_label IS 'Không cập nhật, Chỉ có tệp bị từ chối, hoặc Chưa đến hạn.';
COMMENT ON COLUMN marts.mart_compliance_open_today.rejected_files IS 'Số tệp bị từ chối đã nhận cho hạn này.';
COMMENT ON COLUMN marts.mart_compliance_open_today.audited_at IS 'Mốc thời gian của lần kiểm tra gần nhất, giờ Việt Nam ("hôm nay" là ngày của mốc này).';
COMMENT ON COLUMN marts.mart_compliance_open_today.audited_at_text IS 'Mốc thời gian của lần kiểm tra gần nhất, dạng HH:MM dd/mm/yyyy.';

-- Grain: one row per (unit_code, dataset) checked on the latest checked day,
-- with the number of days of that month the dataset was not fresh at day close.
CREATE VIEW marts.mart_compliance_freshness_current AS
WITH latest AS (
    SELECT max(check_date) AS check_date FROM compliance.freshness
),
month_days AS (
    SELECT f.unit_code, f.dataset,
           count(*)::BIGINT AS days_checked,
           count(*) FILTER (WHERE f.status <> 'fresh')::BIGINT AS days_not_fresh
    FROM compliance.freshness f, latest l
    WHERE date_trunc('month', f.check_date) = date_trunc('month', l.check_date) AND f.check_date <= l.check_date
    GROUP BY ALL
)
SELECT f.unit_code,
       f.unit_name,
       f.unit_type,
       f.district_code,
       coalesce(a.name, 'Cấp tỉnh') AS district_name,
       f.dataset,
       f.dataset_title,
       f.check_date,
       timezone('Asia/Ho_Chi_Minh', f.as_of) AS as_of,
       timezone('Asia/Ho_Chi_Minh', f.last_update_at) AS last_update_at,
       strftime(timezone('Asia/Ho_Chi_Minh', f.last_update_at), '%H:%M %d/%m/%Y') AS last_update_text,
       CASE f.last_update_kind WHEN 'file' THEN 'Tệp số liệu' WHEN 'confirmation' THEN 'Xác nhận không thay đổi'
            ELSE 'Chưa có' END AS last_update_label,
       f.max_age_hours,
       round(f.age_hours, 1) AS age_hours,
       f.status,
       CASE f.status WHEN 'fresh' THEN 'Còn mới' WHEN 'stale' THEN 'Quá hạn cập nhật'
            ELSE 'Chưa từng cập nhật' END AS status_label,
       (f.status <> 'fresh')::INTEGER AS not_fresh,
       m.days_checked,
       m.days_not_fresh
FROM compliance.freshness f
JOIN latest l ON f.check_date = l.check_date
JOIN month_days m ON m.unit_code = f.unit_code AND m.dataset = f.dataset
LEFT JOIN core.dim_area a ON a.area_code = f.district_code;
COMMENT ON VIEW marts.mart_compliance_freshness_current IS 'Độ mới hiện tại của các biểu mẫu cập nhật khi có biến động (ngày được đo gần nhất), kèm số ngày trong tháng dữ liệu quá hạn cập nhật. Hạt: đơn vị × biểu mẫu.';
COMMENT ON COLUMN marts.mart_compliance_freshness_current.unit_code IS 'Mã đơn vị.';
COMMENT ON COLUMN marts.mart_compliance_freshness_current.unit_name IS 'Tên đơn vị.';
COMMENT ON COLUMN marts.mart_compliance_freshness_current.unit_type IS 'Loại đơn vị.';
COMMENT ON COLUMN marts.mart_compliance_freshness_current.district_code IS 'Mã huyện của đơn vị cấp huyện; trống với đơn vị cấp tỉnh.';
COMMENT ON COLUMN marts.mart_compliance_freshness_current.district_name IS 'Huyện của đơn vị, hoặc "Cấp tỉnh".';
COMMENT ON COLUMN marts.mart_compliance_freshness_current.dataset IS 'Biểu mẫu (tên kỹ thuật).';
COMMENT ON COLUMN marts.mart_compliance_freshness_current.dataset_title IS 'Tên biểu mẫu.';
COMMENT ON COLUMN marts.mart_compliance_freshness_current.check_date IS 'Ngày được đo gần nhất.';
COMMENT ON COLUMN marts.mart_compliance_freshness_current.as_of IS 'Thời điểm đo, giờ Việt Nam.';
COMMENT ON COLUMN marts.mart_compliance_freshness_current.last_update_at IS 'Lần cập nhật gần nhất, giờ Việt Nam.';
COMMENT ON COLUMN marts.mart_compliance_freshness_current.last_update_text IS 'Lần cập nhật gần nhất, dạng HH:MM dd/mm/yyyy; trống nếu chưa từng cập nhật.';
COMMENT ON COLUMN marts.mart_compliance_freshness_current.last_update_label IS 'Loại cập nhật gần nhất: Tệp số liệu, Xác nhận không thay đổi, hoặc Chưa có.';
COMMENT ON COLUMN marts.mart_compliance_freshness_current.max_age_hours IS 'Tuổi tối đa cho phép, giờ.';
COMMENT ON COLUMN marts.mart_compliance_freshness_current.age_hours IS 'Tuổi của lần cập nhật gần nhất, giờ (làm tròn 0,1 giờ).';
COMMENT ON COLUMN marts.mart_compliance_freshness_current.status IS 'fresh, stale hoặc never.';
COMMENT ON COLUMN marts.mart_compliance_freshness_current.status_label IS 'Còn mới, Quá hạn cập nhật, hoặc Chưa từng cập nhật.';
COMMENT ON COLUMN marts.mart_compliance_freshness_current.not_fresh IS '1 nếu quá hạn cập nhật hoặc chưa từng cập nhật.';
COMMENT ON COLUMN marts.mart_compliance_freshness_current.days_checked IS 'Số ngày đã đo trong tháng của ngày được đo.';
COMMENT ON COLUMN marts.mart_compliance_freshness_current.days_not_fresh IS 'Số ngày trong tháng mà cuối ngày dữ liệu quá hạn cập nhật hoặc chưa từng cập nhật.';
