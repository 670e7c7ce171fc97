// The registry log on PostgreSQL, shared by any number of replicas (DESIGN §9). Each write is one
// call of a server-side function (write-functions.ts) that first takes a transaction-scoped
// advisory lock, so writes are serialized and the sequence number a write takes is its commit
// order: a replica that has read up to position N never sees a position below N appear later.
// Committing notifies the replicas (LISTEN/NOTIFY).
import type { VerifiedKeyEvent } from '@aip/identity';
import type { VerifiedRevocation, VerifiedVouch } from '@aip/trust';
import type { Pool } from 'pg';
import { RegistryError } from '../errors.js';
import type { VerifiedProfile } from '../profile.js';
import type {
  FeedRow,
  KeyEventOutcome,
  ProfileOutcome,
  RegistryLog,
  RevocationOutcome,
  VouchOutcome,
} from '../registry-log.js';
import { unavailableAsStoreError } from '../store-unavailable.js';

/**
 * The registry log over a PostgreSQL pool whose database holds the registry's tables. Open it with
 * `openPostgresRegistry`, which also migrates the database and starts the replica's mirror.
 *
 * @example
 * ```ts
 * const { log } = await openPostgresRegistry({ url: 'postgresql://aip@db/aip' });
 * await log.publishVouch(verifyVouch(vouch, { now }), now);
 * ```
 */
export class PostgresRegistryLog implements RegistryLog {
  readonly feedEpoch: string;
  readonly #pool: Pool;
  readonly #afterCommit: () => Promise<void>;

  /** `afterCommit` runs after each write that stored something (the replica catching up with it). */
  constructor(pool: Pool, feedEpoch: string, afterCommit: () => Promise<void> = async () => {}) {
    this.#pool = pool;
    this.feedEpoch = feedEpoch;
    this.#afterCommit = afterCommit;
  }

  async publishVouch(verified: VerifiedVouch, now: number): Promise<VouchOutcome> {
    const status = await this.#call<VouchOutcome['status']>(
      'SELECT aip_registry_publish_vouch($1, $2, $3, $4) AS status',
      [verified.id, verified.vouch.voucher, verified.canonical, now],
    );
    if (status === 'accepted') await this.#settle();
    return { status };
  }

  async publishRevocation(verified: VerifiedRevocation, now: number): Promise<RevocationOutcome> {
    const { vouch, voucher } = verified.revocation;
    const status = await this.#call<RevocationOutcome['status']>(
      'SELECT aip_registry_publish_revocation($1, $2, $3, $4, $5) AS status',
      [verified.id, vouch, voucher, verified.canonical, now],
    );
    if (status === 'accepted') await this.#settle();
    return { status, vouch };
  }

  async publishKeyEvent(verified: VerifiedKeyEvent, now: number): Promise<KeyEventOutcome> {
    const status = await this.#call<KeyEventOutcome['status']>(
      'SELECT aip_registry_publish_key_event($1, $2, $3) AS status',
      [verified.id, verified.canonical, now],
    );
    if (status === 'accepted') await this.#settle();
    return { status };
  }

  async publishProfile(verified: VerifiedProfile, now: number): Promise<ProfileOutcome> {
    const { id, profile, canonical } = verified;
    const row = await unavailableAsStoreError(async () => {
      const { rows } = await this.#pool.query<{ status: string; replaced: string | null; current_iat: string | null }>(
        'SELECT status, replaced, current_iat FROM aip_registry_publish_profile($1, $2, $3, $4, $5)',
        [profile.did, id, profile.iat, canonical, now],
      );
      return rows[0];
    });
    if (row?.status === 'outdated') {
      throw new RegistryError(
        'aip_profile_outdated',
        `a profile issued at ${row.current_iat} is already registered for this agent; send a newer one`,
      );
    }
    if (row?.status === 'duplicate') return { status: 'duplicate', id, replaced: null };
    if (row?.status !== 'accepted') throw new Error(`unexpected answer from aip_registry_publish_profile`);
    await this.#settle();
    return { status: 'accepted', id, replaced: row.replaced };
  }

  feed(since: number, limit: number): Promise<FeedRow[]> {
    return unavailableAsStoreError(async () => {
      const { rows } = await this.#pool.query<{ seq: string; object: string }>(
        "SELECT seq, object FROM aip_registry_objects WHERE seq > $1 AND kind <> 'key-event' ORDER BY seq LIMIT $2",
        [since, limit],
      );
      return rows.map((row) => ({ seq: Number(row.seq), object: row.object }));
    });
  }

  latestSeq(): Promise<number> {
    // The newest feed entry's position: key events take positions too but are no feed entries.
    return unavailableAsStoreError(async () => {
      const { rows } = await this.#pool.query<{ last: string | null }>(
        "SELECT max(seq) AS last FROM aip_registry_objects WHERE kind <> 'key-event'",
      );
      return Number(rows[0]?.last ?? 0);
    });
  }

  /** One publication: a single statement, so one transaction, all of it committed or none. */
  #call<T extends string>(sql: string, values: unknown[]): Promise<T> {
    return unavailableAsStoreError(async () => {
      const { rows } = await this.#pool.query<{ status: T }>(sql, values);
      const status = rows[0]?.status;
      if (status === undefined) throw new Error('the write function answered nothing');
      return status;
    });
  }

  /** This replica's views include what it just wrote; if that fails, its poll catches up later. */
  async #settle(): Promise<void> {
    try {
      await this.#afterCommit();
    } catch {
      // The write is committed; the mirror's next pull takes it.
    }
  }
}
