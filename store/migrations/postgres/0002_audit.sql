-- kamp schema v2 (PostgreSQL): the tamper-evident audit trail. Every change is
-- one row of audit_events; seq numbers them 1, 2, 3, … with no gaps, and
-- hash is the SHA-256 of the event's fields and prev_hash, the hash of event
-- seq-1 (see kamp.AuditHash). Appends queue on the one row of audit_head, the
-- end of the chain (the last seq and its hash), which each append advances
-- in its own transaction; the primary key on seq is the last guard against a
-- fork. before and after are JSON text or ''.

CREATE TABLE audit_events (
    seq         BIGINT PRIMARY KEY,
    id          TEXT COLLATE "C" NOT NULL UNIQUE,
    at          TIMESTAMPTZ NOT NULL,
    actor       TEXT COLLATE "C" NOT NULL,
    action      TEXT COLLATE "C" NOT NULL,
    object_type TEXT COLLATE "C" NOT NULL DEFAULT '',
    object_id   TEXT COLLATE "C" NOT NULL DEFAULT '',
    before      TEXT COLLATE "C" NOT NULL DEFAULT '',
    after       TEXT COLLATE "C" NOT NULL DEFAULT '',
    prev_hash   TEXT COLLATE "C" NOT NULL,
    hash        TEXT COLLATE "C" NOT NULL
);
CREATE INDEX audit_events_action ON audit_events (action, seq);
CREATE INDEX audit_events_actor ON audit_events (actor, seq);
CREATE INDEX audit_events_object ON audit_events (object_type, object_id, seq);

-- The end of the chain: one row, advanced by every append. Besides queueing
-- the appends, it shows events deleted from the end of the trail.
CREATE TABLE audit_head (
    one  INTEGER PRIMARY KEY CHECK (one = 1),
    seq  BIGINT NOT NULL,
    hash TEXT COLLATE "C" NOT NULL
);
INSERT INTO audit_head (one, seq, hash) VALUES (1, 0, '');
