-- 004: marts for every information category of Quy chế 4168, Điều 6 (one
-- Superset dashboard each). Views over core, copied as tables into the serving
-- file by warehouse/publish.py (MARTS_BY_DATASET).
--
-- Rules every view here keeps:
--  * only open versions (valid_to IS NULL) are shown: a correction supersedes;
--  * when several units answer for the same thing (CDC and TTYT, SYT and UBND),
--    the most recently received statement wins, as in marts.epidemic_current;
--  * lineage stays visible (unit_code, submission_id, file_sha256) on row-level marts;
--  * no personal field (`personal: true` in ingest/schemas/*.yaml) ever
--    appears: the case line list is only counted, by district, date, source and status;
--  * every mart with a district carries district_name, the column the
--    dashboards' district filter targets.

-- Grain: one row per (report_date, district_code): tests of the day, each
-- testing site counted once (the newest statement about a site wins).
CREATE VIEW marts.mart_testing_daily AS
WITH cur AS (
    SELECT * EXCLUDE (version_rank) FROM (
        SELECT f.*, row_number() OVER (PARTITION BY report_date, district_code, site_name
                                       ORDER BY received_at DESC, submission_id DESC) AS version_rank
        FROM core.fact_testing f WHERE valid_to IS NULL
    ) WHERE version_rank = 1
)
SELECT c.report_date,
       c.district_code,
       a.name AS district_name,
       count(*)::BIGINT AS sites,
       sum(c.samples_taken)::BIGINT AS samples_taken,
       sum(c.samples_tested)::BIGINT AS samples_tested,
       sum(c.positives)::BIGINT AS positives
FROM cur c
LEFT JOIN core.dim_area a ON a.area_code = c.district_code
GROUP BY c.report_date, c.district_code, a.name;
COMMENT ON VIEW marts.mart_testing_daily IS 'Xét nghiệm trong ngày theo huyện (mỗi điểm xét nghiệm tính một lần, báo cáo mới nhất được dùng). Hạt: ngày báo cáo × huyện.';
COMMENT ON COLUMN marts.mart_testing_daily.report_date IS 'Ngày báo cáo.';
COMMENT ON COLUMN marts.mart_testing_daily.district_code IS 'Mã huyện (GSO).';
COMMENT ON COLUMN marts.mart_testing_daily.district_name IS 'Tên huyện, thị xã, thành phố.';
COMMENT ON COLUMN marts.mart_testing_daily.sites IS 'Số điểm lấy mẫu, xét nghiệm có báo cáo.';
COMMENT ON COLUMN marts.mart_testing_daily.samples_taken IS 'Số mẫu đã lấy trong ngày.';
COMMENT ON COLUMN marts.mart_testing_daily.samples_tested IS 'Số mẫu đã xét nghiệm trong ngày.';
COMMENT ON COLUMN marts.mart_testing_daily.positives IS 'Số mẫu dương tính trong ngày.';

-- Grain: one row per (report_date, district_code): cumulative vaccination
-- figures of the day (CDC is the only unit answering for them).
CREATE VIEW marts.mart_vaccination_daily AS
WITH cur AS (
    SELECT * EXCLUDE (version_rank) FROM (
        SELECT f.*, row_number() OVER (PARTITION BY report_date, district_code
                                       ORDER BY received_at DESC, submission_id DESC) AS version_rank
        FROM core.fact_vaccination_by_district f WHERE valid_to IS NULL
    ) WHERE version_rank = 1
)
SELECT c.report_date,
       c.district_code,
       a.name AS district_name,
       c.population_18plus,
       c.doses_first,
       c.doses_second,
       c.doses_booster,
       round(100.0 * c.doses_first / nullif(c.population_18plus, 0), 1) AS first_dose_pct,
       round(100.0 * c.doses_second / nullif(c.population_18plus, 0), 1) AS second_dose_pct,
       c.report_date = max(c.report_date) OVER () AS is_latest_date,
       c.unit_code,
       c.submission_id,
       c.file_sha256
FROM cur c
LEFT JOIN core.dim_area a ON a.area_code = c.district_code;
COMMENT ON VIEW marts.mart_vaccination_daily IS 'Tiêm chủng cộng dồn theo huyện và ngày. Hạt: ngày báo cáo × huyện.';
COMMENT ON COLUMN marts.mart_vaccination_daily.report_date IS 'Ngày báo cáo.';
COMMENT ON COLUMN marts.mart_vaccination_daily.district_code IS 'Mã huyện (GSO).';
COMMENT ON COLUMN marts.mart_vaccination_daily.district_name IS 'Tên huyện, thị xã, thành phố.';
COMMENT ON COLUMN marts.mart_vaccination_daily.population_18plus IS 'Dân số từ 18 tuổi trở lên.';
COMMENT ON COLUMN marts.mart_vaccination_daily.doses_first IS 'Số người đã tiêm mũi 1 (cộng dồn).';
COMMENT ON COLUMN marts.mart_vaccination_daily.doses_second IS 'Số người đã tiêm mũi 2 (cộng dồn).';
COMMENT ON COLUMN marts.mart_vaccination_daily.doses_booster IS 'Số mũi bổ sung, nhắc lại (cộng dồn).';
COMMENT ON COLUMN marts.mart_vaccination_daily.first_dose_pct IS 'Tỷ lệ dân số từ 18 tuổi đã tiêm mũi 1 (%).';
COMMENT ON COLUMN marts.mart_vaccination_daily.second_dose_pct IS 'Tỷ lệ dân số từ 18 tuổi đã tiêm mũi 2 (%).';
COMMENT ON COLUMN marts.mart_vaccination_daily.is_latest_date IS 'Đúng nếu là ngày báo cáo mới nhất (biểu đồ chỉ vẽ ngày này; Superset không cho truy vấn con).';
COMMENT ON COLUMN marts.mart_vaccination_daily.unit_code IS 'Đơn vị đã báo cáo số liệu.';
COMMENT ON COLUMN marts.mart_vaccination_daily.submission_id IS 'Mã lần nộp của số liệu.';
COMMENT ON COLUMN marts.mart_vaccination_daily.file_sha256 IS 'Mã băm SHA-256 của tệp đã nộp.';

-- Grain: one row per (report_date, district_code, source, status): counts of
-- the case line list. Only counts leave the line list; names, birth years,
-- sex and communes of residence never do.
CREATE VIEW marts.mart_cases_by_district AS
WITH cur AS (
    SELECT * EXCLUDE (version_rank) FROM (
        SELECT f.report_date, f.district_code, f.case_id, f.source, f.status,
               row_number() OVER (PARTITION BY f.district_code, f.case_id
                                  ORDER BY f.report_date DESC, f.received_at DESC) AS version_rank
        FROM core.fact_case_line_list f WHERE valid_to IS NULL
    ) WHERE version_rank = 1
)
SELECT c.report_date,
       c.district_code,
       a.name AS district_name,
       c.source,
       c.status,
       count(*)::BIGINT AS cases
FROM cur c
LEFT JOIN core.dim_area a ON a.area_code = c.district_code
GROUP BY c.report_date, c.district_code, a.name, c.source, c.status;
COMMENT ON VIEW marts.mart_cases_by_district IS 'Số ca bệnh trong danh sách ca bệnh, chỉ ở dạng tổng hợp (không có thông tin cá nhân). Hạt: ngày báo cáo × huyện × nguồn lây × tình trạng.';
COMMENT ON COLUMN marts.mart_cases_by_district.report_date IS 'Ngày báo cáo của danh sách có ca bệnh (lần báo cáo mới nhất của ca).';
COMMENT ON COLUMN marts.mart_cases_by_district.district_code IS 'Mã huyện (GSO) của TTYT báo cáo.';
COMMENT ON COLUMN marts.mart_cases_by_district.district_name IS 'Tên huyện, thị xã, thành phố.';
COMMENT ON COLUMN marts.mart_cases_by_district.source IS 'Nguồn lây.';
COMMENT ON COLUMN marts.mart_cases_by_district.status IS 'Tình trạng hiện tại.';
COMMENT ON COLUMN marts.mart_cases_by_district.cases IS 'Số ca bệnh.';

-- Grain: one row per area (district or commune): the epidemic level in force,
-- i.e. the latest effective date, then the most recently received statement
-- (SYT for every area, UBND for its own district).
CREATE VIEW marts.mart_epidemic_levels_current AS
WITH cur AS (
    SELECT * EXCLUDE (version_rank) FROM (
        SELECT f.*, row_number() OVER (PARTITION BY area_code
                                       ORDER BY effective_date DESC, received_at DESC, submission_id DESC) AS version_rank
        FROM core.fact_epidemic_levels f WHERE valid_to IS NULL
    ) WHERE version_rank = 1
)
SELECT c.area_code,
       CASE a.level WHEN 'district' THEN 'Huyện' ELSE 'Xã' END AS area_level,
       a.name AS area_name,
       CASE a.level WHEN 'district' THEN a.name ELSE a.name || ', ' || d.name END AS area_label,
       coalesce(a.parent_code, c.area_code) AS district_code,
       CASE a.level WHEN 'district' THEN a.name ELSE d.name END AS district_name,
       c.level,
       'Cấp ' || c.level || ' - ' || c.colour AS level_label,
       c.colour,
       CASE c.level WHEN 1 THEN '#00A651' WHEN 2 THEN '#FFD400' WHEN 3 THEN '#F7941D' ELSE '#ED1C24' END AS colour_hex,
       c.effective_date,
       c.decision,
       a.latitude,
       a.longitude,
       c.unit_code,
       c.submission_id,
       c.file_sha256
FROM cur c
JOIN core.dim_area a ON a.area_code = c.area_code
LEFT JOIN core.dim_area d ON d.area_code = a.parent_code AND a.level = 'commune';
COMMENT ON VIEW marts.mart_epidemic_levels_current IS 'Cấp độ dịch đang áp dụng của từng huyện và từng xã, với màu chính thức và tọa độ trung tâm. Hạt: một dòng cho mỗi địa bàn (huyện hoặc xã).';
COMMENT ON COLUMN marts.mart_epidemic_levels_current.area_code IS 'Mã GSO của địa bàn.';
COMMENT ON COLUMN marts.mart_epidemic_levels_current.area_level IS 'Cấp địa bàn: Huyện hoặc Xã.';
COMMENT ON COLUMN marts.mart_epidemic_levels_current.area_name IS 'Tên địa bàn.';
COMMENT ON COLUMN marts.mart_epidemic_levels_current.area_label IS 'Tên địa bàn kèm huyện (tên xã có thể trùng giữa các huyện).';
COMMENT ON COLUMN marts.mart_epidemic_levels_current.district_code IS 'Mã huyện chứa địa bàn (chính nó nếu là huyện).';
COMMENT ON COLUMN marts.mart_epidemic_levels_current.district_name IS 'Tên huyện, thị xã, thành phố chứa địa bàn.';
COMMENT ON COLUMN marts.mart_epidemic_levels_current.level IS 'Cấp độ dịch (1 đến 4).';
COMMENT ON COLUMN marts.mart_epidemic_levels_current.level_label IS 'Nhãn cấp độ kèm màu, ví dụ "Cấp 2 - Vàng" (khóa màu trên dashboard).';
COMMENT ON COLUMN marts.mart_epidemic_levels_current.colour IS 'Màu chính thức: Xanh, Vàng, Cam, Đỏ.';
COMMENT ON COLUMN marts.mart_epidemic_levels_current.colour_hex IS 'Mã màu hiển thị của cấp độ.';
COMMENT ON COLUMN marts.mart_epidemic_levels_current.effective_date IS 'Ngày cấp độ có hiệu lực.';
COMMENT ON COLUMN marts.mart_epidemic_levels_current.decision IS 'Số quyết định công bố cấp độ.';
COMMENT ON COLUMN marts.mart_epidemic_levels_current.latitude IS 'Vĩ độ trung tâm địa bàn.';
COMMENT ON COLUMN marts.mart_epidemic_levels_current.longitude IS 'Kinh độ trung tâm địa bàn.';
COMMENT ON COLUMN marts.mart_epidemic_levels_current.unit_code IS 'Đơn vị đã báo cáo cấp độ.';
COMMENT ON COLUMN marts.mart_epidemic_levels_current.submission_id IS 'Mã lần nộp của số liệu.';
COMMENT ON COLUMN marts.mart_epidemic_levels_current.file_sha256 IS 'Mã băm SHA-256 của tệp đã nộp.';

-- Grain: one row per quarantine facility currently reported.
CREATE VIEW marts.mart_quarantine_facilities_current AS
WITH cur AS (
    SELECT * EXCLUDE (version_rank) FROM (
        SELECT f.*, row_number() OVER (PARTITION BY facility_name
                                       ORDER BY received_at DESC, submission_id DESC) AS version_rank
        FROM core.fact_quarantine_facilities f WHERE valid_to IS NULL
    ) WHERE version_rank = 1
)
SELECT c.facility_name,
       c.district_code,
       a.name AS district_name,
       c.commune_name,
       c.managing_body,
       c.military_run,
       CASE WHEN c.military_run = 'Có' THEN 'Quân đội quản lý' ELSE 'Đơn vị khác quản lý' END AS management_group,
       c.capacity,
       c.occupancy,
       c.capacity - c.occupancy AS free_places,
       round(100.0 * c.occupancy / nullif(c.capacity, 0), 1) AS occupancy_pct,
       c.status,
       c.as_of_date,
       c.unit_code,
       c.submission_id,
       c.file_sha256
FROM cur c
LEFT JOIN core.dim_area a ON a.area_code = c.district_code;
COMMENT ON VIEW marts.mart_quarantine_facilities_current IS 'Khu cách ly tập trung đang được báo cáo: sức chứa, số người đang cách ly, quân đội hay đơn vị khác quản lý. Hạt: một dòng cho mỗi khu cách ly.';
COMMENT ON COLUMN marts.mart_quarantine_facilities_current.facility_name IS 'Tên khu cách ly.';
COMMENT ON COLUMN marts.mart_quarantine_facilities_current.district_code IS 'Mã huyện nơi đặt khu cách ly.';
COMMENT ON COLUMN marts.mart_quarantine_facilities_current.district_name IS 'Tên huyện, thị xã, thành phố nơi đặt khu cách ly.';
COMMENT ON COLUMN marts.mart_quarantine_facilities_current.commune_name IS 'Xã nơi đặt khu cách ly.';
COMMENT ON COLUMN marts.mart_quarantine_facilities_current.managing_body IS 'Cơ quan trực tiếp quản lý.';
COMMENT ON COLUMN marts.mart_quarantine_facilities_current.military_run IS 'Do quân đội quản lý: Có hoặc Không.';
COMMENT ON COLUMN marts.mart_quarantine_facilities_current.management_group IS 'Nhóm quản lý: Quân đội quản lý hoặc Đơn vị khác quản lý.';
COMMENT ON COLUMN marts.mart_quarantine_facilities_current.capacity IS 'Sức chứa (người).';
COMMENT ON COLUMN marts.mart_quarantine_facilities_current.occupancy IS 'Số người đang cách ly.';
COMMENT ON COLUMN marts.mart_quarantine_facilities_current.free_places IS 'Số chỗ còn trống.';
COMMENT ON COLUMN marts.mart_quarantine_facilities_current.occupancy_pct IS 'Tỷ lệ sử dụng (%).';
COMMENT ON COLUMN marts.mart_quarantine_facilities_current.status IS 'Trạng thái hoạt động.';
COMMENT ON COLUMN marts.mart_quarantine_facilities_current.as_of_date IS 'Ngày cập nhật số liệu.';
COMMENT ON COLUMN marts.mart_quarantine_facilities_current.unit_code IS 'Đơn vị đã báo cáo.';
COMMENT ON COLUMN marts.mart_quarantine_facilities_current.submission_id IS 'Mã lần nộp của số liệu.';
COMMENT ON COLUMN marts.mart_quarantine_facilities_current.file_sha256 IS 'Mã băm SHA-256 của tệp đã nộp.';

-- Grain: one row per (report_date, district_code): returnees from epidemic
-- areas under medical quarantine (newest statement of CDC or TTYT wins).
CREATE VIEW marts.mart_returnees_daily AS
WITH cur AS (
    SELECT * EXCLUDE (version_rank) FROM (
        SELECT f.*, row_number() OVER (PARTITION BY report_date, district_code
                                       ORDER BY received_at DESC, submission_id DESC) AS version_rank
        FROM core.fact_returnees_quarantine f WHERE valid_to IS NULL
    ) WHERE version_rank = 1
)
SELECT c.report_date,
       c.district_code,
       a.name AS district_name,
       c.arrived_today,
       c.at_home,
       c.at_facility,
       c.completed,
       c.unit_code,
       c.submission_id,
       c.file_sha256
FROM cur c
LEFT JOIN core.dim_area a ON a.area_code = c.district_code;
COMMENT ON VIEW marts.mart_returnees_daily IS 'Người về từ vùng dịch đang cách ly y tế, theo huyện và ngày. Hạt: ngày báo cáo × huyện.';
COMMENT ON COLUMN marts.mart_returnees_daily.report_date IS 'Ngày báo cáo.';
COMMENT ON COLUMN marts.mart_returnees_daily.district_code IS 'Mã huyện (GSO).';
COMMENT ON COLUMN marts.mart_returnees_daily.district_name IS 'Tên huyện, thị xã, thành phố.';
COMMENT ON COLUMN marts.mart_returnees_daily.arrived_today IS 'Số người từ vùng dịch về trong ngày.';
COMMENT ON COLUMN marts.mart_returnees_daily.at_home IS 'Số người đang cách ly tại nhà.';
COMMENT ON COLUMN marts.mart_returnees_daily.at_facility IS 'Số người đang cách ly tập trung.';
COMMENT ON COLUMN marts.mart_returnees_daily.completed IS 'Số người đã hoàn thành cách ly (cộng dồn).';
COMMENT ON COLUMN marts.mart_returnees_daily.unit_code IS 'Đơn vị đã báo cáo.';
COMMENT ON COLUMN marts.mart_returnees_daily.submission_id IS 'Mã lần nộp của số liệu.';
COMMENT ON COLUMN marts.mart_returnees_daily.file_sha256 IS 'Mã băm SHA-256 của tệp đã nộp.';

-- Grain: one row per essential-goods point (point_name, district_code) currently reported.
CREATE VIEW marts.mart_supply_points_current AS
WITH cur AS (
    SELECT * EXCLUDE (version_rank) FROM (
        SELECT f.*, row_number() OVER (PARTITION BY point_name, district_code
                                       ORDER BY received_at DESC, submission_id DESC) AS version_rank
        FROM core.fact_supply_points f WHERE valid_to IS NULL
    ) WHERE version_rank = 1
)
SELECT c.point_name,
       c.point_type,
       c.district_code,
       a.name AS district_name,
       c.address,
       c.phone,
       c.website,
       c.status,
       c.as_of_date,
       c.unit_code,
       c.submission_id,
       c.file_sha256
FROM cur c
LEFT JOIN core.dim_area a ON a.area_code = c.district_code;
COMMENT ON VIEW marts.mart_supply_points_current IS 'Điểm cung cấp hàng hóa thiết yếu, chợ, siêu thị đang được báo cáo. Hạt: một dòng cho mỗi điểm (tên điểm × huyện).';
COMMENT ON COLUMN marts.mart_supply_points_current.point_name IS 'Tên điểm cung cấp.';
COMMENT ON COLUMN marts.mart_supply_points_current.point_type IS 'Loại điểm: chợ, siêu thị, cửa hàng, điểm bán trực tuyến...';
COMMENT ON COLUMN marts.mart_supply_points_current.district_code IS 'Mã huyện (GSO).';
COMMENT ON COLUMN marts.mart_supply_points_current.district_name IS 'Tên huyện, thị xã, thành phố.';
COMMENT ON COLUMN marts.mart_supply_points_current.address IS 'Địa chỉ (điểm bán trực tuyến: nơi giao hàng).';
COMMENT ON COLUMN marts.mart_supply_points_current.phone IS 'Số điện thoại đặt hàng (của điểm bán, không phải cá nhân).';
COMMENT ON COLUMN marts.mart_supply_points_current.website IS 'Trang web hoặc ứng dụng đặt hàng.';
COMMENT ON COLUMN marts.mart_supply_points_current.status IS 'Trạng thái hoạt động.';
COMMENT ON COLUMN marts.mart_supply_points_current.as_of_date IS 'Ngày cập nhật số liệu.';
COMMENT ON COLUMN marts.mart_supply_points_current.unit_code IS 'Đơn vị đã báo cáo.';
COMMENT ON COLUMN marts.mart_supply_points_current.submission_id IS 'Mã lần nộp của số liệu.';
COMMENT ON COLUMN marts.mart_supply_points_current.file_sha256 IS 'Mã băm SHA-256 của tệp đã nộp.';

-- Grain: one row per food establishment (establishment_name, district_code) currently reported.
CREATE VIEW marts.mart_food_establishments_current AS
WITH cur AS (
    SELECT * EXCLUDE (version_rank) FROM (
        SELECT f.*, row_number() OVER (PARTITION BY establishment_name, district_code
                                       ORDER BY received_at DESC, submission_id DESC) AS version_rank
        FROM core.fact_food_establishments f WHERE valid_to IS NULL
    ) WHERE version_rank = 1
)
SELECT c.establishment_name,
       c.business_type,
       c.district_code,
       a.name AS district_name,
       c.address,
       c.certificate_number,
       c.status,
       c.as_of_date,
       c.unit_code,
       c.submission_id,
       c.file_sha256
FROM cur c
LEFT JOIN core.dim_area a ON a.area_code = c.district_code;
COMMENT ON VIEW marts.mart_food_establishments_current IS 'Cơ sở sản xuất, kinh doanh thực phẩm đang được báo cáo. Hạt: một dòng cho mỗi cơ sở (tên cơ sở × huyện).';
COMMENT ON COLUMN marts.mart_food_establishments_current.establishment_name IS 'Tên cơ sở.';
COMMENT ON COLUMN marts.mart_food_establishments_current.business_type IS 'Loại hình hoạt động.';
COMMENT ON COLUMN marts.mart_food_establishments_current.district_code IS 'Mã huyện (GSO).';
COMMENT ON COLUMN marts.mart_food_establishments_current.district_name IS 'Tên huyện, thị xã, thành phố.';
COMMENT ON COLUMN marts.mart_food_establishments_current.address IS 'Địa chỉ cơ sở.';
COMMENT ON COLUMN marts.mart_food_establishments_current.certificate_number IS 'Số giấy chứng nhận an toàn thực phẩm, nếu có.';
COMMENT ON COLUMN marts.mart_food_establishments_current.status IS 'Trạng thái hoạt động.';
COMMENT ON COLUMN marts.mart_food_establishments_current.as_of_date IS 'Ngày cập nhật số liệu.';
COMMENT ON COLUMN marts.mart_food_establishments_current.unit_code IS 'Đơn vị đã báo cáo.';
COMMENT ON COLUMN marts.mart_food_establishments_current.submission_id IS 'Mã lần nộp của số liệu.';
COMMENT ON COLUMN marts.mart_food_establishments_current.file_sha256 IS 'Mã băm SHA-256 của tệp đã nộp.';

-- Grain: one row per checkpoint currently reported.
CREATE VIEW marts.mart_checkpoints_current AS
WITH cur AS (
    SELECT * EXCLUDE (version_rank) FROM (
        SELECT f.*, row_number() OVER (PARTITION BY checkpoint_name
                                       ORDER BY received_at DESC, submission_id DESC) AS version_rank
        FROM core.fact_checkpoints f WHERE valid_to IS NULL
    ) WHERE version_rank = 1
)
SELECT c.checkpoint_name,
       c.district_code,
       a.name AS district_name,
       c.commune_name,
       c.location,
       c.status,
       c.staff,
       c.as_of_date,
       c.unit_code,
       c.submission_id,
       c.file_sha256
FROM cur c
LEFT JOIN core.dim_area a ON a.area_code = c.district_code;
COMMENT ON VIEW marts.mart_checkpoints_current IS 'Chốt kiểm soát dịch đang được báo cáo. Hạt: một dòng cho mỗi chốt.';
COMMENT ON COLUMN marts.mart_checkpoints_current.checkpoint_name IS 'Tên chốt.';
COMMENT ON COLUMN marts.mart_checkpoints_current.district_code IS 'Mã huyện nơi đặt chốt.';
COMMENT ON COLUMN marts.mart_checkpoints_current.district_name IS 'Tên huyện, thị xã, thành phố nơi đặt chốt.';
COMMENT ON COLUMN marts.mart_checkpoints_current.commune_name IS 'Xã nơi đặt chốt.';
COMMENT ON COLUMN marts.mart_checkpoints_current.location IS 'Mô tả vị trí.';
COMMENT ON COLUMN marts.mart_checkpoints_current.status IS 'Trạng thái của chốt.';
COMMENT ON COLUMN marts.mart_checkpoints_current.staff IS 'Số cán bộ trực chốt.';
COMMENT ON COLUMN marts.mart_checkpoints_current.as_of_date IS 'Ngày cập nhật số liệu.';
COMMENT ON COLUMN marts.mart_checkpoints_current.unit_code IS 'Đơn vị đã báo cáo.';
COMMENT ON COLUMN marts.mart_checkpoints_current.submission_id IS 'Mã lần nộp của số liệu.';
COMMENT ON COLUMN marts.mart_checkpoints_current.file_sha256 IS 'Mã băm SHA-256 của tệp đã nộp.';

-- Grain: one row per violation case (case_number), its current version.
CREATE VIEW marts.mart_violations AS
WITH cur AS (
    SELECT * EXCLUDE (version_rank) FROM (
        SELECT f.*, row_number() OVER (PARTITION BY case_number
                                       ORDER BY received_at DESC, submission_id DESC) AS version_rank
        FROM core.fact_violations f WHERE valid_to IS NULL
    ) WHERE version_rank = 1
)
SELECT c.case_number,
       c.detected_date,
       c.district_code,
       a.name AS district_name,
       c.violation_type,
       c.description,
       c.action,
       c.fine_amount,
       c.unit_code,
       c.submission_id,
       c.file_sha256
FROM cur c
LEFT JOIN core.dim_area a ON a.area_code = c.district_code;
COMMENT ON VIEW marts.mart_violations IS 'Vụ việc vi phạm lợi dụng dịch bệnh (phiên bản hiện hành của mỗi hồ sơ). Hạt: một dòng cho mỗi số hồ sơ.';
COMMENT ON COLUMN marts.mart_violations.case_number IS 'Số hồ sơ vụ việc.';
COMMENT ON COLUMN marts.mart_violations.detected_date IS 'Ngày phát hiện.';
COMMENT ON COLUMN marts.mart_violations.district_code IS 'Mã huyện nơi xảy ra vụ việc.';
COMMENT ON COLUMN marts.mart_violations.district_name IS 'Tên huyện, thị xã, thành phố nơi xảy ra vụ việc.';
COMMENT ON COLUMN marts.mart_violations.violation_type IS 'Loại vi phạm.';
COMMENT ON COLUMN marts.mart_violations.description IS 'Tóm tắt vụ việc.';
COMMENT ON COLUMN marts.mart_violations.action IS 'Hình thức xử lý.';
COMMENT ON COLUMN marts.mart_violations.fine_amount IS 'Số tiền phạt (đồng), nếu có.';
COMMENT ON COLUMN marts.mart_violations.unit_code IS 'Đơn vị đã báo cáo.';
COMMENT ON COLUMN marts.mart_violations.submission_id IS 'Mã lần nộp của số liệu.';
COMMENT ON COLUMN marts.mart_violations.file_sha256 IS 'Mã băm SHA-256 của tệp đã nộp.';

-- Grain: one row per (policy_code, district_code): cumulative support paid, as last reported.
CREATE VIEW marts.mart_support_policies_current AS
WITH cur AS (
    SELECT * EXCLUDE (version_rank) FROM (
        SELECT f.*, row_number() OVER (PARTITION BY policy_code, district_code
                                       ORDER BY received_at DESC, submission_id DESC) AS version_rank
        FROM core.fact_support_policies f WHERE valid_to IS NULL
    ) WHERE version_rank = 1
)
SELECT c.policy_code,
       c.policy_name,
       c.legal_basis,
       c.district_code,
       a.name AS district_name,
       c.beneficiaries,
       c.amount_paid,
       c.as_of_date,
       c.unit_code,
       c.submission_id,
       c.file_sha256
FROM cur c
LEFT JOIN core.dim_area a ON a.area_code = c.district_code;
COMMENT ON VIEW marts.mart_support_policies_current IS 'Chính sách hỗ trợ người dân, người lao động: số người và số tiền đã chi (cộng dồn) theo huyện. Hạt: chính sách × huyện.';
COMMENT ON COLUMN marts.mart_support_policies_current.policy_code IS 'Mã chính sách.';
COMMENT ON COLUMN marts.mart_support_policies_current.policy_name IS 'Tên chính sách.';
COMMENT ON COLUMN marts.mart_support_policies_current.legal_basis IS 'Văn bản quy định chính sách.';
COMMENT ON COLUMN marts.mart_support_policies_current.district_code IS 'Mã huyện (GSO).';
COMMENT ON COLUMN marts.mart_support_policies_current.district_name IS 'Tên huyện, thị xã, thành phố.';
COMMENT ON COLUMN marts.mart_support_policies_current.beneficiaries IS 'Số người được hỗ trợ (cộng dồn).';
COMMENT ON COLUMN marts.mart_support_policies_current.amount_paid IS 'Số tiền đã chi, đồng (cộng dồn).';
COMMENT ON COLUMN marts.mart_support_policies_current.as_of_date IS 'Ngày cập nhật số liệu.';
COMMENT ON COLUMN marts.mart_support_policies_current.unit_code IS 'Đơn vị đã báo cáo.';
COMMENT ON COLUMN marts.mart_support_policies_current.submission_id IS 'Mã lần nộp của số liệu.';
COMMENT ON COLUMN marts.mart_support_policies_current.file_sha256 IS 'Mã băm SHA-256 của tệp đã nộp.';

-- Grain: one row per (report_date, topic): citizen feedback of the day
-- (province-wide; the dataset has no district).
CREATE VIEW marts.mart_citizen_feedback_daily AS
WITH cur AS (
    SELECT * EXCLUDE (version_rank) FROM (
        SELECT f.*, row_number() OVER (PARTITION BY report_date, topic
                                       ORDER BY received_at DESC, submission_id DESC) AS version_rank
        FROM core.fact_citizen_feedback f WHERE valid_to IS NULL
    ) WHERE version_rank = 1
)
SELECT report_date,
       topic,
       received,
       handled,
       open,
       unit_code,
       submission_id,
       file_sha256
FROM cur;
COMMENT ON VIEW marts.mart_citizen_feedback_daily IS 'Phản ánh, kiến nghị của người dân theo ngày và chủ đề (toàn tỉnh). Hạt: ngày báo cáo × chủ đề.';
COMMENT ON COLUMN marts.mart_citizen_feedback_daily.report_date IS 'Ngày báo cáo.';
COMMENT ON COLUMN marts.mart_citizen_feedback_daily.topic IS 'Chủ đề phản ánh.';
COMMENT ON COLUMN marts.mart_citizen_feedback_daily.received IS 'Số phản ánh tiếp nhận trong ngày.';
COMMENT ON COLUMN marts.mart_citizen_feedback_daily.handled IS 'Số phản ánh trong ngày đã xử lý xong.';
COMMENT ON COLUMN marts.mart_citizen_feedback_daily.open IS 'Số phản ánh trong ngày còn đang xử lý.';
COMMENT ON COLUMN marts.mart_citizen_feedback_daily.unit_code IS 'Đơn vị đã báo cáo.';
COMMENT ON COLUMN marts.mart_citizen_feedback_daily.submission_id IS 'Mã lần nộp của số liệu.';
COMMENT ON COLUMN marts.mart_citizen_feedback_daily.file_sha256 IS 'Mã băm SHA-256 của tệp đã nộp.';

-- Grain: one row per directive document (document_number), its current version.
CREATE VIEW marts.mart_directive_documents AS
WITH cur AS (
    SELECT * EXCLUDE (version_rank) FROM (
        SELECT f.*, row_number() OVER (PARTITION BY document_number
                                       ORDER BY received_at DESC, submission_id DESC) AS version_rank
        FROM core.fact_directive_documents f WHERE valid_to IS NULL
    ) WHERE version_rank = 1
)
SELECT document_number,
       issued_date,
       issuer,
       title,
       summary,
       link,
       unit_code,
       submission_id,
       file_sha256
FROM cur;
COMMENT ON VIEW marts.mart_directive_documents IS 'Văn bản chỉ đạo, điều hành (phiên bản hiện hành của mỗi văn bản). Hạt: một dòng cho mỗi số ký hiệu văn bản.';
COMMENT ON COLUMN marts.mart_directive_documents.document_number IS 'Số ký hiệu văn bản.';
COMMENT ON COLUMN marts.mart_directive_documents.issued_date IS 'Ngày ban hành.';
COMMENT ON COLUMN marts.mart_directive_documents.issuer IS 'Cơ quan ban hành.';
COMMENT ON COLUMN marts.mart_directive_documents.title IS 'Trích yếu nội dung.';
COMMENT ON COLUMN marts.mart_directive_documents.summary IS 'Tóm tắt ngắn.';
COMMENT ON COLUMN marts.mart_directive_documents.link IS 'Đường dẫn tới toàn văn.';
COMMENT ON COLUMN marts.mart_directive_documents.unit_code IS 'Đơn vị đã cập nhật văn bản.';
COMMENT ON COLUMN marts.mart_directive_documents.submission_id IS 'Mã lần nộp của số liệu.';
COMMENT ON COLUMN marts.mart_directive_documents.file_sha256 IS 'Mã băm SHA-256 của tệp đã nộp.';

-- Grain: one row per submission (loaded, duplicate or rejected), with its
-- unit's district and the count of each kind of finding. Messages and cell
-- values are left out: they can quote a personal field of a rejected line list.
CREATE VIEW marts.mart_data_quality_submissions AS
WITH findings AS (
    SELECT submission_id,
           count(*) FILTER (WHERE severity = 'error')::BIGINT AS errors,
           count(*) FILTER (WHERE severity = 'warning')::BIGINT AS warnings,
           count(*) FILTER (WHERE code = 'outlier')::BIGINT AS outliers,
           count(*) FILTER (WHERE code = 'cross-unit-mismatch')::BIGINT AS cross_unit_mismatches
    FROM raw.validation_issue
    GROUP BY submission_id
)
SELECT s.submission_id,
       s.unit_code,
       u.name AS unit_name,
       u.district_code,
       coalesce(a.name, 'Cấp tỉnh') AS district_name,
       coalesce(s.dataset, '(không xác định)') AS dataset,
       CAST(timezone('Asia/Ho_Chi_Minh', s.received_at) AS DATE) AS received_date,
       timezone('Asia/Ho_Chi_Minh', s.received_at) AS received_at,
       s.status,
       CASE s.status WHEN 'loaded' THEN 'Đã nạp' WHEN 'duplicate' THEN 'Trùng lặp'
                     WHEN 'rejected' THEN 'Bị từ chối' ELSE s.status END AS status_label,
       (s.status = 'rejected')::INTEGER AS rejected,
       s.row_count,
       coalesce(f.errors, 0) AS errors,
       coalesce(f.warnings, 0) AS warnings,
       coalesce(f.outliers, 0) AS outliers,
       coalesce(f.cross_unit_mismatches, 0) AS cross_unit_mismatches,
       s.file_sha256
FROM raw.submission s
LEFT JOIN findings f USING (submission_id)
LEFT JOIN core.dim_unit u ON u.unit_code = s.unit_code
LEFT JOIN core.dim_area a ON a.area_code = u.district_code;
COMMENT ON VIEW marts.mart_data_quality_submissions IS 'Chất lượng dữ liệu: mỗi lần nộp với trạng thái, số lỗi, cảnh báo và giá trị bất thường. Hạt: một dòng cho mỗi lần nộp.';
COMMENT ON COLUMN marts.mart_data_quality_submissions.submission_id IS 'Mã lần nộp.';
COMMENT ON COLUMN marts.mart_data_quality_submissions.unit_code IS 'Mã đơn vị nộp.';
COMMENT ON COLUMN marts.mart_data_quality_submissions.unit_name IS 'Tên đơn vị nộp.';
COMMENT ON COLUMN marts.mart_data_quality_submissions.district_code IS 'Mã huyện của đơn vị (trống với đơn vị cấp tỉnh).';
COMMENT ON COLUMN marts.mart_data_quality_submissions.district_name IS 'Huyện của đơn vị, hoặc "Cấp tỉnh".';
COMMENT ON COLUMN marts.mart_data_quality_submissions.dataset IS 'Biểu mẫu (tên kỹ thuật) của tệp.';
COMMENT ON COLUMN marts.mart_data_quality_submissions.received_date IS 'Ngày nhận tệp (giờ Việt Nam).';
COMMENT ON COLUMN marts.mart_data_quality_submissions.received_at IS 'Thời điểm nhận tệp (giờ Việt Nam).';
COMMENT ON COLUMN marts.mart_data_quality_submissions.status IS 'Trạng thái kỹ thuật: loaded, duplicate, rejected.';
COMMENT ON COLUMN marts.mart_data_quality_submissions.status_label IS 'Trạng thái: Đã nạp, Trùng lặp, Bị từ chối.';
COMMENT ON COLUMN marts.mart_data_quality_submissions.rejected IS '1 nếu tệp bị từ chối, 0 nếu không.';
COMMENT ON COLUMN marts.mart_data_quality_submissions.row_count IS 'Số dòng dữ liệu của tệp.';
COMMENT ON COLUMN marts.mart_data_quality_submissions.errors IS 'Số lỗi (làm tệp bị từ chối).';
COMMENT ON COLUMN marts.mart_data_quality_submissions.warnings IS 'Số cảnh báo (tệp vẫn được nạp).';
COMMENT ON COLUMN marts.mart_data_quality_submissions.outliers IS 'Số giá trị bất thường so với lịch sử của đơn vị.';
COMMENT ON COLUMN marts.mart_data_quality_submissions.cross_unit_mismatches IS 'Số chênh lệch với số liệu của đơn vị khác.';
COMMENT ON COLUMN marts.mart_data_quality_submissions.file_sha256 IS 'Mã băm SHA-256 của tệp.';

-- Grain: one row per (unit, dataset, severity, code): how often each kind of
-- finding occurred. Counts only, for the same reason as above.
CREATE VIEW marts.mart_data_quality_issues AS
SELECT s.unit_code,
       u.name AS unit_name,
       coalesce(a.name, 'Cấp tỉnh') AS district_name,
       coalesce(s.dataset, '(không xác định)') AS dataset,
       i.severity,
       CASE i.severity WHEN 'error' THEN 'Lỗi' WHEN 'warning' THEN 'Cảnh báo' ELSE 'Ghi chú' END AS severity_label,
       i.code,
       count(*)::BIGINT AS findings,
       count(DISTINCT i.submission_id)::BIGINT AS submissions
FROM raw.validation_issue i
JOIN raw.submission s USING (submission_id)
LEFT JOIN core.dim_unit u ON u.unit_code = s.unit_code
LEFT JOIN core.dim_area a ON a.area_code = u.district_code
GROUP BY ALL;
COMMENT ON VIEW marts.mart_data_quality_issues IS 'Chất lượng dữ liệu: số phát hiện theo đơn vị, biểu mẫu, mức độ và mã lỗi. Hạt: đơn vị × biểu mẫu × mức độ × mã lỗi.';
COMMENT ON COLUMN marts.mart_data_quality_issues.unit_code IS 'Mã đơn vị nộp.';
COMMENT ON COLUMN marts.mart_data_quality_issues.unit_name IS 'Tên đơn vị nộp.';
COMMENT ON COLUMN marts.mart_data_quality_issues.district_name IS 'Huyện của đơn vị, hoặc "Cấp tỉnh".';
COMMENT ON COLUMN marts.mart_data_quality_issues.dataset IS 'Biểu mẫu (tên kỹ thuật).';
COMMENT ON COLUMN marts.mart_data_quality_issues.severity IS 'Mức độ kỹ thuật: error, warning, info.';
COMMENT ON COLUMN marts.mart_data_quality_issues.severity_label IS 'Mức độ: Lỗi, Cảnh báo, Ghi chú.';
COMMENT ON COLUMN marts.mart_data_quality_issues.code IS 'Mã lỗi (validation/errors.yaml).';
COMMENT ON COLUMN marts.mart_data_quality_issues.findings IS 'Số phát hiện.';
COMMENT ON COLUMN marts.mart_data_quality_issues.submissions IS 'Số lần nộp có phát hiện này.';
