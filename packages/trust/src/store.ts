// The trust store (DESIGN §4): SQLite through better-sqlite3 in WAL mode. Only verified objects get
// in; their canonical signed text is kept for re-export; every batch is one transaction.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { computeKeyState, type KeyEvent, type KeyEventState, sha256, type VerifiedKeyEvent } from '@aip/identity';
import { defaultAipHome } from '@aip/identity/node';
import { isValidScope } from '@aip/token';
import Database from 'better-sqlite3';
import { TrustError, type TrustErrorCode } from './errors.js';
import { DIRECTORY_BACKFILL, DIRECTORY_SCHEMA } from './lib/directory-schema.js';
import { SCHEMA, SCHEMA_VERSION } from './lib/schema.js';
import { storeOpenFailure } from './lib/store-failure.js';
import type { Revocation, VerifiedRevocation } from './revocation.js';
import type { VerifiedObject } from './trust-object.js';
import type { VerifiedVouch, Vouch } from './vouch.js';

/** The default database file name inside `$AIP_HOME`. */
export const TRUST_DB_FILE = 'trust.db';
const MAX_CACHED = 1 << 18;
/** Bytes a reset WAL is truncated to. */
const WAL_SIZE_LIMIT = 64 << 20;
/** Page cache during bulk writes, in KiB (SQLite's negative cache_size); the default is 2 MiB. */
const BULK_CACHE_KIB = -(128 << 10);
/** WAL pages between automatic checkpoints during bulk writes (4 KiB pages); the default is 1000. */
const BULK_CHECKPOINT_PAGES = 50_000;

/** Where the store lives. */
export interface TrustStoreOptions {
  /** A database file, or `:memory:`; default `<home>/trust.db`. */
  path?: string;
  /** The AIP home; default `defaultAipHome()` (`$AIP_HOME` or `~/.aip`). */
  home?: string;
  /** Open an existing store read-only. */
  readonly?: boolean;
  /**
   * Keep what a directory of agents serves (`openTrustDirectory`): the append sequence of stored
   * objects, vouches by subject and active vouch counts per agent, built from the stored objects
   * the first time and kept by every later write (whoever opens the file). Costs inserts; a store
   * that only imports and answers trust queries goes without. Default false.
   */
  directory?: boolean;
}

/** What happened to one object handed to the store. */
export type AddOutcome =
  | { status: 'accepted'; kind: VerifiedObject['kind']; id: string }
  | { status: 'duplicate'; kind: VerifiedObject['kind']; id: string }
  | { status: 'rejected'; kind: VerifiedObject['kind']; id: string; code: TrustErrorCode; message: string };

/** A stored revocation. */
export interface StoredRevocation {
  id: string;
  revocation: Revocation;
}

/** A stored vouch and its state. */
export interface StoredVouch {
  id: string;
  vouch: Vouch;
  /** True once a revocation by its voucher is stored (it never becomes active again). */
  revoked: boolean;
}

/**
 * Stored vouches in one scope the scope grammar refuses: objects stored under an earlier grammar
 * (before vouch scopes became the token grammar, non-ASCII names were accepted). They stay stored
 * and exported exactly as signed, never count for any query (no valid query scope is covered by
 * them), and are reported with `aip_scope_invalid` rather than dropped or widened.
 */
export interface RefusedScope {
  scope: string;
  /** Stored vouches in this scope, revoked ones included. */
  vouches: number;
  code: 'aip_scope_invalid';
}

/** Object counts, for summaries and status lines. */
export interface TrustStoreCounts {
  agents: number;
  vouches: number;
  revokedVouches: number;
  revocations: number;
}

