-- The register of people who need help in an evacuation (避難行動要支援者名簿), support
-- teams, disaster events and safety check-ins (安否確認).

CREATE TABLE register_people (
    id                       TEXT PRIMARY KEY,          -- ULID
    municipality_code        TEXT NOT NULL CHECK (length(municipality_code) = 5),
    register_number          TEXT NOT NULL,             -- 台帳番号 in the municipality's file
    name                     TEXT NOT NULL,
    name_kana                TEXT,
    birth_date               TEXT,                      -- YYYY-MM-DD
    sex                      TEXT NOT NULL CHECK (sex IN ('female', 'male', 'unknown')),
    address                  TEXT NOT NULL,
    lat                      REAL,
    lng                      REAL,
    geohash                  TEXT,
    phone                    TEXT,
    district_code            TEXT NOT NULL,
    reasons                  TEXT NOT NULL,             -- JSON array of strings
    emergency_contact_name   TEXT,
    emergency_contact_phone  TEXT,
    -- Consent to share with supporters in normal times. Without it, only municipal staff
    -- see the person until an event covering the town is declared (災害対策基本法 49条の11).
    consent                  INTEGER NOT NULL CHECK (consent IN (0, 1)),
    plan_supporter           TEXT,                      -- 個別避難計画: assigned supporter
    plan_site                TEXT,                      -- evacuation site
    plan_route               TEXT,                      -- evacuation route
    care_patient_id          TEXT,                      -- optional link to a care patient
    content_hash             TEXT NOT NULL,
    created_at               TEXT NOT NULL,
    updated_at               TEXT NOT NULL,
    UNIQUE (municipality_code, register_number),
    FOREIGN KEY (municipality_code, district_code) REFERENCES districts (municipality_code, code)
) STRICT;

CREATE INDEX register_people_district ON register_people (municipality_code, district_code, consent);

-- How many people each district has, kept by triggers, so that the HQ's summary reads one
-- row per district however large the register grows.
ALTER TABLE districts ADD COLUMN people INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER register_people_counted AFTER INSERT ON register_people
BEGIN
    UPDATE districts SET people = people + 1
    WHERE municipality_code = NEW.municipality_code AND code = NEW.district_code;
END;

CREATE TRIGGER register_people_moved AFTER UPDATE OF municipality_code, district_code ON register_people
WHEN OLD.municipality_code <> NEW.municipality_code OR OLD.district_code <> NEW.district_code
BEGIN
    UPDATE districts SET people = people - 1
    WHERE municipality_code = OLD.municipality_code AND code = OLD.district_code;
    UPDATE districts SET people = people + 1
    WHERE municipality_code = NEW.municipality_code AND code = NEW.district_code;
END;

CREATE TRIGGER register_people_uncounted AFTER DELETE ON register_people
BEGIN
    UPDATE districts SET people = people - 1
    WHERE municipality_code = OLD.municipality_code AND code = OLD.district_code;
END;

CREATE TABLE support_teams (
    id                 TEXT PRIMARY KEY,
    municipality_code  TEXT NOT NULL CHECK (length(municipality_code) = 5),
    name               TEXT NOT NULL,
    created_at         TEXT NOT NULL,
    UNIQUE (municipality_code, name)
) STRICT;

CREATE TABLE support_team_members (
    team_id          TEXT NOT NULL REFERENCES support_teams (id),
    professional_id  TEXT NOT NULL,
    PRIMARY KEY (team_id, professional_id)
) STRICT;

CREATE INDEX support_team_members_professional ON support_team_members (professional_id);

-- A team is assigned a whole district or one person.
CREATE TABLE support_assignments (
    team_id            TEXT NOT NULL REFERENCES support_teams (id),
    municipality_code  TEXT NOT NULL,
    district_code      TEXT,
    person_id          TEXT REFERENCES register_people (id),
    CHECK ((district_code IS NULL) <> (person_id IS NULL))
) STRICT;

CREATE UNIQUE INDEX support_assignments_district ON support_assignments (team_id, municipality_code, district_code) WHERE district_code IS NOT NULL;
CREATE UNIQUE INDEX support_assignments_person ON support_assignments (team_id, person_id) WHERE person_id IS NOT NULL;
CREATE INDEX support_assignments_by_district ON support_assignments (municipality_code, district_code);
CREATE INDEX support_assignments_by_person ON support_assignments (person_id);

