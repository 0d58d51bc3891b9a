-- kamp schema v5 (SQLite): the bank's organisation and need-to-know access.
-- org_units is the tree of head office, branches, sub-branches and
-- departments; entities.branch and users.org_unit name its codes (not as
-- foreign keys: data files may name a unit before the org file is loaded).
-- team_members is the dated history of every coverage team: a row per
-- person per spell on a team, "until" empty while current. group_branches
-- lists the org units where each stored group has members, so that the
-- access rule finds a branch's groups by index; it is rebuilt with the
-- groups. change_requests holds changes that wait for a second person's
-- approval (maker-checker).

CREATE TABLE org_units (
    code       TEXT PRIMARY KEY,
    parent     TEXT,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('head_office', 'branch', 'sub_branch', 'department')),
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX org_units_parent ON org_units (parent);

CREATE TABLE team_members (
    id         TEXT PRIMARY KEY,
    unit_id    TEXT NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id),
    role       TEXT NOT NULL,
    since      TEXT NOT NULL,
    until      TEXT,
    added_by   TEXT NOT NULL,
    removed_by TEXT
);
CREATE INDEX team_members_unit ON team_members (unit_id, until);
CREATE INDEX team_members_user ON team_members (user_id, until);

CREATE TABLE group_branches (
    branch   TEXT NOT NULL,
    group_id TEXT NOT NULL,
    PRIMARY KEY (branch, group_id)
) WITHOUT ROWID;
INSERT INTO group_branches (branch, group_id)
    SELECT DISTINCT e.branch, g.group_id FROM entity_groups g JOIN entities e ON e.id = g.entity_id
    WHERE e.branch IS NOT NULL;

CREATE TABLE change_requests (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    subject    TEXT NOT NULL,
    op         TEXT NOT NULL,
    user_id    TEXT NOT NULL DEFAULT '',
    reason     TEXT NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    made_by    TEXT NOT NULL,
    made_at    TIMESTAMP NOT NULL,
    decided_by TEXT NOT NULL DEFAULT '',
    decided_at TIMESTAMP,
    note       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX change_requests_status ON change_requests (status, made_at);
CREATE INDEX change_requests_subject ON change_requests (subject, made_at);