/**
 * Opens (creating if needed) a trust store. The file defaults to `$AIP_HOME/trust.db`; the
 * directory is created 0700. Throws `TrustError` `aip_store_corrupt` for a file that is not an AIP
 * trust store of a supported version, and `aip_store_unavailable`, naming the cause, when the file
 * cannot be opened (permissions, a read-only file system, a lock) or the SQLite driver cannot load
 * in this runtime (better-sqlite3 is a Node native addon: Bun and Deno cannot load it).
 *
 * @example
 * ```ts
 * const store = openTrustStore({ path: ':memory:' });
 * store.add(verifyVouch(vouch, { now }));
 * ```
 */
export function openTrustStore(options: TrustStoreOptions = {}): TrustStore {
  return new TrustStore(options);
}

/** A verifying trust store over one SQLite connection. Create it with {@link openTrustStore}. */
export class TrustStore {
  /** The database file (or `:memory:`). */
  readonly path: string;
  /** Random per-database id: an index snapshot is only trusted for the database that wrote it. */
  readonly epoch: string;
  /** True when the store keeps the directory (see {@link TrustStoreOptions.directory}). */
  readonly directory: boolean;
  readonly #db: Database.Database;
  readonly #agents = new Map<string, number>();
  readonly #bulk = { depth: 0, cache: 0, checkpoint: 0 };
  readonly #scopes = new Map<string, number>();
  #localVersion = 0;
  readonly #sql;
  readonly #keyEventsSql: ReturnType<typeof prepareKeyEvents> | undefined;
  #keyState: { version: string; state: KeyEventState } | undefined;

