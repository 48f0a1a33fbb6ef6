-- 005: the two remaining core dimensions, the calendar and the reporting slots.
-- Both are fixed reference data, so they are filled here, by the migration:
-- a fresh warehouse, a migrated one and a rebuilt one hold the same rows.

-- Grain: one row per calendar day, 2020-01-01 to 2030-12-31 (the epidemic
-- years, with room for the samples `portal up` dates from today).
CREATE TABLE core.dim_date (
    calendar_date    DATE PRIMARY KEY,
    year             INTEGER NOT NULL,
    quarter          INTEGER NOT NULL,
    month            INTEGER NOT NULL,
    month_name       VARCHAR NOT NULL,
    day_of_month     INTEGER NOT NULL,
    iso_day_of_week  INTEGER NOT NULL,
    day_name         VARCHAR NOT NULL,
    iso_year         INTEGER NOT NULL,
    iso_week         INTEGER NOT NULL,
    iso_week_label   VARCHAR NOT NULL,
    week_start       DATE NOT NULL,
    is_weekend       BOOLEAN NOT NULL,
    date_label       VARCHAR NOT NULL,
    day_label        VARCHAR NOT NULL
);
INSERT INTO core.dim_date
SELECT d,
       year(d),
       quarter(d),
       month(d),
       'Tháng ' || month(d),
       day(d),
       isodow(d),
       ['Thứ Hai', 'Thứ Ba', 'Thứ Tư', 'Thứ Năm', 'Thứ Sáu', 'Thứ Bảy', 'Chủ nhật'][isodow(d)],
       isoyear(d),
       weekofyear(d),
       'Tuần ' || lpad(weekofyear(d)::VARCHAR, 2, '0') || '/' || isoyear(d),
       date_trunc('week', d)::DATE,
       isodow(d) >= 6,
       strftime(d, '%d/%m/%Y'),
       ['Thứ Hai', 'Thứ Ba', 'Thứ Tư', 'Thứ Năm', 'Thứ Sáu', 'Thứ Bảy', 'Chủ nhật'][isodow(d)]
           || ', ' || strftime(d, '%d/%m/%Y')
FROM (SELECT range::DATE AS d FROM range(DATE '2020-01-01', DATE '2031-01-01', INTERVAL 1 DAY));

COMMENT ON TABLE core.dim_date IS 'Lịch: mỗi ngày từ 01/01/2020 đến 31/12/2030 với tuần ISO, tháng, quý và tên thứ tiếng Việt. Hạt: một dòng cho mỗi ngày.';
COMMENT ON COLUMN core.dim_date.calendar_date IS 'Ngày (khóa; nối với report_date, as_of_date... của các bảng sự kiện).';
COMMENT ON COLUMN core.dim_date.year IS 'Năm dương lịch.';
COMMENT ON COLUMN core.dim_date.quarter IS 'Quý (1–4).';
COMMENT ON COLUMN core.dim_date.month IS 'Tháng (1–12).';
COMMENT ON COLUMN core.dim_date.month_name IS 'Tên tháng tiếng Việt, ví dụ "Tháng 11".';
COMMENT ON COLUMN core.dim_date.day_of_month IS 'Ngày trong tháng (1–31).';
COMMENT ON COLUMN core.dim_date.iso_day_of_week IS 'Thứ trong tuần theo ISO 8601: 1 = Thứ Hai … 7 = Chủ nhật.';
COMMENT ON COLUMN core.dim_date.day_name IS 'Tên thứ tiếng Việt: Thứ Hai … Chủ nhật.';
COMMENT ON COLUMN core.dim_date.iso_year IS 'Năm theo tuần ISO 8601 (khác năm dương lịch ở vài ngày đầu và cuối năm).';
COMMENT ON COLUMN core.dim_date.iso_week IS 'Số tuần ISO 8601 (1–53).';
COMMENT ON COLUMN core.dim_date.iso_week_label IS 'Nhãn tuần tiếng Việt, ví dụ "Tuần 45/2021".';
COMMENT ON COLUMN core.dim_date.week_start IS 'Ngày Thứ Hai đầu tuần ISO chứa ngày này.';
COMMENT ON COLUMN core.dim_date.is_weekend IS 'Đúng nếu là Thứ Bảy hoặc Chủ nhật.';
COMMENT ON COLUMN core.dim_date.date_label IS 'Ngày theo định dạng Việt Nam dd/mm/yyyy.';
COMMENT ON COLUMN core.dim_date.day_label IS 'Thứ và ngày, ví dụ "Thứ Tư, 10/11/2021".';

-- Grain: one row per reporting slot of the epidemic situation (Quy chế 4168,
-- Điều 7 khoản 1: updates "vào lúc 08h00 và 16h00", so each slot's time is
-- also its deadline, in Viet Nam time).
CREATE TABLE core.dim_slot (
    slot                 VARCHAR PRIMARY KEY,
    slot_order           INTEGER NOT NULL,
    slot_name            VARCHAR NOT NULL,
    slot_label           VARCHAR NOT NULL,
    deadline_local       TIME NOT NULL,
    timezone             VARCHAR NOT NULL,
    previous_slot        VARCHAR NOT NULL,
    previous_day_offset  INTEGER NOT NULL,
    legal_basis          VARCHAR NOT NULL
);
INSERT INTO core.dim_slot VALUES
    ('08:00', 1, 'Buổi sáng', '08h00', TIME '08:00:00', 'Asia/Ho_Chi_Minh', '16:00', -1,
     'Điều 7 khoản 1 Quy chế 4168/QĐ-UBND'),
    ('16:00', 2, 'Buổi chiều', '16h00', TIME '16:00:00', 'Asia/Ho_Chi_Minh', '08:00', 0,
     'Điều 7 khoản 1 Quy chế 4168/QĐ-UBND');

