-- Refusals of callers without a valid token, counted per address, action and minute (issue
-- #33 M3). The first of each minute is a row of audit_log as before; the rest only add to
-- its count here, so that a flood of anonymous requests can not grow the log without bound.
CREATE TABLE audit_repeats (
    minute   TEXT NOT NULL,                  -- 2026-12-07T17:45, UTC, as audit_log.at begins
    address  TEXT NOT NULL,                  -- '' where the host knows none
    action   TEXT NOT NULL,
    outcome  TEXT NOT NULL,
    count    INTEGER NOT NULL,               -- the first included
    PRIMARY KEY (minute, address, action, outcome)
) STRICT, WITHOUT ROWID;
