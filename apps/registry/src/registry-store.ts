// The registry's storage: a trust store (vouches, revocations; @aip/trust) and, in the same SQLite
// file, signed profiles, the feed of every object in arrival order and sync cursors.
import { openTrustStore, TrustError, type TrustStore, type TrustStoreOptions } from '@aip/trust';
import type Database from 'better-sqlite3';
import { RegistryError } from './errors.js';
import { BACKFILL, DEGREE_SCHEMA, FEED_SCHEMA, REGISTRY_SCHEMA, REGISTRY_SCHEMA_VERSION } from './lib/schema.js';
import type { Profile, VerifiedProfile } from './profile.js';

/** One feed entry: its position and the signed object's canonical text. */
export interface FeedRow {
  seq: number;
  object: string;
}

/** What became of a profile handed to {@link RegistryStore.putProfile}. */
export type ProfileOutcome = { status: 'accepted' | 'duplicate'; id: string; replaced: string | null };

/** A stored profile and its id. */
export interface StoredProfile {
  id: string;
  profile: Profile;
}

/** Options of {@link openRegistryStore}. */
export interface RegistryStoreOptions extends TrustStoreOptions {
  /**
   * Keep the feed (default true): needed to serve one. A store that only syncs can do without,
   * which makes its inserts cheaper; the feed is built (with every stored object) when first wanted.
   */
  feed?: boolean;
}

/**
 * Opens (creating if needed) a registry store: the trust store at `options.path` plus the registry
 * tables. Objects stored before the feed existed enter it once.
 *
 * @example
 * ```ts
 * const store = openRegistryStore({ path: 'registry.db' });
 * store.trust.add({ kind: 'vouch', ...verifyVouch(vouch) }); // enters the feed too
 * ```
 */
export function openRegistryStore(options: RegistryStoreOptions = {}): RegistryStore {
  const { feed, ...trust } = options;
  return new RegistryStore(openTrustStore(trust), { feed: feed !== false });
}

/** Profiles, feed and sync cursors over a trust store's database. Create it with {@link openRegistryStore}. */
export class RegistryStore {
  /** The trust store: every vouch and revocation, verified before it got in. */
  readonly trust: TrustStore;
  readonly #db: Database.Database;
  readonly #sql;
  readonly #feedSql;
  #writes = 0;

