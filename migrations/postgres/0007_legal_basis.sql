-- The legal basis on which an installation's grants of personal data rest (GDPR art. 6):
-- {"basis": "consent"} (the citizen decides, per block and capability, in `consents`), or
-- {"basis": "public-task", "reference": "<the statutory provision>"} when the
-- municipality installs the block for the jobcentre's statutory work (art. 6(1)(e)); the
-- citizen is then told so, with the reference, and cannot withdraw.
ALTER TABLE installations ADD COLUMN legal_basis TEXT NOT NULL DEFAULT '{"basis":"consent"}';
