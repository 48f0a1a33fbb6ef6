-- 009: loading a million-row file without paying for it twice.
--
-- Each accepted row used to be written twice, to staging.<dataset> and to its
-- core fact table, each with an index on (submission_id, source_row). Nothing
-- reads staging that the fact table does not hold: every loaded row is
-- inserted into the fact table once and never deleted (a later version only
-- sets valid_to). So staging becomes a view of the fact table, and the fact
-- tables lose the primary-key index, which only the loader could break and
-- which cost a third of a big load (an ART index built row by row). The
-- grain is still stated in each comment and asserted by the tests
-- (tests/warehouse/test_catalogue.py) after every load. The first dataset
-- (epidemic situation, migration 001) keeps its staging table: its fact table
-- has no source_row to stand in for it, and its files are 27 rows.
--
-- Written by warehouse/ddl.py row_key_migration() from a warehouse migrated
-- to 008, then committed.

-- Danh sách ca bệnh
CREATE TABLE core.fact_case_line_list__009 (
    submission_id          VARCHAR NOT NULL,
    unit_code              VARCHAR NOT NULL,
    file_sha256            VARCHAR NOT NULL,
    received_at            TIMESTAMP WITH TIME ZONE NOT NULL,
    source_row             INTEGER NOT NULL,
    report_date            DATE NOT NULL,
    case_id                VARCHAR NOT NULL,
    full_name              VARCHAR NOT NULL,
    birth_year             BIGINT NOT NULL,
    sex                    VARCHAR NOT NULL,
    district_code          VARCHAR NOT NULL,
    commune_name           VARCHAR NOT NULL,
    detection_date         DATE NOT NULL,
    source                 VARCHAR NOT NULL,
    status                 VARCHAR NOT NULL,
    treatment_place        VARCHAR,
    valid_from             TIMESTAMP WITH TIME ZONE NOT NULL,
    valid_to               TIMESTAMP WITH TIME ZONE
);
INSERT INTO core.fact_case_line_list__009 SELECT * FROM core.fact_case_line_list;
DROP TABLE core.fact_case_line_list;
ALTER TABLE core.fact_case_line_list__009 RENAME TO fact_case_line_list;
COMMENT ON TABLE core.fact_case_line_list IS 'Danh sách ca bệnh, có lịch sử phiên bản (valid_from/valid_to). Hạt: đơn vị × (case_id) × phiên bản.';
COMMENT ON COLUMN core.fact_case_line_list.submission_id IS 'Mã lần nộp (raw.submission) của tệp đã cung cấp dòng này.';
COMMENT ON COLUMN core.fact_case_line_list.unit_code IS 'Mã đơn vị đã nộp tệp (core.dim_unit).';
COMMENT ON COLUMN core.fact_case_line_list.file_sha256 IS 'Mã băm SHA-256 của tệp đã nộp; tệp gốc được lưu nguyên vẹn trong archive/.';
COMMENT ON COLUMN core.fact_case_line_list.received_at IS 'Thời điểm máy chủ nhận tệp (lấy từ nhật ký lần nộp).';
COMMENT ON COLUMN core.fact_case_line_list.source_row IS 'Số dòng Excel của dòng này trong tệp đã nộp.';
COMMENT ON COLUMN core.fact_case_line_list.report_date IS 'Ngày báo cáo: Ngày của danh sách.';
COMMENT ON COLUMN core.fact_case_line_list.case_id IS 'Mã ca bệnh: Mã ca bệnh do TTYT cấp, duy nhất trong huyện.';
COMMENT ON COLUMN core.fact_case_line_list.full_name IS 'Họ và tên: Họ và tên người bệnh (thông tin cá nhân).';
COMMENT ON COLUMN core.fact_case_line_list.birth_year IS 'Năm sinh: Năm sinh (4 chữ số).';
COMMENT ON COLUMN core.fact_case_line_list.sex IS 'Giới tính: Nam hoặc Nữ.';
COMMENT ON COLUMN core.fact_case_line_list.district_code IS 'Mã huyện: Mã huyện của TTYT báo cáo.';
COMMENT ON COLUMN core.fact_case_line_list.commune_name IS 'Xã, phường, thị trấn: Nơi cư trú của người bệnh (xã, phường, thị trấn trong huyện).';
COMMENT ON COLUMN core.fact_case_line_list.detection_date IS 'Ngày phát hiện: Ngày có kết quả xét nghiệm dương tính.';
COMMENT ON COLUMN core.fact_case_line_list.source IS 'Nguồn lây: Nơi phát hiện hoặc nguồn lây.';
COMMENT ON COLUMN core.fact_case_line_list.status IS 'Tình trạng: Tình trạng hiện tại của người bệnh.';
COMMENT ON COLUMN core.fact_case_line_list.treatment_place IS 'Nơi điều trị: Cơ sở điều trị hiện tại.';
COMMENT ON COLUMN core.fact_case_line_list.valid_from IS 'Phiên bản có hiệu lực từ thời điểm này (= thời điểm nhận tệp đã cung cấp nó).';
COMMENT ON COLUMN core.fact_case_line_list.valid_to IS 'Phiên bản hết hiệu lực từ thời điểm này (thời điểm nhận tệp thay thế nó); trống = đang có hiệu lực.';
DROP TABLE staging.case_line_list;
CREATE VIEW staging.case_line_list AS SELECT submission_id, source_row, report_date, case_id, full_name, birth_year, sex, district_code, commune_name, detection_date, source, status, treatment_place FROM core.fact_case_line_list;
COMMENT ON VIEW staging.case_line_list IS 'Dòng đã kiểm tra của biểu mẫu "Danh sách ca bệnh", mỗi dòng đúng như tệp đã nộp (lấy từ core.fact_case_line_list, không kể phiên bản). Hạt: lần nộp × dòng Excel.';
COMMENT ON COLUMN staging.case_line_list.submission_id IS 'Mã lần nộp (raw.submission) của tệp đã cung cấp dòng này.';
COMMENT ON COLUMN staging.case_line_list.source_row IS 'Số dòng Excel của dòng này trong tệp đã nộp.';
COMMENT ON COLUMN staging.case_line_list.report_date IS 'Ngày báo cáo: Ngày của danh sách.';
COMMENT ON COLUMN staging.case_line_list.case_id IS 'Mã ca bệnh: Mã ca bệnh do TTYT cấp, duy nhất trong huyện.';
COMMENT ON COLUMN staging.case_line_list.full_name IS 'Họ và tên: Họ và tên người bệnh (thông tin cá nhân).';
COMMENT ON COLUMN staging.case_line_list.birth_year IS 'Năm sinh: Năm sinh (4 chữ số).';
COMMENT ON COLUMN staging.case_line_list.sex IS 'Giới tính: Nam hoặc Nữ.';
COMMENT ON COLUMN staging.case_line_list.district_code IS 'Mã huyện: Mã huyện của TTYT báo cáo.';
COMMENT ON COLUMN staging.case_line_list.commune_name IS 'Xã, phường, thị trấn: Nơi cư trú của người bệnh (xã, phường, thị trấn trong huyện).';
COMMENT ON COLUMN staging.case_line_list.detection_date IS 'Ngày phát hiện: Ngày có kết quả xét nghiệm dương tính.';
COMMENT ON COLUMN staging.case_line_list.source IS 'Nguồn lây: Nơi phát hiện hoặc nguồn lây.';
COMMENT ON COLUMN staging.case_line_list.status IS 'Tình trạng: Tình trạng hiện tại của người bệnh.';
COMMENT ON COLUMN staging.case_line_list.treatment_place IS 'Nơi điều trị: Cơ sở điều trị hiện tại.';

