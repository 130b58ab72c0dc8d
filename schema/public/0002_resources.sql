-- Community resources (地域資源), shaped after Open Referral HSDS 3.0 without its bulk:
-- one row per place or service, a two-level category taxonomy, recurring schedules as rules.

CREATE TABLE categories (
    code         TEXT PRIMARY KEY,                 -- 'gathering' or 'gathering.salon'
    parent       TEXT REFERENCES categories (code),
    name_ja      TEXT NOT NULL,
    name_en      TEXT NOT NULL,
    schema_type  TEXT NOT NULL,                    -- schema.org type for JSON-LD
    sort         INTEGER NOT NULL
) STRICT;

INSERT INTO categories (code, parent, name_ja, name_en, schema_type, sort) VALUES
    ('gathering', NULL, '通いの場', 'Gathering places', 'CivicStructure', 10),
    ('gathering.salon', 'gathering', 'サロン', 'Salons', 'CivicStructure', 11),
    ('gathering.exercise', 'gathering', '体操教室', 'Exercise classes', 'SportsActivityLocation', 12),
    ('gathering.cafe', 'gathering', '認知症カフェ', 'Dementia cafés', 'CivicStructure', 13),
    ('medical', NULL, '医療', 'Medical care', 'MedicalOrganization', 20),
    ('medical.clinic', 'medical', '診療所', 'Clinics', 'MedicalClinic', 21),
    ('medical.hospital', 'medical', '病院', 'Hospitals', 'Hospital', 22),
    ('medical.dental', 'medical', '歯科', 'Dental clinics', 'Dentist', 23),
    ('medical.pharmacy', 'medical', '薬局', 'Pharmacies', 'Pharmacy', 24),
    ('care', NULL, '介護', 'Care services', 'LocalBusiness', 30),
    ('care.home_care', 'care', '訪問介護・訪問看護', 'Home-visit care and nursing', 'LocalBusiness', 31),
    ('care.day_service', 'care', '通所介護（デイサービス）', 'Day services', 'LocalBusiness', 32),
    ('care.management', 'care', '居宅介護支援（ケアマネジャー）', 'Care management', 'LocalBusiness', 33),
    ('care.facility', 'care', '介護施設', 'Care facilities', 'LocalBusiness', 34),
    ('care.support_centre', 'care', '地域包括支援センター', 'Community general support centres', 'GovernmentOffice', 35),
    ('welfare', NULL, '福祉', 'Welfare', 'CivicStructure', 40),
    ('welfare.toilet', 'welfare', '多機能トイレ', 'Multipurpose toilets', 'PublicToilet', 41),
    ('welfare.dementia_supporter', 'welfare', 'オレンジサポーター', 'Dementia supporters', 'LocalBusiness', 42),
    ('welfare.aed', 'welfare', 'AED', 'AEDs', 'Place', 43),
    ('shopping', NULL, '買い物支援', 'Shopping support', 'Service', 50),
    ('shopping.mobile_supermarket', 'shopping', '移動スーパー', 'Mobile supermarkets', 'Service', 51),
    ('shopping.delivery', 'shopping', '配食・宅配', 'Meal and goods delivery', 'Service', 52),
    ('disaster', NULL, '防災', 'Disaster preparedness', 'CivicStructure', 60),
    ('disaster.evacuation_site', 'disaster', '指定緊急避難場所', 'Designated evacuation sites', 'CivicStructure', 61),
    ('public', NULL, '公共施設', 'Public facilities', 'GovernmentBuilding', 70),
    ('public.facility', 'public', '公共施設', 'Public facilities', 'GovernmentBuilding', 71);

