-- A word that names a category (「サロン」, 「体操」) matches every place of it: a fifth of
-- the region in the search bench (20,000 of 100,000). Two indexes let the store choose
-- those places without reading the table, the filters' columns (weekdays, hazards, town,
-- status) in the index itself:
--
-- * word search (which tests `+r.status`, so that the full-text indexes drive the text
--   side) reads the category side from `resources_by_category`, with what ranking reads
--   (kana, id, name, location): region-wide 「サロン」 read 5,000 rows through
--   `resources_geo` in 7–10 ms, 2 ms here; 「体操 月曜」, which nothing matches, scanned
--   all of `resources_geo` (16 ms) and reads 20,000 entries here (6 ms);
-- * a category listed in kana order, and the count a suggestion shows (「分類「体操」を
--   すべて見る」 on Mondays), test the weekday from `resources_category` instead of
--   reading each of the category's rows.
CREATE INDEX resources_by_category ON resources
    (category, status, open_days, hazards, municipality_code, sort_key, id, name, lat, lng);

DROP INDEX resources_category;
CREATE INDEX resources_category ON resources
    (status, category, sort_key, id, open_days, hazards, municipality_code);
