-- kamp schema v8 (SQLite): supply-chain (chain) marketing in the app
-- (engines.md §3). chain_runs is the run history: each run keeps its date
-- range, input fingerprint and counts. chain_edges, chain_units,
-- chain_links and chain_prospects hold the results of the latest successful
-- run only (a new run replaces them):
-- per strategic unit its upstream and downstream counterparties (an entity
-- id, or the match key of an unmatched name), and the non-client
-- counterparties ranked as prospects, with the prospect's industry, branch
-- and name when it is a known entity. Amounts are BIGINT in 1/10,000 CNY.
-- prospect_work is the history of the work on prospects (assign to a branch
-- RM, dismiss with a reason): a row per action, the latest (highest seq)
-- being the state. It is keyed by the prospect key (the entity id, or
-- "n:" and the name's match key), not by run, so that work survives new
-- runs.

CREATE TABLE chain_runs (
    id          TEXT PRIMARY KEY,
    started_at  TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    status      TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
    from_date   TEXT NOT NULL DEFAULT '',
    to_date     TEXT NOT NULL DEFAULT '',
    fingerprint TEXT NOT NULL DEFAULT '',
    made_by     TEXT NOT NULL,
    payments    BIGINT NOT NULL DEFAULT 0,
    units       BIGINT NOT NULL DEFAULT 0,
    edges       BIGINT NOT NULL DEFAULT 0,
    prospects   BIGINT NOT NULL DEFAULT 0,
    message     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX chain_runs_started ON chain_runs (started_at);

CREATE TABLE chain_edges (
    run_id       TEXT NOT NULL,
    unit_id      TEXT NOT NULL,
    direction    TEXT NOT NULL CHECK (direction IN ('upstream', 'downstream')),
    counterparty TEXT NOT NULL,
    is_entity    BOOLEAN NOT NULL,
    amount       BIGINT NOT NULL,
    payments     BIGINT NOT NULL,
    first_date   TEXT NOT NULL,
    last_date    TEXT NOT NULL,
    PRIMARY KEY (run_id, unit_id, direction, counterparty, is_entity)
) WITHOUT ROWID;
-- chain_units are the strategic units with edges in the run; chain_links
-- the units each prospect is linked to (a row per unit and prospect,
-- whatever the direction). The need-to-know rule on prospects reads them:
-- the units a person sees, then their prospects.
CREATE TABLE chain_units (
    run_id  TEXT NOT NULL,
    unit_id TEXT NOT NULL,
    PRIMARY KEY (run_id, unit_id)
) WITHOUT ROWID;

CREATE TABLE chain_links (
    run_id       TEXT NOT NULL,
    unit_id      TEXT NOT NULL,
    counterparty TEXT NOT NULL,
    is_entity    BOOLEAN NOT NULL,
    PRIMARY KEY (run_id, unit_id, counterparty, is_entity)
) WITHOUT ROWID;
CREATE INDEX chain_links_counterparty ON chain_links (run_id, counterparty, is_entity);

CREATE TABLE chain_prospects (
    run_id       TEXT NOT NULL,
    prospect_key TEXT NOT NULL,
    rank         BIGINT NOT NULL,
    counterparty TEXT NOT NULL,
    is_entity    BOOLEAN NOT NULL,
    name         TEXT NOT NULL DEFAULT '',
    amount       BIGINT NOT NULL,
    payments     BIGINT NOT NULL,
    units        BIGINT NOT NULL,
    direction    TEXT NOT NULL CHECK (direction IN ('upstream', 'downstream', 'both')),
    industry     TEXT NOT NULL DEFAULT '',
    branch       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (run_id, prospect_key)
) WITHOUT ROWID;
CREATE INDEX chain_prospects_rank ON chain_prospects (run_id, rank);
CREATE INDEX chain_prospects_counterparty ON chain_prospects (run_id, counterparty, is_entity);
CREATE INDEX chain_prospects_name ON chain_prospects (run_id, name, rank);

CREATE TABLE prospect_work (
    prospect_key TEXT NOT NULL,
    seq          BIGINT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('open', 'assigned', 'dismissed')),
    assignee_id  TEXT NOT NULL DEFAULT '',
    note         TEXT NOT NULL DEFAULT '',
    made_by      TEXT NOT NULL,
    made_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (prospect_key, seq)
) WITHOUT ROWID;
CREATE INDEX prospect_work_assignee ON prospect_work (assignee_id, prospect_key);
