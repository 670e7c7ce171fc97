// The TrustDirectory contract, run against each implementation (SQLite today): what a registry
// reads from a trust store, without knowing its tables.
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createRevocation,
  openTrustDirectory,
  openTrustStore,
  type TrustDirectory,
  type TrustStore,
  verifyRevocation,
  vouchId,
} from '../src/index.js';
import { agent, NOW, storeRevocation, storeVouch, tempDir, vouch } from './helpers.js';

const alice = agent('alice');
const bob = agent('bob');
const carol = agent('carol');
const dave = agent('dave');
const DAY = 86_400;

interface Subject {
  store: TrustStore;
  directory: TrustDirectory;
}

function describeTrustDirectory(name: string, open: () => Subject) {
  describe(`TrustDirectory (${name})`, () => {
    let store: TrustStore;
    let directory: TrustDirectory;
    beforeEach(() => {
      ({ store, directory } = open());
    });
    afterEach(() => store.close());

    it('lists stored objects in arrival order across kinds, a page at a time', async () => {
      const ab = vouch(alice, bob, { scope: 'tool:search' });
      const bc = vouch(bob, carol, { scope: '*' });
      storeVouch(store, ab);
      storeRevocation(store, alice, vouchId(ab));
      storeVouch(store, bc);
      const all = await directory.changesSince(0, 10);
      expect(all.map((c) => [c.kind, c.id])).toEqual([
        ['vouch', vouchId(ab)],
        ['revocation', expect.any(String)],
        ['vouch', vouchId(bc)],
      ]);
      expect(JSON.parse((all[0] as { canonical: string }).canonical)).toEqual(ab);
      expect(await directory.latestChange()).toBe(all.at(-1)?.seq);
      const first = await directory.changesSince(0, 2);
      expect(await directory.changesSince(first.at(-1)?.seq as number, 10)).toEqual(all.slice(2));
      expect(await directory.changesSince(all.at(-1)?.seq as number, 10)).toEqual([]);
    });

    it('leaves a gap, never a reused position, where the store dropped a foreign pending revocation', async () => {
      const ab = vouch(alice, bob);
      const foreign = createRevocation(carol, vouchId(ab), { now: NOW - 10 });
      store.add({ kind: 'revocation', ...verifyRevocation(foreign, { now: NOW }) });
      const before = await directory.latestChange();
      storeVouch(store, ab);
      const after = await directory.changesSince(0, 10);
      expect(after.map((c) => c.kind)).toEqual(['vouch']);
      expect(after[0]?.seq).toBeGreaterThan(before);
    });

    it("pages an agent's vouches received and given, newest first, with their revocation state", async () => {
      const vouches = [vouch(alice, bob), vouch(carol, bob), vouch(dave, bob), vouch(bob, carol)];
      for (const v of vouches) storeVouch(store, v);
      storeRevocation(store, carol, vouchId(vouches[1] as never));
      const first = await directory.vouchesOf(bob.did, { direction: 'received', limit: 2 });
      expect(first.vouches.map((v) => v.id)).toEqual([vouchId(vouches[2] as never), vouchId(vouches[1] as never)]);
      expect(first.vouches.map((v) => v.revoked)).toEqual([false, true]);
      const second = await directory.vouchesOf(bob.did, { direction: 'received', limit: 2, before: first.next });
      expect(second).toEqual({
        vouches: [expect.objectContaining({ id: vouchId(vouches[0] as never) })],
        next: undefined,
      });
      const given = await directory.vouchesOf(bob.did, { direction: 'given', limit: 10 });
      expect(given.vouches.map((v) => JSON.parse(v.canonical))).toEqual([vouches[3]]);
      expect(await directory.vouchesOf('did:key:z6MkNobody', { direction: 'given', limit: 10 })).toEqual({
        vouches: [],
        next: undefined,
      });
      await expect(directory.vouchesOf(bob.did, { direction: 'given', limit: 0 })).rejects.toThrow(RangeError);
    });

    it('counts active vouches per agent as they arrive and are revoked, in any order', async () => {
      const ab = vouch(alice, bob);
      const cb = vouch(carol, bob);
      storeVouch(store, ab);
      // A revocation that arrives before its vouch: the vouch is stored revoked and never counts.
      storeRevocation(store, carol, vouchId(cb));
      storeVouch(store, cb);
      expect(await directory.agentStats(bob.did)).toEqual({ vouchesIn: 1, vouchesOut: 0 });
      expect(await directory.agentStats(alice.did)).toEqual({ vouchesIn: 0, vouchesOut: 1 });
      expect(await directory.agentStats(carol.did)).toEqual({ vouchesIn: 0, vouchesOut: 0 });
      storeRevocation(store, alice, vouchId(ab));
      expect(await directory.agentStats(bob.did)).toEqual({ vouchesIn: 0, vouchesOut: 0 });
      expect(await directory.agentStats(dave.did)).toBeUndefined();
    });

    it('finds agents by prefix, in pages, by vouches received, and counts the known ones', async () => {
      for (const v of [vouch(alice, carol), vouch(bob, carol), vouch(alice, bob)]) storeVouch(store, v);
      const sorted = [alice.did, bob.did, carol.did].sort();
      expect(await directory.listAgents({ limit: 2 })).toEqual(sorted.slice(0, 2));
      expect(await directory.listAgents({ after: sorted[1], limit: 2 })).toEqual(sorted.slice(2));
      expect(await directory.agentsWithPrefix(carol.did.slice(0, 20), 5)).toContain(carol.did);
      expect(await directory.agentsWithPrefix('did:key:zNone', 5)).toEqual([]);
      expect(await directory.mostVouched(2)).toEqual([carol.did, bob.did]);
      expect(await directory.countKnown([alice.did, dave.did, carol.did])).toBe(2);
      expect(await directory.agentCount()).toBe(3);
      expect(await directory.countKnown([])).toBe(0);
    });

    it('lists neighbours by the strongest active vouch, either way', async () => {
      storeVouch(store, vouch(alice, bob, { weight: 0.5 }));
      storeVouch(store, vouch(carol, alice, { weight: 0.9 }));
      const ad = vouch(alice, dave, { weight: 1 });
      storeVouch(store, ad);
      expect(await directory.neighbours(alice.did, 10)).toEqual([dave.did, carol.did, bob.did]);
      storeRevocation(store, alice, vouchId(ad));
      expect(await directory.neighbours(alice.did, 2)).toEqual([carol.did, bob.did]);
      expect(await directory.neighbours('did:key:z6MkNobody', 2)).toEqual([]);
    });

    it('gives the active vouches among agents, in one scope by the token matcher', async () => {
      const ab = vouch(alice, bob, { scope: 'tool:github.*' });
      const bc = vouch(bob, carol, { scope: 'tool:search' });
      const cd = vouch(carol, dave, { scope: '*' });
      const expired = vouch(alice, carol, { scope: '*', ttl: 30, now: NOW - 60 });
      for (const v of [ab, bc, cd]) storeVouch(store, v);
      storeVouch(store, expired, NOW - 50);
      const everyone = [alice.did, bob.did, carol.did, dave.did];
      expect((await directory.vouchesAmong(everyone, { now: NOW })).map((e) => e.id)).toEqual(
        [ab, bc, cd].map((v) => vouchId(v)),
      );
      expect(await directory.vouchesAmong([alice.did, bob.did], { now: NOW })).toEqual([
        { id: vouchId(ab), voucher: alice.did, subject: bob.did, scope: 'tool:github.*', weight: 1 },
      ]);
      const github = await directory.vouchesAmong(everyone, { now: NOW, scope: 'tool:github.create_issue' });
      expect(github.map((e) => e.id)).toEqual([ab, cd].map((v) => vouchId(v)));
      await expect(directory.vouchesAmong(everyone, { now: NOW, scope: 'tool:café' })).rejects.toMatchObject({
        code: 'aip_scope_invalid',
      });
    });

    it('totals the store and its busiest scopes at a time, and what was issued per day', async () => {
      storeVouch(store, vouch(alice, bob, { scope: 'tool:search', now: NOW - 2 * DAY }), NOW);
      storeVouch(store, vouch(bob, carol, { scope: 'tool:search', now: NOW - DAY }), NOW);
      const short = vouch(carol, dave, { scope: 'resource:db', ttl: 100, now: NOW - 50 });
      storeVouch(store, short, NOW);
      storeRevocation(store, alice, vouchId(vouch(alice, dave)), NOW);
      expect(await directory.totals(NOW)).toEqual({ agents: 4, vouches: 3, activeVouches: 3, revocations: 1 });
      expect((await directory.totals(NOW + 100)).activeVouches).toBe(2);
      expect(await directory.busiestScopes({ now: NOW, limit: 5 })).toEqual([
        { scope: 'tool:search', vouches: 2 },
        { scope: 'resource:db', vouches: 1 },
      ]);
      expect(await directory.busiestScopes({ now: NOW + 100, limit: 1 })).toEqual([
        { scope: 'tool:search', vouches: 2 },
      ]);
      // Issued two days ago, yesterday and today (NOW is well inside its UTC day).
      const today = Math.floor(NOW / DAY);
      expect(NOW - today * DAY).toBeGreaterThan(100);
      const perDay = await directory.issuedPerDay((today - 1) * DAY);
      expect(perDay.vouchesBefore).toBe(1);
      expect([...perDay.vouches].sort((a, b) => a[0] - b[0])).toEqual([
        [today - 1, 1],
        [today, 1],
      ]);
      expect(perDay.revocations).toEqual([[today, 1]]);
    });
  });
}

