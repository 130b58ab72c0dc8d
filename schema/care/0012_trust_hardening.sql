-- Trust hardening (issue 10).

-- A rotated refresh token records the hash of the token that replaced it: presented again
-- within a few seconds it answers with that same successor (two tabs refreshing together);
-- later, it is taken for theft and revokes its family.
ALTER TABLE refresh_tokens ADD COLUMN next_hash TEXT;

-- An invitation can be revoked by an administrator, and dies with its inviter's account.
ALTER TABLE invitations ADD COLUMN revoked_at TEXT;
