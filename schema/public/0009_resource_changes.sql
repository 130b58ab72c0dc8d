-- Every change to what a search near a point reads of a place, in order. A host keeps the
-- whole region's places in memory (search/places.rs); after a write it reads the places
-- that changed since it read them (a few rows) instead of all of them again (100,000 rows,
-- 0.4 s of a core, during which a surge's searches read cells as asked: p99 46–72 ms over
-- the 5 s after a write, tests/bench-outside.sh). Triggers, so that every writer is
-- covered: the API, the command line beside a running host, a migration.
--
-- `old_geohash`: where the place was before the change (a moved place leaves its cell).
-- The oldest changes are dropped past 10,000 kept: an instance further behind reads the
-- region again.
CREATE TABLE resource_changes (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    id           TEXT NOT NULL,
    old_geohash  TEXT
) STRICT;

-- Which store the changes are of (a random name given once): a region kept for one store is
-- never mended by another's changes (one process serving two stores: the in-process tests).
CREATE TABLE resource_changes_origin (id TEXT NOT NULL) STRICT;
INSERT INTO resource_changes_origin (id) VALUES (lower(hex(randomblob(16))));

CREATE TRIGGER resource_changes_insert AFTER INSERT ON resources BEGIN
    INSERT INTO resource_changes (id, old_geohash) VALUES (new.id, NULL);
    DELETE FROM resource_changes WHERE seq <= last_insert_rowid() - 10000;
END;

CREATE TRIGGER resource_changes_update
AFTER UPDATE OF status, lat, lng, geohash, category, hazards, open_days, name, sort_key,
    search_text ON resources BEGIN
    INSERT INTO resource_changes (id, old_geohash) VALUES (old.id, old.geohash);
    DELETE FROM resource_changes WHERE seq <= last_insert_rowid() - 10000;
END;

CREATE TRIGGER resource_changes_delete AFTER DELETE ON resources BEGIN
    INSERT INTO resource_changes (id, old_geohash) VALUES (old.id, old.geohash);
    DELETE FROM resource_changes WHERE seq <= last_insert_rowid() - 10000;
END;
