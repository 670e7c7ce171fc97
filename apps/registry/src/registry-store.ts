// The registry's storage: a trust store (vouches, revocations; @aip/trust, read through its API
// only) and, in the same SQLite file on the registry's own connection, its own tables: signed
// profiles, sync cursors and the feed.
import { randomBytes } from 'node:crypto';
import {
  openTrustDirectory,
  openTrustStore,
  type TrustDirectory,
  TrustError,
  type TrustStore,
  type TrustStoreOptions,
} from '@aip/trust';
import Database from 'better-sqlite3';
import { RegistryError } from './errors.js';
import { DROP_LEGACY_LAYOUT, FEED_SCHEMA, REGISTRY_SCHEMA, REGISTRY_SCHEMA_VERSION } from './lib/schema.js';
import type { Profile, VerifiedProfile } from './profile.js';
import { RegistryFeed } from './registry-feed.js';
import type { FeedRow, ProfileOutcome } from './registry-log.js';

/** A stored profile and its id. */
export interface StoredProfile {
  id: string;
  profile: Profile;
}

/** Options of {@link openRegistryStore}. */
export interface RegistryStoreOptions extends Omit<TrustStoreOptions, 'directory'> {
  /**
   * Keep the feed (default true): needed to serve one, with the trust store's directory (agent
   * pages, the observatory). A store that only syncs can do without, which makes its inserts
   * cheaper; the feed is built (with every stored object) when first wanted.
   */
  feed?: boolean;
}

const LIKE_SPECIAL = /[\\%_]/g;

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
  return new RegistryStore(openTrustStore({ ...trust, directory: feed !== false }));
}

/** Profiles, feed and sync cursors beside a trust store. Create it with {@link openRegistryStore}. */
export class RegistryStore {
  /** The trust store: every vouch and revocation, verified before it got in. */
  readonly trust: TrustStore;
  /** What the trust store tells a directory of agents; undefined for a store without a feed. */
  readonly directory: TrustDirectory | undefined;
  readonly #db: Database.Database;
  readonly #feed: RegistryFeed | undefined;
  readonly #feedEpoch: string;
  readonly #sql;
  #writes = 0;

