// The in-memory trust graph: one GraphLayer per scope, node = agent idx, kept in step with the
// SQLite store by sequence-number watermarks (new vouches and revocations since the last sync).
import type Database from 'better-sqlite3';
import { buildArrays, clampExpiry, GraphLayer } from './graph-layer.js';
import { readSnapshot, type SnapshotContent, writeSnapshot } from './snapshot.js';

type Row = [scope: number, source: number, target: number, weight: number, exp: number | null];

/** A rebuild beats replaying more than this many new vouches into the delta overlay. */
const REBUILD_THRESHOLD = 100_000;

export class TrustIndex {
  readonly #db: Database.Database;
  readonly #epoch: string;
  layers = new Map<number, GraphLayer>();
  tieKeys: Float64Array = new Float64Array(0);
  /** Highest agent id whose tie key is loaded. */
  #tieLoaded = -1;
  vouchSeq = 0;
  revocationSeq = 0;
  readonly #sql;

  constructor(db: Database.Database, epoch: string) {
    this.#db = db;
    this.#epoch = epoch;
    this.#sql = {
      maxVouch: db.prepare('SELECT coalesce(max(seq), 0) FROM vouches').pluck(),
      maxRevocation: db.prepare('SELECT coalesce(max(seq), 0) FROM revocations').pluck(),
      scopeCounts: db.prepare(
        'SELECT scope, count(*) FROM vouches WHERE revoked_at IS NULL AND seq <= ? GROUP BY scope',
      ),
      allEdges: db.prepare(
        'SELECT scope, voucher, subject, weight, exp FROM vouches WHERE revoked_at IS NULL AND seq <= ?',
      ),
      newEdges: db.prepare(
        'SELECT scope, voucher, subject, weight, exp FROM vouches WHERE seq > ? AND seq <= ? AND revoked_at IS NULL',
      ),
      revokedEdges: db.prepare(
        'SELECT scope, voucher, subject, weight, exp FROM vouches WHERE revoked_at > ? AND revoked_at <= ? AND seq <= ?',
      ),
      tieKeys: db.prepare('SELECT idx, tiekey FROM agents WHERE idx >= ?'),
      maxAgent: db.prepare('SELECT coalesce(max(idx), 0) FROM agents').pluck(),
    };
  }

  /** Loads the snapshot if it matches this database, else builds from SQLite; then catches up. */
  load(snapshotFile: string | undefined): 'snapshot' | 'rebuilt' {
    const snapshot = snapshotFile === undefined ? undefined : readSnapshot(snapshotFile);
    if (snapshot !== undefined && snapshot.epoch === this.#epoch && snapshot.vouchSeq <= this.#maxVouch()) {
      this.layers = snapshot.layers;
      this.tieKeys = snapshot.tieKeys;
      this.#tieLoaded = snapshot.tieLoaded;
      this.vouchSeq = snapshot.vouchSeq;
      this.revocationSeq = snapshot.revocationSeq;
      this.sync();
      return 'snapshot';
    }
    this.rebuild();
    return 'rebuilt';
  }

  #maxVouch(): number {
    return Number(this.#sql.maxVouch.get());
  }

  /** Builds every layer from the active vouches in SQLite (two scans, counting sort per layer). */
  rebuild(): void {
    this.#db.transaction(() => {
      const vouchSeq = this.#maxVouch();
      const revocationSeq = Number(this.#sql.maxRevocation.get());
      const columns = new Map<
        number,
        { src: Int32Array; dst: Int32Array; w: Float32Array; x: Uint32Array; n: number }
      >();
      for (const [scope, count] of this.#sql.scopeCounts.raw().iterate(vouchSeq) as Iterable<[number, number]>) {
        columns.set(scope, {
          src: new Int32Array(count),
          dst: new Int32Array(count),
          w: new Float32Array(count),
          x: new Uint32Array(count),
          n: 0,
        });
      }
      for (const [scope, source, target, weight, exp] of this.#sql.allEdges.raw().iterate(vouchSeq) as Iterable<Row>) {
        const c = columns.get(scope);
        if (c === undefined || c.n >= c.src.length) continue;
        c.src[c.n] = source;
        c.dst[c.n] = target;
        c.w[c.n] = weight;
        c.x[c.n] = clampExpiry(exp);
        c.n++;
      }
      const layers = new Map<number, GraphLayer>();
      for (const [scope, c] of columns)
        layers.set(scope, new GraphLayer(buildArrays([c.src, c.dst, c.w, c.x], c.n), c.n));
      this.layers = layers;
      this.tieKeys = new Float64Array(0);
      this.#tieLoaded = -1;
      this.#loadTieKeys();
      this.vouchSeq = vouchSeq;
      this.revocationSeq = revocationSeq;
    })();
  }

  /**
   * Applies what SQLite gained since the last sync, in one read transaction: revocations of
   * indexed vouches become tombstones, then new unrevoked vouches join the delta overlay.
   */
  sync(): void {
    this.#db.transaction(() => {
      const vouchSeq = this.#maxVouch();
      const revocationSeq = Number(this.#sql.maxRevocation.get());
      if (vouchSeq - this.vouchSeq > REBUILD_THRESHOLD) {
        this.rebuild();
        return;
      }
      if (revocationSeq > this.revocationSeq) {
        const rows = this.#sql.revokedEdges.raw().iterate(this.revocationSeq, revocationSeq, this.vouchSeq);
        for (const [scope, source, target, weight, exp] of rows as Iterable<Row>) {
          this.layers.get(scope)?.remove({ source, target, weight, exp });
        }
      }
      if (vouchSeq > this.vouchSeq) {
        for (const [scope, source, target, weight, exp] of this.#sql.newEdges
          .raw()
          .iterate(this.vouchSeq, vouchSeq) as Iterable<Row>) {
          let layer = this.layers.get(scope);
          if (layer === undefined) {
            layer = GraphLayer.empty();
            this.layers.set(scope, layer);
          }
          layer.add({ source, target, weight, exp });
        }
        this.#loadTieKeys();
      }
      this.vouchSeq = vouchSeq;
      this.revocationSeq = revocationSeq;
    })();
  }

  #loadTieKeys(): void {
    const max = Number(this.#sql.maxAgent.get());
    if (max <= this.#tieLoaded) return;
    if (max >= this.tieKeys.length) {
      // Grow with slack, so a stream of new agents does not copy the array each time.
      const keys = new Float64Array(Math.max(max + 1, Math.ceil(this.tieKeys.length * 1.25)));
      keys.set(this.tieKeys);
      this.tieKeys = keys;
    }
    for (const [idx, key] of this.#sql.tieKeys.raw().iterate(this.#tieLoaded + 1) as Iterable<[number, number]>) {
      this.tieKeys[idx] = key;
    }
    this.#tieLoaded = max;
  }

  /** Node count bound: every node id is below it. */
  get nodeBound(): number {
    return this.tieKeys.length;
  }

  /** Merges each layer's delta into its CSR block when the delta or the tombstones grew large. */
  compact(force = false): void {
    for (const layer of this.layers.values()) {
      const threshold = Math.max(1024, layer.live >>> 4);
      if (
        force ? layer.deltaSize > 0 || layer.dead > 0 : layer.deltaSize > threshold || layer.dead > layer.live >>> 2
      ) {
        layer.compact();
      }
    }
  }

  get needsCompaction(): boolean {
    for (const layer of this.layers.values()) {
      if (layer.deltaSize > Math.max(1024, layer.live >>> 4) || layer.dead > layer.live >>> 2) return true;
    }
    return false;
  }

  /** Live edges over all layers. */
  get edgeCount(): number {
    let count = 0;
    for (const layer of this.layers.values()) count += layer.live;
    return count;
  }

  /** Bytes of the typed arrays (edges, offsets and tie keys); the delta overlay is not counted. */
  byteLength(): number {
    let bytes = this.tieKeys.byteLength;
    for (const layer of this.layers.values()) bytes += layer.byteLength();
    return bytes;
  }

  /** Writes a snapshot of the compacted index. */
  async save(file: string): Promise<void> {
    this.compact(true);
    const content: SnapshotContent = {
      epoch: this.#epoch,
      vouchSeq: this.vouchSeq,
      revocationSeq: this.revocationSeq,
      tieKeys: this.tieKeys,
      tieLoaded: this.#tieLoaded,
      layers: this.layers,
    };
    await writeSnapshot(file, content);
  }
}
