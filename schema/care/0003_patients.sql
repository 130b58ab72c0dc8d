-- Patients (people supported), registered only with a consent record; their care teams.

CREATE TABLE patients (
    id                 TEXT PRIMARY KEY,
    municipality_code  TEXT NOT NULL CHECK (length(municipality_code) = 5),
    name               TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    name_kana          TEXT NOT NULL,
    birth_date         TEXT NOT NULL,                -- YYYY-MM-DD (和暦 accepted on input)
    sex                TEXT NOT NULL CHECK (sex IN ('female', 'male', 'other', 'unknown')),
    address            TEXT,
    lat                REAL,
    lng                REAL,
    phone              TEXT,
    care_level         TEXT CHECK (care_level IN ('none', 'support_1', 'support_2', 'care_1', 'care_2',
                           'care_3', 'care_4', 'care_5')),
    status             TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'consent_revoked')),
    created_by         TEXT NOT NULL REFERENCES professionals (id),
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
) STRICT;

CREATE TABLE consents (
    id           TEXT PRIMARY KEY,
    patient_id   TEXT NOT NULL REFERENCES patients (id),
    method       TEXT NOT NULL CHECK (method IN ('individual', 'care_certification_application')),
    scope        TEXT NOT NULL,
    taken_by     TEXT NOT NULL,                      -- professional id (or the import that carried it)
    taken_on     TEXT NOT NULL,                      -- YYYY-MM-DD
    revoked_at   TEXT,
    revoked_by   TEXT,
    created_at   TEXT NOT NULL
) STRICT;

CREATE INDEX consents_patient ON consents (patient_id);

CREATE TABLE care_team_members (
    patient_id       TEXT NOT NULL REFERENCES patients (id),
    professional_id  TEXT NOT NULL REFERENCES professionals (id),
    added_by         TEXT NOT NULL,
    added_at         TEXT NOT NULL,
    removed_at       TEXT,
    PRIMARY KEY (patient_id, professional_id)
) STRICT;

CREATE INDEX care_team_by_professional ON care_team_members (professional_id, patient_id);
