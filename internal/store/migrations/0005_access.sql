-- 0005: users, sessions, API tokens and the audit log (issue 8).
-- Secrets are never stored: passwords as argon2id hashes, session ids and
-- token secrets as SHA-256 digests (they are long random strings, so a fast
-- digest suffices). The audit log is append-only (the store offers no
-- UPDATE or DELETE on it) and hash-chained: each entry's hash covers the
-- previous entry's hash, so any edit or removal breaks the chain.

CREATE TABLE users (
    id              BIGINT PRIMARY KEY,
    name            VARCHAR NOT NULL UNIQUE,
    role            VARCHAR NOT NULL,      -- admin | analyst | unit | enterprise | viewer
    units           VARCHAR NOT NULL,      -- unit officials: unit codes, comma-separated
    park            VARCHAR NOT NULL,      -- unit officials: optional park
    uscc            VARCHAR NOT NULL,      -- enterprise users: their enterprise
    password_hash   VARCHAR NOT NULL,
    disabled        BOOLEAN NOT NULL,
    failed_logins   INTEGER NOT NULL,
    locked_until    TIMESTAMP,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);

CREATE TABLE sessions (
    id_sha256       VARCHAR PRIMARY KEY,
    user_id         BIGINT NOT NULL,
    csrf            VARCHAR NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    expires_at      TIMESTAMP NOT NULL,
    remote          VARCHAR NOT NULL
);

CREATE TABLE api_tokens (
    id              BIGINT PRIMARY KEY,
    user_id         BIGINT NOT NULL,
    secret_sha256   VARCHAR NOT NULL,
    label           VARCHAR NOT NULL,
    read_only       BOOLEAN NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    expires_at      TIMESTAMP,
    revoked_at      TIMESTAMP
);

CREATE TABLE audit_log (
    seq             BIGINT PRIMARY KEY,
    logged_at       TIMESTAMP NOT NULL,
    username        VARCHAR NOT NULL,
    role            VARCHAR NOT NULL,
    action          VARCHAR NOT NULL,      -- login, login_failed, logout, import, undo, evaluation, export, view_enterprise, denied, user_*, token_*
    target          VARCHAR NOT NULL,      -- a USCC, a route, a batch, a user
    remote          VARCHAR NOT NULL,      -- client address, or "cli"
    outcome         VARCHAR NOT NULL,      -- ok | denied | failed
    detail          VARCHAR NOT NULL,
    prev_sha256     VARCHAR NOT NULL,
    sha256          VARCHAR NOT NULL
);
