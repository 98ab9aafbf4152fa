-- 0002: revisions and undo. Every row version an import replaces is kept in
-- a history table with the batch that replaced it (op 'update'; op 'undone'
-- keeps the versions an undo removed), so `indus import undo BATCH` can
-- restore the state before that batch and the revisions of a batch (old,
-- new) can be listed. cell_originals keeps each
-- value as the file wrote it when a reader converted or normalised it.

ALTER TABLE import_batches ADD COLUMN undone_at TIMESTAMP;
ALTER TABLE import_batches ADD COLUMN undone_by VARCHAR;
ALTER TABLE import_batches ADD COLUMN rows_rejected BIGINT DEFAULT 0;

CREATE TABLE enterprises_history (
    replaced_by     BIGINT NOT NULL,
    op              VARCHAR NOT NULL,
    uscc            VARCHAR NOT NULL,
    name            VARCHAR,
    unit_code       VARCHAR,
    park            VARCHAR,
    industry_code   VARCHAR,
    business_scope  VARCHAR,
    above_size      BOOLEAN,
    founded         DATE,
    land_mu         DOUBLE PRECISION,
    land_source     VARCHAR,
    batch_id        BIGINT
);

CREATE TABLE annual_facts_history (
    replaced_by        BIGINT NOT NULL,
    op                 VARCHAR NOT NULL,
    uscc               VARCHAR NOT NULL,
    year               INTEGER NOT NULL,
    land_mu            DOUBLE PRECISION,
    revenue            DOUBLE PRECISION,
    output_value       DOUBLE PRECISION,
    value_added        DOUBLE PRECISION,
    tax                DOUBLE PRECISION,
    energy_tce         DOUBLE PRECISION,
    electricity_kwh    DOUBLE PRECISION,
    emissions_t        DOUBLE PRECISION,
    rd_spend           DOUBLE PRECISION,
    employees          DOUBLE PRECISION,
    safety_accident    BOOLEAN,
    env_violation      BOOLEAN,
    under_construction BOOLEAN,
    utility            BOOLEAN,
    batch_id           BIGINT
);

CREATE TABLE monthly_facts_history (
    replaced_by      BIGINT NOT NULL,
    op               VARCHAR NOT NULL,
    uscc             VARCHAR NOT NULL,
    month            DATE NOT NULL,
    output_value     DOUBLE PRECISION,
    revenue          DOUBLE PRECISION,
    electricity_kwh  DOUBLE PRECISION,
    employees        DOUBLE PRECISION,
    batch_id         BIGINT
);

CREATE TABLE cell_originals (
    batch_id        BIGINT NOT NULL,
    table_name      VARCHAR NOT NULL,
    row_key         VARCHAR NOT NULL,   -- uscc, uscc|year or uscc|YYYY-MM
    column_name     VARCHAR NOT NULL,
    original_value  VARCHAR NOT NULL,
    original_unit   VARCHAR
);
