-- kamp schema v6 (PostgreSQL): manual overrides of computed groups (人工调整)
-- and settings. An override moves one entity into a group (op add) or out
-- of its computed group (op remove); it is made by change request and
-- takes effect when a second person approves it. The group engine applies
-- the active overrides (ended_at empty) on top of its result; a later
-- override of the same entity ends the earlier one. settings holds the
-- bank's own parameters (tier-1 capital, large-exposure regime) by key.

CREATE TABLE group_overrides (
    id          TEXT COLLATE "C" PRIMARY KEY,
    entity_id   TEXT COLLATE "C" NOT NULL,
    group_id    TEXT COLLATE "C" NOT NULL,
    op          TEXT COLLATE "C" NOT NULL CHECK (op IN ('add', 'remove')),
    reason      TEXT COLLATE "C" NOT NULL,
    request_id  TEXT COLLATE "C" NOT NULL,
    made_by     TEXT COLLATE "C" NOT NULL,
    approved_by TEXT COLLATE "C" NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    ended_at    TIMESTAMPTZ,
    ended_by    TEXT COLLATE "C"
);
CREATE INDEX group_overrides_entity ON group_overrides (entity_id, ended_at);
CREATE INDEX group_overrides_group ON group_overrides (group_id, created_at);

ALTER TABLE change_requests ADD COLUMN entity_id TEXT COLLATE "C" NOT NULL DEFAULT '';

CREATE TABLE settings (
    key        TEXT COLLATE "C" PRIMARY KEY,
    value      TEXT COLLATE "C" NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    updated_by TEXT COLLATE "C" NOT NULL
);
