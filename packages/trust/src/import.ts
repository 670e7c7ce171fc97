// JSONL import of signed trust objects: every line verified (in parallel worker threads), stored
// in batches of one transaction each; bad lines are reported and never abort the good ones.
import { createReadStream, promises as fs } from 'node:fs';
import type { ClockOptions } from './clock-options.js';
import { currentTime } from './lib/clock.js';
import { splitLines } from './lib/jsonl-lines.js';
import type { LineResult } from './lib/verify-lines.js';
import { VerifyPool } from './lib/verify-pool.js';
import type { TrustStore } from './store.js';
import type { VerifiedObject } from './trust-object.js';
import { MAX_LINE_BYTES } from './trust-object.js';

/** A rejected line: its 1-based number, a stable code and a reason. */
export interface ImportError {
  line: number;
  code: string;
  message: string;
}

/** The outcome of an import. */
export interface ImportSummary {
  /** Non-empty lines read. */
  lines: number;
  /** New objects stored. */
  accepted: number;
  /** Objects the store already held (no change). */
  duplicates: number;
  rejected: number;
  /** Rejections per code. */
  rejectedByCode: Record<string, number>;
  /** The first `maxErrors` rejections, in line order. */
  errors: ImportError[];
}

/** Progress, reported after each stored batch. */
export interface ImportProgress {
  bytes: number;
  /** Size of the input when known (files). */
  totalBytes?: number;
  lines: number;
  accepted: number;
  duplicates: number;
  rejected: number;
}

/** Options of {@link importJsonl}. */
export interface ImportOptions extends ClockOptions {
  /** Lines per verification batch and per transaction; default 2000. */
  batchSize?: number;
  /** Verification threads; default one per core, 0 verifies on the calling thread. */
  workers?: number;
  /** Rejections listed in detail; default 100 (all are counted). */
  maxErrors?: number;
  onProgress?: (progress: ImportProgress) => void;
  /** Input size in bytes, for progress. */
  totalBytes?: number;
}

/**
 * Imports JSONL (one signed vouch or revocation per line) into `store`. Each line is parsed,
 * checked structurally and verified (signature, expiry, issue time) with `now` fixed at the start;
 * verified lines are stored batch by batch, each batch one SQLite transaction, so a crash leaves
 * whole batches or nothing of a batch, and re-running the import is harmless (duplicates are
 * no-ops). Empty lines are skipped.
 *
 * @example
 * ```ts
 * const summary = await importJsonl(store, createReadStream('vouches.jsonl'));
 * console.log(`${summary.accepted} accepted, ${summary.rejected} rejected`);
 * ```
 */
export async function importJsonl(
  store: TrustStore,
  input: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  options: ImportOptions = {},
): Promise<ImportSummary> {
  const now = currentTime(options);
  const batchSize = options.batchSize ?? 2000;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new RangeError('batchSize must be a positive integer');
  const maxErrors = options.maxErrors ?? 100;
  const restore = store.beginBulkWrites();
  let pool: VerifyPool;
  try {
    pool = new VerifyPool(options.workers);
  } catch (err) {
    restore();
    throw err;
  }
  const verifyOptions = options.clockSkew === undefined ? { now } : { now, clockSkew: options.clockSkew };
  const summary: ImportSummary = { lines: 0, accepted: 0, duplicates: 0, rejected: 0, rejectedByCode: {}, errors: [] };
  let bytes = 0;
  const reject = (line: number, code: string, message: string) => {
    summary.rejected++;
    summary.rejectedByCode[code] = (summary.rejectedByCode[code] ?? 0) + 1;
    if (summary.errors.length < maxErrors) summary.errors.push({ line, code, message });
  };
  type Batch = { numbers: number[]; results: Promise<LineResult[]>; bytes: number; unreadable: ImportError[] };
  const queue: Batch[] = [];
  const inflight = Math.max(2, pool.size * 2);

  const store_ = (batch: Batch, results: LineResult[]) => {
    const objects: VerifiedObject[] = [];
    const numbers: number[] = [];
    // Rejections are reported in line order: unreadable lines and failed verifications merged.
    const failures: ImportError[] = [...batch.unreadable];
    results.forEach((result, i) => {
      if (result.ok) {
        objects.push(result.object);
        numbers.push(batch.numbers[i] as number);
      } else failures.push({ line: batch.numbers[i] as number, code: result.code, message: result.message });
    });
    const outcomes = store.addBatch(objects);
    outcomes.forEach((outcome, i) => {
      if (outcome.status === 'accepted') summary.accepted++;
      else if (outcome.status === 'duplicate') summary.duplicates++;
      else failures.push({ line: numbers[i] as number, code: outcome.code, message: outcome.message });
    });
    failures.sort((a, b) => a.line - b.line);
    for (const f of failures) reject(f.line, f.code, f.message);
    bytes += batch.bytes;
    options.onProgress?.({
      bytes,
      ...(options.totalBytes === undefined ? {} : { totalBytes: options.totalBytes }),
      lines: summary.lines,
      accepted: summary.accepted,
      duplicates: summary.duplicates,
      rejected: summary.rejected,
    });
  };
  const drain = async () => {
    const batch = queue.shift() as Batch;
    store_(batch, await batch.results);
  };

  try {
    let lineNumber = 0;
    let lines: string[] = [];
    let numbers: number[] = [];
    let unreadable: ImportError[] = [];
    let batchBytes = 0;
    const submit = async () => {
      queue.push({ numbers, results: pool.verify(lines, verifyOptions), bytes: batchBytes, unreadable });
      lines = [];
      numbers = [];
      unreadable = [];
      batchBytes = 0;
      while (queue.length >= inflight) await drain();
    };
    for await (const raw of splitLines(input)) {
      lineNumber++;
      batchBytes += raw.bytes;
      if (raw.text !== null && raw.text.trim() === '') continue;
      summary.lines++;
      if (raw.text === null) {
        unreadable.push({
          line: lineNumber,
          code: 'aip_object_malformed',
          message: `line is not UTF-8 or longer than ${MAX_LINE_BYTES} bytes`,
        });
      } else {
        lines.push(raw.text);
        numbers.push(lineNumber);
      }
      if (lines.length + unreadable.length >= batchSize) await submit();
    }
    if (lines.length + unreadable.length > 0 || batchBytes > 0) await submit();
    while (queue.length > 0) await drain();
  } finally {
    try {
      restore();
    } finally {
      await pool.close();
    }
  }
  return summary;
}

/**
 * Imports a JSONL file (see {@link importJsonl}), reporting progress against its size.
 *
 * @example
 * ```ts
 * const summary = await importJsonlFile(store, 'vouches.jsonl', { onProgress: (p) => draw(p) });
 * ```
 */
export async function importJsonlFile(
  store: TrustStore,
  file: string,
  options: ImportOptions = {},
): Promise<ImportSummary> {
  const { size } = await fs.stat(file);
  return importJsonl(store, createReadStream(file, { highWaterMark: 1 << 20 }), { totalBytes: size, ...options });
}
