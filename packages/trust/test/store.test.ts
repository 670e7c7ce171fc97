import { promises as fs } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createRevocation,
  importJsonl,
  openTrustEngine,
  openTrustStore,
  type TrustStore,
  verifyRevocation,
  verifyTrustLine,
  verifyVouch,
  vouchId,
} from '../src/index.js';
import { agent, NOW, storeLegacyVouch, storeRevocation, storeVouch, tempDir, vouch } from './helpers.js';

const alice = agent('alice');
const bob = agent('bob');
const carol = agent('carol');
const mallory = agent('mallory');

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(async () => {
  await cleanup();
});

function revocationObject(by = alice, id: string, now = NOW) {
  return { kind: 'revocation' as const, ...verifyRevocation(createRevocation(by, id, { now: now - 10 }), { now }) };
}

describe('TrustStore', () => {
  it('creates $AIP_HOME/trust.db in WAL mode with the directory 0700', () => {
    const home = path.join(dir, 'home');
    const store = openTrustStore({ home });
    expect(store.path).toBe(path.join(home, 'trust.db'));
    expect(store.database.pragma('journal_mode', { simple: true })).toBe('wal');
    store.close();
    if (process.platform !== 'win32') {
      return fs.stat(home).then((stat) => expect(stat.mode & 0o777).toBe(0o700));
    }
  });

  it('keeps the signed originals and re-exports them byte for byte in arrival order', () => {
    const store = openTrustStore({ path: path.join(dir, 't.db') });
    const v1 = vouch(alice, bob, { scope: 'tool:search', weight: 0.5, statement: 'ok' });
    const v2 = vouch(bob, carol);
    storeVouch(store, v1);
    storeVouch(store, v2);
    storeRevocation(store, alice, vouchId(v1));
    const lines = [...store.exportLines()];
    expect(lines).toHaveLength(3);
    expect(JSON.parse(lines[0] as string)).toEqual(v1);
    expect(JSON.parse(lines[1] as string)).toEqual(v2);
    expect(JSON.parse(lines[2] as string)).toMatchObject({ type: 'aip-revocation/1', vouch: vouchId(v1) });
    for (const line of lines) expect(verifyTrustLine(line, { now: NOW }).canonical).toBe(line);
    store.close();
  });

  it('treats duplicates as idempotent no-ops', () => {
    const store = openTrustStore({ path: ':memory:' });
    const v = vouch(alice, bob);
    const object = { kind: 'vouch' as const, ...verifyVouch(v, { now: NOW }) };
    expect(store.add(object).status).toBe('accepted');
    expect(store.add(object).status).toBe('duplicate');
    expect(store.addBatch([object, object]).map((o) => o.status)).toEqual(['duplicate', 'duplicate']);
    expect(store.counts()).toMatchObject({ vouches: 1, agents: 2 });
  });

  it('lets only the voucher revoke, and a revoked vouch never comes back', () => {
    const store = openTrustStore({ path: ':memory:' });
    const v = vouch(alice, bob);
    const id = storeVouch(store, v);
    expect(() => store.add(revocationObject(mallory, id))).toThrow(
      expect.objectContaining({ code: 'aip_revocation_unauthorized' }),
    );
    expect(store.getVouch(id)?.revoked).toBe(false);
    storeRevocation(store, alice, id);
    expect(store.getVouch(id)?.revoked).toBe(true);
    // Re-sending the original vouch changes nothing.
    expect(store.add({ kind: 'vouch', ...verifyVouch(v, { now: NOW }) }).status).toBe('duplicate');
    expect(store.getVouch(id)?.revoked).toBe(true);
    expect(store.counts()).toMatchObject({ vouches: 1, revokedVouches: 1, revocations: 1 });
  });

  it('applies a revocation that arrives before its vouch, and drops a foreign one when the vouch shows up', () => {
    const store = openTrustStore({ path: ':memory:' });
    const v = vouch(alice, bob);
    const id = vouchId(v);
    expect(store.add(revocationObject(alice, id)).status).toBe('accepted');
    expect(store.add(revocationObject(mallory, id, NOW + 1)).status).toBe('accepted'); // unknown vouch yet
    storeVouch(store, v);
    expect(store.getVouch(id)?.revoked).toBe(true);
    // The foreign revocation was removed once it could be judged.
    expect(store.counts().revocations).toBe(1);
    const w = vouch(alice, carol);
    const wid = vouchId(w);
    store.add(revocationObject(mallory, wid));
    storeVouch(store, w);
    expect(store.getVouch(wid)?.revoked).toBe(false);
    expect(store.counts().revocations).toBe(1);
  });

  it('rolls a whole batch back when it fails midway (no half-applied batch)', () => {
    const store = openTrustStore({ path: path.join(dir, 't.db') });
    const good = { kind: 'vouch' as const, ...verifyVouch(vouch(alice, bob), { now: NOW }) };
    const broken = { kind: 'vouch' as const, ...verifyVouch(vouch(bob, carol), { now: NOW }), canonical: null };
    expect(() => store.addBatch([good, broken as unknown as typeof good])).toThrow();
    expect(store.counts().vouches).toBe(0);
    expect(store.counts().agents).toBe(0);
    // The store stays usable, and its id caches were not poisoned by the rollback.
    expect(store.add(good).status).toBe('accepted');
    storeVouch(store, vouch(carol, alice));
    expect(store.counts()).toMatchObject({ vouches: 2, agents: 3 });
    store.close();
  });

  it('persists across reopen, and refuses a file that is not a trust store', async () => {
    const file = path.join(dir, 't.db');
    let store: TrustStore = openTrustStore({ path: file });
    const id = storeVouch(store, vouch(alice, bob));
    store.close();
    store = openTrustStore({ path: file });
    expect(store.getVouch(id)?.vouch.voucher).toBe(alice.did);
    const epoch = store.epoch;
    store.close();
    expect(openTrustStore({ path: file }).epoch).toBe(epoch);

    const junk = path.join(dir, 'junk.db');
    await fs.writeFile(junk, 'this is not sqlite, not at all'.repeat(100));
    expect(() => openTrustStore({ path: junk })).toThrow(expect.objectContaining({ code: 'aip_store_corrupt' }));
    const other = path.join(dir, 'other.db');
    const db = new Database(other);
    db.exec("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT); INSERT INTO meta VALUES ('schema', '99')");
    db.close();
    expect(() => openTrustStore({ path: other })).toThrow(expect.objectContaining({ code: 'aip_store_corrupt' }));
  });

  it('tunes the connection for bulk writes and puts it back, with the WAL bounded afterwards', () => {
    const store = openTrustStore({ path: path.join(dir, 'bulk.db') });
    const pragma = (name: string) => store.database.pragma(name, { simple: true });
    const defaults = { cache: pragma('cache_size'), checkpoint: pragma('wal_autocheckpoint') };
    expect(pragma('journal_size_limit')).toBe(64 << 20);
    const restore = store.beginBulkWrites();
    expect(pragma('cache_size')).toBe(-(128 << 10));
    expect(pragma('wal_autocheckpoint')).toBe(50_000);
    storeVouch(store, vouch(alice, bob));
    restore();
    expect({ cache: pragma('cache_size'), checkpoint: pragma('wal_autocheckpoint') }).toEqual(defaults);
    expect(store.counts().vouches).toBe(1);
    // Overlapping imports: the last one out restores; restoring twice counts once.
    const first = store.beginBulkWrites();
    const second = store.beginBulkWrites();
    first();
    first();
    expect(pragma('cache_size')).toBe(-(128 << 10));
    second();
    expect({ cache: pragma('cache_size'), checkpoint: pragma('wal_autocheckpoint') }).toEqual(defaults);
    const late = store.beginBulkWrites();
    store.close();
    // Restoring after the store was closed is harmless.
    expect(() => late()).not.toThrow();
    expect(() => restore()).not.toThrow();
  });

  it('reports, keeps and never counts vouches stored in a scope the grammar now refuses', async () => {
    const store = openTrustStore({ path: ':memory:' });
    const legacy = storeLegacyVouch(store, alice, bob, 'tool:café');
    storeLegacyVouch(store, alice, carol, 'tool:café');
    storeVouch(store, vouch(bob, carol, { scope: 'tool:search' }));
    expect(store.refusedScopes()).toEqual([{ scope: 'tool:café', vouches: 2, code: 'aip_scope_invalid' }]);
    // Kept as signed, never counted: no valid query scope is covered by it.
    expect(store.getVouch(legacy)?.vouch.scope).toBe('tool:café');
    const engine = openTrustEngine(store);
    for (const scope of ['*', 'tool:*', 'tool:caf', 'tool:caf*'])
      expect(engine.score(bob.did, { from: alice.did, scope, now: NOW }).score, scope).toBe(0);
    expect(() => engine.score(bob.did, { from: alice.did, scope: 'tool:café', now: NOW })).toThrow(
      expect.objectContaining({ code: 'aip_scope_invalid' }),
    );
    // Re-imported elsewhere, each one is refused with the code, the rest goes in.
    const lines = [...store.exportLines()];
    const fresh = openTrustStore({ path: ':memory:' });
    const summary = await importJsonl(fresh, [lines.join('\n')], { now: NOW, workers: 0 });
    expect(summary).toMatchObject({ accepted: 1, rejected: 2, rejectedByCode: { aip_scope_invalid: 2 } });
    expect(fresh.refusedScopes()).toEqual([]);
    engine.close();
    store.close();
    fresh.close();
  });

  it('opens read-only stores for inspection', () => {
    const file = path.join(dir, 't.db');
    const writer = openTrustStore({ path: file });
    storeVouch(writer, vouch(alice, bob));
    writer.close();
    const reader = openTrustStore({ path: file, readonly: true });
    expect(reader.counts().vouches).toBe(1);
    expect(() => storeVouch(reader, vouch(bob, carol))).toThrow();
    reader.close();
  });
});
