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

CREATE FUNCTION market_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE market_version SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END;
$$;

CREATE TRIGGER market_version_installations AFTER INSERT OR UPDATE OR DELETE ON installations
    FOR EACH STATEMENT EXECUTE FUNCTION market_version_bump();
CREATE TRIGGER market_version_block_versions AFTER INSERT OR UPDATE OR DELETE ON block_versions
    FOR EACH STATEMENT EXECUTE FUNCTION market_version_bump();
CREATE TRIGGER market_version_blocks AFTER INSERT OR UPDATE OR DELETE ON blocks
    FOR EACH STATEMENT EXECUTE FUNCTION market_version_bump();
