-- Projects: groups of professionals not tied to one patient (地域ケア会議, 研修), each with
-- its own timeline; and direct messages between two professionals.

CREATE TABLE projects (
    id                 TEXT PRIMARY KEY,
    kind               TEXT NOT NULL CHECK (kind IN ('care_meeting', 'training', 'working_group', 'other')),
    name               TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description        TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    municipality_code  TEXT NOT NULL CHECK (length(municipality_code) = 5),
    created_by         TEXT NOT NULL REFERENCES professionals (id),
    created_at         TEXT NOT NULL
) STRICT;

CREATE TABLE project_members (
    project_id       TEXT NOT NULL REFERENCES projects (id),
    professional_id  TEXT NOT NULL REFERENCES professionals (id),
    role             TEXT NOT NULL CHECK (role IN ('owner', 'member')),
    added_by         TEXT NOT NULL REFERENCES professionals (id),
    added_at         TEXT NOT NULL,
    removed_at       TEXT,
    last_read_seq    INTEGER NOT NULL DEFAULT 0,    -- rowid of the newest post they have seen
    PRIMARY KEY (project_id, professional_id)
) STRICT;

CREATE INDEX project_members_professional ON project_members (professional_id);

CREATE TABLE project_posts (
    id               TEXT PRIMARY KEY,
    project_id       TEXT NOT NULL REFERENCES projects (id),
    author_id        TEXT NOT NULL REFERENCES professionals (id),
    body             TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 10000),
    idempotency_key  TEXT,
    created_at       TEXT NOT NULL,
    UNIQUE (author_id, idempotency_key)
) STRICT;

-- (project_id, rowid) in order: pages and unread counts without a sort.
CREATE INDEX project_posts_project ON project_posts (project_id);

CREATE TABLE messages (
    id               TEXT PRIMARY KEY,
    -- The two professionals' ids, the smaller first, joined by ':' (one thread per pair).
    conversation     TEXT NOT NULL,
    sender_id        TEXT NOT NULL REFERENCES professionals (id),
    recipient_id     TEXT NOT NULL REFERENCES professionals (id),
    body             TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 4000),
    idempotency_key  TEXT,
    created_at       TEXT NOT NULL,
    read_at          TEXT,
    CHECK (sender_id <> recipient_id),
    UNIQUE (sender_id, idempotency_key)
) STRICT;

CREATE INDEX messages_conversation ON messages (conversation);
CREATE INDEX messages_unread ON messages (recipient_id, read_at);
CREATE INDEX messages_sender ON messages (sender_id);
