// A frozen copy of the registry's first layout (registry schema 1, before the trust store kept its own
// directory), as databases written then hold it: the migration tests build such a database.
// Do not edit: it is what is on disk, not what the registry writes now.

export const REGISTRY_SCHEMA_VERSION = '1';

/** Feed kinds (the `kind` column). */
export const FEED_PROFILE = 0;
export const FEED_VOUCH = 1;
export const FEED_REVOCATION = 2;

export const REGISTRY_SCHEMA = `
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

/**
 * What serving a feed needs (a registry, or a mirror): the feed itself, kept by triggers, and an
 * index of vouches by subject for agent pages. A store that only syncs goes without: faster inserts.
 */
export const FEED_SCHEMA = `
-- AUTOINCREMENT: feed positions are never reused, so a cursor never skips an object.
CREATE TABLE IF NOT EXISTS registry_feed (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  kind INTEGER NOT NULL,
  ref INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS registry_feed_ref ON registry_feed (kind, ref);
-- Vouches for an agent (the trust store indexes vouches by voucher only).
CREATE INDEX IF NOT EXISTS registry_vouches_by_subject ON vouches (subject);
CREATE TRIGGER IF NOT EXISTS registry_feed_vouch AFTER INSERT ON vouches
  BEGIN INSERT INTO registry_feed (kind, ref) VALUES (${FEED_VOUCH}, NEW.seq); END;
CREATE TRIGGER IF NOT EXISTS registry_feed_revocation AFTER INSERT ON revocations
  BEGIN INSERT INTO registry_feed (kind, ref) VALUES (${FEED_REVOCATION}, NEW.seq); END;
-- A pending revocation that turns out to be foreign is deleted by the trust store: so is its entry.
CREATE TRIGGER IF NOT EXISTS registry_feed_revocation_gone AFTER DELETE ON revocations
  BEGIN DELETE FROM registry_feed WHERE kind = ${FEED_REVOCATION} AND ref = OLD.seq; END;
CREATE TRIGGER IF NOT EXISTS registry_feed_profile AFTER INSERT ON registry_profiles
  BEGIN INSERT INTO registry_feed (kind, ref) VALUES (${FEED_PROFILE}, NEW.seq); END;
-- A replaced profile leaves the feed; its successor enters at the end.
CREATE TRIGGER IF NOT EXISTS registry_feed_profile_gone AFTER DELETE ON registry_profiles
  BEGIN DELETE FROM registry_feed WHERE kind = ${FEED_PROFILE} AND ref = OLD.seq; END;
`;

/**
 * Active (unrevoked) vouches received and given per agent, kept by triggers: agent pages and the
 * graph's best-vouched agents read them instead of counting a million rows.
 */
export const DEGREE_SCHEMA = `
CREATE TABLE IF NOT EXISTS registry_degrees (
  agent INTEGER PRIMARY KEY,
  vouches_in INTEGER NOT NULL DEFAULT 0,
  vouches_out INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS registry_degrees_in ON registry_degrees (vouches_in);
CREATE TRIGGER IF NOT EXISTS registry_degree_vouch AFTER INSERT ON vouches WHEN NEW.revoked_at IS NULL BEGIN
  INSERT OR IGNORE INTO registry_degrees (agent) VALUES (NEW.subject);
  INSERT OR IGNORE INTO registry_degrees (agent) VALUES (NEW.voucher);
  UPDATE registry_degrees SET vouches_in = vouches_in + 1 WHERE agent = NEW.subject;
  UPDATE registry_degrees SET vouches_out = vouches_out + 1 WHERE agent = NEW.voucher;
END;
CREATE TRIGGER IF NOT EXISTS registry_degree_revoke AFTER UPDATE OF revoked_at ON vouches
  WHEN OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL BEGIN
  UPDATE registry_degrees SET vouches_in = vouches_in - 1 WHERE agent = NEW.subject;
  UPDATE registry_degrees SET vouches_out = vouches_out - 1 WHERE agent = NEW.voucher;
END;
INSERT OR IGNORE INTO registry_degrees (agent) SELECT idx FROM agents;
UPDATE registry_degrees SET vouches_in = t.n
  FROM (SELECT subject, count(*) AS n FROM vouches WHERE revoked_at IS NULL GROUP BY subject) t
  WHERE registry_degrees.agent = t.subject;
UPDATE registry_degrees SET vouches_out = t.n
  FROM (SELECT voucher, count(*) AS n FROM vouches WHERE revoked_at IS NULL GROUP BY voucher) t
  WHERE registry_degrees.agent = t.voucher;
`;

/** Objects stored before the feed existed enter it once: vouches, then revocations, then profiles. */
export const BACKFILL = `
INSERT OR IGNORE INTO registry_feed (kind, ref) SELECT ${FEED_VOUCH}, seq FROM vouches ORDER BY seq;
INSERT OR IGNORE INTO registry_feed (kind, ref) SELECT ${FEED_REVOCATION}, seq FROM revocations ORDER BY seq;
INSERT OR IGNORE INTO registry_feed (kind, ref) SELECT ${FEED_PROFILE}, seq FROM registry_profiles ORDER BY seq;
`;
