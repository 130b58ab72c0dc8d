-- Search a resident would use: the hazards an evacuation site is designated for, whether a
-- place is a designated shelter, the words people type mapped onto categories and words,
-- and an index for the two-character words Japanese is full of (体操, 歯科, 洪水).

-- 指定緊急避難場所 are designated per hazard: one bit each, in the order of
-- `vocabulary::HAZARDS` (洪水 = 1, 崖崩れ・土石流・地滑り = 2, 高潮 = 4, 地震 = 8, 津波 = 16,
-- 大規模な火事 = 32, 内水氾濫 = 64, 火山現象 = 128). 0: designated for none, or not a site.
ALTER TABLE resources ADD COLUMN hazards INTEGER NOT NULL DEFAULT 0 CHECK (hazards BETWEEN 0 AND 255);
-- 指定避難所 (a shelter to stay in), which an evacuation site may also be. NULL: not said.
ALTER TABLE resources ADD COLUMN shelter INTEGER CHECK (shelter IN (0, 1));

INSERT INTO categories (code, parent, name_ja, name_en, schema_type, sort) VALUES
    ('disaster.shelter', 'disaster', '指定避難所', 'Designated shelters', 'CivicStructure', 62);

-- The words residents type, as sysadmins keep them: a word (matched after folding, so
-- カタカナ, ひらがな and full-width forms are one) stands for categories (a parent includes
-- its children) and for other words that mean the same. Edited with
-- `PUT /api/v1/public/search-words/{word}`; weekdays, hazards and facilities are fixed
-- vocabulary in the code, not rows here.
CREATE TABLE search_words (
    word         TEXT PRIMARY KEY CHECK (length(word) BETWEEN 1 AND 40),
    categories   TEXT NOT NULL DEFAULT '',        -- space-separated category codes
    alternatives TEXT NOT NULL DEFAULT '',        -- space-separated words
    updated_at   TEXT NOT NULL
) STRICT;

INSERT INTO search_words (word, categories, alternatives, updated_at) VALUES
    ('避難所', 'disaster.evacuation_site disaster.shelter', '避難場所', '2026-11-26T00:00:00.000Z'),
    ('避難場所', 'disaster.evacuation_site disaster.shelter', '避難所', '2026-11-26T00:00:00.000Z'),
    ('避難', 'disaster.evacuation_site disaster.shelter', '', '2026-11-26T00:00:00.000Z'),
    ('ひなんじょ', 'disaster.evacuation_site disaster.shelter', '', '2026-11-26T00:00:00.000Z'),
    ('防災', 'disaster', '', '2026-11-26T00:00:00.000Z'),
    ('歯医者', 'medical.dental', '歯科', '2026-11-26T00:00:00.000Z'),
    ('はいしゃ', 'medical.dental', '歯科', '2026-11-26T00:00:00.000Z'),
    ('歯科', 'medical.dental', '歯医者', '2026-11-26T00:00:00.000Z'),
    ('病院', 'medical.hospital medical.clinic', '医院 クリニック 診療所', '2026-11-26T00:00:00.000Z'),
    ('医院', 'medical.clinic medical.hospital', 'クリニック 診療所', '2026-11-26T00:00:00.000Z'),
    ('クリニック', 'medical.clinic', '医院 診療所', '2026-11-26T00:00:00.000Z'),
    ('お医者さん', 'medical', '', '2026-11-26T00:00:00.000Z'),
    ('内科', 'medical.clinic medical.hospital', '', '2026-11-26T00:00:00.000Z'),
    ('薬局', 'medical.pharmacy', '調剤 ドラッグストア', '2026-11-26T00:00:00.000Z'),
    ('くすり', 'medical.pharmacy', '薬局 調剤', '2026-11-26T00:00:00.000Z'),
    ('薬', 'medical.pharmacy', '薬局 調剤', '2026-11-26T00:00:00.000Z'),
    ('買い物', 'shopping', '移動スーパー 買い物支援 宅配', '2026-11-26T00:00:00.000Z'),
    ('かいもの', 'shopping', '移動スーパー 買い物支援', '2026-11-26T00:00:00.000Z'),
    ('移動販売', 'shopping.mobile_supermarket', '移動スーパー', '2026-11-26T00:00:00.000Z'),
    ('配食', 'shopping.delivery', '宅配 弁当', '2026-11-26T00:00:00.000Z'),
    ('お弁当', 'shopping.delivery', '配食 宅配', '2026-11-26T00:00:00.000Z'),
    ('トイレ', 'welfare.toilet', '多機能トイレ 多目的トイレ だれでもトイレ', '2026-11-26T00:00:00.000Z'),
    ('多目的トイレ', 'welfare.toilet', '多機能トイレ だれでもトイレ', '2026-11-26T00:00:00.000Z'),
    ('だれでもトイレ', 'welfare.toilet', '多機能トイレ 多目的トイレ', '2026-11-26T00:00:00.000Z'),
    ('誰でもトイレ', 'welfare.toilet', '多機能トイレ 多目的トイレ', '2026-11-26T00:00:00.000Z'),
    ('体操', 'gathering.exercise', '運動 健康づくり', '2026-11-26T00:00:00.000Z'),
    ('運動', 'gathering.exercise', '体操 健康づくり', '2026-11-26T00:00:00.000Z'),
    ('健康づくり', 'gathering.exercise', '体操 運動', '2026-11-26T00:00:00.000Z'),
    ('体操教室', 'gathering.exercise', '体操', '2026-11-26T00:00:00.000Z'),
    ('たいそう', 'gathering.exercise', '体操', '2026-11-26T00:00:00.000Z'),
    ('通いの場', 'gathering', 'サロン 体操', '2026-11-26T00:00:00.000Z'),
    ('集い', 'gathering', 'サロン', '2026-11-26T00:00:00.000Z'),
    ('サロン', 'gathering.salon', 'ふれあいサロン', '2026-11-26T00:00:00.000Z'),
    ('認知症カフェ', 'gathering.cafe', 'オレンジカフェ', '2026-11-26T00:00:00.000Z'),
    ('オレンジカフェ', 'gathering.cafe', '認知症カフェ', '2026-11-26T00:00:00.000Z'),
    ('カフェ', 'gathering.cafe', '', '2026-11-26T00:00:00.000Z'),
    ('認知症', 'gathering.cafe welfare.dementia_supporter care.support_centre', 'オレンジ', '2026-11-26T00:00:00.000Z'),
    ('もの忘れ', 'gathering.cafe care.support_centre', '認知症', '2026-11-26T00:00:00.000Z'),
    ('デイサービス', 'care.day_service', '通所介護 デイ', '2026-11-26T00:00:00.000Z'),
    ('デイ', 'care.day_service', '', '2026-11-26T00:00:00.000Z'),
    ('ヘルパー', 'care.home_care', '訪問介護', '2026-11-26T00:00:00.000Z'),
    ('訪問看護', '', '訪問看護ステーション', '2026-11-26T00:00:00.000Z'),
    ('ケアマネ', 'care.management', 'ケアマネジャー 居宅介護支援', '2026-11-26T00:00:00.000Z'),
    ('ケアマネジャー', 'care.management', '居宅介護支援', '2026-11-26T00:00:00.000Z'),
    ('介護の相談', 'care.support_centre care.management', '地域包括支援センター', '2026-11-26T00:00:00.000Z'),
    ('包括', 'care.support_centre', '地域包括支援センター', '2026-11-26T00:00:00.000Z'),
    ('相談', 'care.support_centre', '相談窓口', '2026-11-26T00:00:00.000Z'),
    ('老人ホーム', 'care.facility', '特別養護老人ホーム 介護施設', '2026-11-26T00:00:00.000Z'),
    ('施設', 'care.facility public', '', '2026-11-26T00:00:00.000Z'),
    ('aed', 'welfare.aed', '自動体外式除細動器', '2026-11-26T00:00:00.000Z'),
    ('除細動器', 'welfare.aed', 'AED', '2026-11-26T00:00:00.000Z'),
    ('役所', 'public', '市役所 役場 庁舎', '2026-11-26T00:00:00.000Z'),
    ('役場', 'public', '市役所 役所 庁舎', '2026-11-26T00:00:00.000Z'),
    ('公民館', '', '公民館 コミュニティセンター 集会所', '2026-11-26T00:00:00.000Z');

