-- 患者・家族連携, step one (issue #34): the team invites the patient (relation 'self') or a
-- family member. The code is shown once and kept as its SHA-256; it is used once, expires
-- after 72 hours and may be revoked.
CREATE TABLE family_invitations (
    id           TEXT PRIMARY KEY,
    code_hash    TEXT NOT NULL UNIQUE,
    patient_id   TEXT NOT NULL REFERENCES patients (id),
    name         TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    relation     TEXT NOT NULL CHECK (relation IN ('self', 'spouse', 'child', 'parent', 'sibling', 'other')),
    invited_by   TEXT NOT NULL REFERENCES professionals (id),
    created_at   TEXT NOT NULL,
    expires_at   INTEGER NOT NULL,              -- ms since the epoch
    used_at      TEXT,
    revoked_at   TEXT
) STRICT;

CREATE INDEX family_invitations_patient ON family_invitations (patient_id, created_at);
