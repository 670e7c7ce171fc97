// Trust queries on several cores: worker threads, each with its own read-only connection to the
// store's database and its own engine, answer score and path questions in parallel. Every worker
// catches up with the database's commits before each answer, as the engine does in-thread.
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { TrustEngine, TrustPathResult, TrustQueryOptions, TrustResult } from './engine.js';
import { TrustError } from './errors.js';
import type { QueryRequest, QueryResponse } from './lib/query-messages.js';
import { startWorker } from './lib/worker-thread.js';
import type { TrustStore } from './store.js';

/** Options of {@link openTrustQueryPool}. */
export interface TrustQueryPoolOptions {
  /** Worker threads; default one per core. 0 answers on the calling thread. */
  threads?: number;
  /** The index snapshot the workers load (never write); default `<db>.idx`; `false`: rebuild. */
  snapshot?: string | false;
}

interface Member {
  worker: Worker;
  busy: number;
}

type Pending = { resolve: (result: TrustResult | TrustPathResult) => void; reject: (err: Error) => void };

/**
 * A pool answering trust queries in worker threads over `store`'s database, falling back to
 * `engine` on the calling thread for an in-memory store, when `threads` is 0, when the workers
 * have not been built, or once every worker has died.
 *
 * @example
 * ```ts
 * const pool = openTrustQueryPool(store, engine);
 * const { score } = await pool.score(target, { from: me.did, scope: 'tool:search' });
 * await pool.close();
 * ```
 */
export function openTrustQueryPool(
  store: TrustStore,
  engine: TrustEngine,
  options: TrustQueryPoolOptions = {},
): TrustQueryPool {
  return new TrustQueryPool(store, engine, options);
}

/** Trust queries answered in parallel. Create it with {@link openTrustQueryPool}. */
export class TrustQueryPool {
  readonly #engine: TrustEngine;
  readonly #members: Member[] = [];
  readonly #pending = new Map<number, Pending & { member: Member }>();
  #next = 0;

  constructor(store: TrustStore, engine: TrustEngine, options: TrustQueryPoolOptions = {}) {
    this.#engine = engine;
    const threads = options.threads ?? availableParallelism();
    if (!Number.isSafeInteger(threads) || threads < 0) throw new RangeError('threads must be a non-negative integer');
    if (store.path === ':memory:') return;
    const workerData = { path: store.path, snapshot: options.snapshot };
    for (let i = 0; i < threads; i++) {
      const worker = startWorker('query-worker', { workerData });
      if (worker === undefined) return;
      const member: Member = { worker, busy: 0 };
      worker.on('message', (response: QueryResponse) => this.#settle(response));
      worker.on('error', (err) => this.#lose(member, err));
      worker.on('messageerror', (err) => this.#lose(member, err));
      worker.on('exit', (code) => this.#lose(member, new Error(`exited with code ${code}`)));
      // An idle pool does not keep the process alive; a question waiting for its answer does.
      worker.unref();
      this.#members.push(member);
    }
  }

  /** Worker threads answering (0: every answer comes from the calling thread). */
  get threads(): number {
    return this.#members.length;
  }

  /**
   * {@link TrustEngine.score}, answered by the least busy worker.
   *
   * @example
   * ```ts
   * const result = await pool.score(target, { from: me.did, scope: 'tool:search' });
   * ```
   */
  score(target: string, options: TrustQueryOptions): Promise<TrustResult> {
    return this.#ask('score', target, options);
  }

  /**
   * {@link TrustEngine.path}, answered by the least busy worker.
   *
   * @example
   * ```ts
   * const { vouches } = await pool.path(target, { from: me.did });
   * ```
   */
  path(target: string, options: TrustQueryOptions): Promise<TrustPathResult> {
    return this.#ask('path', target, options) as Promise<TrustPathResult>;
  }

  async #ask(kind: 'score' | 'path', target: string, options: TrustQueryOptions): Promise<TrustResult> {
    let member: Member | undefined;
    for (const candidate of this.#members) if (member === undefined || candidate.busy < member.busy) member = candidate;
    if (member === undefined)
      return kind === 'path' ? this.#engine.path(target, options) : this.#engine.score(target, options);
    const id = this.#next++;
    const request: QueryRequest = { id, kind, target, options };
    const chosen = member;
    return new Promise((resolve, reject) => {
      try {
        chosen.worker.postMessage(request);
      } catch (err) {
        // Options that cannot cross to a thread (a function, a symbol): nothing was sent.
        reject(new TypeError('the trust query options cannot be sent to a worker thread', { cause: err }));
        return;
      }
      this.#pending.set(id, { resolve, reject, member: chosen });
      if (chosen.busy++ === 0) chosen.worker.ref();
    });
  }

  #settle(response: QueryResponse): void {
    const pending = this.#pending.get(response.id);
    if (pending === undefined) return;
    this.#pending.delete(response.id);
    if (--pending.member.busy === 0) pending.member.worker.unref();
    if (response.error === undefined) {
      pending.resolve(response.result);
      return;
    }
    const { name, code, message } = response.error;
    if (name === 'TrustError' && code !== undefined) pending.reject(new TrustError(code, message));
    else if (name === 'RangeError') pending.reject(new RangeError(message));
    else if (name === 'TypeError') pending.reject(new TypeError(message));
    else pending.reject(new Error(message));
  }

  /** A dead worker leaves the pool; its questions fail, later ones go to the others. */
  #lose(member: Member, err: Error): void {
    const at = this.#members.indexOf(member);
    if (at < 0) return;
    this.#members.splice(at, 1);
    for (const [id, pending] of this.#pending) {
      if (pending.member !== member) continue;
      this.#pending.delete(id);
      pending.reject(new Error('a trust query worker stopped', { cause: err }));
    }
  }

  /**
   * Stops the workers; questions still waiting fail. The store and engine stay open.
   *
   * @example
   * ```ts
   * await pool.close();
   * ```
   */
  async close(): Promise<void> {
    const members = this.#members.splice(0);
    for (const [id, pending] of this.#pending) {
      this.#pending.delete(id);
      pending.reject(new Error('the trust query pool is closed'));
    }
    await Promise.all(members.map((member) => member.worker.terminate()));
  }
}
