import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateIdentity } from '@aip/identity';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createRevocation,
  createVouch,
  importJsonl,
  importJsonlFile,
  openTrustEngine,
  openTrustStore,
  verifyTrustLine,
  vouchId,
} from '../src/index.js';
import { VerifyPool } from '../src/lib/verify-pool.js';
import { agent, agents, NOW, tempDir, vouch } from './helpers.js';

const alice = agent('alice');
const bob = agent('bob');
const carol = agent('carol');
const mallory = agent('mallory');
const built = existsSync(fileURLToPath(new URL('../dist/lib/verify-worker.js', import.meta.url)));

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(async () => {
  await cleanup();
});

const line = (value: unknown) => JSON.stringify(value);

describe('importJsonl', () => {
  it('stores good lines, reports every bad one with its line number and code, and never aborts', async () => {
    const good = vouch(alice, bob, { weight: 0.8 });
    const other = vouch(bob, carol);
    const forged = { ...vouch(mallory, bob), voucher: alice.did }; // signed by mallory, claims alice
    const tampered = { ...vouch(alice, carol, { weight: 0.1 }), weight: 1 };
    const expired = vouch(alice, mallory, { ttl: 10, now: NOW - 100 });
    const foreignRevocation = createRevocation(mallory, vouchId(good), { now: NOW });
    const revocation = createRevocation(bob, vouchId(other), { now: NOW });
    const text = [
      line(good),
      '',
      line(forged),
      line(tampered),
      line(expired),
      '{"type":"aip-vouch/1"',
      line({ type: 'aip-token/1' }),
      line(other),
      line(foreignRevocation),
      line(revocation),
      'x'.repeat(9000),
      line(good),
    ].join('\n');
    const store = openTrustStore({ path: ':memory:' });
    const summary = await importJsonl(store, [text], { now: NOW, workers: 0 });
    expect(summary).toMatchObject({ lines: 11, accepted: 3, duplicates: 1, rejected: 7 });
    expect(summary.errors.map((e) => [e.line, e.code])).toEqual([
      [3, 'aip_signature_invalid'],
      [4, 'aip_signature_invalid'],
      [5, 'aip_vouch_expired'],
      [6, 'aip_object_malformed'],
      [7, 'aip_object_malformed'],
      [9, 'aip_revocation_unauthorized'],
      [11, 'aip_object_malformed'],
    ]);
    expect(summary.rejectedByCode).toEqual({
      aip_signature_invalid: 2,
      aip_vouch_expired: 1,
      aip_object_malformed: 3,
      aip_revocation_unauthorized: 1,
    });
    for (const e of summary.errors) expect(e.message).not.toMatch(/\n\s+at |Error:/);
    expect(store.counts()).toMatchObject({ vouches: 2, revokedVouches: 1, revocations: 1 });
    const engine = openTrustEngine(store);
    expect(engine.score(bob.did, { from: alice.did, now: NOW }).score).toBe(0.8);
    expect(engine.score(carol.did, { from: bob.did, now: NOW }).score).toBe(0);
  });

  it('rejects invalid UTF-8 and counts a final line without a newline', async () => {
    const store = openTrustStore({ path: ':memory:' });
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe, 0x0a]), Buffer.from(line(vouch(alice, bob)))]);
    const summary = await importJsonl(store, [bytes], { now: NOW, workers: 0 });
    expect(summary).toMatchObject({ lines: 2, accepted: 1, rejected: 1 });
    expect(summary.errors[0]).toMatchObject({ line: 1, code: 'aip_object_malformed' });
  });

  it('round-trips an export into a fresh store with identical scores', async () => {
    const pool = agents(12, 'x');
    const source = openTrustStore({ path: ':memory:' });
    const lines: string[] = [];
    pool.forEach((from, i) => {
      for (const k of [1, 2, 5])
        lines.push(line(vouch(from, pool[(i + k) % pool.length] as never, { weight: 0.3 + k / 10 })));
    });
    await importJsonl(source, [lines.join('\n')], { now: NOW, workers: 0 });
    const file = path.join(dir, 'export.jsonl');
    await fs.writeFile(file, [...source.exportLines()].map((l) => `${l}\n`).join(''));
    const target = openTrustStore({ path: path.join(dir, 'copy.db') });
    const progress: number[] = [];
    const summary = await importJsonlFile(target, file, {
      now: NOW,
      batchSize: 7,
      onProgress: (p) => progress.push(p.bytes),
    });
    expect(summary).toMatchObject({ lines: 36, accepted: 36, rejected: 0 });
    expect(progress.at(-1)).toBe((await fs.stat(file)).size);
    const a = openTrustEngine(source);
    const b = openTrustEngine(target);
    for (const to of pool) {
      expect(b.score(to.did, { from: (pool[0] as never as { did: string }).did, now: NOW })).toEqual(
        a.score(to.did, { from: (pool[0] as never as { did: string }).did, now: NOW }),
      );
    }
    expect([...target.exportLines()]).toEqual([...source.exportLines()]);
  });

  it.runIf(built)('verifies in worker threads with the same outcome as in-thread', async () => {
    const pool = new VerifyPool(2);
    expect(pool.size).toBe(2);
    await pool.close();
    const stranger = generateIdentity();
    const lines = agents(30, 'w').flatMap((from, i) => {
      const v = createVouch(from, { subject: stranger.did, scope: '*', weight: 0.5, now: NOW });
      return i % 3 === 0 ? [line({ ...v, weight: 0.6 }), 'nope'] : [line(v)];
    });
    const inThread = await importJsonl(openTrustStore({ path: ':memory:' }), [lines.join('\n')], {
      now: NOW,
      workers: 0,
      batchSize: 4,
    });
    const threaded = await importJsonl(openTrustStore({ path: ':memory:' }), [lines.join('\n')], {
      now: NOW,
      workers: 2,
      batchSize: 4,
    });
    expect(threaded).toEqual(inThread);
    expect(threaded).toMatchObject({ accepted: 20, rejected: 20 });
  });

  it.runIf(built)(
    'survives being killed mid-import: whole batches or nothing, no corruption, and a re-run completes',
    async () => {
      const pool = agents(60, 'k');
      const lines: string[] = [];
      for (let i = 0; i < 16_000; i++) {
        const from = pool[i % pool.length] as (typeof pool)[number];
        const to = pool[(i * 7 + 1 + Math.floor(i / pool.length)) % pool.length] as (typeof pool)[number];
        if (from === to) continue;
        lines.push(line(vouch(from, to, { weight: 0.5 })));
      }
      const file = path.join(dir, 'big.jsonl');
      await fs.writeFile(file, `${lines.join('\n')}\n`);
      const db = path.join(dir, 'crash.db');
      const child = spawn(
        process.execPath,
        [fileURLToPath(new URL('./fixtures/import-child.mjs', import.meta.url)), file, db, String(NOW)],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const closed = new Promise((resolve) => child.on('close', resolve));
      await new Promise<void>((resolve, reject) => {
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
          if (Number(chunk.trim().split('\n').at(-1)) >= 250) {
            child.kill('SIGKILL');
            resolve();
          }
        });
        child.on('exit', () => resolve());
        child.on('error', reject);
      });
      await closed;
      const store = openTrustStore({ path: db });
      expect(store.database.pragma('integrity_check', { simple: true })).toBe('ok');
      const stored = store.counts().vouches;
      expect(stored).toBeGreaterThanOrEqual(250);
      expect(stored).toBeLessThan(lines.length);
      expect(stored % 250).toBe(0); // whole batches only
      for (const text of store.exportLines()) verifyTrustLine(text, { now: NOW });
      const rerun = await importJsonlFile(store, file, { now: NOW });
      expect(rerun).toMatchObject({ accepted: lines.length - stored, duplicates: stored, rejected: 0 });
      expect(store.counts().vouches).toBe(lines.length);
      store.close();
    },
    60_000,
  );

  it('leaves the connection as it found it, after a whole import and after a failed one', async () => {
    const store = openTrustStore({ path: path.join(dir, 'bulk.db') });
    const settings = () => [
      store.database.pragma('cache_size', { simple: true }),
      store.database.pragma('wal_autocheckpoint', { simple: true }),
    ];
    const before = settings();
    const summary = await importJsonl(store, [`${line(vouch(alice, bob))}\n`], { now: NOW, workers: 0 });
    expect(summary.accepted).toBe(1);
    expect(settings()).toEqual(before);
    async function* broken() {
      yield `${line(vouch(bob, carol))}\n`;
      throw new Error('input stream failed');
    }
    await expect(importJsonl(store, broken(), { now: NOW, workers: 0 })).rejects.toThrow('input stream failed');
    expect(settings()).toEqual(before);
    store.close();
  });

  it('refuses a bad batch size', async () => {
    const store = openTrustStore({ path: ':memory:' });
    await expect(importJsonl(store, [''], { batchSize: 0 })).rejects.toThrow(RangeError);
  });
});
