// Benchmark plumbing: throughput and latency measurement, results as DESIGN §8 rows
// ({"name","value","unit","baseline","ratio","target","ok"}), every baseline from the same run.
import { type ChildProcess, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  baseline: number | null;
  ratio: number | null;
  /** ">= 0.9" (held against ratio), "<= 1 ms" or ">= 2000 /s" (held against value), or null. */
  target: string | null;
  ok: boolean | null;
}

export interface Suite {
  name: string;
  run(): Promise<BenchResult[]>;
}

/** Operations per second of `fn` over about `ms` milliseconds (after a short warm-up). */
export function opsPerSecond(fn: (i: number) => void, ms = 300): number {
  for (let i = 0; i < 200; i++) fn(i);
  let iterations = 0;
  let batch = 64;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < batch; i++) fn(iterations + i);
    iterations += batch;
    elapsed = performance.now() - start;
    if (elapsed < ms / 10) batch *= 2;
  }
  return (iterations / elapsed) * 1000;
}

/** Operations per second of an asynchronous `fn`, one at a time, over about `ms` milliseconds. */
export async function asyncOpsPerSecond(fn: (i: number) => Promise<unknown>, ms = 300): Promise<number> {
  for (let i = 0; i < 200; i++) await fn(i);
  let iterations = 0;
  const start = performance.now();
  while (performance.now() - start < ms) await fn(iterations++);
  return (iterations / (performance.now() - start)) * 1000;
}

/**
 * Compares `candidate` with `baseline` in interleaved rounds (so drift on a busy machine hits
 * both alike) and returns the median rate of each.
 */
export function compareRates(
  candidate: (i: number) => void,
  baseline: (i: number) => void,
  rounds = 7,
  ms = 250,
): { value: number; baseline: number } {
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) {
      a.push(opsPerSecond(candidate, ms));
      b.push(opsPerSecond(baseline, ms));
    } else {
      b.push(opsPerSecond(baseline, ms));
      a.push(opsPerSecond(candidate, ms));
    }
  }
  return { value: median(a), baseline: median(b) };
}

export function median(values: number[]): number {
  return percentile(values, 50);
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((x, y) => x - y);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] as number;
}

/** A result row; `target` is checked against the ratio when bare, against the value when it has a unit. */
export function result(
  name: string,
  value: number,
  unit: string,
  baseline: number | null,
  target: string | null,
): BenchResult {
  const ratio = baseline === null || baseline === 0 ? null : value / baseline;
  return {
    name,
    value: round(value),
    unit,
    baseline: baseline === null ? null : round(baseline),
    ratio: ratio === null ? null : round(ratio),
    target,
    ok: check(target, value, ratio),
  };
}

function check(target: string | null, value: number, ratio: number | null): boolean | null {
  if (target === null) return null;
  const match = /^(>=|<=)\s*([\d.]+)\s*(.*)$/.exec(target);
  if (match === null) throw new Error(`bad target ${target}`);
  const [, op, bound, unit] = match;
  const subject = unit === '' ? ratio : value;
  if (subject === null) return false;
  return op === '>=' ? subject >= Number(bound) : subject <= Number(bound);
}

function round(n: number): number {
  return Math.abs(n) >= 100 ? Math.round(n) : Math.round(n * 1000) / 1000;
}

/**
 * One core's raw node:crypto Ed25519 verify rate (a valid signature over a vouch-sized message,
 * the key imported once): the floor under every verified import, the baseline of ingest and sync.
 */
export function rawVerifyRate(ms = 500): number {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('ed25519');
  const message = Buffer.from('x'.repeat(300));
  const signature = crypto.sign(null, message, privateKey);
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < ms) {
    if (!crypto.verify(null, message, publicKey, signature)) throw new Error('the baseline signature does not verify');
    n++;
  }
  return (n / (performance.now() - start)) * 1000;
}

/**
 * Starts `node args...` (added to `children`, for teardown) and resolves with the first match of
 * `ready` in its `stream`; rejects if it exits first.
 */
export function startProcess(
  args: string[],
  ready: RegExp,
  stream: 'stdout' | 'stderr',
  children: ChildProcess[],
): Promise<RegExpExecArray> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let text = '';
  return new Promise((resolve, reject) => {
    child[stream]?.on('data', (d: Buffer) => {
      text += d.toString();
      const match = ready.exec(text);
      if (match !== null) resolve(match);
    });
    child.on('exit', (code) => reject(new Error(`process exited with ${code}: ${text}`)));
  });
}

/** The resident set size of process `pid`, in MB. */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN) / 1024;
}

const benchDir = path.dirname(fileURLToPath(import.meta.url));

/**
 * Starts one of this folder's servers (`script`, run through tsx, with `args`) and resolves with
 * the URL it prints on stdout once it listens.
 */
export async function startBenchServer(script: string, args: string[], children: ChildProcess[]): Promise<string> {
  const match = await startProcess(
    ['--import', 'tsx', path.join(benchDir, script), ...args],
    /(http:\/\/\S+)\n/,
    'stdout',
    children,
  );
  return match[1] as string;
}
