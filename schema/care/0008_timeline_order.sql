-- The timeline pages in insertion order (rowid). An index on patient_id alone holds its
-- entries as (patient_id, rowid), already in that order, so a page is read straight off
-- the index instead of sorting the patient's whole timeline (147 ms → see the bench).
CREATE INDEX posts_by_patient_seq ON posts (patient_id);
