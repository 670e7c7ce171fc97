// The registry's log of published objects (DESIGN §6, §9): what a write must agree on with every
// other writer — duplicates, revocation state, profile replacement — and the feed in arrival
// order. Asynchronous, so the same interface fronts the embedded SQLite store and a PostgreSQL
// database shared by several replicas; both pass one contract suite.
import type { VerifiedKeyEvent } from '@aip/identity';
import type { VerifiedRevocation, VerifiedVouch } from '@aip/trust';
import type { VerifiedProfile } from './profile.js';

/** One feed entry: its position and the signed object's canonical text. */
export interface FeedRow {
  seq: number;
  object: string;
}

/** What became of a profile handed to {@link RegistryLog.publishProfile}. */
export type ProfileOutcome = { status: 'accepted' | 'duplicate'; id: string; replaced: string | null };

/** What became of a vouch: stored, already stored, or already stored and revoked (it never comes back). */
export type VouchOutcome = { status: 'accepted' | 'duplicate' | 'revoked' };

/**
 * What became of a revocation: stored, already stored, or refused because its vouch is not stored
 * (`vouch_unknown`), is already revoked by another revocation (`vouch_revoked`), or belongs to
 * another voucher (`unauthorized`). The three refusals store nothing.
 */
export type RevocationOutcome = {
  status: 'accepted' | 'duplicate' | 'vouch_unknown' | 'vouch_revoked' | 'unauthorized';
  /** The vouch it names. */
  vouch: string;
};

/**
 * What became of a key event: stored, or already stored (same id). Whether its signer had the
 * authority is the lineage's question, not the log's: an event without it is kept as evidence.
 */
export type KeyEventOutcome = { status: 'accepted' | 'duplicate' };

/**
 * The ordered log every replica writes through. Objects are verified by the caller before they
 * are handed in; `now` is the time they were verified at (Unix seconds).
 *
 * @example
 * ```ts
 * const log: RegistryLog = new SqliteRegistryLog(openRegistryStore({ path: ':memory:' }));
 * await log.publishVouch(verifyVouch(vouch, { now }), now); // { status: 'accepted' }
 * const rows = await log.feed(0, 1000);
 * ```
 */
export interface RegistryLog {
  /** Random per-database id that feed cursors name (the same on every replica of one database). */
  readonly feedEpoch: string;
  publishVouch(verified: VerifiedVouch, now: number): Promise<VouchOutcome>;
  publishRevocation(verified: VerifiedRevocation, now: number): Promise<RevocationOutcome>;
  /**
   * Stores the first profile of its agent, or a newer one (higher `iat`) replacing the stored one,
   * which leaves the feed. An older or equally old different one throws `RegistryError`
   * `aip_profile_outdated`.
   */
  publishProfile(verified: VerifiedProfile, now: number): Promise<ProfileOutcome>;
  /**
   * Stores a key event (DESIGN §11) once, in log order. Key events are not feed entries: `aip sync`
   * pulls them from `GET /v1/key-events`, which every replica answers from its local trust store.
   */
  publishKeyEvent(verified: VerifiedKeyEvent, now: number): Promise<KeyEventOutcome>;
  /** Up to `limit` feed entries after position `since`, in arrival order. */
  feed(since: number, limit: number): Promise<FeedRow[]>;
  /** The position of the newest feed entry (0 when empty). */
  latestSeq(): Promise<number>;
}