CREATE TABLE events (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('earthquake', 'flood', 'typhoon', 'landslide', 'tsunami', 'other')),
    started_at   TEXT NOT NULL,
    declared_by  TEXT NOT NULL,
    closed_at    TEXT,
    closed_by    TEXT
) STRICT;

CREATE TABLE event_municipalities (
    event_id           TEXT NOT NULL REFERENCES events (id),
    municipality_code  TEXT NOT NULL CHECK (length(municipality_code) = 5),
    PRIMARY KEY (event_id, municipality_code)
) STRICT;

CREATE INDEX event_municipalities_by_town ON event_municipalities (municipality_code);

-- Every check-in ever made: the full history. An Idempotency-Key is unique per reporter
-- and event, so a replayed request finds its first row instead of writing a second.
CREATE TABLE checkins (
    id                 TEXT PRIMARY KEY,               -- ULID
    event_id           TEXT NOT NULL REFERENCES events (id),
    person_id          TEXT NOT NULL REFERENCES register_people (id),
    status             TEXT NOT NULL CHECK (status IN ('not_yet', 'safe', 'needs_attention')),
    note               TEXT,
    observed_at        TEXT NOT NULL,                  -- when the supporter saw the person (UTC)
    received_at        TEXT NOT NULL,                  -- when the server stored it (UTC)
    reported_by        TEXT NOT NULL,
    lat                REAL,
    lng                REAL,
    idempotency_key    TEXT NOT NULL,
    request_hash       TEXT NOT NULL,
    UNIQUE (event_id, reported_by, idempotency_key)
) STRICT;

CREATE INDEX checkins_person ON checkins (event_id, person_id, observed_at);

-- The check-in that wins per person: the latest observed_at, then the greatest id.
CREATE TABLE checkin_latest (
    event_id           TEXT NOT NULL,
    person_id          TEXT NOT NULL,
    municipality_code  TEXT NOT NULL,
    district_code      TEXT NOT NULL,
    checkin_id         TEXT NOT NULL,
    status             TEXT NOT NULL,
    observed_at        TEXT NOT NULL,
    PRIMARY KEY (event_id, person_id)
) STRICT;

CREATE INDEX checkin_latest_status ON checkin_latest (event_id, status);

-- Live totals per event and district, kept by triggers in the same transaction as the
-- check-in that changes them: exact under any concurrency, and the HQ's summary reads a
-- few rows instead of joining the register.
CREATE TABLE event_district_totals (
    event_id           TEXT NOT NULL,
    municipality_code  TEXT NOT NULL,
    district_code      TEXT NOT NULL,
    safe               INTEGER NOT NULL DEFAULT 0,
    needs_attention    INTEGER NOT NULL DEFAULT 0,
    explicit_not_yet   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (event_id, municipality_code, district_code)
) STRICT;

CREATE TRIGGER checkin_latest_counted AFTER INSERT ON checkin_latest
BEGIN
    INSERT INTO event_district_totals (event_id, municipality_code, district_code, safe, needs_attention, explicit_not_yet)
    VALUES (NEW.event_id, NEW.municipality_code, NEW.district_code,
            NEW.status = 'safe', NEW.status = 'needs_attention', NEW.status = 'not_yet')
    ON CONFLICT (event_id, municipality_code, district_code) DO UPDATE SET
        safe = safe + excluded.safe,
        needs_attention = needs_attention + excluded.needs_attention,
        explicit_not_yet = explicit_not_yet + excluded.explicit_not_yet;
END;

CREATE TRIGGER checkin_latest_recounted AFTER UPDATE OF status ON checkin_latest
WHEN OLD.status <> NEW.status
BEGIN
    UPDATE event_district_totals SET
        safe = safe + (NEW.status = 'safe') - (OLD.status = 'safe'),
        needs_attention = needs_attention + (NEW.status = 'needs_attention') - (OLD.status = 'needs_attention'),
        explicit_not_yet = explicit_not_yet + (NEW.status = 'not_yet') - (OLD.status = 'not_yet')
    WHERE event_id = NEW.event_id AND municipality_code = NEW.municipality_code
      AND district_code = NEW.district_code;
END;

-- Every read and write of register data, every denied attempt: append-only, as in care.
CREATE TABLE audit_log (
    id          TEXT PRIMARY KEY,
    at          TEXT NOT NULL,
    actor       TEXT,
    action      TEXT NOT NULL,
    target      TEXT,
    address     TEXT,
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

CREATE TRIGGER checkins_no_update BEFORE UPDATE ON checkins
BEGIN
    SELECT RAISE(ABORT, 'check-ins are history: append-only');
END;