-- Chốt kiểm soát dịch
CREATE TABLE core.fact_checkpoints__009 (
    submission_id          VARCHAR NOT NULL,
    unit_code              VARCHAR NOT NULL,
    file_sha256            VARCHAR NOT NULL,
    received_at            TIMESTAMP WITH TIME ZONE NOT NULL,
    source_row             INTEGER NOT NULL,
    as_of_date             DATE NOT NULL,
    checkpoint_name        VARCHAR NOT NULL,
    district_code          VARCHAR NOT NULL,
    commune_name           VARCHAR NOT NULL,
    location               VARCHAR NOT NULL,
    status                 VARCHAR NOT NULL,
    staff                  BIGINT NOT NULL,
    valid_from             TIMESTAMP WITH TIME ZONE NOT NULL,
    valid_to               TIMESTAMP WITH TIME ZONE
);
INSERT INTO core.fact_checkpoints__009 SELECT * FROM core.fact_checkpoints;
DROP TABLE core.fact_checkpoints;
ALTER TABLE core.fact_checkpoints__009 RENAME TO fact_checkpoints;
COMMENT ON TABLE core.fact_checkpoints IS 'Chốt kiểm soát dịch, có lịch sử phiên bản (valid_from/valid_to). Hạt: đơn vị × (checkpoint_name) × phiên bản.';
COMMENT ON COLUMN core.fact_checkpoints.submission_id IS 'Mã lần nộp (raw.submission) của tệp đã cung cấp dòng này.';
COMMENT ON COLUMN core.fact_checkpoints.unit_code IS 'Mã đơn vị đã nộp tệp (core.dim_unit).';
COMMENT ON COLUMN core.fact_checkpoints.file_sha256 IS 'Mã băm SHA-256 của tệp đã nộp; tệp gốc được lưu nguyên vẹn trong archive/.';
COMMENT ON COLUMN core.fact_checkpoints.received_at IS 'Thời điểm máy chủ nhận tệp (lấy từ nhật ký lần nộp).';
COMMENT ON COLUMN core.fact_checkpoints.source_row IS 'Số dòng Excel của dòng này trong tệp đã nộp.';
COMMENT ON COLUMN core.fact_checkpoints.as_of_date IS 'Ngày cập nhật: Ngày của số liệu.';
COMMENT ON COLUMN core.fact_checkpoints.checkpoint_name IS 'Tên chốt: Tên chốt, duy nhất trong tệp.';
COMMENT ON COLUMN core.fact_checkpoints.district_code IS 'Mã huyện: Mã huyện nơi đặt chốt.';
COMMENT ON COLUMN core.fact_checkpoints.commune_name IS 'Xã, phường, thị trấn: Xã nơi đặt chốt.';
COMMENT ON COLUMN core.fact_checkpoints.location IS 'Vị trí: Mô tả vị trí.';
COMMENT ON COLUMN core.fact_checkpoints.status IS 'Trạng thái: Trạng thái của chốt.';
COMMENT ON COLUMN core.fact_checkpoints.staff IS 'Số cán bộ trực: Số người trực chốt.';
COMMENT ON COLUMN core.fact_checkpoints.valid_from IS 'Phiên bản có hiệu lực từ thời điểm này (= thời điểm nhận tệp đã cung cấp nó).';
COMMENT ON COLUMN core.fact_checkpoints.valid_to IS 'Phiên bản hết hiệu lực từ thời điểm này (thời điểm nhận tệp thay thế nó); trống = đang có hiệu lực.';
DROP TABLE staging.checkpoints;
CREATE VIEW staging.checkpoints AS SELECT submission_id, source_row, as_of_date, checkpoint_name, district_code, commune_name, location, status, staff FROM core.fact_checkpoints;
COMMENT ON VIEW staging.checkpoints IS 'Dòng đã kiểm tra của biểu mẫu "Chốt kiểm soát dịch", mỗi dòng đúng như tệp đã nộp (lấy từ core.fact_checkpoints, không kể phiên bản). Hạt: lần nộp × dòng Excel.';
COMMENT ON COLUMN staging.checkpoints.submission_id IS 'Mã lần nộp (raw.submission) của tệp đã cung cấp dòng này.';
COMMENT ON COLUMN staging.checkpoints.source_row IS 'Số dòng Excel của dòng này trong tệp đã nộp.';
COMMENT ON COLUMN staging.checkpoints.as_of_date IS 'Ngày cập nhật: Ngày của số liệu.';
COMMENT ON COLUMN staging.checkpoints.checkpoint_name IS 'Tên chốt: Tên chốt, duy nhất trong tệp.';
COMMENT ON COLUMN staging.checkpoints.district_code IS 'Mã huyện: Mã huyện nơi đặt chốt.';
COMMENT ON COLUMN staging.checkpoints.commune_name IS 'Xã, phường, thị trấn: Xã nơi đặt chốt.';
COMMENT ON COLUMN staging.checkpoints.location IS 'Vị trí: Mô tả vị trí.';
COMMENT ON COLUMN staging.checkpoints.status IS 'Trạng thái: Trạng thái của chốt.';
COMMENT ON COLUMN staging.checkpoints.staff IS 'Số cán bộ trực: Số người trực chốt.';

-- Phản ánh, kiến nghị của người dân
CREATE TABLE core.fact_citizen_feedback__009 (
    submission_id          VARCHAR NOT NULL,
    unit_code              VARCHAR NOT NULL,
    file_sha256            VARCHAR NOT NULL,
    received_at            TIMESTAMP WITH TIME ZONE NOT NULL,
    source_row             INTEGER NOT NULL,
    report_date            DATE NOT NULL,
    topic                  VARCHAR NOT NULL,
    received               BIGINT NOT NULL,
    handled                BIGINT NOT NULL,
    open                   BIGINT NOT NULL,
    valid_from             TIMESTAMP WITH TIME ZONE NOT NULL,
    valid_to               TIMESTAMP WITH TIME ZONE
);
INSERT INTO core.fact_citizen_feedback__009 SELECT * FROM core.fact_citizen_feedback;
DROP TABLE core.fact_citizen_feedback;
ALTER TABLE core.fact_citizen_feedback__009 RENAME TO fact_citizen_feedback;
COMMENT ON TABLE core.fact_citizen_feedback IS 'Phản ánh, kiến nghị của người dân, có lịch sử phiên bản (valid_from/valid_to). Hạt: đơn vị × (report_date, topic) × phiên bản.';
COMMENT ON COLUMN core.fact_citizen_feedback.submission_id IS 'Mã lần nộp (raw.submission) của tệp đã cung cấp dòng này.';
COMMENT ON COLUMN core.fact_citizen_feedback.unit_code IS 'Mã đơn vị đã nộp tệp (core.dim_unit).';
COMMENT ON COLUMN core.fact_citizen_feedback.file_sha256 IS 'Mã băm SHA-256 của tệp đã nộp; tệp gốc được lưu nguyên vẹn trong archive/.';
COMMENT ON COLUMN core.fact_citizen_feedback.received_at IS 'Thời điểm máy chủ nhận tệp (lấy từ nhật ký lần nộp).';
COMMENT ON COLUMN core.fact_citizen_feedback.source_row IS 'Số dòng Excel của dòng này trong tệp đã nộp.';
COMMENT ON COLUMN core.fact_citizen_feedback.report_date IS 'Ngày báo cáo: Ngày của số liệu.';
COMMENT ON COLUMN core.fact_citizen_feedback.topic IS 'Chủ đề: Chủ đề phản ánh.';
COMMENT ON COLUMN core.fact_citizen_feedback.received IS 'Số phản ánh tiếp nhận: Tiếp nhận trong ngày.';
COMMENT ON COLUMN core.fact_citizen_feedback.handled IS 'Đã xử lý: Số phản ánh trong ngày đã xử lý xong.';
COMMENT ON COLUMN core.fact_citizen_feedback.open IS 'Đang xử lý: Số phản ánh trong ngày còn đang xử lý.';
COMMENT ON COLUMN core.fact_citizen_feedback.valid_from IS 'Phiên bản có hiệu lực từ thời điểm này (= thời điểm nhận tệp đã cung cấp nó).';
COMMENT ON COLUMN core.fact_citizen_feedback.valid_to IS 'Phiên bản hết hiệu lực từ thời điểm này (thời điểm nhận tệp thay thế nó); trống = đang có hiệu lực.';
DROP TABLE staging.citizen_feedback;
CREATE VIEW staging.citizen_feedback AS SELECT submission_id, source_row, report_date, topic, received, handled, open FROM core.fact_citizen_feedback;
COMMENT ON VIEW staging.citizen_feedback IS 'Dòng đã kiểm tra của biểu mẫu "Phản ánh, kiến nghị của người dân", mỗi dòng đúng như tệp đã nộp (lấy từ core.fact_citizen_feedback, không kể phiên bản). Hạt: lần nộp × dòng Excel.';
COMMENT ON COLUMN staging.citizen_feedback.submission_id IS 'Mã lần nộp (raw.submission) của tệp đã cung cấp dòng này.';
COMMENT ON COLUMN staging.citizen_feedback.source_row IS 'Số dòng Excel của dòng này trong tệp đã nộp.';
COMMENT ON COLUMN staging.citizen_feedback.report_date IS 'Ngày báo cáo: Ngày của số liệu.';
COMMENT ON COLUMN staging.citizen_feedback.topic IS 'Chủ đề: Chủ đề phản ánh.';
COMMENT ON COLUMN staging.citizen_feedback.received IS 'Số phản ánh tiếp nhận: Tiếp nhận trong ngày.';
COMMENT ON COLUMN staging.citizen_feedback.handled IS 'Đã xử lý: Số phản ánh trong ngày đã xử lý xong.';
COMMENT ON COLUMN staging.citizen_feedback.open IS 'Đang xử lý: Số phản ánh trong ngày còn đang xử lý.';

