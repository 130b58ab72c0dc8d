-- The reporter's name as it was when the check-in was sent, so that the HQ reads 「山田 花子」
-- where it read a 26-character account id. The disaster function never reads the care
-- database's professionals; the name comes with the reporter's access token. NULL for
-- check-ins sent before this column (and tokens issued before names were in them).
ALTER TABLE checkins ADD COLUMN reported_by_name TEXT;
