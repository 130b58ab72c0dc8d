-- Districts (町丁目 / 自治会): the unit of the disaster HQ's totals.
CREATE TABLE districts (
    municipality_code  TEXT NOT NULL CHECK (length(municipality_code) = 5),
    code               TEXT NOT NULL,
    name               TEXT NOT NULL,
    name_kana          TEXT,
    lat                REAL,
    lng                REAL,
    PRIMARY KEY (municipality_code, code)
) STRICT;
