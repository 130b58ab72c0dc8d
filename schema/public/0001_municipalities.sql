-- The municipalities of the region (全国地方公共団体コード, 5 digits without check digit).
CREATE TABLE municipalities (
    code        TEXT PRIMARY KEY CHECK (length(code) = 5 AND code NOT GLOB '*[^0-9]*'),
    name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 50),
    name_kana   TEXT NOT NULL,
    name_en     TEXT NOT NULL,
    prefecture  TEXT NOT NULL,
    lat         REAL NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lng         REAL NOT NULL CHECK (lng BETWEEN -180 AND 180),
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
