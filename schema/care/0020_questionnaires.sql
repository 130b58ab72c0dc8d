-- Questionnaires (アンケート・問診, issue #34): a form the team sends to a patient, answered
-- once by the family (or by the team at a visit) with a FHIR QuestionnaireResponse, kept
-- with its scoring.
CREATE TABLE questionnaire_requests (
    id                TEXT PRIMARY KEY,
    patient_id        TEXT NOT NULL REFERENCES patients (id),
    questionnaire     TEXT NOT NULL,
    requested_by      TEXT NOT NULL REFERENCES professionals (id),
    requested_at      TEXT NOT NULL,
    answered_at       TEXT,
    answered_by_kind  TEXT CHECK (answered_by_kind IN ('family', 'professional')),
    answered_by_id    TEXT,
    response          TEXT,                        -- the QuestionnaireResponse (JSON)
    result            TEXT                         -- its scoring (JSON)
) STRICT;

CREATE INDEX questionnaire_requests_patient ON questionnaire_requests (patient_id, requested_at);
