-- 診療科目 of medical institutions as data (one per line), read from 医療機関一覧 and shown,
-- searched and exported (HSDS attributes); a category for 子育て施設一覧.

ALTER TABLE resources ADD COLUMN departments TEXT NOT NULL DEFAULT '';

INSERT INTO categories (code, parent, name_ja, name_en, schema_type, sort) VALUES
    ('welfare.childcare', 'welfare', '子育て施設', 'Childcare and family support', 'ChildCare', 44);

INSERT INTO search_words (word, categories, alternatives, updated_at) VALUES
    ('子育て', 'welfare.childcare', '保育 子育て支援', '2026-11-26T00:00:00.000Z'),
    ('保育園', 'welfare.childcare', '保育所 こども園', '2026-11-26T00:00:00.000Z'),
    ('保育所', 'welfare.childcare', '保育園 こども園', '2026-11-26T00:00:00.000Z'),
    ('幼稚園', 'welfare.childcare', 'こども園', '2026-11-26T00:00:00.000Z'),
    ('こども園', 'welfare.childcare', '保育園 幼稚園', '2026-11-26T00:00:00.000Z'),
    ('児童館', 'welfare.childcare', '子育て支援', '2026-11-26T00:00:00.000Z');
