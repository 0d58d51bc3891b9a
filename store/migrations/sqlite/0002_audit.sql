-- kamp schema v2 (SQLite): the tamper-evident audit trail. Every change is
-- one row of audit_events; seq numbers them 1, 2, 3, … with no gaps, and
-- hash is the SHA-256 of the event's fields and prev_hash, the hash of event
-- seq-1 (see kamp.AuditHash). Appends queue on the one row of audit_head, the
-- end of the chain (the last seq and its hash), which each append advances
-- in its own transaction; the primary key on seq is the last guard against a
-- fork. before and after are JSON text or ''.

CREATE TABLE audit_events (
    seq         BIGINT PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    at          TIMESTAMP NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    object_type TEXT NOT NULL DEFAULT '',
    object_id   TEXT NOT NULL DEFAULT '',
    before      TEXT NOT NULL DEFAULT '',
    after       TEXT NOT NULL DEFAULT '',
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX audit_events_action ON audit_events (action, seq);
CREATE INDEX audit_events_actor ON audit_events (actor, seq);
CREATE INDEX audit_events_object ON audit_events (object_type, object_id, seq);

-- The end of the chain: one row, advanced by every append. Besides queueing
-- the appends, it shows events deleted from the end of the trail.
CREATE TABLE audit_head (
    one  INTEGER PRIMARY KEY CHECK (one = 1),
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (one, seq, hash) VALUES (1, 0, '');