  constructor(trust: TrustStore, options: { feed?: boolean } = {}) {
    this.trust = trust;
    this.#db = trust.database;
    const meta = this.#db.prepare('SELECT value FROM meta WHERE key = ?').pluck();
    const ensure = (key: string, create: () => void) => {
      const version = meta.get(key) as string | undefined;
      if (version === undefined) {
        this.#db.transaction(() => {
          create();
          this.#db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run(key, REGISTRY_SCHEMA_VERSION);
        })();
      } else if (version !== REGISTRY_SCHEMA_VERSION) {
        trust.close();
        throw new TrustError('aip_store_corrupt', `${trust.path} holds registry tables of an unsupported version`);
      }
    };
    ensure('registry_schema', () => this.#db.exec(REGISTRY_SCHEMA));
    if (options.feed !== false) {
      ensure('registry_feed', () => {
        this.#db.exec(FEED_SCHEMA);
        this.#db.exec(BACKFILL);
      });
      ensure('registry_degrees', () => this.#db.exec(DEGREE_SCHEMA));
    }
    this.#sql = prepare(this.#db);
    this.#feedSql = meta.get('registry_feed') === undefined ? undefined : prepareFeed(this.#db);
  }

  /** The database connection (shared with the trust store), for the read-only views. */
  get database(): Database.Database {
    return this.#db;
  }

  /** Changes whenever anything was written through this store or by another connection. */
  get version(): string {
    return `${this.trust.localVersion}.${this.#writes}.${this.#sql.dataVersion.get()}`;
  }

  /**
   * Stores a verified profile: the first of its agent, or a newer one (higher `iat`) replacing the
   * stored one. Re-sending the stored profile is a duplicate; an older or equally old different
   * one is refused with `RegistryError` `aip_profile_outdated` (a replay).
   *
   * @example
   * ```ts
   * store.putProfile(verifyProfile(body, { now })); // { status: 'accepted', id, replaced: null }
   * ```
   */
  putProfile(verified: VerifiedProfile): ProfileOutcome {
    const { id, profile, canonical } = verified;
    const outcome = this.#db.transaction((): ProfileOutcome => {
      const current = this.#sql.profileState.get(profile.did) as { seq: number; id: string; iat: number } | undefined;
      if (current?.id === id) return { status: 'duplicate', id, replaced: null };
      if (current !== undefined && current.iat >= profile.iat) {
        throw new RegistryError(
          'aip_profile_outdated',
          `a profile issued at ${current.iat} is already registered for this agent; send a newer one`,
        );
      }
      if (current !== undefined) this.#sql.deleteProfile.run(current.seq);
      this.#sql.insertProfile.run(profile.did, id, profile.name, profile.description, profile.iat, canonical);
      return { status: 'accepted', id, replaced: current?.id ?? null };
    })();
    if (outcome.status === 'accepted') this.#writes++;
    return outcome;
  }

  /**
   * The stored profile of `did`, if any.
   *
   * @example
   * ```ts
   * store.getProfile(did)?.profile.name;
   * ```
   */
  getProfile(did: string): StoredProfile | undefined {
    const row = this.#sql.profileByDid.get(did) as { id: string; object: string } | undefined;
    return row === undefined ? undefined : { id: row.id, profile: JSON.parse(row.object) as Profile };
  }

  /**
   * Up to `limit` feed entries after position `since`, in arrival order.
   *
   * @example
   * ```ts
   * for (const row of store.feed(0, 1000)) console.log(row.seq, row.object);
   * ```
   */
  feed(since: number, limit: number): FeedRow[] {
    return this.#feedOf().feed.all(since, limit) as FeedRow[];
  }

  /**
   * The position of the newest feed entry (0 when empty).
   *
   * @example
   * ```ts
   * const remaining = store.latestSeq() - since;
   * ```
   */
  latestSeq(): number {
    return Number(this.#feedOf().latest.get() ?? 0);
  }

  #feedOf(): ReturnType<typeof prepareFeed> {
    if (this.#feedSql === undefined) throw new TypeError('this store was opened without a feed');
    return this.#feedSql;
  }

  /**
   * The saved cursor of a sync source (a registry URL), if any.
   *
   * @example
   * ```ts
   * const since = store.syncCursor('https://registry.example') ?? '';
   * ```
   */
  syncCursor(source: string): string | undefined {
    return this.#sql.cursor.get(source) as string | undefined;
  }

  /**
   * Saves the cursor of a sync source, once the objects before it are stored.
   *
   * @example
   * ```ts
   * store.saveSyncCursor(url, page.next, now);
   * ```
   */
  saveSyncCursor(source: string, cursor: string, now: number): void {
    this.#sql.saveCursor.run(source, cursor, now);
  }

  /**
   * Closes the database.
   *
   * @example
   * ```ts
   * store.close();
   * ```
   */
  close(): void {
    this.trust.close();
  }
}

function prepare(db: Database.Database) {
  return {
    dataVersion: db.prepare('PRAGMA data_version').pluck(),
    profileState: db.prepare('SELECT seq, id, iat FROM registry_profiles WHERE did = ?'),
    profileByDid: db.prepare('SELECT id, object FROM registry_profiles WHERE did = ?'),
    deleteProfile: db.prepare('DELETE FROM registry_profiles WHERE seq = ?'),
    insertProfile: db.prepare(
      'INSERT INTO registry_profiles (did, id, name, description, iat, object) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    cursor: db.prepare('SELECT cursor FROM registry_sync WHERE source = ?').pluck(),
    saveCursor: db.prepare(
      `INSERT INTO registry_sync (source, cursor, updated) VALUES (?, ?, ?)
       ON CONFLICT (source) DO UPDATE SET cursor = excluded.cursor, updated = excluded.updated`,
    ),
  };
}

function prepareFeed(db: Database.Database) {
  return {
    feed: db.prepare(
      `SELECT f.seq AS seq,
              CASE f.kind WHEN 1 THEN v.object WHEN 2 THEN r.object ELSE p.object END AS object
       FROM registry_feed f
       LEFT JOIN vouches v ON f.kind = 1 AND v.seq = f.ref
       LEFT JOIN revocations r ON f.kind = 2 AND r.seq = f.ref
       LEFT JOIN registry_profiles p ON f.kind = 0 AND p.seq = f.ref
       WHERE f.seq > ? ORDER BY f.seq LIMIT ?`,
    ),
    latest: db.prepare('SELECT max(seq) FROM registry_feed').pluck(),
  };
}
