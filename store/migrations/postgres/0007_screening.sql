-- kamp schema v7 (PostgreSQL): strategic-client screening in the app
-- (engines.md §2). screening_runs is the run history: each stored run keeps
-- its period, weights, rules, input fingerprint and concentration report;
-- screening_results its ranked units (indicators are the four standard
-- ones in 1/10,000 CNY; rule_tier the tier the run's rules propose where it
-- differs from the computed one). strategic_list is the bank's official strategic
-- list with its history: a row per unit per spell (effective_to empty while
-- in force), written when a run is adopted or a nomination or exclusion is
-- approved. Dates are YYYY-MM-DD text, as team_members keeps them.

CREATE TABLE screening_runs (
    id            TEXT COLLATE "C" PRIMARY KEY,
    started_at    TIMESTAMPTZ NOT NULL,
    finished_at   TIMESTAMPTZ,
    status        TEXT COLLATE "C" NOT NULL CHECK (status IN ('running', 'done', 'failed')),
    period        TEXT COLLATE "C" NOT NULL DEFAULT '',
    weights       TEXT COLLATE "C" NOT NULL,
    rules         TEXT COLLATE "C" NOT NULL DEFAULT '',
    fingerprint   TEXT COLLATE "C" NOT NULL DEFAULT '',
    made_by       TEXT COLLATE "C" NOT NULL,
    units         BIGINT NOT NULL DEFAULT 0,
    concentration TEXT COLLATE "C" NOT NULL DEFAULT '',
    message       TEXT COLLATE "C" NOT NULL DEFAULT ''
);
CREATE INDEX screening_runs_started ON screening_runs (started_at);

CREATE TABLE screening_results (
    run_id       TEXT COLLATE "C" NOT NULL,
    unit_id      TEXT COLLATE "C" NOT NULL,
    rank         BIGINT NOT NULL,
    score        DOUBLE PRECISION NOT NULL,
    cum_share    DOUBLE PRECISION NOT NULL,
    tier         TEXT COLLATE "C" NOT NULL CHECK (tier IN ('core', 'key', 'general')),
    members      BIGINT NOT NULL,
    deposits_avg BIGINT NOT NULL DEFAULT 0,
    loans_avg    BIGINT NOT NULL DEFAULT 0,
    revenue      BIGINT NOT NULL DEFAULT 0,
    fee_income   BIGINT NOT NULL DEFAULT 0,
    rule_tier    TEXT COLLATE "C" NOT NULL DEFAULT '',
    PRIMARY KEY (run_id, rank)
);
CREATE UNIQUE INDEX screening_results_unit ON screening_results (run_id, unit_id);

CREATE TABLE strategic_list (
    id             TEXT COLLATE "C" PRIMARY KEY,
    unit_id        TEXT COLLATE "C" NOT NULL,
    tier           TEXT COLLATE "C" NOT NULL CHECK (tier IN ('core', 'key', 'excluded')),
    effective_from TEXT COLLATE "C" NOT NULL,
    effective_to   TEXT COLLATE "C",
    source         TEXT COLLATE "C" NOT NULL CHECK (source IN ('run', 'nomination', 'exclusion')),
    run_id         TEXT COLLATE "C" NOT NULL DEFAULT '',
    request_id     TEXT COLLATE "C" NOT NULL DEFAULT ''
);
CREATE INDEX strategic_list_unit ON strategic_list (unit_id, effective_from);
CREATE INDEX strategic_list_current ON strategic_list (effective_to, tier, unit_id);

ALTER TABLE change_requests ADD COLUMN detail TEXT COLLATE "C" NOT NULL DEFAULT '';
