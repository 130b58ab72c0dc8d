-- A number that changes whenever anything the HQ's totals are made of changes: the people
-- per district (register imports, moves, removals), a district's name or centre, the
-- check-ins' counters, the towns an event covers. An instance keeps a summary it has read
-- and serves it again while the number is the same; HQ screens poll every few seconds and
-- every screen asks the same question. Kept by triggers in the writes' own transactions,
-- so no writer can forget it.
CREATE TABLE figures_version (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    version  INTEGER NOT NULL
) STRICT;

INSERT INTO figures_version (id, version) VALUES (1, 0);

CREATE TRIGGER figures_changed_district_added AFTER INSERT ON districts
BEGIN
    UPDATE figures_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER figures_changed_district_updated AFTER UPDATE ON districts
BEGIN
    UPDATE figures_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER figures_changed_district_removed AFTER DELETE ON districts
BEGIN
    UPDATE figures_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER figures_changed_totals_added AFTER INSERT ON event_district_totals
BEGIN
    UPDATE figures_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER figures_changed_totals_updated AFTER UPDATE ON event_district_totals
BEGIN
    UPDATE figures_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER figures_changed_totals_removed AFTER DELETE ON event_district_totals
BEGIN
    UPDATE figures_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER figures_changed_town_added AFTER INSERT ON event_municipalities
BEGIN
    UPDATE figures_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER figures_changed_town_updated AFTER UPDATE ON event_municipalities
BEGIN
    UPDATE figures_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER figures_changed_town_removed AFTER DELETE ON event_municipalities
BEGIN
    UPDATE figures_version SET version = version + 1 WHERE id = 1;
END;
