-- Files on a patient's timeline (images, PDFs). The bytes go through the blob port,
-- which keeps them as chunks in this same database: written in the same transaction as
-- the record that names them, under the same grant, and never half-present.
CREATE TABLE blob_chunks (
    blob_id  TEXT NOT NULL,
    seq      INTEGER NOT NULL,
    data     BLOB NOT NULL,
    PRIMARY KEY (blob_id, seq)
) STRICT;

CREATE TABLE attachments (
    id            TEXT PRIMARY KEY,
    patient_id    TEXT NOT NULL REFERENCES patients (id),
    post_id       TEXT REFERENCES posts (id),       -- NULL until a post names it
    name          TEXT NOT NULL,
    content_type  TEXT NOT NULL CHECK (content_type IN ('image/png', 'image/jpeg', 'image/webp', 'application/pdf')),
    size          INTEGER NOT NULL CHECK (size > 0),
    sha256        TEXT NOT NULL,
    uploaded_by   TEXT NOT NULL,
    created_at    TEXT NOT NULL
) STRICT;

CREATE INDEX attachments_post ON attachments (post_id);
CREATE INDEX attachments_patient ON attachments (patient_id, created_at);
