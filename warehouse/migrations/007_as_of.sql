-- 007: as-of marts. "What did the dashboard say at 16:00 on 10 November?"
--
-- Each macro below is the epidemic mart of the same name (migration 001) with
-- "the open version" (valid_to IS NULL) replaced by "the version in force at
-- ts" (valid_from <= ts < valid_to). Called with a time after the last load
-- they return exactly the current marts (tests/warehouse/test_asof.py checks it).
--
-- The clock is the RECEIPT time (raw.submission.received_at = valid_from of
-- the rows a file brought, = valid_to of the rows it superseded), not the time
-- the serving file was swapped in:
--  * it is what orders corrections: the loader closes versions at the
--    superseding file's receipt time, so receipt time is the only clock under
--    which every version interval is gap-free and non-overlapping;
--  * it is a fact about the submission that the archive keeps (the journal
--    submissions/<id>.json and the submission id itself), so `portal rebuild`
--    reproduces it exactly; publication is the wall clock of whichever process
--    swapped the file, is not stored in raw.submission (which has only
--    received_at and processed_at), and could not be rebuilt;
--  * every load is published by the same pipeline run, right after it commits
--    (drop to chart p95 13.4 s, README), so the two clocks differ only for a
--    file still in flight at ts; deadlines (core.dim_slot) are also judged
--    on receipt. An as-of answer therefore reads "the figures received and
--    accepted by ts", which is what the dashboard showed at ts give or take
--    that latency (longer only while the pipeline was down).
-- Rejected and duplicate files bring no rows, so they never change an answer.
--
-- ts: anything that casts to TIMESTAMPTZ; give the offset, e.g.
-- '2021-11-10 16:00+07' (a bare '2021-11-10 16:00' is read in the session's
-- time zone). `portal asof` reads a bare time as Viet Nam time.

-- Grain: one row per (report_date, slot, district_code) known at ts: the
-- version in force at ts, newest receipt across units (as marts.epidemic_current).
CREATE MACRO marts.epidemic_as_of(ts) AS TABLE
SELECT * EXCLUDE (version_rank) FROM (
    SELECT f.*,
           row_number() OVER (PARTITION BY report_date, slot, district_code
                              ORDER BY received_at DESC, submission_id DESC) AS version_rank
    FROM core.fact_epidemic_situation f
    WHERE f.valid_from <= CAST(ts AS TIMESTAMPTZ)
      AND (f.valid_to IS NULL OR f.valid_to > CAST(ts AS TIMESTAMPTZ))
) WHERE version_rank = 1;
COMMENT ON MACRO TABLE marts.epidemic_as_of IS 'Như marts.epidemic_current nhưng tại thời điểm ts: phiên bản số liệu đang có hiệu lực lúc đó (theo thời điểm nhận tệp). Hạt: ngày báo cáo × khung giờ × huyện.';

-- Grain: one row per district, at the latest (date, slot) known at ts.
CREATE MACRO marts.epidemic_district_as_of(ts) AS TABLE
WITH cur AS (SELECT * FROM marts.epidemic_as_of(ts)),
latest AS (
    SELECT report_date, slot FROM cur ORDER BY report_date DESC, slot DESC LIMIT 1
)
SELECT c.report_date,
       c.slot,
       c.district_code,
       a.name AS district_name,
       c.new_cases_community,
       c.new_cases_quarantine,
       c.new_cases_community + c.new_cases_quarantine AS new_cases,
       c.cumulative_cases,
       c.under_treatment,
       c.recovered,
       c.deaths,
       c.tests_performed,
       c.unit_code,
       c.submission_id,
       c.file_sha256,
       timezone('Asia/Ho_Chi_Minh', c.received_at) AS received_at
FROM cur c
JOIN latest USING (report_date, slot)
LEFT JOIN core.dim_area a ON a.area_code = c.district_code;
COMMENT ON MACRO TABLE marts.epidemic_district_as_of IS 'Bảng số liệu theo huyện như Cổng hiển thị tại thời điểm ts (marts.mart_epidemic_district_latest tại ts), kèm nguồn gốc. Hạt: một dòng cho mỗi huyện.';

-- Grain: one row per (report_date, slot) known at ts, province totals.
CREATE MACRO marts.epidemic_province_slot_as_of(ts) AS TABLE
SELECT report_date,
       slot,
       sum(new_cases_community)::BIGINT AS new_cases_community,
       sum(new_cases_quarantine)::BIGINT AS new_cases_quarantine,
       sum(new_cases_community + new_cases_quarantine)::BIGINT AS new_cases,
       sum(cumulative_cases)::BIGINT AS cumulative_cases,
       sum(under_treatment)::BIGINT AS under_treatment,
       sum(recovered)::BIGINT AS recovered,
       sum(deaths)::BIGINT AS deaths,
       sum(tests_performed)::BIGINT AS tests_performed
FROM marts.epidemic_as_of(ts)
GROUP BY report_date, slot;
COMMENT ON MACRO TABLE marts.epidemic_province_slot_as_of IS 'Tổng toàn tỉnh theo khung giờ như tại thời điểm ts (marts.mart_epidemic_province_slot tại ts). Hạt: ngày báo cáo × khung giờ.';

-- Grain: one row per report_date known at ts (the daily trend as it stood then;
-- a file sent late for a past date changes that date's row from its receipt on).
CREATE MACRO marts.epidemic_province_daily_as_of(ts) AS TABLE
SELECT report_date,
       sum(new_cases_community)::BIGINT AS new_cases_community,
       sum(new_cases_quarantine)::BIGINT AS new_cases_quarantine,
       sum(new_cases)::BIGINT AS new_cases,
       arg_max(cumulative_cases, slot) AS cumulative_cases,
       arg_max(under_treatment, slot) AS under_treatment,
       arg_max(recovered, slot) AS recovered,
       arg_max(deaths, slot) AS deaths,
       sum(tests_performed)::BIGINT AS tests_performed,
       max(slot) AS last_slot
FROM marts.epidemic_province_slot_as_of(ts)
GROUP BY report_date;
COMMENT ON MACRO TABLE marts.epidemic_province_daily_as_of IS 'Diễn biến theo ngày toàn tỉnh như tại thời điểm ts (marts.mart_epidemic_province_daily tại ts). Hạt: một dòng cho mỗi ngày báo cáo.';

-- Grain: at most one row: the big numbers of the latest day known at ts.
CREATE MACRO marts.epidemic_province_latest_as_of(ts) AS TABLE
SELECT * FROM marts.epidemic_province_daily_as_of(ts)
ORDER BY report_date DESC LIMIT 1;
COMMENT ON MACRO TABLE marts.epidemic_province_latest_as_of IS 'Các con số lớn toàn tỉnh như tại thời điểm ts (marts.mart_epidemic_province_latest tại ts). Hạt: nhiều nhất một dòng.';
