-- 0006: annual_facts and monthly_facts without a primary-key index.
--
-- Each key (uscc, year) and (uscc, month) is still stored at most once: the
-- only writers are an import's merge, which inserts only keys the table
-- does not hold (store.Load.merge, after the staged rows were checked for
-- repeated keys), and an undo, which deletes and updates but never
-- inserts. TestFactKeysStayUnique checks this after every kind of write.
--
-- Why drop the index: maintaining it was the largest single cost of an
-- import. For 1,000,000 annual rows, inserting into the ART index and
-- writing it at commit took about 0.55 s of 2.5 s, more than DuckDB needs
-- to load the whole file without validation (BENCHMARKS.md, issue 3). The
-- index did not serve the reads either: lookups by firm filter on uscc
-- alone, which DuckDB answers from the row groups' min/max statistics, not
-- from a composite key index.
--
-- DuckDB cannot drop a primary key in place, so each table is rebuilt with
-- the same columns in the same order, sorted by its key (which keeps the
-- min/max statistics of uscc tight for the lookups above).

CREATE TABLE annual_facts_rebuilt (
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
    above_size         BOOLEAN
);
INSERT INTO annual_facts_rebuilt SELECT * FROM annual_facts ORDER BY uscc, year;
DROP TABLE annual_facts;
ALTER TABLE annual_facts_rebuilt RENAME TO annual_facts;

CREATE TABLE monthly_facts_rebuilt (
    uscc             VARCHAR NOT NULL,
    month            DATE NOT NULL,        -- first day of the month
    output_value     DOUBLE PRECISION,
    revenue          DOUBLE PRECISION,
    electricity_kwh  DOUBLE PRECISION,
    employees        DOUBLE PRECISION,
    batch_id         BIGINT NOT NULL
);
INSERT INTO monthly_facts_rebuilt SELECT * FROM monthly_facts ORDER BY uscc, month;
DROP TABLE monthly_facts;
ALTER TABLE monthly_facts_rebuilt RENAME TO monthly_facts;
