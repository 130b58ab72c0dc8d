-- Every read and write of patient data, every denied attempt, every login: append-only.
CREATE TABLE audit_log (
    id          TEXT PRIMARY KEY,               -- ULID: sorts by time
    at          TEXT NOT NULL,                  -- ISO 8601 UTC
    actor       TEXT,                           -- professional id, NULL when unauthenticated
    action      TEXT NOT NULL,                  -- e.g. patient.read, timeline.post, auth.login
    target      TEXT,                           -- e.g. patient id
    address     TEXT,                           -- client address as the host saw it
    outcome     TEXT NOT NULL CHECK (outcome IN ('allowed', 'denied', 'failed')),
    request_id  TEXT
) STRICT;

CREATE INDEX audit_log_target ON audit_log (target, at);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
