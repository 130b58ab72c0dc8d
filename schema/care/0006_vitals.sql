-- Vitals as data: one row per measurement, charted over time and exported as FHIR
-- Observations with LOINC codes.
CREATE TABLE vitals (
    id               TEXT PRIMARY KEY,
    patient_id       TEXT NOT NULL REFERENCES patients (id),
    author_id        TEXT NOT NULL REFERENCES professionals (id),
    kind             TEXT NOT NULL CHECK (kind IN ('blood_pressure', 'pulse', 'temperature', 'spo2',
                         'weight', 'respiration')),
    value            REAL NOT NULL,                  -- systolic for blood pressure
    value2           REAL,                           -- diastolic for blood pressure
    measured_at      TEXT NOT NULL,                  -- ISO 8601
    idempotency_key  TEXT,
    created_at       TEXT NOT NULL,
    UNIQUE (author_id, idempotency_key)
) STRICT;

CREATE INDEX vitals_series ON vitals (patient_id, kind, measured_at);
