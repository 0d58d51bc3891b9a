-- kamp schema v6 (SQLite): manual overrides of computed groups (人工调整)
-- and settings. An override moves one entity into a group (op add) or out
-- of its computed group (op remove); it is made by change request and
-- takes effect when a second person approves it. The group engine applies
-- the active overrides (ended_at empty) on top of its result; a later
-- override of the same entity ends the earlier one. settings holds the
-- bank's own parameters (tier-1 capital, large-exposure regime) by key.

CREATE TABLE group_overrides (
    id          TEXT PRIMARY KEY,
    entity_id   TEXT NOT NULL,
    group_id    TEXT NOT NULL,
    op          TEXT NOT NULL CHECK (op IN ('add', 'remove')),
    reason      TEXT NOT NULL,
    request_id  TEXT NOT NULL,
    made_by     TEXT NOT NULL,
    approved_by TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    ended_at    TIMESTAMP,
    ended_by    TEXT
);
CREATE INDEX group_overrides_entity ON group_overrides (entity_id, ended_at);
CREATE INDEX group_overrides_group ON group_overrides (group_id, created_at);

ALTER TABLE change_requests ADD COLUMN entity_id TEXT NOT NULL DEFAULT '';

CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    updated_by TEXT NOT NULL
);
