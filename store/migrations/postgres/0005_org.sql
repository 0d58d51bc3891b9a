-- kamp schema v5 (PostgreSQL): the bank's organisation and need-to-know access.
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
    code       TEXT COLLATE "C" PRIMARY KEY,
    parent     TEXT COLLATE "C",
    name       TEXT COLLATE "C" NOT NULL,
    kind       TEXT COLLATE "C" NOT NULL CHECK (kind IN ('head_office', 'branch', 'sub_branch', 'department')),
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX org_units_parent ON org_units (parent);

CREATE TABLE team_members (
    id         TEXT COLLATE "C" PRIMARY KEY,
    unit_id    TEXT COLLATE "C" NOT NULL,
    user_id    TEXT COLLATE "C" NOT NULL REFERENCES users (id),
    role       TEXT COLLATE "C" NOT NULL,
    since      TEXT COLLATE "C" NOT NULL,
    until      TEXT COLLATE "C",
    added_by   TEXT COLLATE "C" NOT NULL,
    removed_by TEXT COLLATE "C"
);
CREATE INDEX team_members_unit ON team_members (unit_id, until);
CREATE INDEX team_members_user ON team_members (user_id, until);

CREATE TABLE group_branches (
    branch   TEXT COLLATE "C" NOT NULL,
    group_id TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (branch, group_id)
);
INSERT INTO group_branches (branch, group_id)
    SELECT DISTINCT e.branch, g.group_id FROM entity_groups g JOIN entities e ON e.id = g.entity_id
    WHERE e.branch IS NOT NULL;

CREATE TABLE change_requests (
    id         TEXT COLLATE "C" PRIMARY KEY,
    kind       TEXT COLLATE "C" NOT NULL,
    subject    TEXT COLLATE "C" NOT NULL,
    op         TEXT COLLATE "C" NOT NULL,
    user_id    TEXT COLLATE "C" NOT NULL DEFAULT '',
    reason     TEXT COLLATE "C" NOT NULL,
    status     TEXT COLLATE "C" NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    made_by    TEXT COLLATE "C" NOT NULL,
    made_at    TIMESTAMPTZ NOT NULL,
    decided_by TEXT COLLATE "C" NOT NULL DEFAULT '',
    decided_at TIMESTAMPTZ,
    note       TEXT COLLATE "C" NOT NULL DEFAULT ''
);
CREATE INDEX change_requests_status ON change_requests (status, made_at);
CREATE INDEX change_requests_subject ON change_requests (subject, made_at);
