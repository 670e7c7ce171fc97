// The registry's tables in a PostgreSQL database shared by its replicas (DESIGN §9): the log of
// verified signed objects with one global sequence (the feed, and key events, which share the
// sequence but not the feed), what writers check against each other (vouch ownership and
// revocation, the current profile per agent), and open challenges.

/**
 * Bumped when the layout changes. A database of an older version is upgraded by
 * {@link POSTGRES_UPGRADES}; one of a newer or unknown version is refused.
 */
export const POSTGRES_SCHEMA_VERSION = '2';

/** Advisory lock keys: one serializes writes (commit order = sequence order), one migrations. */
export const WRITE_LOCK = 0x41495052; // "AIPR"
export const MIGRATION_LOCK = 0x4149504d; // "AIPM"

/** The channel a committed write notifies, with its sequence number as payload. */
export const NOTIFY_CHANNEL = 'aip_registry';

export const POSTGRES_SCHEMA = `
CREATE TABLE IF NOT EXISTS aip_registry_meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE IF NOT EXISTS aip_registry_sequence (one boolean PRIMARY KEY DEFAULT true CHECK (one), last bigint NOT NULL);
INSERT INTO aip_registry_sequence (one, last) VALUES (true, 0) ON CONFLICT DO NOTHING;
-- Every stored signed object, in commit order; a replaced profile's row is deleted (it leaves the
-- feed), positions are never reused. verified_at: the time the writing replica verified it at.
-- Key events (kind 'key-event') take positions like the rest, so replicas apply them in commit
-- order, but are not feed entries: the feed is every other row.
CREATE TABLE IF NOT EXISTS aip_registry_objects (
  seq bigint PRIMARY KEY,
  kind text NOT NULL CONSTRAINT aip_registry_objects_kind_check
    CHECK (kind IN ('vouch', 'revocation', 'profile', 'key-event')),
  id text NOT NULL UNIQUE,
  object text NOT NULL,
  verified_at bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS aip_registry_objects_feed ON aip_registry_objects (seq) WHERE kind <> 'key-event';
CREATE TABLE IF NOT EXISTS aip_registry_vouches (
  id text PRIMARY KEY,
  voucher text NOT NULL,
  revoked_by text
);
CREATE TABLE IF NOT EXISTS aip_registry_profiles (
  did text PRIMARY KEY,
  id text NOT NULL,
  iat bigint NOT NULL,
  seq bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS aip_registry_challenges (
  challenge text PRIMARY KEY,
  did text NOT NULL,
  expires bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS aip_registry_challenges_expires ON aip_registry_challenges (expires);
`;

/**
 * Upgrades from each older version to the next (`to`), run in the migration's transaction (under
 * its lock) after {@link POSTGRES_SCHEMA}, whose `IF NOT EXISTS` leaves older tables as they are.
 */
export const POSTGRES_UPGRADES: Readonly<Record<string, { to: string; sql: string }>> = {
  // Version 1 had no key events: the kind constraint admits them now (the name is the one
  // PostgreSQL gave version 1's unnamed column constraint, and the one version 2 names).
  '1': {
    to: '2',
    sql: `
ALTER TABLE aip_registry_objects DROP CONSTRAINT IF EXISTS aip_registry_objects_kind_check;
ALTER TABLE aip_registry_objects ADD CONSTRAINT aip_registry_objects_kind_check
  CHECK (kind IN ('vouch', 'revocation', 'profile', 'key-event'));
`,
  },
};