-- Văn bản chỉ đạo, điều hành
CREATE TABLE core.fact_directive_documents__009 (
    submission_id          VARCHAR NOT NULL,
    unit_code              VARCHAR NOT NULL,
    file_sha256            VARCHAR NOT NULL,
    received_at            TIMESTAMP WITH TIME ZONE NOT NULL,
    source_row             INTEGER NOT NULL,
    document_number        VARCHAR NOT NULL,
    issued_date            DATE NOT NULL,
    issuer                 VARCHAR NOT NULL,
    title                  VARCHAR NOT NULL,
    summary                VARCHAR,
    link                   VARCHAR NOT NULL,
    valid_from             TIMESTAMP WITH TIME ZONE NOT NULL,
    valid_to               TIMESTAMP WITH TIME ZONE
);
INSERT INTO core.fact_directive_documents__009 SELECT * FROM core.fact_directive_documents;
DROP TABLE core.fact_directive_documents;
ALTER TABLE core.fact_directive_documents__009 RENAME TO fact_directive_documents;
COMMENT ON TABLE core.fact_directive_documents IS 'Văn bản chỉ đạo, điều hành, có lịch sử phiên bản (valid_from/valid_to). Hạt: đơn vị × (document_number) × phiên bản.';
COMMENT ON COLUMN core.fact_directive_documents.submission_id IS 'Mã lần nộp (raw.submission) của tệp đã cung cấp dòng này.';
COMMENT ON COLUMN core.fact_directive_documents.unit_code IS 'Mã đơn vị đã nộp tệp (core.dim_unit).';
COMMENT ON COLUMN core.fact_directive_documents.file_sha256 IS 'Mã băm SHA-256 của tệp đã nộp; tệp gốc được lưu nguyên vẹn trong archive/.';
COMMENT ON COLUMN core.fact_directive_documents.received_at IS 'Thời điểm máy chủ nhận tệp (lấy từ nhật ký lần nộp).';
COMMENT ON COLUMN core.fact_directive_documents.source_row IS 'Số dòng Excel của dòng này trong tệp đã nộp.';
COMMENT ON COLUMN core.fact_directive_documents.document_number IS 'Số ký hiệu: Số và ký hiệu văn bản.';
COMMENT ON COLUMN core.fact_directive_documents.issued_date IS 'Ngày ban hành: Ngày ký ban hành.';
COMMENT ON COLUMN core.fact_directive_documents.issuer IS 'Cơ quan ban hành: Cơ quan ban hành.';
COMMENT ON COLUMN core.fact_directive_documents.title IS 'Trích yếu: Trích yếu nội dung.';
COMMENT ON COLUMN core.fact_directive_documents.summary IS 'Tóm tắt: Tóm tắt ngắn.';
COMMENT ON COLUMN core.fact_directive_documents.link IS 'Đường dẫn: Đường dẫn tới toàn văn.';
COMMENT ON COLUMN core.fact_directive_documents.valid_from IS 'Phiên bản có hiệu lực từ thời điểm này (= thời điểm nhận tệp đã cung cấp nó).';
COMMENT ON COLUMN core.fact_directive_documents.valid_to IS 'Phiên bản hết hiệu lực từ thời điểm này (thời điểm nhận tệp thay thế nó); trống = đang có hiệu lực.';
DROP TABLE staging.directive_documents;
CREATE VIEW staging.directive_documents AS SELECT submission_id, source_row, document_number, issued_date, issuer, title, summary, link FROM core.fact_directive_documents;
COMMENT ON VIEW staging.directive_documents IS 'Dòng đã kiểm tra của biểu mẫu "Văn bản chỉ đạo, điều hành", mỗi dòng đúng như tệp đã nộp (lấy từ core.fact_directive_documents, không kể phiên bản). Hạt: lần nộp × dòng Excel.';
COMMENT ON COLUMN staging.directive_documents.submission_id IS 'Mã lần nộp (raw.submission) của tệp đã cung cấp dòng này.';
COMMENT ON COLUMN staging.directive_documents.source_row IS 'Số dòng Excel của dòng này trong tệp đã nộp.';
COMMENT ON COLUMN staging.directive_documents.document_number IS 'Số ký hiệu: Số và ký hiệu văn bản.';
COMMENT ON COLUMN staging.directive_documents.issued_date IS 'Ngày ban hành: Ngày ký ban hành.';
COMMENT ON COLUMN staging.directive_documents.issuer IS 'Cơ quan ban hành: Cơ quan ban hành.';
COMMENT ON COLUMN staging.directive_documents.title IS 'Trích yếu: Trích yếu nội dung.';
COMMENT ON COLUMN staging.directive_documents.summary IS 'Tóm tắt: Tóm tắt ngắn.';
COMMENT ON COLUMN staging.directive_documents.link IS 'Đường dẫn: Đường dẫn tới toàn văn.';

-- Cấp độ dịch theo xã và huyện
CREATE TABLE core.fact_epidemic_levels__009 (
    submission_id          VARCHAR NOT NULL,
    unit_code              VARCHAR NOT NULL,
    file_sha256            VARCHAR NOT NULL,
    received_at            TIMESTAMP WITH TIME ZONE NOT NULL,
    source_row             INTEGER NOT NULL,
    effective_date         DATE NOT NULL,
    area_code              VARCHAR NOT NULL,
    area_name              VARCHAR NOT NULL,
    level                  BIGINT NOT NULL,
    colour                 VARCHAR NOT NULL,
    decision               VARCHAR NOT NULL,
    valid_from             TIMESTAMP WITH TIME ZONE NOT NULL,
    valid_to               TIMESTAMP WITH TIME ZONE
);
INSERT INTO core.fact_epidemic_levels__009 SELECT * FROM core.fact_epidemic_levels;
DROP TABLE core.fact_epidemic_levels;
ALTER TABLE core.fact_epidemic_levels__009 RENAME TO fact_epidemic_levels;
COMMENT ON TABLE core.fact_epidemic_levels IS 'Cấp độ dịch theo xã và huyện, có lịch sử phiên bản (valid_from/valid_to). Hạt: đơn vị × (area_code) × phiên bản.';
COMMENT ON COLUMN core.fact_epidemic_levels.submission_id IS 'Mã lần nộp (raw.submission) của tệp đã cung cấp dòng này.';
COMMENT ON COLUMN core.fact_epidemic_levels.unit_code IS 'Mã đơn vị đã nộp tệp (core.dim_unit).';
COMMENT ON COLUMN core.fact_epidemic_levels.file_sha256 IS 'Mã băm SHA-256 của tệp đã nộp; tệp gốc được lưu nguyên vẹn trong archive/.';
COMMENT ON COLUMN core.fact_epidemic_levels.received_at IS 'Thời điểm máy chủ nhận tệp (lấy từ nhật ký lần nộp).';
COMMENT ON COLUMN core.fact_epidemic_levels.source_row IS 'Số dòng Excel của dòng này trong tệp đã nộp.';
COMMENT ON COLUMN core.fact_epidemic_levels.effective_date IS 'Ngày áp dụng: Ngày cấp độ có hiệu lực.';
COMMENT ON COLUMN core.fact_epidemic_levels.area_code IS 'Mã địa bàn: Mã GSO của xã hoặc huyện.';
COMMENT ON COLUMN core.fact_epidemic_levels.area_name IS 'Tên địa bàn: Tên xã hoặc huyện; phải khớp với mã.';
COMMENT ON COLUMN core.fact_epidemic_levels.level IS 'Cấp độ dịch: Cấp độ 1 đến 4.';
COMMENT ON COLUMN core.fact_epidemic_levels.colour IS 'Màu: Màu chính thức: 1 Xanh, 2 Vàng, 3 Cam, 4 Đỏ.';
COMMENT ON COLUMN core.fact_epidemic_levels.decision IS 'Số quyết định: Văn bản công bố cấp độ.';
COMMENT ON COLUMN core.fact_epidemic_levels.valid_from IS 'Phiên bản có hiệu lực từ thời điểm này (= thời điểm nhận tệp đã cung cấp nó).';
COMMENT ON COLUMN core.fact_epidemic_levels.valid_to IS 'Phiên bản hết hiệu lực từ thời điểm này (thời điểm nhận tệp thay thế nó); trống = đang có hiệu lực.';
DROP TABLE staging.epidemic_levels;
CREATE VIEW staging.epidemic_levels AS SELECT submission_id, source_row, effective_date, area_code, area_name, level, colour, decision FROM core.fact_epidemic_levels;
COMMENT ON VIEW staging.epidemic_levels IS 'Dòng đã kiểm tra của biểu mẫu "Cấp độ dịch theo xã và huyện", mỗi dòng đúng như tệp đã nộp (lấy từ core.fact_epidemic_levels, không kể phiên bản). Hạt: lần nộp × dòng Excel.';
COMMENT ON COLUMN staging.epidemic_levels.submission_id IS 'Mã lần nộp (raw.submission) của tệp đã cung cấp dòng này.';
COMMENT ON COLUMN staging.epidemic_levels.source_row IS 'Số dòng Excel của dòng này trong tệp đã nộp.';
COMMENT ON COLUMN staging.epidemic_levels.effective_date IS 'Ngày áp dụng: Ngày cấp độ có hiệu lực.';
COMMENT ON COLUMN staging.epidemic_levels.area_code IS 'Mã địa bàn: Mã GSO của xã hoặc huyện.';
COMMENT ON COLUMN staging.epidemic_levels.area_name IS 'Tên địa bàn: Tên xã hoặc huyện; phải khớp với mã.';
COMMENT ON COLUMN staging.epidemic_levels.level IS 'Cấp độ dịch: Cấp độ 1 đến 4.';
COMMENT ON COLUMN staging.epidemic_levels.colour IS 'Màu: Màu chính thức: 1 Xanh, 2 Vàng, 3 Cam, 4 Đỏ.';
COMMENT ON COLUMN staging.epidemic_levels.decision IS 'Số quyết định: Văn bản công bố cấp độ.';

