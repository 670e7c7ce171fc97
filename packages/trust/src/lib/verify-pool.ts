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

const SOURCE_CONDITION = /^(--conditions|-C)(=|$)/;

function compiledExecArgv(): string[] {
  const out: string[] = [];
  const args = process.execArgv;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (SOURCE_CONDITION.test(arg)) {
      if (!arg.includes('=')) i++;
      continue;
    }
    out.push(arg);
  }
  return out;
}

function compiledEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  if (env.NODE_OPTIONS !== undefined) {
    env.NODE_OPTIONS = env.NODE_OPTIONS.replace(/(--conditions|-C)[= ]\S+/g, '').trim();
  }
  return env;
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
      // The compiled worker loads compiled dependencies: drop a source-only export condition
      // inherited from a test runner.
      const worker = new Worker(file, { execArgv: compiledExecArgv(), env: compiledEnv() });
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
