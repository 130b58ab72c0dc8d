-- 救急情報連携, step one (issue #35): the emergency information the team curates for a
-- patient (allergies, medicines, conditions, the person's wishes, whom to call, notes), as
-- JSON, with who changed it and when; every earlier version is kept; the linked family may
-- confirm the current one.
CREATE TABLE emergency_info (
    patient_id    TEXT PRIMARY KEY REFERENCES patients (id),
    version       INTEGER NOT NULL,
    data          TEXT NOT NULL,
    updated_by    TEXT NOT NULL REFERENCES professionals (id),
    updated_at    TEXT NOT NULL,
    confirmed_by  TEXT REFERENCES family_members (id),
    confirmed_at  TEXT
) STRICT;

CREATE TABLE emergency_info_versions (
    patient_id  TEXT NOT NULL REFERENCES patients (id),
    version     INTEGER NOT NULL,
    data        TEXT NOT NULL,
    updated_by  TEXT NOT NULL REFERENCES professionals (id),
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (patient_id, version)
) STRICT;
