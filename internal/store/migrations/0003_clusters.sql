-- 0003: cluster monitoring. Memberships of enterprises in the clusters of a
-- cluster system (many-to-many, one primary per enterprise), the manual
-- overrides that survive every re-assignment and re-import, a record of
-- each assignment with what it changed, rollups materialised per period
-- (rebuilt when the data they were built from changed) and optional
-- reference tables (national or provincial region × industry figures) for
-- the city's own location quotients.
--
-- cluster_memberships has no primary key on purpose: it is replaced as a
-- whole at each assignment (a million enterprises in seconds), and an index
-- would only slow the bulk write down.

CREATE TABLE cluster_memberships (
    system_id    VARCHAR NOT NULL,
    uscc         VARCHAR NOT NULL,
    cluster_id   VARCHAR NOT NULL,
    is_primary   BOOLEAN NOT NULL,
    source       VARCHAR NOT NULL,     -- rule | override
    rule         VARCHAR NOT NULL      -- 'code 361', 'keyword 卫星', or the override's reason
);

CREATE TABLE cluster_overrides (
    id            BIGINT PRIMARY KEY,
    system_id     VARCHAR NOT NULL,
    uscc          VARCHAR NOT NULL,
    cluster_id    VARCHAR NOT NULL,
    action        VARCHAR NOT NULL,    -- add | remove
    make_primary  BOOLEAN NOT NULL,
    reason        VARCHAR NOT NULL,
    author        VARCHAR NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    revoked_at    TIMESTAMP,           -- set when a later override of the same pair, or a clear, replaces it
    revoked_by    VARCHAR
);

CREATE TABLE cluster_assignments (
    id               BIGINT PRIMARY KEY,
    system_id        VARCHAR NOT NULL,
    system_version   VARCHAR NOT NULL,
    username         VARCHAR NOT NULL,
    started_at       TIMESTAMP NOT NULL,
    finished_at      TIMESTAMP NOT NULL,
    data_batch       BIGINT NOT NULL,  -- the newest import batch the assignment saw
    enterprises      BIGINT NOT NULL,
    assigned         BIGINT NOT NULL,
    memberships      BIGINT NOT NULL,
    added            BIGINT NOT NULL,
    removed          BIGINT NOT NULL,
    primary_changed  BIGINT NOT NULL
);

CREATE TABLE cluster_assignment_counts (
    assignment_id    BIGINT NOT NULL,
    cluster_id       VARCHAR NOT NULL,
    members          BIGINT NOT NULL,
    primary_members  BIGINT NOT NULL,
    added            BIGINT NOT NULL,
    removed          BIGINT NOT NULL
);

-- What an assignment changed against the one before it (the first
-- assignment of a system records none: everything would be "added").
CREATE TABLE cluster_membership_changes (
    assignment_id  BIGINT NOT NULL,
    uscc           VARCHAR NOT NULL,
    cluster_id     VARCHAR NOT NULL,
    change         VARCHAR NOT NULL    -- added | removed | became_primary | lost_primary | rule
);

-- One row per cluster × geography of a period, with the additive sums the
-- measures derive from. cluster_id '_all' is all above-size enterprises,
-- counted once. Value-added columns are NULL for months and year-to-date.
CREATE TABLE cluster_rollups (
    system_id               VARCHAR NOT NULL,
    period                  VARCHAR NOT NULL,   -- 2024-06, ytd:2024-06, 2024
    cluster_id              VARCHAR NOT NULL,
    geo_kind                VARCHAR NOT NULL,   -- city | region | unit
    geo_code                VARCHAR NOT NULL,
    output_value            DOUBLE PRECISION NOT NULL,
    revenue                 DOUBLE PRECISION NOT NULL,
    value_added             DOUBLE PRECISION,
    electricity_kwh         DOUBLE PRECISION NOT NULL,
    employees               DOUBLE PRECISION NOT NULL,
    prev_output_value       DOUBLE PRECISION NOT NULL,
    prev_revenue            DOUBLE PRECISION NOT NULL,
    prev_value_added        DOUBLE PRECISION,
    comp_output_value       DOUBLE PRECISION NOT NULL,
    comp_prev_output_value  DOUBLE PRECISION NOT NULL,
    comp_revenue            DOUBLE PRECISION NOT NULL,
    comp_prev_revenue       DOUBLE PRECISION NOT NULL,
    comp_value_added        DOUBLE PRECISION,
    comp_prev_value_added   DOUBLE PRECISION,
    enterprises             BIGINT NOT NULL,
    prev_enterprises        BIGINT NOT NULL,
    comparable              BIGINT NOT NULL,
    output_sq               DOUBLE PRECISION NOT NULL,
    top_outputs             VARCHAR NOT NULL    -- the ten largest outputs, descending, comma-separated
);

-- stamp says what a period's rollup was built from (import batches, undos,
-- assignment, overrides); a different stamp means rebuild.
CREATE TABLE cluster_rollup_state (
    system_id  VARCHAR NOT NULL,
    period     VARCHAR NOT NULL,
    stamp      VARCHAR NOT NULL,
    built_at   TIMESTAMP NOT NULL,
    build_ms   BIGINT NOT NULL,
    PRIMARY KEY (system_id, period)
);

-- The city's above-size industry per year (for the city-level targets),
-- kept under the stamp it was computed for, like the rollups.
CREATE TABLE cluster_industry_years (
    stamp             VARCHAR NOT NULL,
    year              INTEGER NOT NULL,   -- 0: a marker for "no years"
    enterprises       BIGINT,
    revenue           DOUBLE PRECISION,
    rd                DOUBLE PRECISION,
    rd_revenue        DOUBLE PRECISION,
    value_added       DOUBLE PRECISION,
    labour_va         DOUBLE PRECISION,
    labour_employees  DOUBLE PRECISION,
    energy_tce        DOUBLE PRECISION,
    energy_va         DOUBLE PRECISION
);

CREATE TABLE cluster_reference (
    name           VARCHAR NOT NULL,   -- e.g. national-2023
    region         VARCHAR NOT NULL,
    industry_code  VARCHAR NOT NULL,   -- GB/T 4754-2017, any level
    employees      DOUBLE PRECISION,
    output_value   DOUBLE PRECISION,   -- 10k yuan
    imported_at    TIMESTAMP NOT NULL,
    username       VARCHAR NOT NULL
);