-- Cơ sở sản xuất, kinh doanh thực phẩm
CREATE TABLE core.fact_food_establishments__009 (
    submission_id          VARCHAR NOT NULL,
    unit_code              VARCHAR NOT NULL,
    file_sha256            VARCHAR NOT NULL,
    received_at            TIMESTAMP WITH TIME ZONE NOT NULL,
    source_row             INTEGER NOT NULL,
    as_of_date             DATE NOT NULL,
    establishment_name     VARCHAR NOT NULL,
    business_type          VARCHAR NOT NULL,
    district_code          VARCHAR NOT NULL,
    address                VARCHAR NOT NULL,
    certificate_number     VARCHAR,
    status                 VARCHAR NOT NULL,
    valid_from             TIMESTAMP WITH TIME ZONE NOT NULL,
    valid_to               TIMESTAMP WITH TIME ZONE
);
INSERT INTO core.fact_food_establishments__009 SELECT * FROM core.fact_food_establishments;
DROP TABLE core.fact_food_establishments;
ALTER TABLE core.fact_food_establishments__009 RENAME TO fact_food_establishments;
COMMENT ON TABLE core.fact_food_establishments IS 'Cơ sở sản xuất, kinh doanh thực phẩm, có lịch sử phiên bản (valid_from/valid_to). Hạt: đơn vị × (establishment_name, district_code) × phiên bản.';
COMMENT ON COLUMN core.fact_food_establishments.submission_id IS 'Mã lần nộp (raw.submission) của tệp đã cung cấp dòng này.';
COMMENT ON COLUMN core.fact_food_establishments.unit_code IS 'Mã đơn vị đã nộp tệp (core.dim_unit).';
COMMENT ON COLUMN core.fact_food_establishments.file_sha256 IS 'Mã băm SHA-256 của tệp đã nộp; tệp gốc được lưu nguyên vẹn trong archive/.';
COMMENT ON COLUMN core.fact_food_establishments.received_at IS 'Thời điểm máy chủ nhận tệp (lấy từ nhật ký lần nộp).';
COMMENT ON COLUMN core.fact_food_establishments.source_row IS 'Số dòng Excel của dòng này trong tệp đã nộp.';
COMMENT ON COLUMN core.fact_food_establishments.as_of_date IS 'Ngày cập nhật: Ngày của số liệu.';
COMMENT ON COLUMN core.fact_food_establishments.establishment_name IS 'Tên cơ sở: Tên cơ sở.';
COMMENT ON COLUMN core.fact_food_establishments.business_type IS 'Loại hình: Loại hình hoạt động.';
COMMENT ON COLUMN core.fact_food_establishments.district_code IS 'Mã huyện: Mã huyện.';
COMMENT ON COLUMN core.fact_food_establishments.address IS 'Địa chỉ: Địa chỉ cơ sở.';
COMMENT ON COLUMN core.fact_food_establishments.certificate_number IS 'Số giấy chứng nhận ATTP: Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm, nếu có.';
COMMENT ON COLUMN core.fact_food_establishments.status IS 'Trạng thái: Trạng thái hoạt động.';
COMMENT ON COLUMN core.fact_food_establishments.valid_from IS 'Phiên bản có hiệu lực từ thời điểm này (= thời điểm nhận tệp đã cung cấp nó).';
COMMENT ON COLUMN core.fact_food_establishments.valid_to IS 'Phiên bản hết hiệu lực từ thời điểm này (thời điểm nhận tệp thay thế nó); trống = đang có hiệu lực.';
DROP TABLE staging.food_establishments;
CREATE VIEW staging.food_establishments AS SELECT submission_id, source_row, as_of_date, establishment_name, business_type, district_code, address, certificate_number, status FROM core.fact_food_establishments;
COMMENT ON VIEW staging.food_establishments IS 'Dòng đã kiểm tra của biểu mẫu "Cơ sở sản xuất, kinh doanh thực phẩm", mỗi dòng đúng như tệp đã nộp (lấy từ core.fact_food_establishments, không kể phiên bản). Hạt: lần nộp × dòng Excel.';
COMMENT ON COLUMN staging.food_establishments.submission_id IS 'Mã lần nộp (raw.submission) của tệp đã cung cấp dòng này.';
COMMENT ON COLUMN staging.food_establishments.source_row IS 'Số dòng Excel của dòng này trong tệp đã nộp.';
COMMENT ON COLUMN staging.food_establishments.as_of_date IS 'Ngày cập nhật: Ngày của số liệu.';
COMMENT ON COLUMN staging.food_establishments.establishment_name IS 'Tên cơ sở: Tên cơ sở.';
COMMENT ON COLUMN staging.food_establishments.business_type IS 'Loại hình: Loại hình hoạt động.';
COMMENT ON COLUMN staging.food_establishments.district_code IS 'Mã huyện: Mã huyện.';
COMMENT ON COLUMN staging.food_establishments.address IS 'Địa chỉ: Địa chỉ cơ sở.';
COMMENT ON COLUMN staging.food_establishments.certificate_number IS 'Số giấy chứng nhận ATTP: Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm, nếu có.';
COMMENT ON COLUMN staging.food_establishments.status IS 'Trạng thái: Trạng thái hoạt động.';

