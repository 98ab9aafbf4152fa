-- 0001: enterprises, their annual and monthly facts, and import batches.
-- Types are the common subset of DuckDB and PostgreSQL; money in 10k yuan,
-- land in mu, energy in tce. NULL means "not reported", never zero.

CREATE TABLE import_batches (
    id              BIGINT PRIMARY KEY,
    kind            VARCHAR NOT NULL,      -- enterprises | annual | monthly
    file_name       VARCHAR NOT NULL,
    file_sha256     VARCHAR NOT NULL,
    username        VARCHAR NOT NULL,
    started_at      TIMESTAMP NOT NULL,
    finished_at     TIMESTAMP NOT NULL,
    rows_read       BIGINT NOT NULL,
    rows_inserted   BIGINT NOT NULL,
    rows_updated    BIGINT NOT NULL,
    rows_unchanged  BIGINT NOT NULL,
    warnings        BIGINT NOT NULL
);

CREATE TABLE enterprises (
    uscc            VARCHAR PRIMARY KEY,
    name            VARCHAR NOT NULL,
    unit_code       VARCHAR NOT NULL,
    park            VARCHAR,
    industry_code   VARCHAR,
    business_scope  VARCHAR,
    above_size      BOOLEAN NOT NULL,
    founded         DATE,
    land_mu         DOUBLE PRECISION,
    land_source     VARCHAR,
    batch_id        BIGINT NOT NULL
);

CREATE TABLE annual_facts (
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
    safety_accident    BOOLEAN NOT NULL,
    env_violation      BOOLEAN NOT NULL,
    under_construction BOOLEAN NOT NULL,
    utility            BOOLEAN NOT NULL,
    batch_id           BIGINT NOT NULL,
    PRIMARY KEY (uscc, year)
);

CREATE TABLE monthly_facts (
    uscc             VARCHAR NOT NULL,
    month            DATE NOT NULL,        -- first day of the month
    output_value     DOUBLE PRECISION,
    revenue          DOUBLE PRECISION,
    electricity_kwh  DOUBLE PRECISION,
    employees        DOUBLE PRECISION,
    batch_id         BIGINT NOT NULL,
    PRIMARY KEY (uscc, month)
);
