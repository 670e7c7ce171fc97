// A pool of worker threads verifying JSONL batches in parallel (Ed25519 verification is the cost
// of an import: ~11k/s per core). Falls back to the calling thread when no compiled worker exists.
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { type LineResult, verifyLines } from './verify-lines.js';
import { startWorker } from './worker-thread.js';

export class VerifyPool {
  readonly #workers: Worker[] = [];
  readonly #idle: Worker[] = [];
  readonly #waiting: (() => void)[] = [];
  readonly #pending = new Map<number, { resolve: (r: LineResult[]) => void; reject: (e: Error) => void }>();
  #next = 0;

  /** `size` workers (default: one per core); 0, or no compiled worker, verifies in-thread. */
  constructor(size: number = availableParallelism()) {
    for (let i = 0; i < size; i++) {
      const worker = startWorker('verify-worker');
      if (worker === undefined) return;
      worker.on('message', (message: { id: number; results: LineResult[] }) => {
        this.#pending.get(message.id)?.resolve(message.results);
        this.#pending.delete(message.id);
        this.#release(worker);
      });
      worker.on('error', (err) => {
        // A dead worker leaves the pool; what it held fails, later batches go to the others
        // (or to the calling thread when none is left).
        this.#remove(worker);
        for (const { reject } of this.#pending.values()) reject(err);
        this.#pending.clear();
      });
      this.#workers.push(worker);
      this.#idle.push(worker);
    }
  }

  get size(): number {
    return this.#workers.length;
  }

  #remove(worker: Worker): void {
    for (const list of [this.#workers, this.#idle]) {
      const at = list.indexOf(worker);
      if (at >= 0) list.splice(at, 1);
    }
    this.#waiting.shift()?.();
  }

  #release(worker: Worker): void {
    this.#idle.push(worker);
    this.#waiting.shift()?.();
  }

  async verify(lines: string[], options: { now: number; clockSkew?: number }): Promise<LineResult[]> {
    while (this.#idle.length === 0 && this.#workers.length > 0) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
    if (this.#workers.length === 0) return verifyLines(lines, options);
    const worker = this.#idle.pop() as Worker;
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.postMessage({ id, lines, ...options });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((worker) => worker.terminate()));
    this.#workers.length = 0;
    this.#idle.length = 0;
  }
}