CREATE TABLE resources (
    id                 TEXT PRIMARY KEY,               -- ULID
    municipality_code  TEXT NOT NULL REFERENCES municipalities (code),
    category           TEXT NOT NULL REFERENCES categories (code),
    name               TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    name_kana          TEXT,
    description        TEXT,
    address            TEXT,
    lat                REAL CHECK (lat BETWEEN -90 AND 90),
    lng                REAL CHECK (lng BETWEEN -180 AND 180),
    geohash            TEXT,                           -- precision 9, NULL without a location
    phone              TEXT,
    url                TEXT,
    fee                TEXT,
    target             TEXT,                           -- e.g. 65歳以上
    capacity           INTEGER CHECK (capacity >= 0),
    wheelchair         INTEGER CHECK (wheelchair IN (0, 1)),        -- NULL = unknown
    accessible_toilet  INTEGER CHECK (accessible_toilet IN (0, 1)),
    parking            INTEGER CHECK (parking IN (0, 1)),
    schedule           TEXT NOT NULL DEFAULT '[]',     -- JSON list of rules (see schedule.rs)
    schedule_note      TEXT,
    open_days          INTEGER NOT NULL DEFAULT 0,     -- bit per weekday with a session, Mon = 1
    status             TEXT NOT NULL CHECK (status IN ('draft', 'published', 'closed')),
    verified_on        TEXT,                           -- YYYY-MM-DD
    source             TEXT NOT NULL,                  -- 'manual', 'demo' or the dataset imported
    source_key         TEXT UNIQUE,                    -- import identity (municipality|dataset|ID)
    source_hash        TEXT,                           -- content of the imported row
    sort_key           TEXT NOT NULL,                  -- folded kana (or name): list order
    search_text        TEXT NOT NULL,                  -- folded words the search matches
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
) STRICT;

-- Covers the first phase of nearby search (cells, box, distance) without reading rows;
-- geohash leads so that each covering cell is one range of a multi-index OR.
CREATE INDEX resources_geo ON resources (geohash, status, lat, lng, id);
CREATE INDEX resources_list ON resources (status, sort_key, id);
CREATE INDEX resources_category ON resources (status, category, sort_key, id);
CREATE INDEX resources_municipality ON resources (municipality_code, status, sort_key, id);

-- Trigram index over the folded text; MATCH needs 3 characters, shorter words use LIKE.
CREATE VIRTUAL TABLE resources_fts USING fts5 (
    search_text, content = 'resources', content_rowid = 'rowid', tokenize = 'trigram'
);

CREATE TRIGGER resources_fts_insert AFTER INSERT ON resources BEGIN
    INSERT INTO resources_fts (rowid, search_text) VALUES (new.rowid, new.search_text);
END;

CREATE TRIGGER resources_fts_delete AFTER DELETE ON resources BEGIN
    INSERT INTO resources_fts (resources_fts, rowid, search_text) VALUES ('delete', old.rowid, old.search_text);
END;

CREATE TRIGGER resources_fts_update AFTER UPDATE OF search_text ON resources BEGIN
    INSERT INTO resources_fts (resources_fts, rowid, search_text) VALUES ('delete', old.rowid, old.search_text);
    INSERT INTO resources_fts (rowid, search_text) VALUES (new.rowid, new.search_text);
END;

-- Portal notices and events (お知らせ / イベント) per municipality.
CREATE TABLE notices (
    id                 TEXT PRIMARY KEY,
    municipality_code  TEXT NOT NULL REFERENCES municipalities (code),
    kind               TEXT NOT NULL CHECK (kind IN ('notice', 'event')),
    title              TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    body               TEXT NOT NULL,
    event_date         TEXT,                           -- YYYY-MM-DD, events only
    publish_from       TEXT NOT NULL,                  -- ISO 8601 UTC
    publish_until      TEXT,
    created_at         TEXT NOT NULL
) STRICT;

CREATE INDEX notices_published ON notices (publish_from, municipality_code);

-- One row per import run, for the administrators' history.
CREATE TABLE resource_imports (
    id                 TEXT PRIMARY KEY,
    municipality_code  TEXT NOT NULL,
    dataset            TEXT NOT NULL,
    imported           INTEGER NOT NULL,
    updated            INTEGER NOT NULL,
    unchanged          INTEGER NOT NULL,
    rejected           INTEGER NOT NULL,
    at                 TEXT NOT NULL
) STRICT;
