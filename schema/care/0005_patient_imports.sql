-- Bulk registration from the municipality's export of care-certification applications:
-- the insured-person number (被保険者番号) identifies a patient within a municipality, so
-- importing the same file again changes nothing.
ALTER TABLE patients ADD COLUMN insured_number TEXT;

CREATE UNIQUE INDEX patients_insured_number ON patients (municipality_code, insured_number)
    WHERE insured_number IS NOT NULL;
