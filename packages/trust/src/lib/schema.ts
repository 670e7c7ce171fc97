// The SQLite schema of a trust store (version 1). Agents and scopes get dense integer ids, which
// the in-memory index uses as node and layer numbers.

export const SCHEMA_VERSION = '1';

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS agents (
  idx INTEGER PRIMARY KEY,
  did TEXT NOT NULL UNIQUE,
  -- 52 bits of SHA-256(did): breaks ties between equal scores independently of insertion order
  tiekey INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS scopes (idx INTEGER PRIMARY KEY, scope TEXT NOT NULL UNIQUE);
-- AUTOINCREMENT: sequence numbers are never reused (foreign pending revocations get deleted), so
-- the index's watermarks stay meaningful.
CREATE TABLE IF NOT EXISTS vouches (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  voucher INTEGER NOT NULL REFERENCES agents (idx),
  subject INTEGER NOT NULL REFERENCES agents (idx),
  scope INTEGER NOT NULL REFERENCES scopes (idx),
  weight REAL NOT NULL,
  iat INTEGER NOT NULL,
  exp INTEGER,
  -- seq of the revocation that revoked this vouch; NULL while active
  revoked_at INTEGER,
  object TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS vouches_by_voucher ON vouches (voucher, scope, subject);
CREATE INDEX IF NOT EXISTS vouches_revoked ON vouches (revoked_at) WHERE revoked_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS revocations (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  vouch TEXT NOT NULL,
  voucher INTEGER NOT NULL REFERENCES agents (idx),
  iat INTEGER NOT NULL,
  object TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS revocations_by_vouch ON revocations (vouch);
-- Key events (DESIGN §11), added within version 1: a store that predates them gets the table the
-- next time it is opened for writing; read-only, it simply has none.
CREATE TABLE IF NOT EXISTS key_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  -- keyCommitment of the signer's key, kept so the state is rebuilt without decoding keys
  signer_commitment TEXT NOT NULL,
  object TEXT NOT NULL
);
`;
