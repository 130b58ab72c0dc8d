-- Nearby search reads every place in the circle's geohash cells. With the columns its
-- filters test (status, category, hazards, weekdays, the folded words) and those ranking
-- needs (name, kana) in the index itself, a word search near a point never reads the
-- table to choose and order its results: it read ~1,300 rows at random for ~150 matches
-- at 100,000 resources (`tests/bench-outside.sh`, cold nearby).
DROP INDEX resources_geo;
CREATE INDEX resources_geo ON resources
    (geohash, lat, lng, status, category, hazards, open_days, id, name, sort_key, search_text);
