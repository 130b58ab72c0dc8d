-- 患者・家族連携, step two (issue #34): a family member joins with a passkey. One member per
-- invitation (UNIQUE: of parallel joins with one code, one wins). A challenge is taken once,
-- by deleting it, and lives five minutes.
CREATE TABLE family_members (
    id             TEXT PRIMARY KEY,
    patient_id     TEXT NOT NULL REFERENCES patients (id),
    invitation_id  TEXT NOT NULL UNIQUE REFERENCES family_invitations (id),
    name           TEXT NOT NULL,
    relation       TEXT NOT NULL,
    status         TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'closed')),
    joined_at      TEXT NOT NULL,
    closed_at      TEXT
) STRICT;

CREATE INDEX family_members_patient ON family_members (patient_id);

CREATE TABLE passkeys (
    credential_id  TEXT PRIMARY KEY,             -- base64url
    owner_kind     TEXT NOT NULL CHECK (owner_kind IN ('family', 'professional')),
    owner_id       TEXT NOT NULL,
    public_key     BLOB NOT NULL,                -- SEC1 uncompressed P-256 point
    sign_count     INTEGER NOT NULL DEFAULT 0,
    created_at     TEXT NOT NULL,
    last_used_at   TEXT
) STRICT;

CREATE INDEX passkeys_owner ON passkeys (owner_kind, owner_id);

CREATE TABLE webauthn_challenges (
    challenge    TEXT PRIMARY KEY,               -- base64url of 32 random bytes
    purpose      TEXT NOT NULL CHECK (purpose IN ('join', 'signin')),
    subject      TEXT,                           -- the invitation, for a join
    user_handle  TEXT,                           -- the member-to-be's id, for a join
    expires_at   INTEGER NOT NULL                -- ms since the epoch
) STRICT;
