// The feed (DESIGN §6): every signed object in arrival order. Profiles enter it by trigger on the
// registry's own table; trust objects by catching up with the trust store's append sequence
// (`changesSince`) before every read and before every profile, so an object always follows the
// ones stored before it. Positions are the registry's own and never reused.
import type { TrustDirectory } from '@aip/trust';
import type Database from 'better-sqlite3';
import { FEED_PROFILE, FEED_TRUST } from './lib/schema.js';
import type { FeedRow } from './registry-log.js';

/** Trust objects taken from the sequence per transaction while catching up. */
const CATCH_UP_BATCH = 10_000;

/**
 * The feed over the registry's connection and the trust store's directory.
 *
 * @example
 * ```ts
 * const feed = new RegistryFeed(db, directory, () => trust.version, onWrite);
 * const rows = await feed.page(0, 1000);
 * ```
 */
export class RegistryFeed {
  readonly #db: Database.Database;
  readonly #directory: TrustDirectory;
  readonly #trustVersion: () => string;
  readonly #onWrite: () => void;
  readonly #sql;
  #catching: Promise<void> = Promise.resolve();
  /** The trust store's version the feed last caught up with: nothing to do while it holds. */
  #caughtUp: string | undefined;

  constructor(db: Database.Database, directory: TrustDirectory, trustVersion: () => string, onWrite: () => void) {
    this.#db = db;
    this.#directory = directory;
    this.#trustVersion = trustVersion;
    this.#onWrite = onWrite;
    this.#sql = {
      rows: db.prepare(
        `SELECT f.seq AS seq, f.kind AS kind, f.ref AS ref, p.object AS object
         FROM registry_feed f LEFT JOIN registry_profiles p ON f.kind = ${FEED_PROFILE} AND p.seq = f.ref
         WHERE f.seq > ? ORDER BY f.seq LIMIT ?`,
      ),
      latest: db.prepare('SELECT coalesce(max(seq), 0) FROM registry_feed').pluck(),
      lastTrust: db.prepare(`SELECT coalesce(max(ref), 0) FROM registry_feed WHERE kind = ${FEED_TRUST}`).pluck(),
      addTrust: db.prepare(`INSERT OR IGNORE INTO registry_feed (kind, ref) VALUES (${FEED_TRUST}, ?)`),
      pending: db.prepare("SELECT value FROM registry_meta WHERE key = 'feed_profiles_pending'").pluck(),
      addProfiles: db.prepare(
        `INSERT OR IGNORE INTO registry_feed (kind, ref) SELECT ${FEED_PROFILE}, seq FROM registry_profiles ORDER BY seq`,
      ),
      donePending: db.prepare("DELETE FROM registry_meta WHERE key = 'feed_profiles_pending'"),
    };
  }

  /**
   * Appends the trust objects stored since the last call (by any connection), in their order; the
   * first time after the feed was created, then the profiles stored before it. Calls run one
   * after the other.
   */
  catchUp(): Promise<void> {
    if (this.#caughtUp === this.#trustVersion()) return this.#catching;
    this.#catching = this.#catching.then(() => this.#catchUpOnce());
    return this.#catching;
  }

  async #catchUpOnce(): Promise<void> {
    // Read before: whatever commits during the catch-up makes the next call catch up again.
    const version = this.#trustVersion();
    let last = Number(this.#sql.lastTrust.get());
    for (;;) {
      const changes = await this.#directory.changesSince(last, CATCH_UP_BATCH);
      if (changes.length === 0) break;
      this.#db.transaction(() => {
        for (const change of changes) this.#sql.addTrust.run(change.seq);
      })();
      this.#onWrite();
      last = (changes[changes.length - 1] as { seq: number }).seq;
      if (changes.length < CATCH_UP_BATCH) break;
    }
    if (this.#sql.pending.get() !== undefined) {
      this.#db.transaction(() => {
        this.#sql.addProfiles.run();
        this.#sql.donePending.run();
      })();
      this.#onWrite();
    }
    this.#caughtUp = version;
  }

  /**
   * Up to `limit` entries after position `since`, in arrival order (an entry whose trust object
   * the store has since dropped is skipped).
   *
   * @example
   * ```ts
   * for (const row of await feed.page(0, 1000)) console.log(row.seq, row.object);
   * ```
   */
  async page(since: number, limit: number): Promise<FeedRow[]> {
    await this.catchUp();
    const rows = this.#sql.rows.all(since, limit) as {
      seq: number;
      kind: number;
      ref: number;
      object: string | null;
    }[];
    const refs = rows.filter((r) => r.kind === FEED_TRUST).map((r) => r.ref);
    const texts = new Map<number, string>();
    if (refs.length > 0) {
      // The page's trust objects are consecutive in the sequence (the feed appends them in order).
      for (const change of await this.#directory.changesSince((refs[0] as number) - 1, refs.length)) {
        texts.set(change.seq, change.canonical);
      }
    }
    return rows.flatMap((r) => {
      const object = r.kind === FEED_TRUST ? texts.get(r.ref) : r.object;
      return object === undefined || object === null ? [] : [{ seq: r.seq, object }];
    });
  }

  /**
   * The position of the newest entry (0 when empty).
   *
   * @example
   * ```ts
   * const remaining = (await feed.latest()) - since;
   * ```
   */
  async latest(): Promise<number> {
    await this.catchUp();
    return Number(this.#sql.latest.get());
  }
}
