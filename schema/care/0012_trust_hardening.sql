-- Trust hardening (issue 10).

-- A rotated refresh token records the hash of the token that replaced it: presented again
-- within a few seconds it answers with that same successor (two tabs refreshing together);
-- later, it is taken for theft and revokes its family.
ALTER TABLE refresh_tokens ADD COLUMN next_hash TEXT;

-- An invitation can be revoked by an administrator, and dies with its inviter's account.
ALTER TABLE invitations ADD COLUMN revoked_at TEXT;

-- Each patient has a lead: the professional who registered them, until handed over. Only
-- the lead (or an org admin of the lead's organization) removes others or records the
-- withdrawal of consent; the lead can not leave without handing over, so no patient is
-- left without a team.
ALTER TABLE patients ADD COLUMN lead_id TEXT REFERENCES professionals (id);
UPDATE patients SET lead_id = created_by WHERE lead_id IS NULL;