-- Two-character words: the trigram index needs three characters, and a LIKE over every row
-- is a full scan. `search_bigrams` holds each distinct pair of neighbouring characters of
-- `search_text` (written by the core, `text::bigrams`), indexed as whole tokens. Existing
-- rows are filled here by the same rule, before the index and its triggers exist.
ALTER TABLE resources ADD COLUMN search_bigrams TEXT NOT NULL DEFAULT '';

UPDATE resources SET search_bigrams = coalesce((
    WITH RECURSIVE pairs (i, pair) AS (
        SELECT 1, substr(resources.search_text, 1, 2)
        UNION ALL
        SELECT i + 1, substr(resources.search_text, i + 1, 2) FROM pairs
        WHERE i < length(resources.search_text) - 1
    )
    SELECT group_concat(pair, ' ') FROM (
        SELECT DISTINCT pair FROM pairs WHERE length(pair) = 2 AND instr(pair, ' ') = 0
    )
), '');

CREATE VIRTUAL TABLE resources_bigrams USING fts5 (
    search_bigrams, content = 'resources', content_rowid = 'rowid',
    tokenize = 'unicode61 remove_diacritics 0'
);

INSERT INTO resources_bigrams (resources_bigrams) VALUES ('rebuild');

CREATE TRIGGER resources_bigrams_insert AFTER INSERT ON resources BEGIN
    INSERT INTO resources_bigrams (rowid, search_bigrams) VALUES (new.rowid, new.search_bigrams);
END;

CREATE TRIGGER resources_bigrams_delete AFTER DELETE ON resources BEGIN
    INSERT INTO resources_bigrams (resources_bigrams, rowid, search_bigrams) VALUES ('delete', old.rowid, old.search_bigrams);
END;

CREATE TRIGGER resources_bigrams_update AFTER UPDATE OF search_bigrams ON resources BEGIN
    INSERT INTO resources_bigrams (resources_bigrams, rowid, search_bigrams) VALUES ('delete', old.rowid, old.search_bigrams);
    INSERT INTO resources_bigrams (rowid, search_bigrams) VALUES (new.rowid, new.search_bigrams);
END;
