-- Review, kill switch, yank and deprecation, and what admins are told about them.
-- A version's review status stays submitted / approved / rejected; suspension (the
-- operator's kill switch) and yanking (the vendor's withdrawal) are recorded beside it,
-- so lifting a suspension restores exactly what was there before.

ALTER TABLE block_versions ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
ALTER TABLE block_versions ADD COLUMN suspended_ms BIGINT;
ALTER TABLE block_versions ADD COLUMN suspend_reason TEXT;
ALTER TABLE block_versions ADD COLUMN yanked_ms BIGINT;
ALTER TABLE block_versions ADD COLUMN yank_reason TEXT;
ALTER TABLE blocks ADD COLUMN deprecated_ms BIGINT;

-- Messages to a municipality's admins: a version they run was suspended or yanked, a
-- block they use was deprecated, a new version waits for their grant.
CREATE TABLE admin_notices (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_code TEXT NOT NULL REFERENCES municipalities (code),
    at_ms BIGINT NOT NULL,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    message TEXT NOT NULL,
    read_ms BIGINT
);

CREATE INDEX admin_notices_by_municipality ON admin_notices (municipality_code, at_ms);
CREATE INDEX installations_by_block ON installations (block_ref);
CREATE INDEX block_versions_by_status ON block_versions (status, block_ref);
CREATE INDEX api_tokens_by_vendor ON api_tokens (vendor_id);
CREATE INDEX vendor_keys_by_vendor ON vendor_keys (vendor_id);
