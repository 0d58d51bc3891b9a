-- kamp schema v3 (PostgreSQL): corporate groups computed by the control engine
-- (engines.md §1). group_runs is the run history; entity_groups and
-- group_summaries hold the results of the latest successful run only (a new
-- run replaces them in the transaction that records it). Groups of one
-- entity are stored only when they have exposure (single clients, for the
-- limits report). Amounts are BIGINT in 1/10,000 CNY.

CREATE TABLE group_runs (
    id          TEXT COLLATE "C" PRIMARY KEY,
    started_at  TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    status      TEXT COLLATE "C" NOT NULL CHECK (status IN ('running', 'done', 'failed')),
    entities    BIGINT NOT NULL DEFAULT 0,
    group_count BIGINT NOT NULL DEFAULT 0,
    cycles      BIGINT NOT NULL DEFAULT 0,
    conflicts   BIGINT NOT NULL DEFAULT 0,
    fingerprint TEXT COLLATE "C" NOT NULL DEFAULT '',
    regime      TEXT COLLATE "C" NOT NULL DEFAULT '',
    tier1       BIGINT NOT NULL DEFAULT 0,
    message     TEXT COLLATE "C" NOT NULL DEFAULT ''
);
CREATE INDEX group_runs_started ON group_runs (started_at);

CREATE TABLE entity_groups (
    run_id        TEXT COLLATE "C" NOT NULL,
    entity_id     TEXT COLLATE "C" NOT NULL,
    controller_id TEXT COLLATE "C",
    ultimate_id   TEXT COLLATE "C" NOT NULL,
    group_id      TEXT COLLATE "C" NOT NULL,
    depth         INTEGER NOT NULL,
    in_cycle      BOOLEAN NOT NULL DEFAULT FALSE,
    conflict      BOOLEAN NOT NULL DEFAULT FALSE,
    exposure      BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (entity_id)
);
CREATE INDEX entity_groups_group ON entity_groups (group_id, depth, entity_id);

CREATE TABLE group_summaries (
    run_id       TEXT COLLATE "C" NOT NULL,
    group_id     TEXT COLLATE "C" NOT NULL,
    members      BIGINT NOT NULL,
    clients      BIGINT NOT NULL,
    max_depth    INTEGER NOT NULL,
    cycles       BIGINT NOT NULL DEFAULT 0,
    conflicts    BIGINT NOT NULL DEFAULT 0,
    exposure     BIGINT NOT NULL DEFAULT 0,
    pct_tier1    DOUBLE PRECISION NOT NULL DEFAULT 0,
    limit_bp     INTEGER NOT NULL DEFAULT 0,
    headroom     BIGINT NOT NULL DEFAULT 0,
    status       TEXT COLLATE "C" NOT NULL DEFAULT '',
    PRIMARY KEY (group_id)
);
CREATE INDEX group_summaries_members ON group_summaries (members, group_id);
CREATE INDEX group_summaries_exposure ON group_summaries (exposure, group_id);