-- Khu cách ly tập trung
CREATE TABLE core.fact_quarantine_facilities__009 (
    submission_id          VARCHAR NOT NULL,
    unit_code              VARCHAR NOT NULL,
    file_sha256            VARCHAR NOT NULL,
    received_at            TIMESTAMP WITH TIME ZONE NOT NULL,
    source_row             INTEGER NOT NULL,
    as_of_date             DATE NOT NULL,
    facility_name          VARCHAR NOT NULL,
    district_code          VARCHAR NOT NULL,
    commune_name           VARCHAR NOT NULL,
    managing_body          VARCHAR NOT NULL,
    military_run           VARCHAR NOT NULL,
    capacity               BIGINT NOT NULL,
    occupancy              BIGINT NOT NULL,
    status                 VARCHAR NOT NULL,
    valid_from             TIMESTAMP WITH TIME ZONE NOT NULL,
    valid_to               TIMESTAMP WITH TIME ZONE
);
INSERT INTO core.fact_quarantine_facilities__009 SELECT * FROM core.fact_quarantine_facilities;
DROP TABLE core.fact_quarantine_facilities;
ALTER TABLE core.fact_quarantine_facilities__009 RENAME TO fact_quarantine_facilities;
COMMENT ON TABLE core.fact_quarantine_facilities IS 'Khu cách ly tập trung, có lịch sử phiên bản (valid_from/valid_to). Hạt: đơn vị × (facility_name) × phiên bản.';
COMMENT ON COLUMN core.fact_quarantine_facilities.submission_id IS 'Mã lần nộp (raw.submission) của tệp đã cung cấp dòng này.';
COMMENT ON COLUMN core.fact_quarantine_facilities.unit_code IS 'Mã đơn vị đã nộp tệp (core.dim_unit).';
COMMENT ON COLUMN core.fact_quarantine_facilities.file_sha256 IS 'Mã băm SHA-256 của tệp đã nộp; tệp gốc được lưu nguyên vẹn trong archive/.';
COMMENT ON COLUMN core.fact_quarantine_facilities.received_at IS 'Thời điểm máy chủ nhận tệp (lấy từ nhật ký lần nộp).';
COMMENT ON COLUMN core.fact_quarantine_facilities.source_row IS 'Số dòng Excel của dòng này trong tệp đã nộp.';
COMMENT ON COLUMN core.fact_quarantine_facilities.as_of_date IS 'Ngày cập nhật: Ngày của số liệu.';
COMMENT ON COLUMN core.fact_quarantine_facilities.facility_name IS 'Tên khu cách ly: Tên khu cách ly, duy nhất trong tệp.';
COMMENT ON COLUMN core.fact_quarantine_facilities.district_code IS 'Mã huyện: Mã huyện nơi đặt khu cách ly.';
COMMENT ON COLUMN core.fact_quarantine_facilities.commune_name IS 'Xã, phường, thị trấn: Xã nơi đặt khu cách ly.';
COMMENT ON COLUMN core.fact_quarantine_facilities.managing_body IS 'Đơn vị quản lý: Cơ quan trực tiếp quản lý.';
COMMENT ON COLUMN core.fact_quarantine_facilities.military_run IS 'Do quân đội quản lý: Có nếu khu do lực lượng quân đội quản lý.';
COMMENT ON COLUMN core.fact_quarantine_facilities.capacity IS 'Sức chứa: Số người tối đa.';
COMMENT ON COLUMN core.fact_quarantine_facilities.occupancy IS 'Số người đang cách ly: Số người đang cách ly.';
COMMENT ON COLUMN core.fact_quarantine_facilities.status IS 'Trạng thái: Trạng thái hoạt động.';
COMMENT ON COLUMN core.fact_quarantine_facilities.valid_from IS 'Phiên bản có hiệu lực từ thời điểm này (= thời điểm nhận tệp đã cung cấp nó).';
COMMENT ON COLUMN core.fact_quarantine_facilities.valid_to IS 'Phiên bản hết hiệu lực từ thời điểm này (thời điểm nhận tệp thay thế nó); trống = đang có hiệu lực.';
DROP TABLE staging.quarantine_facilities;
CREATE VIEW staging.quarantine_facilities AS SELECT submission_id, source_row, as_of_date, facility_name, district_code, commune_name, managing_body, military_run, capacity, occupancy, status FROM core.fact_quarantine_facilities;
COMMENT ON VIEW staging.quarantine_facilities IS 'Dòng đã kiểm tra của biểu mẫu "Khu cách ly tập trung", mỗi dòng đúng như tệp đã nộp (lấy từ core.fact_quarantine_facilities, không kể phiên bản). Hạt: lần nộp × dòng Excel.';
COMMENT ON COLUMN staging.quarantine_facilities.submission_id IS 'Mã lần nộp (raw.submission) của tệp đã cung cấp dòng này.';
COMMENT ON COLUMN staging.quarantine_facilities.source_row IS 'Số dòng Excel của dòng này trong tệp đã nộp.';
COMMENT ON COLUMN staging.quarantine_facilities.as_of_date IS 'Ngày cập nhật: Ngày của số liệu.';
COMMENT ON COLUMN staging.quarantine_facilities.facility_name IS 'Tên khu cách ly: Tên khu cách ly, duy nhất trong tệp.';
COMMENT ON COLUMN staging.quarantine_facilities.district_code IS 'Mã huyện: Mã huyện nơi đặt khu cách ly.';
COMMENT ON COLUMN staging.quarantine_facilities.commune_name IS 'Xã, phường, thị trấn: Xã nơi đặt khu cách ly.';
COMMENT ON COLUMN staging.quarantine_facilities.managing_body IS 'Đơn vị quản lý: Cơ quan trực tiếp quản lý.';
COMMENT ON COLUMN staging.quarantine_facilities.military_run IS 'Do quân đội quản lý: Có nếu khu do lực lượng quân đội quản lý.';
COMMENT ON COLUMN staging.quarantine_facilities.capacity IS 'Sức chứa: Số người tối đa.';
COMMENT ON COLUMN staging.quarantine_facilities.occupancy IS 'Số người đang cách ly: Số người đang cách ly.';
COMMENT ON COLUMN staging.quarantine_facilities.status IS 'Trạng thái: Trạng thái hoạt động.';

-- Người về từ vùng dịch đang cách ly y tế
CREATE TABLE core.fact_returnees_quarantine__009 (
    submission_id          VARCHAR NOT NULL,
    unit_code              VARCHAR NOT NULL,
    file_sha256            VARCHAR NOT NULL,
    received_at            TIMESTAMP WITH TIME ZONE NOT NULL,
    source_row             INTEGER NOT NULL,
    report_date            DATE NOT NULL,
    district_code          VARCHAR NOT NULL,
    district_name          VARCHAR NOT NULL,
    arrived_today          BIGINT NOT NULL,
    at_home                BIGINT NOT NULL,
    at_facility            BIGINT NOT NULL,
    completed              BIGINT NOT NULL,
    valid_from             TIMESTAMP WITH TIME ZONE NOT NULL,
    valid_to               TIMESTAMP WITH TIME ZONE
);
INSERT INTO core.fact_returnees_quarantine__009 SELECT * FROM core.fact_returnees_quarantine;
DROP TABLE core.fact_returnees_quarantine;
ALTER TABLE core.fact_returnees_quarantine__009 RENAME TO fact_returnees_quarantine;
COMMENT ON TABLE core.fact_returnees_quarantine IS 'Người về từ vùng dịch đang cách ly y tế, có lịch sử phiên bản (valid_from/valid_to). Hạt: đơn vị × (report_date, district_code) × phiên bản.';
COMMENT ON COLUMN core.fact_returnees_quarantine.submission_id IS 'Mã lần nộp (raw.submission) của tệp đã cung cấp dòng này.';
COMMENT ON COLUMN core.fact_returnees_quarantine.unit_code IS 'Mã đơn vị đã nộp tệp (core.dim_unit).';
COMMENT ON COLUMN core.fact_returnees_quarantine.file_sha256 IS 'Mã băm SHA-256 của tệp đã nộp; tệp gốc được lưu nguyên vẹn trong archive/.';
COMMENT ON COLUMN core.fact_returnees_quarantine.received_at IS 'Thời điểm máy chủ nhận tệp (lấy từ nhật ký lần nộp).';
COMMENT ON COLUMN core.fact_returnees_quarantine.source_row IS 'Số dòng Excel của dòng này trong tệp đã nộp.';
COMMENT ON COLUMN core.fact_returnees_quarantine.report_date IS 'Ngày báo cáo: Ngày của số liệu.';
COMMENT ON COLUMN core.fact_returnees_quarantine.district_code IS 'Mã huyện: Mã huyện.';
COMMENT ON COLUMN core.fact_returnees_quarantine.district_name IS 'Tên huyện: Tên huyện; phải khớp với mã huyện.';
COMMENT ON COLUMN core.fact_returnees_quarantine.arrived_today IS 'Số người về trong ngày: Số người từ vùng dịch về trong ngày.';
COMMENT ON COLUMN core.fact_returnees_quarantine.at_home IS 'Đang cách ly tại nhà: Số người đang cách ly tại nhà.';
COMMENT ON COLUMN core.fact_returnees_quarantine.at_facility IS 'Đang cách ly tập trung: Số người đang cách ly tập trung.';
COMMENT ON COLUMN core.fact_returnees_quarantine.completed IS 'Đã hoàn thành cách ly: Cộng dồn.';
COMMENT ON COLUMN core.fact_returnees_quarantine.valid_from IS 'Phiên bản có hiệu lực từ thời điểm này (= thời điểm nhận tệp đã cung cấp nó).';
COMMENT ON COLUMN core.fact_returnees_quarantine.valid_to IS 'Phiên bản hết hiệu lực từ thời điểm này (thời điểm nhận tệp thay thế nó); trống = đang có hiệu lực.';
DROP TABLE staging.returnees_quarantine;
CREATE VIEW staging.returnees_quarantine AS SELECT submission_id, source_row, report_date, district_code, district_name, arrived_today, at_home, at_facility, completed FROM core.fact_returnees_quarantine;
COMMENT ON VIEW staging.returnees_quarantine IS 'Dòng đã kiểm tra của biểu mẫu "Người về từ vùng dịch đang cách ly y tế", mỗi dòng đúng như tệp đã nộp (lấy từ core.fact_returnees_quarantine, không kể phiên bản). Hạt: lần nộp × dòng Excel.';
COMMENT ON COLUMN staging.returnees_quarantine.submission_id IS 'Mã lần nộp (raw.submission) của tệp đã cung cấp dòng này.';
COMMENT ON COLUMN staging.returnees_quarantine.source_row IS 'Số dòng Excel của dòng này trong tệp đã nộp.';
COMMENT ON COLUMN staging.returnees_quarantine.report_date IS 'Ngày báo cáo: Ngày của số liệu.';
COMMENT ON COLUMN staging.returnees_quarantine.district_code IS 'Mã huyện: Mã huyện.';
COMMENT ON COLUMN staging.returnees_quarantine.district_name IS 'Tên huyện: Tên huyện; phải khớp với mã huyện.';
COMMENT ON COLUMN staging.returnees_quarantine.arrived_today IS 'Số người về trong ngày: Số người từ vùng dịch về trong ngày.';
COMMENT ON COLUMN staging.returnees_quarantine.at_home IS 'Đang cách ly tại nhà: Số người đang cách ly tại nhà.';
COMMENT ON COLUMN staging.returnees_quarantine.at_facility IS 'Đang cách ly tập trung: Số người đang cách ly tập trung.';
COMMENT ON COLUMN staging.returnees_quarantine.completed IS 'Đã hoàn thành cách ly: Cộng dồn.';

