-- A handover opens when the contract is signed; its project lead may be
-- chosen later (docs/lifecycle.md). NULL: no lead named yet.
ALTER TABLE handovers ALTER COLUMN to_person_id DROP NOT NULL;
