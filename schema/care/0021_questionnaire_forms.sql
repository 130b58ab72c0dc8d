-- Questionnaires a town or an organization writes for itself (issue #34): yes/no, choice,
-- number and text questions, kept as JSON items; retired forms stay for the requests that
-- name them.
CREATE TABLE questionnaire_forms (
    id                 TEXT PRIMARY KEY,
    title              TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 100),
    municipality_code  TEXT,
    organization_id    TEXT REFERENCES organizations (id),
    items              TEXT NOT NULL,                 -- JSON: [{linkId, text, type, options, required}]
    created_by         TEXT NOT NULL REFERENCES professionals (id),
    created_at         TEXT NOT NULL,
    retired_at         TEXT,
    CHECK ((municipality_code IS NULL) <> (organization_id IS NULL))
) STRICT;

CREATE INDEX questionnaire_forms_town ON questionnaire_forms (municipality_code, created_at);
CREATE INDEX questionnaire_forms_organization ON questionnaire_forms (organization_id, created_at);