COMMENT ON TABLE core.dim_slot IS 'Khung giờ cập nhật tình hình dịch (08h00 và 16h00, Điều 7 Quy chế 4168) và hạn cập nhật của mỗi khung. Hạt: một dòng cho mỗi khung giờ.';
COMMENT ON COLUMN core.dim_slot.slot IS 'Khung giờ như trong tệp nộp: 08:00 hoặc 16:00 (khóa).';
COMMENT ON COLUMN core.dim_slot.slot_order IS 'Thứ tự khung giờ trong ngày (1 = sáng, 2 = chiều).';
COMMENT ON COLUMN core.dim_slot.slot_name IS 'Tên khung giờ: Buổi sáng, Buổi chiều.';
COMMENT ON COLUMN core.dim_slot.slot_label IS 'Nhãn hiển thị theo cách viết của Quy chế: 08h00, 16h00.';
COMMENT ON COLUMN core.dim_slot.deadline_local IS 'Hạn cập nhật trong ngày báo cáo, giờ Việt Nam: số liệu của khung phải có trên Cổng lúc này.';
COMMENT ON COLUMN core.dim_slot.timezone IS 'Múi giờ của hạn cập nhật (Asia/Ho_Chi_Minh, UTC+7).';
COMMENT ON COLUMN core.dim_slot.previous_slot IS 'Khung giờ trước đó: số ca mới của khung này tính từ lần cập nhật đó.';
COMMENT ON COLUMN core.dim_slot.previous_day_offset IS 'Khung giờ trước đó thuộc ngày nào so với ngày báo cáo (-1 = hôm trước, 0 = cùng ngày).';
COMMENT ON COLUMN core.dim_slot.legal_basis IS 'Căn cứ pháp lý của khung giờ.';

-- The deadline of a (report_date, slot) as an instant, for timeliness checks.
CREATE MACRO core.slot_deadline(for_date, for_slot) AS (
    SELECT timezone(s.timezone, for_date::DATE + s.deadline_local)
    FROM core.dim_slot s WHERE s.slot = for_slot
);
COMMENT ON MACRO core.slot_deadline IS 'Hạn cập nhật (TIMESTAMPTZ) của một ngày báo cáo và khung giờ, theo core.dim_slot.';

-- Grain: one row per area (province, district or commune), with its whole
-- chain of parents spelled out, so a commune-level figure can be filtered or
-- rolled up by district and province without walking parent_code.
CREATE VIEW core.dim_area_hierarchy AS
SELECT a.area_code,
       a.level,
       a.name,
       CASE a.level WHEN 'province' THEN a.area_code WHEN 'district' THEN a.parent_code
                    ELSE d.parent_code END AS province_code,
       CASE a.level WHEN 'district' THEN a.area_code WHEN 'commune' THEN a.parent_code END AS district_code,
       CASE a.level WHEN 'district' THEN a.name WHEN 'commune' THEN d.name END AS district_name,
       CASE a.level WHEN 'commune' THEN a.area_code END AS commune_code,
       CASE a.level WHEN 'commune' THEN a.name END AS commune_name
FROM core.dim_area a
LEFT JOIN core.dim_area d ON d.area_code = a.parent_code AND a.level = 'commune';
COMMENT ON VIEW core.dim_area_hierarchy IS 'Cây đơn vị hành chính tỉnh → huyện → xã trải phẳng: mỗi địa bàn kèm mã tỉnh, huyện, xã chứa nó. Hạt: một dòng cho mỗi đơn vị hành chính.';
COMMENT ON COLUMN core.dim_area_hierarchy.area_code IS 'Mã GSO của địa bàn.';
COMMENT ON COLUMN core.dim_area_hierarchy.level IS 'Cấp: province (tỉnh), district (huyện), commune (xã).';
COMMENT ON COLUMN core.dim_area_hierarchy.name IS 'Tên đầy đủ của địa bàn.';
COMMENT ON COLUMN core.dim_area_hierarchy.province_code IS 'Mã GSO của tỉnh chứa địa bàn.';
COMMENT ON COLUMN core.dim_area_hierarchy.district_code IS 'Mã GSO của huyện chứa địa bàn (chính nó nếu là huyện; trống nếu là tỉnh).';
COMMENT ON COLUMN core.dim_area_hierarchy.district_name IS 'Tên huyện, thị xã, thành phố chứa địa bàn.';
COMMENT ON COLUMN core.dim_area_hierarchy.commune_code IS 'Mã GSO của xã (chỉ với địa bàn cấp xã).';
COMMENT ON COLUMN core.dim_area_hierarchy.commune_name IS 'Tên xã, phường, thị trấn (chỉ với địa bàn cấp xã).';
