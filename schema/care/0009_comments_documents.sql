-- Comments on timeline posts, and templated documents (退院時カンファレンス記録, 服薬情報提供書,
-- 訪問看護報告書): a document is a post that also keeps its template and the fields as
-- JSON, so it can be shown as a form and exported as data; its body is the fields
-- rendered as text, so read receipts, edit history and FHIR work unchanged.

CREATE TABLE post_comments (
    id               TEXT PRIMARY KEY,
    post_id          TEXT NOT NULL REFERENCES posts (id),
    author_id        TEXT NOT NULL REFERENCES professionals (id),
    body             TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 4000),
    idempotency_key  TEXT,                           -- a retry returns this comment
    created_at       TEXT NOT NULL,
    UNIQUE (author_id, idempotency_key)
) STRICT;

CREATE INDEX post_comments_post ON post_comments (post_id);

ALTER TABLE posts ADD COLUMN template TEXT;
ALTER TABLE posts ADD COLUMN fields TEXT CHECK (fields IS NULL OR json_valid(fields));
