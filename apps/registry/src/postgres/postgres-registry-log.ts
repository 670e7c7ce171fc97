// The registry log on PostgreSQL, shared by any number of replicas (DESIGN §9). Each write is one
// transaction that first takes a transaction-scoped advisory lock, so writes are serialized and the
// sequence number a write takes is its commit order: a replica that has read up to position N never
// sees a position below N appear later. Committing notifies the replicas (LISTEN/NOTIFY).
import type { VerifiedRevocation, VerifiedVouch } from '@aip/trust';
import type { Pool, PoolClient } from 'pg';
import { RegistryError } from '../errors.js';
import type { VerifiedProfile } from '../profile.js';
import type { FeedRow, ProfileOutcome, RegistryLog, RevocationOutcome, VouchOutcome } from '../registry-log.js';
import { unavailableAsStoreError } from '../store-unavailable.js';
import { NOTIFY_CHANNEL, WRITE_LOCK } from './schema.js';
import { inTransaction } from './transaction.js';

type Kind = 'vouch' | 'revocation' | 'profile';

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
    const outcome = await this.#write(async (client): Promise<VouchOutcome> => {
      const { rows } = await client.query<{ revoked_by: string | null }>(
        'SELECT revoked_by FROM aip_registry_vouches WHERE id = $1',
        [verified.id],
      );
      const stored = rows[0];
      if (stored !== undefined) return { status: stored.revoked_by === null ? 'duplicate' : 'revoked' };
      await append(client, 'vouch', verified.id, verified.canonical, now);
      await client.query('INSERT INTO aip_registry_vouches (id, voucher) VALUES ($1, $2)', [
        verified.id,
        verified.vouch.voucher,
      ]);
      return { status: 'accepted' };
    });
    if (outcome.status === 'accepted') await this.#settle();
    return outcome;
  }

  async publishRevocation(verified: VerifiedRevocation, now: number): Promise<RevocationOutcome> {
    const vouch = verified.revocation.vouch;
    const outcome = await this.#write(async (client): Promise<RevocationOutcome> => {
      const { rows } = await client.query<{ voucher: string; revoked_by: string | null }>(
        'SELECT voucher, revoked_by FROM aip_registry_vouches WHERE id = $1',
        [vouch],
      );
      const target = rows[0];
      if (target === undefined) return { status: 'vouch_unknown', vouch };
      if (target.revoked_by === verified.id) return { status: 'duplicate', vouch };
      if (target.revoked_by !== null) return { status: 'vouch_revoked', vouch };
      if (target.voucher !== verified.revocation.voucher) return { status: 'unauthorized', vouch };
      await append(client, 'revocation', verified.id, verified.canonical, now);
      await client.query('UPDATE aip_registry_vouches SET revoked_by = $1 WHERE id = $2', [verified.id, vouch]);
      return { status: 'accepted', vouch };
    });
    if (outcome.status === 'accepted') await this.#settle();
    return outcome;
  }

  async publishProfile(verified: VerifiedProfile, now: number): Promise<ProfileOutcome> {
    const { id, profile, canonical } = verified;
    const outcome = await this.#write(async (client): Promise<ProfileOutcome> => {
      const { rows } = await client.query<{ id: string; iat: string; seq: string }>(
        'SELECT id, iat, seq FROM aip_registry_profiles WHERE did = $1',
        [profile.did],
      );
      const current = rows[0];
      if (current?.id === id) return { status: 'duplicate', id, replaced: null };
      if (current !== undefined && Number(current.iat) >= profile.iat) {
        throw new RegistryError(
          'aip_profile_outdated',
          `a profile issued at ${current.iat} is already registered for this agent; send a newer one`,
        );
      }
      // The replaced profile leaves the feed; its successor enters at the end.
      if (current !== undefined) await client.query('DELETE FROM aip_registry_objects WHERE seq = $1', [current.seq]);
      const seq = await append(client, 'profile', id, canonical, now);
      await client.query(
        `INSERT INTO aip_registry_profiles (did, id, iat, seq) VALUES ($1, $2, $3, $4)
         ON CONFLICT (did) DO UPDATE SET id = excluded.id, iat = excluded.iat, seq = excluded.seq`,
        [profile.did, id, profile.iat, seq],
      );
      return { status: 'accepted', id, replaced: current?.id ?? null };
    });
    if (outcome.status === 'accepted') await this.#settle();
    return outcome;
  }

  feed(since: number, limit: number): Promise<FeedRow[]> {
    return unavailableAsStoreError(async () => {
      const { rows } = await this.#pool.query<{ seq: string; object: string }>(
        'SELECT seq, object FROM aip_registry_objects WHERE seq > $1 ORDER BY seq LIMIT $2',
        [since, limit],
      );
      return rows.map((row) => ({ seq: Number(row.seq), object: row.object }));
    });
  }

  latestSeq(): Promise<number> {
    // Deletions only ever remove rows older than the one appended with them: the last position
    // taken is always the newest entry's.
    return unavailableAsStoreError(async () => {
      const { rows } = await this.#pool.query<{ last: string }>('SELECT last FROM aip_registry_sequence');
      return Number(rows[0]?.last ?? 0);
    });
  }

  /** One write transaction under the write lock: all of it commits, or none. */
  #write<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    return unavailableAsStoreError(() => inTransaction(this.#pool, WRITE_LOCK, work));
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

/** Appends an object at the next position and notifies the replicas (delivered on commit). */
async function append(client: PoolClient, kind: Kind, id: string, object: string, now: number): Promise<number> {
  const { rows } = await client.query<{ last: string }>(
    'UPDATE aip_registry_sequence SET last = last + 1 RETURNING last',
  );
  const seq = Number(rows[0]?.last);
  await client.query(
    'INSERT INTO aip_registry_objects (seq, kind, id, object, verified_at) VALUES ($1, $2, $3, $4, $5)',
    [seq, kind, id, object, now],
  );
  await client.query('SELECT pg_notify($1, $2)', [NOTIFY_CHANNEL, String(seq)]);
  return seq;
}
