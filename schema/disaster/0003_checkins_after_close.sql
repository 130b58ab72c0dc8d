-- Whether a check-in arrived after its event was closed, decided in the statement that
-- stores it (so a close and a check-in in the same millisecond are still told apart). Such
-- check-ins are kept and counted but never widen what a supporter sees.
ALTER TABLE checkins ADD COLUMN after_close INTEGER NOT NULL DEFAULT 0;
