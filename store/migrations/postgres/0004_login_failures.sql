-- Failed sign-ins per login as typed, whether or not such a user exists (so
-- that a lockout does not tell which logins exist). A login is locked for a
-- while after too many failures in a row; a successful sign-in clears it.
CREATE TABLE login_failures (
    login        TEXT COLLATE "C" PRIMARY KEY,
    failures     INTEGER NOT NULL,
    last_failure TIMESTAMPTZ NOT NULL,
    locked_until TIMESTAMPTZ
);
