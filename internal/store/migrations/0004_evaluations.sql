-- 0004: benefit-per-mu evaluations (亩均效益评价). Every evaluation is an
-- immutable run: the scheme as it was (its YAML text), the data it saw (the
-- newest import batch and a hash of the facts read), who ran it, when, and
-- with which seed; then one row per enterprise, one per enterprise and
-- indicator (the explanation), and one per park and evaluation unit. The
-- store has no method that changes or deletes a run.
--
-- The result tables have no primary key on purpose: they are written once
-- with the Appender, and an index would only slow the bulk write.
--
-- annual_facts.above_size is the firm's above-designated-size status in
-- that year (statistics bureaus revise the directory yearly; enterprises.
-- above_size is only the latest status). NULL means the year's status is
-- not recorded: the evaluation then derives it from the revenue threshold.

ALTER TABLE annual_facts ADD COLUMN above_size BOOLEAN;
ALTER TABLE annual_facts_history ADD COLUMN above_size BOOLEAN;

CREATE TABLE evaluation_runs (
    id                BIGINT PRIMARY KEY,
    scheme_id         VARCHAR NOT NULL,
    scheme_version    VARCHAR NOT NULL,
    scheme_name_zh    VARCHAR NOT NULL,
    scheme_name_en    VARCHAR NOT NULL,
    scheme_yaml       VARCHAR NOT NULL,   -- the scheme as evaluated
    scheme_sha256     VARCHAR NOT NULL,
    year              INTEGER NOT NULL,
    data_batch        BIGINT NOT NULL,    -- the newest import batch the run saw
    input_sha256      VARCHAR NOT NULL,   -- hash of the facts read, in a canonical form
    username          VARCHAR NOT NULL,
    created_at        TIMESTAMP NOT NULL,
    seed              BIGINT NOT NULL,
    uncertainty_runs  INTEGER NOT NULL,   -- 0: no class probabilities
    notes             VARCHAR NOT NULL    -- how the run read the data, one note per line
);

-- The indicators of a run with the benchmarks the run used at each level.
CREATE TABLE evaluation_indicators (
    run_id            BIGINT NOT NULL,
    position          INTEGER NOT NULL,
    indicator         VARCHAR NOT NULL,
    name_zh           VARCHAR NOT NULL,
    name_en           VARCHAR NOT NULL,
    unit              VARCHAR NOT NULL,
    weight            DOUBLE PRECISION NOT NULL,
    missing_rule      VARCHAR NOT NULL,
    benchmark_rule    VARCHAR NOT NULL,
    benchmark         DOUBLE PRECISION,   -- enterprises, k included
    unit_benchmark    DOUBLE PRECISION,   -- evaluation units
    park_benchmark    DOUBLE PRECISION,   -- parks
    cap               DOUBLE PRECISION NOT NULL,
    reported          BIGINT NOT NULL,    -- firms in scope with the value
    mean_value        DOUBLE PRECISION,
    median_value      DOUBLE PRECISION,
    aggregate_value   DOUBLE PRECISION    -- Σ numerator ÷ Σ denominator × scale
);

CREATE TABLE evaluation_enterprises (
    run_id                  BIGINT NOT NULL,
    uscc                    VARCHAR NOT NULL,
    name                    VARCHAR NOT NULL,
    unit_code               VARCHAR NOT NULL,
    park                    VARCHAR NOT NULL,
    industry_code           VARCHAR NOT NULL,
    above_size              BOOLEAN NOT NULL,
    land_mu                 DOUBLE PRECISION,
    electricity_kwh         DOUBLE PRECISION,
    score                   DOUBLE PRECISION,
    rank                    INTEGER,            -- among the rated firms
    rank_all                INTEGER,            -- among every firm with a score
    class                   VARCHAR NOT NULL,   -- a class of the scheme, or the unrated label (U)
    capped                  BOOLEAN NOT NULL,   -- a veto moved it down
    reason_code             VARCHAR NOT NULL,   -- e.g. unrated:newly_above_size;veto:env_violation
    reason_en               VARCHAR NOT NULL,
    reason_zh               VARCHAR NOT NULL,
    next_class              VARCHAR NOT NULL,
    boundary                DOUBLE PRECISION,   -- score needed for next_class
    gap                     DOUBLE PRECISION,
    explanation             VARCHAR NOT NULL,
    best_indicator          VARCHAR NOT NULL,   -- the indicator needing the smallest relative change
    best_change_pct         DOUBLE PRECISION,
    electricity_surcharge   DOUBLE PRECISION,   -- yuan/kWh
    electricity_surcharge_yuan DOUBLE PRECISION, -- × the firm's kWh
    water_surcharge_pct     DOUBLE PRECISION,
    land_use_tax_relief_pct DOUBLE PRECISION,
    median_rank             DOUBLE PRECISION,   -- over the uncertainty runs (rank_all)
    rank_q05                DOUBLE PRECISION,
    rank_q95                DOUBLE PRECISION,
    class_probs             VARCHAR NOT NULL    -- JSON {"A":0.12,...}; '' without uncertainty
);

CREATE TABLE evaluation_items (
    run_id            BIGINT NOT NULL,
    uscc              VARCHAR NOT NULL,
    position          INTEGER NOT NULL,
    indicator         VARCHAR NOT NULL,
    numerator         DOUBLE PRECISION,
    denominator       DOUBLE PRECISION,
    value             DOUBLE PRECISION,   -- numerator ÷ denominator × scale, NULL when not reported
    ratio             DOUBLE PRECISION,   -- value ÷ benchmark, capped (the average ratio when imputed)
    points            DOUBLE PRECISION,   -- weight × ratio: the item's part of the score
    missing           VARCHAR NOT NULL,   -- '' or the missing rule applied (zero, average)
    needed_value      DOUBLE PRECISION,   -- value that alone would reach the next class
    needed_numerator  DOUBLE PRECISION,
    change            DOUBLE PRECISION,   -- needed_value − value
    status            VARCHAR NOT NULL,   -- ok, capped, insufficient, no effect, … ('' without a next class)
    note              VARCHAR NOT NULL
);

CREATE TABLE evaluation_areas (
    run_id         BIGINT NOT NULL,
    level          VARCHAR NOT NULL,    -- unit | park
    code           VARCHAR NOT NULL,    -- unit code; park: unit code/park name
    name           VARCHAR NOT NULL,
    unit_code      VARCHAR NOT NULL,
    enterprises    BIGINT NOT NULL,
    rated          BIGINT NOT NULL,
    land_mu        DOUBLE PRECISION,
    score          DOUBLE PRECISION,
    rank           INTEGER,
    class_counts   VARCHAR NOT NULL     -- JSON {"A":3,"B":10,...,"U":1}
);

CREATE TABLE evaluation_area_items (
    run_id       BIGINT NOT NULL,
    level        VARCHAR NOT NULL,
    code         VARCHAR NOT NULL,
    position     INTEGER NOT NULL,
    indicator    VARCHAR NOT NULL,
    numerator    DOUBLE PRECISION,     -- Σ over the area's firms that report both parts
    denominator  DOUBLE PRECISION,
    value        DOUBLE PRECISION,
    ratio        DOUBLE PRECISION,
    points       DOUBLE PRECISION
);
