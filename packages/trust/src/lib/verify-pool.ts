// A pool of worker threads verifying JSONL batches in parallel (Ed25519 verification is the cost
// of an import: ~11k/s per core). Falls back to the calling thread when no compiled worker exists.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type LineResult, verifyLines } from './verify-lines.js';

/**
 * The compiled worker script. From the sources (tests through the `@aip/source` condition) it is
 * the built copy in `dist/`, when present.
 */
function workerFile(): string | undefined {
  const here = import.meta.url;
  const url = here.endsWith('.ts')
    ? new URL('../../dist/lib/verify-worker.js', here)
    : new URL('./verify-worker.js', here);
  const file = fileURLToPath(url);
  return existsSync(file) ? file : undefined;
}

export class VerifyPool {
  readonly #workers: Worker[] = [];
  readonly #idle: Worker[] = [];
  readonly #waiting: (() => void)[] = [];
  readonly #pending = new Map<number, { resolve: (r: LineResult[]) => void; reject: (e: Error) => void }>();
  #next = 0;

  /** `size` workers (default: one per core); 0, or no compiled worker, verifies in-thread. */
  constructor(size: number = availableParallelism()) {
    const file = size > 0 ? workerFile() : undefined;
    if (file === undefined) return;
    for (let i = 0; i < size; i++) {
      const worker = new Worker(file);
      worker.on('message', (message: { id: number; results: LineResult[] }) => {
        this.#pending.get(message.id)?.resolve(message.results);
        this.#pending.delete(message.id);
        this.#release(worker);
      });
      worker.on('error', (err) => {
        for (const { reject } of this.#pending.values()) reject(err);
        this.#pending.clear();
      });
      worker.unref();
      this.#workers.push(worker);
      this.#idle.push(worker);
    }
  }

  get size(): number {
    return this.#workers.length;
  }

  #release(worker: Worker): void {
    this.#idle.push(worker);
    this.#waiting.shift()?.();
  }

  async verify(lines: string[], options: { now: number; clockSkew?: number }): Promise<LineResult[]> {
    if (this.#workers.length === 0) return verifyLines(lines, options);
    while (this.#idle.length === 0) await new Promise<void>((resolve) => this.#waiting.push(resolve));
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
