-- 008: were the epidemic figures on the portal by the slot's deadline
-- (Quy chế 4168, Điều 7: updates at 08h00 and 16h00)? Judged on receipt, the
-- clock every version and as-of answer uses (see 007). Only accepted files
-- count: a rejected file put nothing on the portal, a duplicate nothing new.

-- Grain: one row per (unit_code, report_date, slot) for which the unit has an
-- accepted epidemic-situation file.
CREATE VIEW marts.mart_epidemic_timeliness AS
WITH files AS (
    SELECT s.unit_code, s.report_date, s.slot, s.received_at,
           timezone(sl.timezone, s.report_date + sl.deadline_local) AS deadline
    FROM raw.submission s
    JOIN core.dim_slot sl ON sl.slot = s.slot
    WHERE s.dataset = 'epidemic_situation_by_district' AND s.status = 'loaded'
)
SELECT f.unit_code,
       u.name AS unit_name,
       f.report_date,
       f.slot,
       timezone('Asia/Ho_Chi_Minh', f.deadline) AS deadline,
       timezone('Asia/Ho_Chi_Minh', min(f.received_at)) AS first_received_at,
       timezone('Asia/Ho_Chi_Minh', max(f.received_at)) AS last_received_at,
       count(*)::BIGINT AS files,
       (count(*) - 1)::BIGINT AS corrections,
       min(f.received_at) <= f.deadline AS on_time,
       greatest(0, date_diff('minute', f.deadline, min(f.received_at)))::BIGINT AS minutes_late
FROM files f
LEFT JOIN core.dim_unit u ON u.unit_code = f.unit_code
GROUP BY f.unit_code, u.name, f.report_date, f.slot, f.deadline;
COMMENT ON VIEW marts.mart_epidemic_timeliness IS 'Đúng hạn cập nhật tình hình dịch: với mỗi đơn vị, ngày và khung giờ, lần nhận đầu tiên so với hạn 08h00/16h00 (Điều 7 Quy chế 4168) và số lần đính chính. Hạt: đơn vị × ngày báo cáo × khung giờ.';
COMMENT ON COLUMN marts.mart_epidemic_timeliness.unit_code IS 'Đơn vị đã nộp (SYT hoặc CDC).';
COMMENT ON COLUMN marts.mart_epidemic_timeliness.unit_name IS 'Tên đơn vị.';
COMMENT ON COLUMN marts.mart_epidemic_timeliness.report_date IS 'Ngày báo cáo.';
COMMENT ON COLUMN marts.mart_epidemic_timeliness.slot IS 'Khung giờ cập nhật (08:00 hoặc 16:00).';
COMMENT ON COLUMN marts.mart_epidemic_timeliness.deadline IS 'Hạn cập nhật của khung giờ, giờ Việt Nam (core.dim_slot).';
COMMENT ON COLUMN marts.mart_epidemic_timeliness.first_received_at IS 'Lần đầu nhận được tệp hợp lệ cho ngày và khung giờ này, giờ Việt Nam.';
COMMENT ON COLUMN marts.mart_epidemic_timeliness.last_received_at IS 'Lần cuối nhận được tệp hợp lệ (bản đính chính mới nhất), giờ Việt Nam.';
COMMENT ON COLUMN marts.mart_epidemic_timeliness.files IS 'Số tệp hợp lệ đã nạp cho ngày và khung giờ này.';
COMMENT ON COLUMN marts.mart_epidemic_timeliness.corrections IS 'Số lần đính chính (số tệp trừ tệp đầu tiên).';
COMMENT ON COLUMN marts.mart_epidemic_timeliness.on_time IS 'Đúng nếu tệp đầu tiên được nhận trước hoặc đúng hạn.';
COMMENT ON COLUMN marts.mart_epidemic_timeliness.minutes_late IS 'Số phút trễ của tệp đầu tiên so với hạn (0 nếu đúng hạn).';
