-- A stamp of everything that decides which block versions run where: bumped, in the
-- same transaction, by every change to installations, block versions (publish, review,
-- yank, suspend, lift) and blocks. The universe caches each municipality's resolved
-- installations and re-resolves when the stamp it reads differs from the cached one,
-- so a change made by any process sharing the database counts on the next page.
CREATE TABLE market_version (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO market_version (id, version) VALUES (1, 1);

CREATE TRIGGER market_version_installations_insert AFTER INSERT ON installations
BEGIN UPDATE market_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER market_version_installations_update AFTER UPDATE ON installations
BEGIN UPDATE market_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER market_version_installations_delete AFTER DELETE ON installations
BEGIN UPDATE market_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER market_version_block_versions_insert AFTER INSERT ON block_versions
BEGIN UPDATE market_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER market_version_block_versions_update AFTER UPDATE ON block_versions
BEGIN UPDATE market_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER market_version_block_versions_delete AFTER DELETE ON block_versions
BEGIN UPDATE market_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER market_version_blocks_insert AFTER INSERT ON blocks
BEGIN UPDATE market_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER market_version_blocks_update AFTER UPDATE ON blocks
BEGIN UPDATE market_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER market_version_blocks_delete AFTER DELETE ON blocks
BEGIN UPDATE market_version SET version = version + 1 WHERE id = 1; END;
