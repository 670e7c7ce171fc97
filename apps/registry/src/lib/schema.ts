// The registry's own tables, in the trust store's SQLite file but on the registry's own connection
// and never joined with the trust store's (whose schema is private): profiles, sync cursors and,
// where a feed is served, the feed — every object in arrival order, profiles by trigger on the
// registry's table, trust objects by their position in the trust store's append sequence.

export const REGISTRY_SCHEMA_VERSION = '2';

/** Feed kinds (the `kind` column): a profile (`ref`: its row), a trust object (`ref`: its position in `changesSince`). */
export const FEED_PROFILE = 0;
export const FEED_TRUST = 1;

export const REGISTRY_SCHEMA = `
CREATE TABLE IF NOT EXISTS registry_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS registry_profiles (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  did TEXT NOT NULL UNIQUE,
  id TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  iat INTEGER NOT NULL,
  object TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS registry_sync (
  source TEXT PRIMARY KEY,
  cursor TEXT NOT NULL,
  updated INTEGER NOT NULL
) WITHOUT ROWID;
`;

export const FEED_SCHEMA = `
-- AUTOINCREMENT: feed positions are never reused, so a cursor never skips an object.
CREATE TABLE IF NOT EXISTS registry_feed (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  kind INTEGER NOT NULL,
  ref INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS registry_feed_ref ON registry_feed (kind, ref);
CREATE TRIGGER IF NOT EXISTS registry_feed_profile AFTER INSERT ON registry_profiles
  BEGIN INSERT INTO registry_feed (kind, ref) VALUES (${FEED_PROFILE}, NEW.seq); END;
-- A replaced profile leaves the feed; its successor enters at the end.
CREATE TRIGGER IF NOT EXISTS registry_feed_profile_gone AFTER DELETE ON registry_profiles
  BEGIN DELETE FROM registry_feed WHERE kind = ${FEED_PROFILE} AND ref = OLD.seq; END;
`;

/**
 * The first layout (registry schema 1) kept its feed and per-agent counts with triggers and an
 * index on the trust store's tables. Dropping those objects of the registry's own is the one
 * statement it ever makes about them; the trust store keeps what a directory needs itself now.
 */
export const DROP_LEGACY_LAYOUT = `
DROP TRIGGER IF EXISTS registry_feed_vouch;
DROP TRIGGER IF EXISTS registry_feed_revocation;
DROP TRIGGER IF EXISTS registry_feed_revocation_gone;
DROP TRIGGER IF EXISTS registry_feed_profile;
DROP TRIGGER IF EXISTS registry_feed_profile_gone;
DROP TRIGGER IF EXISTS registry_degree_vouch;
DROP TRIGGER IF EXISTS registry_degree_revoke;
DROP INDEX IF EXISTS registry_vouches_by_subject;
DROP TABLE IF EXISTS registry_degrees;
DROP TABLE IF EXISTS registry_feed;
`;
