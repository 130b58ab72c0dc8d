-- 患者・家族連携, step three (issue #34): a family member's session after a passkey sign-in,
-- rotated by the same rules as a professional's (their own table: a professional's refresh
-- token names a professional), and what the team shares with the family.
CREATE TABLE family_refresh_tokens (
    token_hash  TEXT PRIMARY KEY,
    family      TEXT NOT NULL,
    member_id   TEXT NOT NULL REFERENCES family_members (id),
    issued_at   INTEGER NOT NULL,               -- ms since epoch
    expires_at  INTEGER NOT NULL,
    rotated_at  INTEGER,
    revoked_at  INTEGER,
    next_hash   TEXT
) STRICT;

CREATE INDEX family_refresh_tokens_family ON family_refresh_tokens (family);
CREATE INDEX family_refresh_tokens_member ON family_refresh_tokens (member_id);

-- A post the team marks for the family (default: the team's alone).
ALTER TABLE posts ADD COLUMN share_with_family INTEGER NOT NULL DEFAULT 0 CHECK (share_with_family IN (0, 1));

-- Passkey sign-in (and adding a passkey) use challenges the server signs rather than
-- stores, so that asking for options writes nothing; a challenge is spent here when a
-- ceremony succeeds with it, and a second use finds it (single use). Rows are dropped
-- once the challenge has expired anyway.
CREATE TABLE spent_challenges (
    challenge   TEXT PRIMARY KEY NOT NULL,
    expires_at  INTEGER NOT NULL                -- ms since the epoch
) STRICT;
