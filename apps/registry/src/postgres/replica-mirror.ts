// A replica's own copy of the shared log (DESIGN §9): a local registry store (SQLite, in a temp
// file) fed from PostgreSQL in sequence order from the replica's watermark. The trust engine, its
// index and its query workers read that local store exactly as in a single-process registry, so
// they stay as they are. Woken by LISTEN/NOTIFY; a periodic poll is the safety net for missed
// notifications and a lost listening connection. Every object is verified again before it enters
// the local store: the database is not trusted to hold only what a replica verified.
import { type VerifiedObject, verifyTrustObject } from '@aip/trust';
import type { Client, Pool } from 'pg';
import { verifyProfile } from '../profile.js';
import type { RegistryStore } from '../registry-store.js';
import { unavailableAsStoreError } from '../store-unavailable.js';
import { NOTIFY_CHANNEL } from './schema.js';

/** Objects read from the log per query while catching up. */
const PAGE = 1000;
/** Milliseconds between attempts to re-open a lost notification connection. */
const RECONNECT_MS = 1000;

/** Options of {@link ReplicaMirror}. */
export interface ReplicaMirrorOptions {
  /** Milliseconds between polls (the safety net); default 1000. */
  pollMs?: number;
  /** Told about a failed background catch-up, an object that did not verify, a lost listener. */
  onWarning?: (message: string, detail: { seq?: number; code?: string }) => void;
}

interface LogRow {
  seq: string;
  kind: 'vouch' | 'revocation' | 'profile' | 'key-event';
  object: string;
  verified_at: string;
}

/**
 * Keeps `store` in step with the shared log.
 *
 * @example
 * ```ts
 * const mirror = new ReplicaMirror(pool, store);
 * await mirror.catchUp();
 * await mirror.listen(() => new pg.Client(config));
 * ```
 */
export class ReplicaMirror {
  readonly store: RegistryStore;
  readonly #pool: Pool;
  readonly #pollMs: number;
  readonly #warn: NonNullable<ReplicaMirrorOptions['onWarning']>;
  #watermark = 0;
  #chain: Promise<void> = Promise.resolve();
  #queued: Promise<void> | undefined;
  #poll: NodeJS.Timeout | undefined;
  #listener: Client | undefined;
  #reconnect: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(pool: Pool, store: RegistryStore, options: ReplicaMirrorOptions = {}) {
    this.#pool = pool;
    this.store = store;
    this.#pollMs = options.pollMs ?? 1000;
    this.#warn = options.onWarning ?? (() => {});
  }

  /** The position of the last log entry applied to the local store. */
  get watermark(): number {
    return this.#watermark;
  }

  /**
   * Applies every log entry after the watermark, in order. Resolves once the local store holds
   * everything committed before the call; concurrent calls share one pull. Throws `TrustError`
   * `aip_store_unavailable` when the database cannot be reached (the watermark stays).
   */
  catchUp(): Promise<void> {
    if (this.#queued !== undefined) return this.#queued;
    const pull = this.#chain.then(() => {
      this.#queued = undefined;
      return this.#pull();
    });
    this.#queued = pull;
    this.#chain = pull.catch(() => {});
    return pull;
  }

  async #pull(): Promise<void> {
    for (;;) {
      const rows = await unavailableAsStoreError(
        async () =>
          (
            await this.#pool.query<LogRow>(
              'SELECT seq, kind, object, verified_at FROM aip_registry_objects WHERE seq > $1 ORDER BY seq LIMIT $2',
              [this.#watermark, PAGE],
            )
          ).rows,
      );
      if (rows.length === 0) return;
      await this.#apply(rows);
      this.#watermark = Number((rows[rows.length - 1] as LogRow).seq);
      if (rows.length < PAGE) return;
    }
  }

  /**
   * Applies rows in order: runs of trust objects (vouches, revocations, key events) in one
   * transaction, profiles one by one.
   */
  async #apply(rows: LogRow[]): Promise<void> {
    let batch: VerifiedObject[] = [];
    const flush = () => {
      if (batch.length > 0) this.store.trust.addBatch(batch);
      batch = [];
    };
    for (const row of rows) {
      let value: unknown;
      const now = Number(row.verified_at);
      try {
        value = JSON.parse(row.object);
        if (row.kind !== 'profile') {
          batch.push(verifyTrustObject(value, { now }));
          continue;
        }
        flush();
        await this.store.putProfile(verifyProfile(value, { now }));
      } catch (err) {
        // Refused here as anywhere: never stored. Skipping keeps the replica serving.
        const code = (err as { code?: unknown }).code;
        this.#warn('a log entry did not verify and was skipped', {
          seq: Number(row.seq),
          ...(typeof code === 'string' ? { code } : {}),
        });
      }
    }
    flush();
  }

  /**
   * Listens for commits on a dedicated connection (re-opened after a loss) and starts the poll.
   * `connect` makes a new, unconnected client.
   */
  async listen(connect: () => Client): Promise<void> {
    this.#poll = setInterval(() => this.#background(), this.#pollMs);
    this.#poll.unref();
    await this.#openListener(connect);
  }

  async #openListener(connect: () => Client): Promise<void> {
    if (this.#closed) return;
    const client = connect();
    const lost = () => {
      if (this.#listener !== client) return;
      this.#listener = undefined;
      client.end().catch(() => {});
      if (this.#closed) return;
      this.#warn('lost the notification connection; polling until it is back', {});
      this.#reconnect = setTimeout(() => {
        this.#openListener(connect).catch(() => lost());
      }, RECONNECT_MS);
      this.#reconnect.unref();
    };
    this.#listener = client;
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', () => this.#background());
    try {
      await client.connect();
      await client.query(`LISTEN ${NOTIFY_CHANNEL}`);
    } catch (err) {
      lost();
      throw err;
    }
    // Whatever committed while nobody listened.
    this.#background();
  }

  #background(): void {
    this.catchUp().catch((err) => {
      const code = (err as { code?: unknown }).code;
      this.#warn('catching up with the registry database failed; retrying', typeof code === 'string' ? { code } : {});
    });
  }

  /** Stops listening and polling (the local store is the owner's to close). */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#poll !== undefined) clearInterval(this.#poll);
    if (this.#reconnect !== undefined) clearTimeout(this.#reconnect);
    const listener = this.#listener;
    this.#listener = undefined;
    await listener?.end().catch(() => {});
    await this.#chain;
  }
}
