-- Organization administrators invite their staff: the invitee sets their own password and
-- enrols their authenticator, so no administrator ever knows either. Tokens are stored as
-- SHA-256, are single-use and expire.

CREATE TABLE invitations (
    id               TEXT PRIMARY KEY,
    token_hash       TEXT NOT NULL UNIQUE,
    organization_id  TEXT NOT NULL REFERENCES organizations (id),
    email            TEXT NOT NULL COLLATE NOCASE,
    name             TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    profession       TEXT NOT NULL,
    roles            TEXT NOT NULL,                  -- JSON list
    invited_by       TEXT NOT NULL REFERENCES professionals (id),
    created_at       TEXT NOT NULL,
    expires_at       INTEGER NOT NULL,               -- ms since epoch
    accepted_at      TEXT,
    professional_id  TEXT REFERENCES professionals (id)
) STRICT;

CREATE INDEX invitations_organization ON invitations (organization_id, created_at);

-- Failed logins are also counted by address, so one address can not try many accounts.
ALTER TABLE login_failures ADD COLUMN address TEXT;
CREATE INDEX login_failures_address ON login_failures (address, at);
