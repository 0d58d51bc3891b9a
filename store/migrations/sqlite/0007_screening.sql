-- kamp schema v7 (SQLite): strategic-client screening in the app
-- (engines.md §2). screening_runs is the run history: each stored run keeps
-- its period, weights, rules, input fingerprint and concentration report;
-- screening_results its ranked units (indicators are the four standard
-- ones in 1/10,000 CNY; rule_tier the tier the run's rules propose where it
-- differs from the computed one). strategic_list is the bank's official strategic
-- list with its history: a row per unit per spell (effective_to empty while
-- in force), written when a run is adopted or a nomination or exclusion is
-- approved. Dates are YYYY-MM-DD text, as team_members keeps them.

CREATE TABLE screening_runs (
    id            TEXT PRIMARY KEY,
    started_at    TIMESTAMP NOT NULL,
    finished_at   TIMESTAMP,
    status        TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
    period        TEXT NOT NULL DEFAULT '',
    weights       TEXT NOT NULL,
    rules         TEXT NOT NULL DEFAULT '',
    fingerprint   TEXT NOT NULL DEFAULT '',
    made_by       TEXT NOT NULL,
    units         BIGINT NOT NULL DEFAULT 0,
    concentration TEXT NOT NULL DEFAULT '',
    message       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX screening_runs_started ON screening_runs (started_at);

CREATE TABLE screening_results (
    run_id       TEXT NOT NULL,
    unit_id      TEXT NOT NULL,
    rank         BIGINT NOT NULL,
    score        REAL NOT NULL,
    cum_share    REAL NOT NULL,
    tier         TEXT NOT NULL CHECK (tier IN ('core', 'key', 'general')),
    members      BIGINT NOT NULL,
    deposits_avg BIGINT NOT NULL DEFAULT 0,
    loans_avg    BIGINT NOT NULL DEFAULT 0,
    revenue      BIGINT NOT NULL DEFAULT 0,
    fee_income   BIGINT NOT NULL DEFAULT 0,
    rule_tier    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (run_id, rank)
) WITHOUT ROWID;
CREATE UNIQUE INDEX screening_results_unit ON screening_results (run_id, unit_id);

CREATE TABLE strategic_list (
    id             TEXT PRIMARY KEY,
    unit_id        TEXT NOT NULL,
    tier           TEXT NOT NULL CHECK (tier IN ('core', 'key', 'excluded')),
    effective_from TEXT NOT NULL,
    effective_to   TEXT,
    source         TEXT NOT NULL CHECK (source IN ('run', 'nomination', 'exclusion')),
    run_id         TEXT NOT NULL DEFAULT '',
    request_id     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX strategic_list_unit ON strategic_list (unit_id, effective_from);
CREATE INDEX strategic_list_current ON strategic_list (effective_to, tier, unit_id);

ALTER TABLE change_requests ADD COLUMN detail TEXT NOT NULL DEFAULT '';