describeTrustDirectory('SQLite, in memory', () => {
  const store = openTrustStore({ path: ':memory:', directory: true });
  return { store, directory: openTrustDirectory(store) };
});

describe('the SQLite directory', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
  });
  afterEach(async () => cleanup());

  it('is refused for a store opened without it', () => {
    const store = openTrustStore({ path: ':memory:' });
    expect(store.directory).toBe(false);
    expect(() => openTrustDirectory(store)).toThrow(TypeError);
    store.close();
  });

  it("is built from the store's objects when first asked for, and kept by every later writer", async () => {
    const file = path.join(dir, 't.db');
    const plain = openTrustStore({ path: file });
    const ab = vouch(alice, bob);
    storeVouch(plain, ab);
    storeRevocation(plain, alice, vouchId(ab));
    storeVouch(plain, vouch(bob, carol));
    plain.close();
    const served = openTrustStore({ path: file, directory: true });
    const directory = openTrustDirectory(served);
    expect((await directory.changesSince(0, 10)).map((c) => c.kind)).toEqual(['vouch', 'vouch', 'revocation']);
    expect(await directory.agentStats(bob.did)).toEqual({ vouchesIn: 0, vouchesOut: 1 });
    // Another connection, opened without the option, still keeps the directory.
    const other = openTrustStore({ path: file });
    expect(other.directory).toBe(true);
    storeVouch(other, vouch(carol, alice));
    other.close();
    expect((await directory.changesSince(0, 10)).map((c) => c.kind)).toEqual(['vouch', 'vouch', 'revocation', 'vouch']);
    expect(await directory.agentStats(alice.did)).toEqual({ vouchesIn: 1, vouchesOut: 0 });
    served.close();
  });
});
