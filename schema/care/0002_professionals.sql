-- Organizations and the professionals who log in (password + TOTP), and their sessions.

CREATE TABLE organizations (
    id                 TEXT PRIMARY KEY,
    municipality_code  TEXT NOT NULL CHECK (length(municipality_code) = 5),
    kind               TEXT NOT NULL CHECK (kind IN ('clinic', 'hospital', 'visiting_nurse_station',
                           'pharmacy', 'dental_clinic', 'care_management_office', 'care_service',
                           'municipality', 'support_centre')),
    name               TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at         TEXT NOT NULL,
    UNIQUE (municipality_code, name)
) STRICT;

CREATE TABLE professionals (
    id               TEXT PRIMARY KEY,
    organization_id  TEXT NOT NULL REFERENCES organizations (id),
    email            TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name             TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    profession       TEXT NOT NULL,
    roles            TEXT NOT NULL,                  -- JSON list: professional, org_admin, …
    password_hash    TEXT NOT NULL,                  -- Argon2id PHC string
    totp_secret      TEXT NOT NULL,                  -- base32
    totp_last_step   INTEGER,                        -- a TOTP code is accepted once
    status           TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
) STRICT;

-- Refresh tokens, stored as SHA-256 of the token. Each rotation makes a new row in the
-- same family; presenting a rotated token again revokes the whole family.
CREATE TABLE refresh_tokens (
    token_hash       TEXT PRIMARY KEY,
    family           TEXT NOT NULL,
    professional_id  TEXT NOT NULL REFERENCES professionals (id),
    issued_at        INTEGER NOT NULL,               -- ms since epoch
    expires_at       INTEGER NOT NULL,
    rotated_at       INTEGER,
    revoked_at       INTEGER
) STRICT;

CREATE INDEX refresh_tokens_family ON refresh_tokens (family);

-- Failed logins, for lockout (exact counts belong in SQL, not KV).
CREATE TABLE login_failures (
    email  TEXT NOT NULL COLLATE NOCASE,
    at     INTEGER NOT NULL                          -- ms since epoch
) STRICT;

CREATE INDEX login_failures_email ON login_failures (email, at);
