-- One timeline per patient: posts (連絡 / 報告 / 相談), their edit history, read receipts.

CREATE TABLE posts (
    id               TEXT PRIMARY KEY,               -- ULID: sorts by time
    patient_id       TEXT NOT NULL REFERENCES patients (id),
    author_id        TEXT NOT NULL REFERENCES professionals (id),
    category         TEXT NOT NULL CHECK (category IN ('contact', 'report', 'consultation')),
    body             TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 10000),
    idempotency_key  TEXT,                           -- the client's key: a retry returns this post
    created_at       TEXT NOT NULL,
    edited_at        TEXT,
    UNIQUE (author_id, idempotency_key)
) STRICT;

CREATE INDEX posts_timeline ON posts (patient_id, id);

-- The text a post had before each edit.
CREATE TABLE post_versions (
    post_id      TEXT NOT NULL REFERENCES posts (id),
    version      INTEGER NOT NULL,
    body         TEXT NOT NULL,
    replaced_at  TEXT NOT NULL,
    PRIMARY KEY (post_id, version)
) STRICT;

CREATE TABLE post_reads (
    post_id          TEXT NOT NULL REFERENCES posts (id),
    professional_id  TEXT NOT NULL REFERENCES professionals (id),
    read_at          TEXT NOT NULL,
    PRIMARY KEY (post_id, professional_id)
) STRICT;
