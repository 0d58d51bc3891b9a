-- kamp schema v1 (PostgreSQL). Amounts are BIGINT in 1/10,000 of the currency's
-- major unit; shares in 1/1,000,000 of a percent; FX rates in 1e-10 units.
-- Dates are ISO 8601 text (YYYY-MM-DD), periods YYYY-MM.
--
-- References from the interchange tables (holdings, metrics, exposures,
-- payments) to entities are checked by the importer, their only writer,
-- against the stored entities and the import's own; they are not foreign
-- keys, because a per-row check makes a bulk load of 10M payments about five
-- times slower on PostgreSQL. kamp never deletes entities.

CREATE TABLE entities (
    id        TEXT COLLATE "C" PRIMARY KEY,
    name      TEXT COLLATE "C" NOT NULL,
    kind      TEXT COLLATE "C" NOT NULL DEFAULT 'company' CHECK (kind IN ('company', 'person', 'state')),
    uscc      TEXT COLLATE "C" UNIQUE,
    lei       TEXT COLLATE "C" UNIQUE,
    country   TEXT COLLATE "C" NOT NULL DEFAULT 'CN',
    industry  TEXT COLLATE "C",
    branch    TEXT COLLATE "C",
    is_client BOOLEAN NOT NULL DEFAULT TRUE
);
CREATE INDEX entities_name ON entities (name);
CREATE INDEX entities_branch ON entities (branch);

CREATE TABLE holdings (
    holder_id TEXT COLLATE "C" NOT NULL,
    entity_id TEXT COLLATE "C" NOT NULL,
    share     BIGINT,
    agreement BOOLEAN NOT NULL DEFAULT FALSE,
    as_of     TEXT COLLATE "C",
    PRIMARY KEY (holder_id, entity_id),
    CHECK (holder_id <> entity_id)
);
CREATE INDEX holdings_entity ON holdings (entity_id);

CREATE TABLE metrics (
    client_id    TEXT COLLATE "C" NOT NULL,
    period       TEXT COLLATE "C" NOT NULL,
    currency     TEXT COLLATE "C" NOT NULL,
    deposits_avg BIGINT,
    loans_avg    BIGINT,
    revenue      BIGINT,
    fee_income   BIGINT,
    PRIMARY KEY (client_id, period, currency)
);
CREATE INDEX metrics_period ON metrics (period);

-- Custom indicators: any other numeric column of metrics.csv, by header name.
CREATE TABLE metric_values (
    client_id TEXT COLLATE "C" NOT NULL,
    period    TEXT COLLATE "C" NOT NULL,
    currency  TEXT COLLATE "C" NOT NULL,
    indicator TEXT COLLATE "C" NOT NULL,
    value     BIGINT NOT NULL,
    PRIMARY KEY (client_id, period, currency, indicator),
    FOREIGN KEY (client_id, period, currency) REFERENCES metrics (client_id, period, currency) ON DELETE CASCADE
);

CREATE TABLE exposures (
    facility_id TEXT COLLATE "C" PRIMARY KEY,
    client_id   TEXT COLLATE "C" NOT NULL,
    product     TEXT COLLATE "C",
    currency    TEXT COLLATE "C" NOT NULL,
    amount      BIGINT NOT NULL,
    as_of       TEXT COLLATE "C"
);
CREATE INDEX exposures_client ON exposures (client_id);

CREATE TABLE payments (
    txn_id     TEXT COLLATE "C" PRIMARY KEY,
    date       TEXT COLLATE "C" NOT NULL,
    payer_id   TEXT COLLATE "C",
    payer_name TEXT COLLATE "C",
    payee_id   TEXT COLLATE "C",
    payee_name TEXT COLLATE "C",
    amount     BIGINT NOT NULL,
    currency   TEXT COLLATE "C" NOT NULL
);

CREATE TABLE fx_rates (
    date     TEXT COLLATE "C" NOT NULL,
    currency TEXT COLLATE "C" NOT NULL,
    rate     BIGINT NOT NULL,
    PRIMARY KEY (currency, date)
);

CREATE TABLE import_batches (
    id          TEXT COLLATE "C" PRIMARY KEY,
    started_at  TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    status      TEXT COLLATE "C" NOT NULL,
    created_by  TEXT COLLATE "C" NOT NULL,
    quarantine  BOOLEAN NOT NULL DEFAULT FALSE,
    error_count BIGINT NOT NULL DEFAULT 0,
    message     TEXT COLLATE "C" NOT NULL DEFAULT ''
);
CREATE INDEX import_batches_started ON import_batches (started_at);

CREATE TABLE import_files (
    batch_id      TEXT COLLATE "C" NOT NULL REFERENCES import_batches (id) ON DELETE CASCADE,
    seq           INTEGER NOT NULL,
    name          TEXT COLLATE "C" NOT NULL,
    kind          TEXT COLLATE "C" NOT NULL,
    sha256        TEXT COLLATE "C" NOT NULL,
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
    batch_id    TEXT COLLATE "C" NOT NULL REFERENCES import_batches (id) ON DELETE CASCADE,
    seq         BIGINT NOT NULL,
    file        TEXT COLLATE "C" NOT NULL,
    line        BIGINT NOT NULL,
    column_name TEXT COLLATE "C" NOT NULL,
    value       TEXT COLLATE "C" NOT NULL,
    reason      TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (batch_id, seq)
);

CREATE TABLE users (
    id            TEXT COLLATE "C" PRIMARY KEY,
    login         TEXT COLLATE "C" NOT NULL UNIQUE,
    name          TEXT COLLATE "C" NOT NULL,
    role          TEXT COLLATE "C" NOT NULL,
    org_unit      TEXT COLLATE "C" NOT NULL DEFAULT '',
    level         INTEGER NOT NULL DEFAULT 1,
    lang          TEXT COLLATE "C" NOT NULL DEFAULT 'zh-CN',
    password_hash TEXT COLLATE "C" NOT NULL,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT COLLATE "C" PRIMARY KEY,
    user_id    TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf       TEXT COLLATE "C" NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE api_tokens (
    token_hash TEXT COLLATE "C" PRIMARY KEY,
    user_id    TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name       TEXT COLLATE "C" NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
);