-- Điểm cung cấp hàng hóa thiết yếu
CREATE TABLE core.fact_supply_points__009 (
    submission_id          VARCHAR NOT NULL,
    unit_code              VARCHAR NOT NULL,
    file_sha256            VARCHAR NOT NULL,
    received_at            TIMESTAMP WITH TIME ZONE NOT NULL,
    source_row             INTEGER NOT NULL,
    as_of_date             DATE NOT NULL,
    point_name             VARCHAR NOT NULL,
    point_type             VARCHAR NOT NULL,
    district_code          VARCHAR NOT NULL,
    address                VARCHAR NOT NULL,
    phone                  VARCHAR NOT NULL,
    website                VARCHAR,
    status                 VARCHAR NOT NULL,
    valid_from             TIMESTAMP WITH TIME ZONE NOT NULL,
    valid_to               TIMESTAMP WITH TIME ZONE
);
INSERT INTO core.fact_supply_points__009 SELECT * FROM core.fact_supply_points;
DROP TABLE core.fact_supply_points;
ALTER TABLE core.fact_supply_points__009 RENAME TO fact_supply_points;
COMMENT ON TABLE core.fact_supply_points IS 'Điểm cung cấp hàng hóa thiết yếu, có lịch sử phiên bản (valid_from/valid_to). Hạt: đơn vị × (point_name, district_code) × phiên bản.';
COMMENT ON COLUMN core.fact_supply_points.submission_id IS 'Mã lần nộp (raw.submission) của tệp đã cung cấp dòng này.';
COMMENT ON COLUMN core.fact_supply_points.unit_code IS 'Mã đơn vị đã nộp tệp (core.dim_unit).';
COMMENT ON COLUMN core.fact_supply_points.file_sha256 IS 'Mã băm SHA-256 của tệp đã nộp; tệp gốc được lưu nguyên vẹn trong archive/.';
COMMENT ON COLUMN core.fact_supply_points.received_at IS 'Thời điểm máy chủ nhận tệp (lấy từ nhật ký lần nộp).';
COMMENT ON COLUMN core.fact_supply_points.source_row IS 'Số dòng Excel của dòng này trong tệp đã nộp.';
COMMENT ON COLUMN core.fact_supply_points.as_of_date IS 'Ngày cập nhật: Ngày của số liệu.';
COMMENT ON COLUMN core.fact_supply_points.point_name IS 'Tên điểm cung cấp: Tên điểm.';
COMMENT ON COLUMN core.fact_supply_points.point_type IS 'Loại điểm: Loại hình.';
COMMENT ON COLUMN core.fact_supply_points.district_code IS 'Mã huyện: Mã huyện.';
COMMENT ON COLUMN core.fact_supply_points.address IS 'Địa chỉ: Địa chỉ; điểm bán trực tuyến ghi nơi giao hàng.';
COMMENT ON COLUMN core.fact_supply_points.phone IS 'Số điện thoại: Số điện thoại đặt hàng.';
COMMENT ON COLUMN core.fact_supply_points.website IS 'Trang web hoặc ứng dụng: Địa chỉ đặt hàng trực tuyến, nếu có.';
COMMENT ON COLUMN core.fact_supply_points.status IS 'Trạng thái: Trạng thái hoạt động.';
COMMENT ON COLUMN core.fact_supply_points.valid_from IS 'Phiên bản có hiệu lực từ thời điểm này (= thời điểm nhận tệp đã cung cấp nó).';
COMMENT ON COLUMN core.fact_supply_points.valid_to IS 'Phiên bản hết hiệu lực từ thời điểm này (thời điểm nhận tệp thay thế nó); trống = đang có hiệu lực.';
DROP TABLE staging.supply_points;
CREATE VIEW staging.supply_points AS SELECT submission_id, source_row, as_of_date, point_name, point_type, district_code, address, phone, website, status FROM core.fact_supply_points;
COMMENT ON VIEW staging.supply_points IS 'Dòng đã kiểm tra của biểu mẫu "Điểm cung cấp hàng hóa thiết yếu", mỗi dòng đúng như tệp đã nộp (lấy từ core.fact_supply_points, không kể phiên bản). Hạt: lần nộp × dòng Excel.';
COMMENT ON COLUMN staging.supply_points.submission_id IS 'Mã lần nộp (raw.submission) của tệp đã cung cấp dòng này.';
COMMENT ON COLUMN staging.supply_points.source_row IS 'Số dòng Excel của dòng này trong tệp đã nộp.';
COMMENT ON COLUMN staging.supply_points.as_of_date IS 'Ngày cập nhật: Ngày của số liệu.';
COMMENT ON COLUMN staging.supply_points.point_name IS 'Tên điểm cung cấp: Tên điểm.';
COMMENT ON COLUMN staging.supply_points.point_type IS 'Loại điểm: Loại hình.';
COMMENT ON COLUMN staging.supply_points.district_code IS 'Mã huyện: Mã huyện.';
COMMENT ON COLUMN staging.supply_points.address IS 'Địa chỉ: Địa chỉ; điểm bán trực tuyến ghi nơi giao hàng.';
COMMENT ON COLUMN staging.supply_points.phone IS 'Số điện thoại: Số điện thoại đặt hàng.';
COMMENT ON COLUMN staging.supply_points.website IS 'Trang web hoặc ứng dụng: Địa chỉ đặt hàng trực tuyến, nếu có.';
COMMENT ON COLUMN staging.supply_points.status IS 'Trạng thái: Trạng thái hoạt động.';

-- Chính sách hỗ trợ người dân, người lao động
CREATE TABLE core.fact_support_policies__009 (
    submission_id          VARCHAR NOT NULL,
    unit_code              VARCHAR NOT NULL,
    file_sha256            VARCHAR NOT NULL,
    received_at            TIMESTAMP WITH TIME ZONE NOT NULL,
    source_row             INTEGER NOT NULL,
    as_of_date             DATE NOT NULL,
    policy_code            VARCHAR NOT NULL,
    policy_name            VARCHAR NOT NULL,
    legal_basis            VARCHAR NOT NULL,
    district_code          VARCHAR NOT NULL,
    beneficiaries          BIGINT NOT NULL,
    amount_paid            DOUBLE NOT NULL,
    valid_from             TIMESTAMP WITH TIME ZONE NOT NULL,
    valid_to               TIMESTAMP WITH TIME ZONE
);
INSERT INTO core.fact_support_policies__009 SELECT * FROM core.fact_support_policies;
DROP TABLE core.fact_support_policies;
ALTER TABLE core.fact_support_policies__009 RENAME TO fact_support_policies;
COMMENT ON TABLE core.fact_support_policies IS 'Chính sách hỗ trợ người dân, người lao động, có lịch sử phiên bản (valid_from/valid_to). Hạt: đơn vị × (policy_code, district_code) × phiên bản.';
COMMENT ON COLUMN core.fact_support_policies.submission_id IS 'Mã lần nộp (raw.submission) của tệp đã cung cấp dòng này.';
COMMENT ON COLUMN core.fact_support_policies.unit_code IS 'Mã đơn vị đã nộp tệp (core.dim_unit).';
COMMENT ON COLUMN core.fact_support_policies.file_sha256 IS 'Mã băm SHA-256 của tệp đã nộp; tệp gốc được lưu nguyên vẹn trong archive/.';
COMMENT ON COLUMN core.fact_support_policies.received_at IS 'Thời điểm máy chủ nhận tệp (lấy từ nhật ký lần nộp).';
COMMENT ON COLUMN core.fact_support_policies.source_row IS 'Số dòng Excel của dòng này trong tệp đã nộp.';
COMMENT ON COLUMN core.fact_support_policies.as_of_date IS 'Ngày cập nhật: Ngày của số liệu.';
COMMENT ON COLUMN core.fact_support_policies.policy_code IS 'Mã chính sách: Mã ngắn của chính sách.';
COMMENT ON COLUMN core.fact_support_policies.policy_name IS 'Tên chính sách: Tên chính sách.';
COMMENT ON COLUMN core.fact_support_policies.legal_basis IS 'Căn cứ: Văn bản quy định chính sách.';
COMMENT ON COLUMN core.fact_support_policies.district_code IS 'Mã huyện: Mã huyện.';
COMMENT ON COLUMN core.fact_support_policies.beneficiaries IS 'Số người được hỗ trợ: Cộng dồn.';
COMMENT ON COLUMN core.fact_support_policies.amount_paid IS 'Số tiền đã chi (đồng): Cộng dồn, đơn vị đồng.';
COMMENT ON COLUMN core.fact_support_policies.valid_from IS 'Phiên bản có hiệu lực từ thời điểm này (= thời điểm nhận tệp đã cung cấp nó).';
COMMENT ON COLUMN core.fact_support_policies.valid_to IS 'Phiên bản hết hiệu lực từ thời điểm này (thời điểm nhận tệp thay thế nó); trống = đang có hiệu lực.';
DROP TABLE staging.support_policies;
CREATE VIEW staging.support_policies AS SELECT submission_id, source_row, as_of_date, policy_code, policy_name, legal_basis, district_code, beneficiaries, amount_paid FROM core.fact_support_policies;
COMMENT ON VIEW staging.support_policies IS 'Dòng đã kiểm tra của biểu mẫu "Chính sách hỗ trợ người dân, người lao động", mỗi dòng đúng như tệp đã nộp (lấy từ core.fact_support_policies, không kể phiên bản). Hạt: lần nộp × dòng Excel.';
COMMENT ON COLUMN staging.support_policies.submission_id IS 'Mã lần nộp (raw.submission) của tệp đã cung cấp dòng này.';
COMMENT ON COLUMN staging.support_policies.source_row IS 'Số dòng Excel của dòng này trong tệp đã nộp.';
COMMENT ON COLUMN staging.support_policies.as_of_date IS 'Ngày cập nhật: Ngày của số liệu.';
COMMENT ON COLUMN staging.support_policies.policy_code IS 'Mã chính sách: Mã ngắn của chính sách.';
COMMENT ON COLUMN staging.support_policies.policy_name IS 'Tên chính sách: Tên chính sách.';
COMMENT ON COLUMN staging.support_policies.legal_basis IS 'Căn cứ: Văn bản quy định chính sách.';
COMMENT ON COLUMN staging.support_policies.district_code IS 'Mã huyện: Mã huyện.';
COMMENT ON COLUMN staging.support_policies.beneficiaries IS 'Số người được hỗ trợ: Cộng dồn.';
COMMENT ON COLUMN staging.support_policies.amount_paid IS 'Số tiền đã chi (đồng): Cộng dồn, đơn vị đồng.';

