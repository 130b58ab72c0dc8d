-- A place's words (`search_text`) no longer hold its category's name. A word in a
-- category's name (「サロン」) names the category, and search tests the category, from the
-- category's index in kana order; when every salon's text also held サロン, the text index
-- matched all 20,000 of them and each was read and ranked (18 ms where 2 will do).
--
-- The core writes the words of new and changed places without it (`search_text`); here
-- the name, folded as the core folds it (`text::fold`; the test
-- functions/local/tests/search_migration.rs checks every one), is taken out of the words
-- of the places already stored: its first occurrence as a whole word, which follows the
-- name and kana. Should a place's own name hold that word too, the same letters stay
-- once: the place matches as before. Then the two-character tokens are made again from
-- the words, by 0003's rule. The triggers of both full-text indexes follow each change.
-- (9 s over 100,000 places in the sqlite3 shell; a town has a few thousand.)

CREATE TABLE migration_0008_category_words (
    code  TEXT PRIMARY KEY,
    words TEXT NOT NULL
);

INSERT INTO migration_0008_category_words (code, words) VALUES
    ('gathering', '通いの場'),
    ('gathering.salon', 'さろん'),
    ('gathering.exercise', '体操教室'),
    ('gathering.cafe', '認知症かふぇ'),
    ('medical', '医療'),
    ('medical.clinic', '診療所'),
    ('medical.hospital', '病院'),
    ('medical.dental', '歯科'),
    ('medical.pharmacy', '薬局'),
    ('care', '介護'),
    ('care.home_care', '訪問介護・訪問看護'),
    ('care.day_service', '通所介護(でいさーびす)'),
    ('care.management', '居宅介護支援(けあまねじゃー)'),
    ('care.facility', '介護施設'),
    ('care.support_centre', '地域包括支援せんたー'),
    ('welfare', '福祉'),
    ('welfare.toilet', '多機能といれ'),
    ('welfare.dementia_supporter', 'おれんじさぽーたー'),
    ('welfare.aed', 'aed'),
    ('welfare.childcare', '子育て施設'),
    ('shopping', '買い物支援'),
    ('shopping.mobile_supermarket', '移動すーぱー'),
    ('shopping.delivery', '配食・宅配'),
    ('disaster', '防災'),
    ('disaster.evacuation_site', '指定緊急避難場所'),
    ('disaster.shelter', '指定避難所'),
    ('public', '公共施設'),
    ('public.facility', '公共施設');

-- The places whose words hold their category's name as a whole word.
CREATE TABLE migration_0008_changed (place INTEGER PRIMARY KEY);

INSERT INTO migration_0008_changed (place)
SELECT r.rowid FROM resources r JOIN migration_0008_category_words c ON c.code = r.category
WHERE instr(r.search_text || ' ', ' ' || c.words || ' ') > 0;

UPDATE resources SET search_text = (
    SELECT substr(resources.search_text, 1, at - 1)
        || substr(resources.search_text, at + length(words) + 1)
    FROM (
        SELECT words, instr(resources.search_text || ' ', ' ' || words || ' ') AS at
        FROM migration_0008_category_words WHERE code = resources.category
    )
)
WHERE rowid IN (SELECT place FROM migration_0008_changed);

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
), '')
WHERE rowid IN (SELECT place FROM migration_0008_changed);

DROP TABLE migration_0008_changed;
DROP TABLE migration_0008_category_words;

-- The indexes now hold each changed place twice, once deleted: a word that was in the
-- category's name read through every deleted entry to find none left (2.4 ms for 「体操」
-- over 100,000 places, 0.04 ms after this).
INSERT INTO resources_fts (resources_fts) VALUES ('optimize');
INSERT INTO resources_bigrams (resources_bigrams) VALUES ('optimize');
