-- 003: keep every validation finding, so warnings (which let a file load) stay
-- visible on the data-quality view and rejected files can be analysed by unit.

-- Grain: one row per finding (error, warning or note) of a submission.
CREATE TABLE raw.validation_issue (
    submission_id  VARCHAR NOT NULL,
    ordinal        INTEGER NOT NULL,
    code           VARCHAR NOT NULL,
    severity       VARCHAR NOT NULL,   -- error | warning | info
    excel_row      INTEGER,
    excel_column   VARCHAR,
    field          VARCHAR,
    value          VARCHAR,
    message        VARCHAR NOT NULL,
    PRIMARY KEY (submission_id, ordinal)
);
COMMENT ON TABLE raw.validation_issue IS 'Mọi lỗi, cảnh báo và ghi chú khi kiểm tra một lần nộp. Hạt: một dòng cho mỗi phát hiện.';
COMMENT ON COLUMN raw.validation_issue.code IS 'Mã lỗi (kebab-case) trong validation/errors.yaml.';
COMMENT ON COLUMN raw.validation_issue.excel_row IS 'Số dòng Excel trong tệp đã nộp.';
COMMENT ON COLUMN raw.validation_issue.excel_column IS 'Chữ cái cột Excel.';