-- Xét nghiệm
CREATE TABLE core.fact_testing__009 (
    submission_id          VARCHAR NOT NULL,
    unit_code              VARCHAR NOT NULL,
    file_sha256            VARCHAR NOT NULL,
    received_at            TIMESTAMP WITH TIME ZONE NOT NULL,
    source_row             INTEGER NOT NULL,
    report_date            DATE NOT NULL,
    district_code          VARCHAR NOT NULL,
    district_name          VARCHAR NOT NULL,
    site_name              VARCHAR NOT NULL,
    site_type              VARCHAR NOT NULL,
    samples_taken          BIGINT NOT NULL,
    samples_tested         BIGINT NOT NULL,
    positives              BIGINT NOT NULL,
    valid_from             TIMESTAMP WITH TIME ZONE NOT NULL,
    valid_to               TIMESTAMP WITH TIME ZONE
);
INSERT INTO core.fact_testing__009 SELECT * FROM core.fact_testing;
DROP TABLE core.fact_testing;
ALTER TABLE core.fact_testing__009 RENAME TO fact_testing;
COMMENT ON TABLE core.fact_testing IS 'Xét nghiệm, có lịch sử phiên bản (valid_from/valid_to). Hạt: đơn vị × (report_date, district_code, site_name) × phiên bản.';
COMMENT ON COLUMN core.fact_testing.submission_id IS 'Mã lần nộp (raw.submission) của tệp đã cung cấp dòng này.';
COMMENT ON COLUMN core.fact_testing.unit_code IS 'Mã đơn vị đã nộp tệp (core.dim_unit).';
COMMENT ON COLUMN core.fact_testing.file_sha256 IS 'Mã băm SHA-256 của tệp đã nộp; tệp gốc được lưu nguyên vẹn trong archive/.';
COMMENT ON COLUMN core.fact_testing.received_at IS 'Thời điểm máy chủ nhận tệp (lấy từ nhật ký lần nộp).';
COMMENT ON COLUMN core.fact_testing.source_row IS 'Số dòng Excel của dòng này trong tệp đã nộp.';
COMMENT ON COLUMN core.fact_testing.report_date IS 'Ngày báo cáo: Ngày của số liệu.';
COMMENT ON COLUMN core.fact_testing.district_code IS 'Mã huyện: Mã huyện nơi đặt điểm.';
COMMENT ON COLUMN core.fact_testing.district_name IS 'Tên huyện: Tên huyện; phải khớp với mã huyện.';
COMMENT ON COLUMN core.fact_testing.site_name IS 'Điểm lấy mẫu, xét nghiệm: Tên điểm lấy mẫu hoặc phòng xét nghiệm.';
COMMENT ON COLUMN core.fact_testing.site_type IS 'Loại điểm: Điểm chỉ lấy mẫu, chỉ xét nghiệm, hay cả hai.';
COMMENT ON COLUMN core.fact_testing.samples_taken IS 'Số mẫu đã lấy: Số mẫu lấy trong ngày.';
COMMENT ON COLUMN core.fact_testing.samples_tested IS 'Số mẫu đã xét nghiệm: Số mẫu có kết quả trong ngày.';
COMMENT ON COLUMN core.fact_testing.positives IS 'Số mẫu dương tính: Số mẫu dương tính trong ngày.';
COMMENT ON COLUMN core.fact_testing.valid_from IS 'Phiên bản có hiệu lực từ thời điểm này (= thời điểm nhận tệp đã cung cấp nó).';
COMMENT ON COLUMN core.fact_testing.valid_to IS 'Phiên bản hết hiệu lực từ thời điểm này (thời điểm nhận tệp thay thế nó); trống = đang có hiệu lực.';
DROP TABLE staging.testing;
CREATE VIEW staging.testing AS SELECT submission_id, source_row, report_date, district_code, district_name, site_name, site_type, samples_taken, samples_tested, positives FROM core.fact_testing;
COMMENT ON VIEW staging.testing IS 'Dòng đã kiểm tra của biểu mẫu "Xét nghiệm", mỗi dòng đúng như tệp đã nộp (lấy từ core.fact_testing, không kể phiên bản). Hạt: lần nộp × dòng Excel.';
COMMENT ON COLUMN staging.testing.submission_id IS 'Mã lần nộp (raw.submission) của tệp đã cung cấp dòng này.';
COMMENT ON COLUMN staging.testing.source_row IS 'Số dòng Excel của dòng này trong tệp đã nộp.';
COMMENT ON COLUMN staging.testing.report_date IS 'Ngày báo cáo: Ngày của số liệu.';
COMMENT ON COLUMN staging.testing.district_code IS 'Mã huyện: Mã huyện nơi đặt điểm.';
COMMENT ON COLUMN staging.testing.district_name IS 'Tên huyện: Tên huyện; phải khớp với mã huyện.';
COMMENT ON COLUMN staging.testing.site_name IS 'Điểm lấy mẫu, xét nghiệm: Tên điểm lấy mẫu hoặc phòng xét nghiệm.';
COMMENT ON COLUMN staging.testing.site_type IS 'Loại điểm: Điểm chỉ lấy mẫu, chỉ xét nghiệm, hay cả hai.';
COMMENT ON COLUMN staging.testing.samples_taken IS 'Số mẫu đã lấy: Số mẫu lấy trong ngày.';
COMMENT ON COLUMN staging.testing.samples_tested IS 'Số mẫu đã xét nghiệm: Số mẫu có kết quả trong ngày.';
COMMENT ON COLUMN staging.testing.positives IS 'Số mẫu dương tính: Số mẫu dương tính trong ngày.';