  constructor(options: TrustStoreOptions = {}) {
    this.path = options.path ?? path.join(options.home ?? defaultAipHome(), TRUST_DB_FILE);
    const readonly = options.readonly === true;
    // Until the connection exists, a failure may be the driver itself failing to load.
    let driverLoaded = false;
    try {
      if (this.path !== ':memory:' && !readonly) {
        mkdirSync(path.dirname(path.resolve(this.path)), { recursive: true, mode: 0o700 });
      }
      this.#db = new Database(this.path, { readonly, fileMustExist: readonly });
      driverLoaded = true;
      this.#db.pragma('busy_timeout = 5000');
      if (!options.readonly) {
        this.#db.pragma('journal_mode = WAL');
        // WAL + NORMAL: a crash never corrupts and never half-applies a transaction; a power cut may
        // lose the last commits, which a re-import restores (objects are idempotent).
        this.#db.pragma('synchronous = NORMAL');
        // A WAL grown by a bulk import goes back to this size at the next reset.
        this.#db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT}`);
        this.#db.exec(SCHEMA);
        this.#db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('schema', ?)").run(SCHEMA_VERSION);
        this.#db
          .prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('epoch', ?)")
          .run(randomBytes(16).toString('hex'));
        if (options.directory === true) this.#ensureDirectory();
      }
      const meta = new Map(
        (this.#db.prepare('SELECT key, value FROM meta').all() as { key: string; value: string }[]).map((r) => [
          r.key,
          r.value,
        ]),
      );
      if (meta.get('schema') !== SCHEMA_VERSION) {
        throw new TrustError('aip_store_corrupt', `${this.path} is not an AIP trust store of a supported version`);
      }
      this.epoch = meta.get('epoch') as string;
      this.directory = meta.get('directory') === '1';
    } catch (err) {
      throw storeOpenFailure(this.path, err, { driverLoaded, readonly });
    }
    this.#sql = prepare(this.#db);
    const hasKeyEvents = this.#db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'key_events'")
      .pluck()
      .get();
    this.#keyEventsSql = hasKeyEvents === undefined ? undefined : prepareKeyEvents(this.#db);
  }

  #ensureDirectory(): void {
    const created = this.#db.prepare("SELECT value FROM meta WHERE key = 'directory'").pluck().get();
    if (created !== undefined) return;
    this.#db.transaction(() => {
      this.#db.exec(DIRECTORY_SCHEMA);
      this.#db.exec(DIRECTORY_BACKFILL);
      this.#db.prepare("INSERT INTO meta (key, value) VALUES ('directory', '1')").run();
    })();
  }

  /**
   * @internal The underlying connection, for this package's engine and tests: the schema is
   * private, other packages use the store's methods (CONVENTIONS 15).
   */
  get database(): Database.Database {
    return this.#db;
  }

  /**
   * Tunes the connection for a long run of batch writes (an import) and returns what restores it:
   * a page cache that holds the indexes' working set, and a checkpoint every ~200 MB of WAL rather
   * than every 4 MB, so an index page touched by many batches is copied to the database once. A
   * crash still never corrupts nor half-applies a batch (WAL, synchronous NORMAL), but a power cut
   * may lose more of the latest batches, up to the last checkpoint; re-running the import restores
   * them. About 1.7x the insert rate at a million vouches. Overlapping calls nest.
   *
   * @example
   * ```ts
   * const restore = store.beginBulkWrites();
   * try { for (const batch of batches) store.addBatch(batch); } finally { restore(); }
   * ```
   */
  beginBulkWrites(): () => void {
    if (this.#db.readonly) return () => {};
    // Overlapping imports share bulk mode: the first one in saves the settings, the last one out
    // restores them.
    if (this.#bulk.depth++ === 0) {
      this.#bulk.cache = this.#db.pragma('cache_size', { simple: true }) as number;
      this.#bulk.checkpoint = this.#db.pragma('wal_autocheckpoint', { simple: true }) as number;
      this.#db.pragma(`cache_size = ${BULK_CACHE_KIB}`);
      this.#db.pragma(`wal_autocheckpoint = ${BULK_CHECKPOINT_PAGES}`);
    }
    let restored = false;
    return () => {
      if (restored) return;
      restored = true;
      if (--this.#bulk.depth > 0 || !this.#db.open) return;
      this.#db.pragma(`cache_size = ${this.#bulk.cache}`);
      this.#db.pragma(`wal_autocheckpoint = ${this.#bulk.checkpoint}`);
      // Copy what readers allow now, without waiting for them; the rest goes at a later commit.
      this.#db.pragma('wal_checkpoint(PASSIVE)');
    };
  }

  /**
   * @internal Bumps on every commit made through this object; the engine compares it (and
   * SQLite's `data_version`, for other connections) to know when to catch up.
   */
  get localVersion(): number {
    return this.#localVersion;
  }

  /**
   * Changes whenever anything was committed, through this object or by another connection: a
   * cheap key for caches of answers derived from the store.
   *
   * @example
   * ```ts
   * if (store.version !== cachedAt) cache.clear();
   * ```
   */
  get version(): string {
    return `${this.#localVersion}.${this.#sql.dataVersion.get()}`;
  }

  /**
   * Stores one verified object and returns what happened; a rejection (a revocation by someone
   * other than the voucher) throws `TrustError` `aip_revocation_unauthorized`.
   *
   * @example
   * ```ts
   * store.add(verifyVouch(vouch, { now })); // { status: 'accepted', kind: 'vouch', id }
   * ```
   */
  add(object: VerifiedObject): AddOutcome {
    const [outcome] = this.addBatch([object]) as [AddOutcome];
    if (outcome.status === 'rejected') throw new TrustError(outcome.code, outcome.message);
    return outcome;
  }

  /**
   * Stores verified objects in one transaction: all of them are applied or, on a crash or an
   * exception, none. Rejections (foreign revocations) are reported per object, never thrown.
   * Duplicates are no-ops; a vouch whose revocation is already stored goes in revoked.
   *
   * @example
   * ```ts
   * const outcomes = store.addBatch(lines.map((line) => verifyTrustLine(line, { now })));
   * ```
   */
  addBatch(objects: readonly VerifiedObject[]): AddOutcome[] {
    if (objects.length === 0) return [];
    let outcomes: AddOutcome[];
    try {
      // IMMEDIATE: the write lock is taken (waiting up to busy_timeout) before the first read. A
      // deferred transaction that reads and then writes fails at once with "database is locked"
      // when another connection committed in between, which the busy timeout cannot help.
      outcomes = this.#db
        .transaction(() =>
          objects.map((object) =>
            object.kind === 'vouch'
              ? this.#addVouch(object)
              : object.kind === 'revocation'
                ? this.#addRevocation(object)
                : this.#addKeyEvent(object),
          ),
        )
        .immediate();
    } catch (err) {
      // Ids cached inside the rolled-back transaction may not exist any more.
      this.#agents.clear();
      this.#scopes.clear();
      throw err;
    }
    this.#localVersion++;
    return outcomes;
  }

  #addVouch(object: VerifiedVouch): AddOutcome {
    const { id, vouch } = object;
    if (this.#sql.vouchSeq.get(id) !== undefined) return { status: 'duplicate', kind: 'vouch', id };
    const voucher = this.#agent(vouch.voucher);
    let revokedAt: number | null = null;
    for (const pending of this.#sql.revocationsOf.all(id) as { seq: number; voucher: number }[]) {
      if (pending.voucher === voucher) revokedAt ??= pending.seq;
      // A revocation that arrived first but is signed by someone else is now known to be foreign.
      else this.#sql.deleteRevocation.run(pending.seq);
    }
    this.#sql.insertVouch.run(
      id,
      voucher,
      this.#agent(vouch.subject),
      this.#scope(vouch.scope),
      object.weight,
      vouch.iat,
      vouch.exp ?? null,
      revokedAt,
      object.canonical,
    );
    return { status: 'accepted', kind: 'vouch', id };
  }

  #addRevocation(object: VerifiedRevocation): AddOutcome {
    const { id, revocation } = object;
    if (this.#sql.revocationSeq.get(id) !== undefined) return { status: 'duplicate', kind: 'revocation', id };
    const voucher = this.#agent(revocation.voucher);
    const target = this.#sql.vouchState.get(revocation.vouch) as
      | { seq: number; voucher: number; revoked_at: number | null }
      | undefined;
    if (target !== undefined && target.voucher !== voucher) {
      return {
        status: 'rejected',
        kind: 'revocation',
        id,
        code: 'aip_revocation_unauthorized',
        message: 'only the voucher of a vouch can revoke it',
      };
    }
    const seq = Number(
      this.#sql.insertRevocation.run(id, revocation.vouch, voucher, revocation.iat, object.canonical).lastInsertRowid,
    );
    if (target !== undefined && target.revoked_at === null) this.#sql.revoke.run(seq, target.seq);
    return { status: 'accepted', kind: 'revocation', id };
  }

  #addKeyEvent(object: VerifiedKeyEvent): AddOutcome {
    const { id } = object;
    const sql = this.#keyEventsSql;
    if (sql === undefined) throw new TrustError('aip_store_unavailable', `${this.path} is open read-only`);
    if (sql.seq.get(id) !== undefined) return { status: 'duplicate', kind: 'key-event', id };
    sql.insert.run(id, object.signerCommitment, object.canonical);
    return { status: 'accepted', kind: 'key-event', id };
  }

  /**
   * Every stored key event (each was verified before it was stored), in arrival order.
   *
   * @example
   * ```ts
   * const lineage = computeKeyState(store.keyEvents()).lineage(did);
   * ```
   */
  keyEvents(): VerifiedKeyEvent[] {
    const rows = (this.#keyEventsSql?.all.all() ?? []) as { id: string; signer_commitment: string; object: string }[];
    return rows.map((r) => ({
      id: r.id,
      event: JSON.parse(r.object) as KeyEvent,
      canonical: r.object,
      signerCommitment: r.signer_commitment,
    }));
  }

  /**
   * The key-event state of the stored key events (`computeKeyState` of `@aip/identity`), computed
   * again only after a commit (by any connection): what the engine, the proxy and `aip identity log`
   * read.
   *
   * @example
   * ```ts
   * if (store.keyState().refusal(issuer, iat) !== undefined) refuse();
   * ```
   */
  keyState(): KeyEventState {
    const version = this.version;
    if (this.#keyState?.version !== version) {
      this.#keyState = { version, state: computeKeyState(this.keyEvents()) };
    }
    return this.#keyState.state;
  }

  #agent(did: string): number {
    let idx = this.#agents.get(did);
    if (idx === undefined) {
      const row = this.#sql.agentIdx.get(did) as { idx: number } | undefined;
      idx = row?.idx ?? Number(this.#sql.insertAgent.run(did, tieKey(did)).lastInsertRowid);
      if (this.#agents.size >= MAX_CACHED) this.#agents.clear();
      this.#agents.set(did, idx);
    }
    return idx;
  }

  #scope(scope: string): number {
    let idx = this.#scopes.get(scope);
    if (idx === undefined) {
      const row = this.#sql.scopeIdx.get(scope) as { idx: number } | undefined;
      idx = row?.idx ?? Number(this.#sql.insertScope.run(scope).lastInsertRowid);
      if (this.#scopes.size >= MAX_CACHED) this.#scopes.clear();
      this.#scopes.set(scope, idx);
    }
    return idx;
  }

  /**
   * A stored vouch by id, with its revocation state.
   *
   * @example
   * ```ts
   * const stored = store.getVouch(id);
   * if (stored?.vouch.voucher !== me.did) throw new Error('not mine');
   * ```
   */
  getVouch(id: string): StoredVouch | undefined {
    const row = this.#sql.vouchById.get(id) as { object: string; revoked_at: number | null } | undefined;
    if (row === undefined) return undefined;
    return { id, vouch: JSON.parse(row.object) as Vouch, revoked: row.revoked_at !== null };
  }

  /**
   * A stored revocation by id (one whose vouch is not stored yet included: it is applied when the
   * vouch arrives).
   *
   * @example
   * ```ts
   * if (store.getRevocation(verified.id) !== undefined) refuse('already stored');
   * ```
   */
  getRevocation(id: string): StoredRevocation | undefined {
    const object = this.#sql.revocationById.get(id) as string | undefined;
    return object === undefined ? undefined : { id, revocation: JSON.parse(object) as Revocation };
  }

  /**
   * Every stored signed object as canonical JSON text, key events first, then vouches, then
   * revocations, each in arrival order: the lines of a JSONL export, replayable into any store.
   *
   * @example
   * ```ts
   * for (const line of store.exportLines()) out.write(`${line}\n`);
   * ```
   */
  *exportLines(): Generator<string> {
    for (const row of this.#keyEventsSql?.all.iterate() ?? []) yield (row as { object: string }).object;
    for (const row of this.#sql.allVouches.iterate()) yield row as string;
    for (const row of this.#sql.allRevocations.iterate()) yield row as string;
  }

  /**
   * How many agents, vouches (and how many of them revoked) and revocations are stored.
   *
   * @example
   * ```ts
   * const { vouches, revocations } = store.counts();
   * ```
   */
  counts(): TrustStoreCounts {
    const count = (sql: string) => Number(this.#db.prepare(sql).pluck().get());
    return {
      agents: count('SELECT count(*) FROM agents'),
      vouches: count('SELECT count(*) FROM vouches'),
      revokedVouches: count('SELECT count(*) FROM vouches WHERE revoked_at IS NOT NULL'),
      revocations: count('SELECT count(*) FROM revocations'),
    };
  }

  /**
   * The scopes of stored vouches that the scope grammar (`isValidScope` of `@aip/token`) refuses,
   * with how many vouches each holds: what a store written under an earlier grammar still keeps.
   * Empty for any store written by this version.
   *
   * @example
   * ```ts
   * for (const { scope, vouches, code } of store.refusedScopes()) console.warn(`${code}: ${vouches} in ${scope}`);
   * ```
   */
  refusedScopes(): RefusedScope[] {
    const refused = (this.#sql.allScopes.all() as { idx: number; scope: string }[]).filter(
      (r) => !isValidScope(r.scope),
    );
    if (refused.length === 0) return [];
    const counts = new Map(
      (this.#sql.vouchesInScopes.all(JSON.stringify(refused.map((r) => r.idx))) as { scope: number; n: number }[]).map(
        (r) => [r.scope, r.n],
      ),
    );
    return refused.map((r) => ({
      scope: r.scope,
      vouches: counts.get(r.idx) ?? 0,
      code: 'aip_scope_invalid' as const,
    }));
  }

  /**
   * Closes the connection (checkpointing the WAL).
   *
   * @example
   * ```ts
   * store.close();
   * ```
   */
  close(): void {
    if (this.#db.open) this.#db.close();
  }
}

function prepare(db: Database.Database) {
  return {
    vouchSeq: db.prepare('SELECT seq FROM vouches WHERE id = ?').pluck(),
    vouchState: db.prepare('SELECT seq, voucher, revoked_at FROM vouches WHERE id = ?'),
    vouchById: db.prepare('SELECT object, revoked_at FROM vouches WHERE id = ?'),
    revocationById: db.prepare('SELECT object FROM revocations WHERE id = ?').pluck(),
    dataVersion: db.prepare('PRAGMA data_version').pluck(),
    revocationSeq: db.prepare('SELECT seq FROM revocations WHERE id = ?').pluck(),
    revocationsOf: db.prepare('SELECT seq, voucher FROM revocations WHERE vouch = ? ORDER BY seq'),
    deleteRevocation: db.prepare('DELETE FROM revocations WHERE seq = ?'),
    insertVouch: db.prepare(
      'INSERT INTO vouches (id, voucher, subject, scope, weight, iat, exp, revoked_at, object) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    insertRevocation: db.prepare('INSERT INTO revocations (id, vouch, voucher, iat, object) VALUES (?, ?, ?, ?, ?)'),
    revoke: db.prepare('UPDATE vouches SET revoked_at = ? WHERE seq = ?'),
    agentIdx: db.prepare('SELECT idx FROM agents WHERE did = ?'),
    insertAgent: db.prepare('INSERT INTO agents (did, tiekey) VALUES (?, ?)'),
    scopeIdx: db.prepare('SELECT idx FROM scopes WHERE scope = ?'),
    insertScope: db.prepare('INSERT INTO scopes (scope) VALUES (?)'),
    allVouches: db.prepare('SELECT object FROM vouches ORDER BY seq').pluck(),
    allRevocations: db.prepare('SELECT object FROM revocations ORDER BY seq').pluck(),
    allScopes: db.prepare('SELECT idx, scope FROM scopes ORDER BY scope'),
    vouchesInScopes: db.prepare(
      'SELECT scope, count(*) AS n FROM vouches WHERE scope IN (SELECT value FROM json_each(?)) GROUP BY scope',
    ),
  };
}

function prepareKeyEvents(db: Database.Database) {
  return {
    seq: db.prepare('SELECT seq FROM key_events WHERE id = ?').pluck(),
    insert: db.prepare('INSERT INTO key_events (id, signer_commitment, object) VALUES (?, ?, ?)'),
    all: db.prepare('SELECT id, signer_commitment, object FROM key_events ORDER BY seq'),
  };
}

const encoder = new TextEncoder();

/** 52 bits of SHA-256(did) as a safe integer: a tie-breaker no insertion order can influence. */
function tieKey(did: string): number {
  const digest = sha256(encoder.encode(did));
  return (
    ((digest[0] as number) & 0x0f) * 2 ** 48 +
    new DataView(digest.buffer, digest.byteOffset).getUint32(1) * 2 ** 16 +
    new DataView(digest.buffer, digest.byteOffset).getUint16(5)
  );
}
