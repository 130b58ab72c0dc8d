-- PHR (issue #34): readings a family member (or the patient) records at home, beside the
-- team's. Their own table, since a team reading names a professional; the `readings` view
-- is both, with who recorded each.
CREATE TABLE family_vitals (
    id               TEXT PRIMARY KEY,
    patient_id       TEXT NOT NULL REFERENCES patients (id),
    member_id        TEXT NOT NULL REFERENCES family_members (id),
    kind             TEXT NOT NULL CHECK (kind IN ('blood_pressure', 'pulse', 'temperature', 'spo2',
                         'weight', 'respiration')),
    value            REAL NOT NULL,                  -- systolic for blood pressure
    value2           REAL,                           -- diastolic for blood pressure
    measured_at      TEXT NOT NULL,                  -- ISO 8601, UTC
    idempotency_key  TEXT,
    created_at       TEXT NOT NULL,
    UNIQUE (member_id, idempotency_key)
) STRICT;

CREATE INDEX family_vitals_series ON family_vitals (patient_id, kind, measured_at);

CREATE VIEW readings AS
    SELECT id, patient_id, kind, value, value2, measured_at, created_at, idempotency_key,
           'professional' AS recorded_by_kind, author_id AS recorded_by_id
      FROM vitals
    UNION ALL
    SELECT id, patient_id, kind, value, value2, measured_at, created_at, idempotency_key,
           'family' AS recorded_by_kind, member_id AS recorded_by_id
      FROM family_vitals;

-- The team's thresholds per patient and kind (for blood pressure, on the systolic value).
CREATE TABLE vital_thresholds (
    patient_id  TEXT NOT NULL REFERENCES patients (id),
    kind        TEXT NOT NULL,
    above       REAL,
    below       REAL,
    set_by      TEXT NOT NULL REFERENCES professionals (id),
    set_at      TEXT NOT NULL,
    PRIMARY KEY (patient_id, kind),
    CHECK (above IS NOT NULL OR below IS NOT NULL)
) STRICT;

-- Alerts for the team: a reading outside a threshold (source 'vitals'); the watch-over and
-- emergency issues add their sources. Acknowledged once, by a team member.
CREATE TABLE alerts (
    id               TEXT PRIMARY KEY,
    patient_id       TEXT NOT NULL REFERENCES patients (id),
    source           TEXT NOT NULL CHECK (source IN ('vitals', 'watch', 'questionnaire')),
    kind             TEXT NOT NULL,
    reading_id       TEXT,
    value            REAL,
    value2           REAL,
    threshold_above  REAL,
    threshold_below  REAL,
    raised_at        TEXT NOT NULL,
    acknowledged_at  TEXT,
    acknowledged_by  TEXT REFERENCES professionals (id)
) STRICT;

CREATE INDEX alerts_patient ON alerts (patient_id, raised_at);