-- Tiêm chủng theo huyện
CREATE TABLE core.fact_vaccination_by_district__009 (
    submission_id          VARCHAR NOT NULL,
    unit_code              VARCHAR NOT NULL,
    file_sha256            VARCHAR NOT NULL,
    received_at            TIMESTAMP WITH TIME ZONE NOT NULL,
    source_row             INTEGER NOT NULL,
    report_date            DATE NOT NULL,
    district_code          VARCHAR NOT NULL,
    district_name          VARCHAR NOT NULL,
    population_18plus      BIGINT NOT NULL,
    doses_first            BIGINT NOT NULL,
    doses_second           BIGINT NOT NULL,
    doses_booster          BIGINT NOT NULL,
    valid_from             TIMESTAMP WITH TIME ZONE NOT NULL,
    valid_to               TIMESTAMP WITH TIME ZONE
);
INSERT INTO core.fact_vaccination_by_district__009 SELECT * FROM core.fact_vaccination_by_district;
DROP TABLE core.fact_vaccination_by_district;
ALTER TABLE core.fact_vaccination_by_district__009 RENAME TO fact_vaccination_by_district;
COMMENT ON TABLE core.fact_vaccination_by_district IS 'Tiêm chủng theo huyện, có lịch sử phiên bản (valid_from/valid_to). Hạt: đơn vị × (report_date, district_code) × phiên bản.';
COMMENT ON COLUMN core.fact_vaccination_by_district.submission_id IS 'Mã lần nộp (raw.submission) của tệp đã cung cấp dòng này.';
COMMENT ON COLUMN core.fact_vaccination_by_district.unit_code IS 'Mã đơn vị đã nộp tệp (core.dim_unit).';
COMMENT ON COLUMN core.fact_vaccination_by_district.file_sha256 IS 'Mã băm SHA-256 của tệp đã nộp; tệp gốc được lưu nguyên vẹn trong archive/.';
COMMENT ON COLUMN core.fact_vaccination_by_district.received_at IS 'Thời điểm máy chủ nhận tệp (lấy từ nhật ký lần nộp).';
COMMENT ON COLUMN core.fact_vaccination_by_district.source_row IS 'Số dòng Excel của dòng này trong tệp đã nộp.';
COMMENT ON COLUMN core.fact_vaccination_by_district.report_date IS 'Ngày báo cáo: Ngày của số liệu.';
COMMENT ON COLUMN core.fact_vaccination_by_district.district_code IS 'Mã huyện: Mã huyện.';
COMMENT ON COLUMN core.fact_vaccination_by_district.district_name IS 'Tên huyện: Tên huyện; phải khớp với mã huyện.';
COMMENT ON COLUMN core.fact_vaccination_by_district.population_18plus IS 'Dân số từ 18 tuổi: Dân số từ 18 tuổi trở lên của huyện.';
COMMENT ON COLUMN core.fact_vaccination_by_district.doses_first IS 'Số người đã tiêm mũi 1: Cộng dồn.';
COMMENT ON COLUMN core.fact_vaccination_by_district.doses_second IS 'Số người đã tiêm mũi 2: Cộng dồn.';
COMMENT ON COLUMN core.fact_vaccination_by_district.doses_booster IS 'Số mũi bổ sung, nhắc lại: Cộng dồn.';
COMMENT ON COLUMN core.fact_vaccination_by_district.valid_from IS 'Phiên bản có hiệu lực từ thời điểm này (= thời điểm nhận tệp đã cung cấp nó).';
COMMENT ON COLUMN core.fact_vaccination_by_district.valid_to IS 'Phiên bản hết hiệu lực từ thời điểm này (thời điểm nhận tệp thay thế nó); trống = đang có hiệu lực.';
DROP TABLE staging.vaccination_by_district;
CREATE VIEW staging.vaccination_by_district AS SELECT submission_id, source_row, report_date, district_code, district_name, population_18plus, doses_first, doses_second, doses_booster FROM core.fact_vaccination_by_district;
COMMENT ON VIEW staging.vaccination_by_district IS 'Dòng đã kiểm tra của biểu mẫu "Tiêm chủng theo huyện", mỗi dòng đúng như tệp đã nộp (lấy từ core.fact_vaccination_by_district, không kể phiên bản). Hạt: lần nộp × dòng Excel.';
COMMENT ON COLUMN staging.vaccination_by_district.submission_id IS 'Mã lần nộp (raw.submission) của tệp đã cung cấp dòng này.';
COMMENT ON COLUMN staging.vaccination_by_district.source_row IS 'Số dòng Excel của dòng này trong tệp đã nộp.';
COMMENT ON COLUMN staging.vaccination_by_district.report_date IS 'Ngày báo cáo: Ngày của số liệu.';
COMMENT ON COLUMN staging.vaccination_by_district.district_code IS 'Mã huyện: Mã huyện.';
COMMENT ON COLUMN staging.vaccination_by_district.district_name IS 'Tên huyện: Tên huyện; phải khớp với mã huyện.';
COMMENT ON COLUMN staging.vaccination_by_district.population_18plus IS 'Dân số từ 18 tuổi: Dân số từ 18 tuổi trở lên của huyện.';
COMMENT ON COLUMN staging.vaccination_by_district.doses_first IS 'Số người đã tiêm mũi 1: Cộng dồn.';
COMMENT ON COLUMN staging.vaccination_by_district.doses_second IS 'Số người đã tiêm mũi 2: Cộng dồn.';
COMMENT ON COLUMN staging.vaccination_by_district.doses_booster IS 'Số mũi bổ sung, nhắc lại: Cộng dồn.';

-- Vi phạm lợi dụng dịch bệnh
CREATE TABLE core.fact_violations__009 (
    submission_id          VARCHAR NOT NULL,
    unit_code              VARCHAR NOT NULL,
    file_sha256            VARCHAR NOT NULL,
    received_at            TIMESTAMP WITH TIME ZONE NOT NULL,
    source_row             INTEGER NOT NULL,
    case_number            VARCHAR NOT NULL,
    detected_date          DATE NOT NULL,
    district_code          VARCHAR NOT NULL,
    violation_type         VARCHAR NOT NULL,
    description            VARCHAR NOT NULL,
    action                 VARCHAR NOT NULL,
    fine_amount            DOUBLE,
    valid_from             TIMESTAMP WITH TIME ZONE NOT NULL,
    valid_to               TIMESTAMP WITH TIME ZONE
);
INSERT INTO core.fact_violations__009 SELECT * FROM core.fact_violations;
DROP TABLE core.fact_violations;
ALTER TABLE core.fact_violations__009 RENAME TO fact_violations;
COMMENT ON TABLE core.fact_violations IS 'Vi phạm lợi dụng dịch bệnh, có lịch sử phiên bản (valid_from/valid_to). Hạt: đơn vị × (case_number) × phiên bản.';
COMMENT ON COLUMN core.fact_violations.submission_id IS 'Mã lần nộp (raw.submission) của tệp đã cung cấp dòng này.';
COMMENT ON COLUMN core.fact_violations.unit_code IS 'Mã đơn vị đã nộp tệp (core.dim_unit).';
COMMENT ON COLUMN core.fact_violations.file_sha256 IS 'Mã băm SHA-256 của tệp đã nộp; tệp gốc được lưu nguyên vẹn trong archive/.';
COMMENT ON COLUMN core.fact_violations.received_at IS 'Thời điểm máy chủ nhận tệp (lấy từ nhật ký lần nộp).';
COMMENT ON COLUMN core.fact_violations.source_row IS 'Số dòng Excel của dòng này trong tệp đã nộp.';
COMMENT ON COLUMN core.fact_violations.case_number IS 'Số hồ sơ: Số hồ sơ vụ việc, duy nhất.';
COMMENT ON COLUMN core.fact_violations.detected_date IS 'Ngày phát hiện: Ngày phát hiện vụ việc.';
COMMENT ON COLUMN core.fact_violations.district_code IS 'Mã huyện: Nơi xảy ra vụ việc.';
COMMENT ON COLUMN core.fact_violations.violation_type IS 'Loại vi phạm: Phân loại vụ việc.';
COMMENT ON COLUMN core.fact_violations.description IS 'Nội dung: Tóm tắt vụ việc.';
COMMENT ON COLUMN core.fact_violations.action IS 'Hình thức xử lý: Kết quả xử lý.';
COMMENT ON COLUMN core.fact_violations.fine_amount IS 'Số tiền phạt (đồng): Số tiền xử phạt, nếu có.';
COMMENT ON COLUMN core.fact_violations.valid_from IS 'Phiên bản có hiệu lực từ thời điểm này (= thời điểm nhận tệp đã cung cấp nó).';
COMMENT ON COLUMN core.fact_violations.valid_to IS 'Phiên bản hết hiệu lực từ thời điểm này (thời điểm nhận tệp thay thế nó); trống = đang có hiệu lực.';
DROP TABLE staging.violations;
CREATE VIEW staging.violations AS SELECT submission_id, source_row, case_number, detected_date, district_code, violation_type, description, action, fine_amount FROM core.fact_violations;
COMMENT ON VIEW staging.violations IS 'Dòng đã kiểm tra của biểu mẫu "Vi phạm lợi dụng dịch bệnh", mỗi dòng đúng như tệp đã nộp (lấy từ core.fact_violations, không kể phiên bản). Hạt: lần nộp × dòng Excel.';
COMMENT ON COLUMN staging.violations.submission_id IS 'Mã lần nộp (raw.submission) của tệp đã cung cấp dòng này.';
COMMENT ON COLUMN staging.violations.source_row IS 'Số dòng Excel của dòng này trong tệp đã nộp.';
COMMENT ON COLUMN staging.violations.case_number IS 'Số hồ sơ: Số hồ sơ vụ việc, duy nhất.';
COMMENT ON COLUMN staging.violations.detected_date IS 'Ngày phát hiện: Ngày phát hiện vụ việc.';
COMMENT ON COLUMN staging.violations.district_code IS 'Mã huyện: Nơi xảy ra vụ việc.';
COMMENT ON COLUMN staging.violations.violation_type IS 'Loại vi phạm: Phân loại vụ việc.';
COMMENT ON COLUMN staging.violations.description IS 'Nội dung: Tóm tắt vụ việc.';
COMMENT ON COLUMN staging.violations.action IS 'Hình thức xử lý: Kết quả xử lý.';
COMMENT ON COLUMN staging.violations.fine_amount IS 'Số tiền phạt (đồng): Số tiền xử phạt, nếu có.';

