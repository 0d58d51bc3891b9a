-- kamp schema v1 (SQLite). Amounts are BIGINT in 1/10,000 of the currency's
-- major unit; shares in 1/1,000,000 of a percent; FX rates in 1e-10 units.
-- Dates are ISO 8601 text (YYYY-MM-DD), periods YYYY-MM.
--
-- References from the interchange tables (holdings, metrics, exposures,
-- payments) to entities are checked by the importer, their only writer,
-- against the stored entities and the import's own; they are not foreign
-- keys, because a per-row check makes a bulk load of 10M payments about five
-- times slower on PostgreSQL. kamp never deletes entities.

CREATE TABLE entities (
    id        TEXT PRIMARY KEY,
    name      TEXT NOT NULL,
    kind      TEXT NOT NULL DEFAULT 'company' CHECK (kind IN ('company', 'person', 'state')),
    uscc      TEXT UNIQUE,
    lei       TEXT UNIQUE,
    country   TEXT NOT NULL DEFAULT 'CN',
    industry  TEXT,
    branch    TEXT,
    is_client BOOLEAN NOT NULL DEFAULT TRUE
) WITHOUT ROWID;
CREATE INDEX entities_name ON entities (name);
CREATE INDEX entities_branch ON entities (branch);

CREATE TABLE holdings (
    holder_id TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    share     BIGINT,
    agreement BOOLEAN NOT NULL DEFAULT FALSE,
    as_of     TEXT,
    PRIMARY KEY (holder_id, entity_id),
    CHECK (holder_id <> entity_id)
) WITHOUT ROWID;
CREATE INDEX holdings_entity ON holdings (entity_id);

CREATE TABLE metrics (
    client_id    TEXT NOT NULL,
    period       TEXT NOT NULL,
    currency     TEXT NOT NULL,
    deposits_avg BIGINT,
    loans_avg    BIGINT,
    revenue      BIGINT,
    fee_income   BIGINT,
    PRIMARY KEY (client_id, period, currency)
) WITHOUT ROWID;
CREATE INDEX metrics_period ON metrics (period);

-- Custom indicators: any other numeric column of metrics.csv, by header name.
CREATE TABLE metric_values (
    client_id TEXT NOT NULL,
    period    TEXT NOT NULL,
    currency  TEXT NOT NULL,
    indicator TEXT NOT NULL,
    value     BIGINT NOT NULL,
    PRIMARY KEY (client_id, period, currency, indicator),
    FOREIGN KEY (client_id, period, currency) REFERENCES metrics (client_id, period, currency) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE TABLE exposures (
    facility_id TEXT PRIMARY KEY,
    client_id   TEXT NOT NULL,
    product     TEXT,
    currency    TEXT NOT NULL,
    amount      BIGINT NOT NULL,
    as_of       TEXT
) WITHOUT ROWID;
CREATE INDEX exposures_client ON exposures (client_id);

CREATE TABLE payments (
    txn_id     TEXT PRIMARY KEY,
    date       TEXT NOT NULL,
    payer_id   TEXT,
    payer_name TEXT,
    payee_id   TEXT,
    payee_name TEXT,
    amount     BIGINT NOT NULL,
    currency   TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE fx_rates (
    date     TEXT NOT NULL,
    currency TEXT NOT NULL,
    rate     BIGINT NOT NULL,
    PRIMARY KEY (currency, date)
) WITHOUT ROWID;

CREATE TABLE import_batches (
    id          TEXT PRIMARY KEY,
    started_at  TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    status      TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    quarantine  BOOLEAN NOT NULL DEFAULT FALSE,
    error_count BIGINT NOT NULL DEFAULT 0,
    message     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX import_batches_started ON import_batches (started_at);

CREATE TABLE import_files (
    batch_id      TEXT NOT NULL REFERENCES import_batches (id) ON DELETE CASCADE,
    seq           INTEGER NOT NULL,
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    rows_read     BIGINT NOT NULL DEFAULT 0,
    rows_loaded   BIGINT NOT NULL DEFAULT 0,
    rows_rejected BIGINT NOT NULL DEFAULT 0,
    skipped       BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (batch_id, seq)
);
CREATE INDEX import_files_sha ON import_files (sha256);

-- Bad rows of an import: the report of a rejected import, or the quarantine
-- of a partial one.
CREATE TABLE import_errors (
    batch_id    TEXT NOT NULL REFERENCES import_batches (id) ON DELETE CASCADE,
    seq         BIGINT NOT NULL,
    file        TEXT NOT NULL,
    line        BIGINT NOT NULL,
    column_name TEXT NOT NULL,
    value       TEXT NOT NULL,
    reason      TEXT NOT NULL,
    PRIMARY KEY (batch_id, seq)
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    login         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL,
    org_unit      TEXT NOT NULL DEFAULT '',
    level         INTEGER NOT NULL DEFAULT 1,
    lang          TEXT NOT NULL DEFAULT 'zh-CN',
    password_hash TEXT NOT NULL,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    TIMESTAMP NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);

CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
