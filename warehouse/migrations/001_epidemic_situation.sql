-- 001: the first dataset end to end (epidemic situation by district).
-- Layers: raw (what arrived) -> staging (typed, validated rows) -> core
-- (dimensions + facts with validity intervals) -> marts (what dashboards read).

CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS staging;
CREATE SCHEMA IF NOT EXISTS core;
CREATE SCHEMA IF NOT EXISTS marts;

-- Grain: one row per submission (accepted, duplicate or rejected).
CREATE TABLE raw.submission (
    submission_id  VARCHAR PRIMARY KEY,
    unit_code      VARCHAR NOT NULL,
    dataset        VARCHAR,
    original_name  VARCHAR NOT NULL,
    file_sha256    VARCHAR NOT NULL,
    file_size      BIGINT NOT NULL,
    received_at    TIMESTAMPTZ NOT NULL,
    processed_at   TIMESTAMPTZ NOT NULL,
    status         VARCHAR NOT NULL,   -- loaded | duplicate | rejected
    duplicate_of   VARCHAR,
    stored_path    VARCHAR NOT NULL,   -- archive/ or quarantine/ path, relative to PORTAL_HOME
    row_count      INTEGER,
    error_count    INTEGER NOT NULL,
    warning_count  INTEGER NOT NULL,
    report_date    DATE,
    slot           VARCHAR
);
COMMENT ON TABLE raw.submission IS 'Mỗi tệp nhận được (đã nạp, trùng lặp hoặc bị từ chối). Hạt: một dòng cho mỗi lần nộp.';

-- Grain: one row per area (province, district or commune) as of 2021.
CREATE TABLE core.dim_area (
    area_code    VARCHAR PRIMARY KEY,
    level        VARCHAR NOT NULL,     -- province | district | commune
    name         VARCHAR NOT NULL,
    short_name   VARCHAR NOT NULL,
    area_type    VARCHAR NOT NULL,
    parent_code  VARCHAR,
    latitude     DOUBLE,
    longitude    DOUBLE
);
COMMENT ON TABLE core.dim_area IS 'Đơn vị hành chính (tỉnh, huyện, xã) với mã GSO. Hạt: một dòng cho mỗi đơn vị hành chính.';

-- Grain: one row per reporting unit (= one portal account).
CREATE TABLE core.dim_unit (
    unit_code      VARCHAR PRIMARY KEY,
    name           VARCHAR NOT NULL,
    unit_type      VARCHAR NOT NULL,
    district_code  VARCHAR
);
COMMENT ON TABLE core.dim_unit IS 'Đơn vị cung cấp thông tin (một tài khoản mỗi đơn vị). Hạt: một dòng cho mỗi đơn vị.';

-- Grain: one row per accepted submission and file row.
CREATE TABLE staging.epidemic_situation_by_district (
    submission_id         VARCHAR NOT NULL,
    source_row            INTEGER NOT NULL,  -- Excel row number in the submitted file
    report_date           DATE NOT NULL,
    slot                  VARCHAR NOT NULL,
    district_code         VARCHAR NOT NULL,
    new_cases_community   INTEGER NOT NULL,
    new_cases_quarantine  INTEGER NOT NULL,
    cumulative_cases      INTEGER NOT NULL,
    under_treatment       INTEGER NOT NULL,
    recovered             INTEGER NOT NULL,
    deaths                INTEGER NOT NULL,
    tests_performed       INTEGER NOT NULL,
    PRIMARY KEY (submission_id, source_row)
);
COMMENT ON TABLE staging.epidemic_situation_by_district IS 'Dòng đã kiểm tra của tệp tình hình dịch theo huyện. Hạt: lần nộp × dòng Excel.';

-- Grain: one row per (unit, report_date, slot, district, version). A later
-- submission for the same unit/date/slot closes the earlier version
-- (valid_to) instead of overwriting it.
CREATE TABLE core.fact_epidemic_situation (
    submission_id         VARCHAR NOT NULL,
    unit_code             VARCHAR NOT NULL,
    file_sha256           VARCHAR NOT NULL,
    received_at           TIMESTAMPTZ NOT NULL,
    report_date           DATE NOT NULL,
    slot                  VARCHAR NOT NULL,
    district_code         VARCHAR NOT NULL,
    new_cases_community   INTEGER NOT NULL,
    new_cases_quarantine  INTEGER NOT NULL,
    cumulative_cases      INTEGER NOT NULL,
    under_treatment       INTEGER NOT NULL,
    recovered             INTEGER NOT NULL,
    deaths                INTEGER NOT NULL,
    tests_performed       INTEGER NOT NULL,
    valid_from            TIMESTAMPTZ NOT NULL,
    valid_to              TIMESTAMPTZ,
    PRIMARY KEY (submission_id, district_code)
);
COMMENT ON TABLE core.fact_epidemic_situation IS 'Số liệu tình hình dịch theo huyện, có lịch sử phiên bản. Hạt: đơn vị × ngày × khung giờ × huyện × phiên bản.';

-- Grain: one row per (report_date, slot, district): the figures in force,
-- i.e. the most recently received open version across responsible units
-- (SYT and CDC both answer for this dataset; the newest statement wins).
CREATE VIEW marts.epidemic_current AS
SELECT * EXCLUDE (version_rank) FROM (
    SELECT f.*,
           row_number() OVER (PARTITION BY report_date, slot, district_code
                              ORDER BY received_at DESC, submission_id DESC) AS version_rank
    FROM core.fact_epidemic_situation f
    WHERE valid_to IS NULL
) WHERE version_rank = 1;

-- Grain: one row per district, at the latest reported (date, slot).
CREATE VIEW marts.mart_epidemic_district_latest AS
WITH latest AS (
    SELECT report_date, slot FROM marts.epidemic_current
    ORDER BY report_date DESC, slot DESC LIMIT 1
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
FROM marts.epidemic_current c
JOIN latest USING (report_date, slot)
LEFT JOIN core.dim_area a ON a.area_code = c.district_code;

-- Grain: one row per (report_date, slot), province totals.
CREATE VIEW marts.mart_epidemic_province_slot AS
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
FROM marts.epidemic_current
GROUP BY report_date, slot;

-- Grain: one row per report_date. Flows (new cases, tests) add up over the
-- day's slots; stocks (cumulative, under treatment, ...) are the day's last slot.
CREATE VIEW marts.mart_epidemic_province_daily AS
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
FROM marts.mart_epidemic_province_slot
GROUP BY report_date;

-- Grain: exactly one row (or none before the first load): today's big numbers,
-- i.e. the latest reported day.
CREATE VIEW marts.mart_epidemic_province_latest AS
SELECT * FROM marts.mart_epidemic_province_daily
ORDER BY report_date DESC LIMIT 1;
