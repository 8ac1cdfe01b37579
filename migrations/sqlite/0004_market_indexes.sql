-- Indexes for the marketplace's hot queries at scale (measured by host/benches/market.rs;
-- the numbers and the plans behind them are in BENCHMARKS.md).

-- Resolution (what runs for a municipality, the admin's list of installations) and the
-- catalog's version lists read only these columns of a block's versions: one covering
-- index answers them without touching the rows, which carry the ~1.5 KB manifest. Its
-- leading equality columns also keep SQLite, which has no statistics, from resolving a
-- municipality by scanning every approved version of every block.
CREATE INDEX block_versions_live ON block_versions (
    block_ref, status, suspended_ms, yanked_ms, id,
    version, contract_version, capabilities, sha256, created_ms
);

-- The catalog's "latest approved, unsuspended, unyanked version of each block": with
-- only the usable versions in it, MAX(id) for a block is one step back from the end of
-- its range (PostgreSQL's min/max optimisation needs the plain (block_ref, id) order).
CREATE INDEX block_versions_latest ON block_versions (block_ref, id)
    WHERE status = 'approved' AND suspended_ms IS NULL AND yanked_ms IS NULL;

-- How many municipalities use a block, for each catalog entry, from the index alone.
CREATE INDEX installations_by_block_municipality ON installations (block_ref, municipality_code);
DROP INDEX installations_by_block;