  constructor(trust: TrustStore) {
    this.trust = trust;
    try {
      this.#db = new Database(trust.path);
      this.#db.pragma('busy_timeout = 5000');
      this.#db.pragma('synchronous = NORMAL');
      this.#feedEpoch = this.#migrate();
    } catch (err) {
      trust.close();
      if (err instanceof TrustError) throw err;
      throw new TrustError('aip_store_corrupt', `${trust.path} does not hold usable registry tables`, { cause: err });
    }
    this.#sql = prepare(this.#db);
    if (trust.directory) {
      this.directory = openTrustDirectory(trust);
      this.#feed = new RegistryFeed(
        this.#db,
        this.directory,
        () => trust.version,
        () => this.#writes++,
      );
    }
  }

  /** Creates or checks the registry's tables; returns the feed epoch. */
  #migrate(): string {
    const db = this.#db;
    const tables = new Set(
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'registry_%'").pluck().all(),
    );
    return db.transaction(() => {
      // The first layout had no registry_meta: drop what it hung on the trust store's tables and
      // start a new feed (its cursors then answer aip_cursor_stale once; clients sync from the start).
      if (tables.has('registry_profiles') && !tables.has('registry_meta')) db.exec(DROP_LEGACY_LAYOUT);
      db.exec(REGISTRY_SCHEMA);
      const meta = db.prepare('SELECT value FROM registry_meta WHERE key = ?').pluck();
      const set = db.prepare('INSERT OR IGNORE INTO registry_meta (key, value) VALUES (?, ?)');
      set.run('schema', REGISTRY_SCHEMA_VERSION);
      if (meta.get('schema') !== REGISTRY_SCHEMA_VERSION) {
        throw new TrustError('aip_store_corrupt', `${this.trust.path} holds registry tables of an unsupported version`);
      }
      if (this.trust.directory && meta.get('feed_epoch') === undefined) {
        db.exec(FEED_SCHEMA);
        // Profiles already stored enter after the trust objects stored before them (first catch-up).
        set.run('feed_profiles_pending', '1');
        set.run('feed_epoch', randomBytes(16).toString('hex'));
      }
      return (meta.get('feed_epoch') as string | undefined) ?? '';
    })();
  }

  /**
   * Changes whenever anything was written, through this store or by another connection: the trust
   * store's version sees every other connection's commits to the file (the registry tables' too).
   */
  get version(): string {
    return `${this.trust.version}.${this.#writes}`;
  }

  /**
   * Random per-feed id (empty without a feed): feed cursors name it, so a cursor of another or a
   * rebuilt feed is recognised.
   */
  get feedEpoch(): string {
    return this.#feedEpoch;
  }

  /**
   * Stores a verified profile: the first of its agent, or a newer one (higher `iat`) replacing the
   * stored one. Re-sending the stored profile is a duplicate; an older or equally old different
   * one is refused with `RegistryError` `aip_profile_outdated` (a replay).
   *
   * @example
   * ```ts
   * await store.putProfile(verifyProfile(body, { now })); // { status: 'accepted', id, replaced: null }
   * ```
   */
  async putProfile(verified: VerifiedProfile): Promise<ProfileOutcome> {
    const { id, profile, canonical } = verified;
    // Trust objects stored before this profile come before it in the feed.
    await this.#feed?.catchUp();
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
   * DIDs of profiles whose name or description contains `query` (case-insensitive) or whose DID
   * is `query`: the exact DID first, then names starting with it, then by name.
   *
   * @example
   * ```ts
   * store.searchProfiles('scout', 20);
   * ```
   */
  searchProfiles(query: string, limit: number): string[] {
    const escaped = query.replace(LIKE_SPECIAL, (c) => `\\${c}`);
    return this.#sql.search.all({ contains: `%${escaped}%`, exact: query, prefix: `${escaped}%`, limit }) as string[];
  }

  /**
   * DIDs of the newest `limit` profiles, newest first (every profile without `limit`).
   *
   * @example
   * ```ts
   * store.profileDids(10);
   * ```
   */
  profileDids(limit = -1): string[] {
    return this.#sql.recent.all(limit) as string[];
  }

  /**
   * How many profiles are stored.
   *
   * @example
   * ```ts
   * store.profileCount();
   * ```
   */
  profileCount(): number {
    return Number(this.#sql.profileCount.get());
  }

  /**
   * Profiles issued per UTC day from `since` (Unix seconds): `[day, count]`, day = `iat / 86400`.
   *
   * @example
   * ```ts
   * store.profilesPerDay(now - 30 * 86400);
   * ```
   */
  profilesPerDay(since: number): [day: number, count: number][] {
    return this.#sql.profileDays.all(since) as [number, number][];
  }

  /**
   * Up to `limit` feed entries after position `since`, in arrival order.
   *
   * @example
   * ```ts
   * for (const row of await store.feed(0, 1000)) console.log(row.seq, row.object);
   * ```
   */
  feed(since: number, limit: number): Promise<FeedRow[]> {
    return this.#feedOf().page(since, limit);
  }

  /**
   * The position of the newest feed entry (0 when empty).
   *
   * @example
   * ```ts
   * const remaining = (await store.latestSeq()) - since;
   * ```
   */
  latestSeq(): Promise<number> {
    return this.#feedOf().latest();
  }

  #feedOf(): RegistryFeed {
    if (this.#feed === undefined) throw new TypeError('this store was opened without a feed');
    return this.#feed;
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
    if (this.#db.open) this.#db.close();
    this.trust.close();
  }
}

function prepare(db: Database.Database) {
  return {
    profileState: db.prepare('SELECT seq, id, iat FROM registry_profiles WHERE did = ?'),
    profileByDid: db.prepare('SELECT id, object FROM registry_profiles WHERE did = ?'),
    deleteProfile: db.prepare('DELETE FROM registry_profiles WHERE seq = ?'),
    insertProfile: db.prepare(
      'INSERT INTO registry_profiles (did, id, name, description, iat, object) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    search: db
      .prepare(
        `SELECT did FROM registry_profiles
         WHERE name LIKE @contains ESCAPE '\\' OR description LIKE @contains ESCAPE '\\' OR did = @exact
         ORDER BY (did = @exact) DESC, (name LIKE @prefix ESCAPE '\\') DESC, name COLLATE NOCASE, did LIMIT @limit`,
      )
      .pluck(),
    recent: db.prepare('SELECT did FROM registry_profiles ORDER BY seq DESC LIMIT ?').pluck(),
    profileCount: db.prepare('SELECT count(*) FROM registry_profiles').pluck(),
    profileDays: db
      .prepare('SELECT iat / 86400 AS day, count(*) AS n FROM registry_profiles WHERE iat >= ? GROUP BY day')
      .raw(),
    cursor: db.prepare('SELECT cursor FROM registry_sync WHERE source = ?').pluck(),
    saveCursor: db.prepare(
      `INSERT INTO registry_sync (source, cursor, updated) VALUES (?, ?, ?)
       ON CONFLICT (source) DO UPDATE SET cursor = excluded.cursor, updated = excluded.updated`,
    ),
  };
}
