-- Messages from the family to the team (issue #34): always seen by the whole team. Their
-- own table, since a timeline post names a professional as its author.
CREATE TABLE family_messages (
    id               TEXT PRIMARY KEY,
    patient_id       TEXT NOT NULL REFERENCES patients (id),
    member_id        TEXT NOT NULL REFERENCES family_members (id),
    body             TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 2000),
    idempotency_key  TEXT,
    created_at       TEXT NOT NULL,
    UNIQUE (member_id, idempotency_key)
) STRICT;

CREATE INDEX family_messages_patient ON family_messages (patient_id, created_at);
