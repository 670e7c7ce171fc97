// The query pool: worker threads with their own read-only engines answer exactly as the engine
// does in-thread, see every commit made before the question, and report bad questions with the
// engine's error codes.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTrustEngine, openTrustQueryPool, openTrustStore, TrustError } from '../src/index.js';
import { agents, NOW, storeRevocation, storeVouch, tempDir, vouch } from './helpers.js';

const built = existsSync(fileURLToPath(new URL('../dist/lib/query-worker.js', import.meta.url)));
const pool = agents(12, 'p');

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(async () => {
  await cleanup();
});

describe('TrustQueryPool', () => {
  it.runIf(built)('answers every question as the in-thread engine does, and sees later commits', async () => {
    const store = openTrustStore({ path: path.join(dir, 'trust.db') });
    const ids: string[] = [];
    pool.forEach((from, i) => {
      for (const step of [1, 3, 5]) {
        const to = pool[(i + step) % pool.length] as typeof from;
        const scope = step === 3 ? 'tool:search' : '*';
        ids.push(storeVouch(store, vouch(from, to, { weight: 0.5 + step / 20, scope })));
      }
    });
    const engine = openTrustEngine(store);
    const queries = openTrustQueryPool(store, engine, { threads: 2 });
    expect(queries.threads).toBe(2);
    const ask = async () => {
      for (const scope of ['*', 'tool:search']) {
        for (const from of pool) {
          const answers = await Promise.all(
            pool.map((to) => queries.score(to.did, { from: from.did, scope, now: NOW })),
          );
          expect(answers).toEqual(pool.map((to) => engine.score(to.did, { from: from.did, scope, now: NOW })));
        }
      }
      const [a, b] = pool as [(typeof pool)[number], (typeof pool)[number]];
      expect(await queries.path(b.did, { from: a.did, now: NOW })).toEqual(
        engine.path(b.did, { from: a.did, now: NOW }),
      );
    };
    await ask();
    // A revocation and a new vouch committed on the main connection count in the next answers.
    storeRevocation(store, pool[0] as never, ids[0] as string);
    storeVouch(store, vouch(pool[0] as never, pool[6] as never, { weight: 1 }));
    await ask();
    await queries.close();
    engine.close();
    store.close();
  });

  it.runIf(built)('reports bad questions with the engine codes, and fails what waits when closed', async () => {
    const store = openTrustStore({ path: path.join(dir, 'trust.db') });
    storeVouch(store, vouch(pool[0] as never, pool[1] as never));
    const engine = openTrustEngine(store);
    const queries = openTrustQueryPool(store, engine, { threads: 1 });
    const from = (pool[0] as (typeof pool)[number]).did;
    const to = (pool[1] as (typeof pool)[number]).did;
    await expect(queries.score(to, { from, scope: 'bad scope!' })).rejects.toMatchObject({
      name: 'TrustError',
      code: 'aip_scope_invalid',
    });
    await expect(queries.score('did:web:example.com', { from })).rejects.toBeInstanceOf(TrustError);
    await expect(queries.score(to, { from, corroborationCap: -1 })).rejects.toBeInstanceOf(RangeError);
    await expect(queries.score(to, { from, now: Number.NaN })).rejects.toBeInstanceOf(TypeError);
    // Options that cannot cross to a thread are refused without leaving a question behind.
    const odd = { from, now: NOW, extra: () => 1 } as never;
    await expect(queries.score(to, odd)).rejects.toThrow('cannot be sent to a worker thread');
    expect(await queries.score(to, { from, now: NOW })).toEqual(engine.score(to, { from, now: NOW }));
    const waiting = expect(queries.score(to, { from, now: NOW })).rejects.toThrow('the trust query pool is closed');
    await queries.close();
    await waiting;
    // Closed: the calling thread answers.
    expect(queries.threads).toBe(0);
    expect(await queries.score(to, { from, now: NOW })).toEqual(engine.score(to, { from, now: NOW }));
    engine.close();
    store.close();
  });

  it('answers on the calling thread for an in-memory store or with no threads', async () => {
    const store = openTrustStore({ path: ':memory:' });
    storeVouch(store, vouch(pool[0] as never, pool[1] as never, { weight: 0.7 }));
    const engine = openTrustEngine(store);
    const from = (pool[0] as (typeof pool)[number]).did;
    const to = (pool[1] as (typeof pool)[number]).did;
    for (const queries of [openTrustQueryPool(store, engine), openTrustQueryPool(store, engine, { threads: 0 })]) {
      expect(queries.threads).toBe(0);
      expect(await queries.score(to, { from, now: NOW })).toMatchObject({ score: 0.7, hops: 1 });
      await queries.close();
    }
    expect(() => openTrustQueryPool(store, engine, { threads: -1 })).toThrow(RangeError);
    engine.close();
    store.close();
  });
});
