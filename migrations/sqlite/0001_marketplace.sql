-- The marketplace's tables. Times are Unix milliseconds (BIGINT), so both backends
-- store and compare them the same way; JSON documents are TEXT.

CREATE TABLE regions (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL
);

CREATE TABLE municipalities (
    code TEXT PRIMARY KEY CHECK (length(code) = 4),
    name TEXT NOT NULL,
    official_name TEXT NOT NULL,
    region_code TEXT NOT NULL REFERENCES regions (code)
);

-- An organisation that publishes blocks under its own namespace.
CREATE TABLE vendors (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    namespace TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'suspended')),
    status_reason TEXT,
    created_ms BIGINT NOT NULL,
    decided_ms BIGINT
);

-- ed25519 public keys a vendor signs packages with; revoked keys stay for the record.
CREATE TABLE vendor_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    vendor_id BIGINT NOT NULL REFERENCES vendors (id),
    key_id TEXT NOT NULL UNIQUE,
    public_key BLOB NOT NULL,
    label TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    revoked_ms BIGINT
);

-- Scoped API tokens for the vendor CLI; only a hash of the secret is kept.
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    vendor_id BIGINT NOT NULL REFERENCES vendors (id),
    token_hash TEXT NOT NULL UNIQUE,
    scopes TEXT NOT NULL,
    label TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    expires_ms BIGINT,
    revoked_ms BIGINT
);

-- A block (vendor.block) and what is said about it as a whole.
CREATE TABLE blocks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    vendor_id BIGINT NOT NULL REFERENCES vendors (id),
    block_id TEXT NOT NULL UNIQUE,
    category TEXT NOT NULL,
    deprecated_message TEXT,
    replacement TEXT,
    created_ms BIGINT NOT NULL
);

-- One immutable version of a block: vendor.block@version is never reused.
CREATE TABLE block_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    block_ref BIGINT NOT NULL REFERENCES blocks (id),
    version TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    contract_version TEXT NOT NULL,
    manifest TEXT NOT NULL,
    capabilities TEXT NOT NULL,
    key_id TEXT NOT NULL,
    signature TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('submitted', 'approved', 'rejected', 'suspended', 'yanked')),
    status_reason TEXT,
    created_ms BIGINT NOT NULL,
    decided_ms BIGINT,
    UNIQUE (block_ref, version)
);

-- A municipality's use of a block.
CREATE TABLE installations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_code TEXT NOT NULL REFERENCES municipalities (code),
    block_ref BIGINT NOT NULL REFERENCES blocks (id),
    requirement TEXT NOT NULL,
    pinned_version TEXT,
    config TEXT NOT NULL,
    granted TEXT NOT NULL,
    audience TEXT NOT NULL,
    position BIGINT NOT NULL,
    enabled BOOLEAN NOT NULL,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    UNIQUE (municipality_code, block_ref)
);

-- Who did what, when: every change an operator, vendor or admin makes.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms BIGINT NOT NULL,
    actor TEXT NOT NULL,
    tenant TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    details TEXT NOT NULL
);

CREATE INDEX block_versions_by_block ON block_versions (block_ref);
CREATE INDEX installations_by_municipality ON installations (municipality_code, position);
CREATE INDEX audit_log_by_tenant ON audit_log (tenant, at_ms);
