import { createRevocation, createVouch, openTrustStore, verifyRevocation, verifyVouch, vouchId } from '@aip/trust';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentViews, createProfile, openRegistryStore, verifyProfile } from '../src/index.js';
import { codeOf, get, identities, NOW, post, type TestRegistry, testRegistry } from './helpers.js';

let registry: TestRegistry;
afterEach(async () => registry.close());

const { alice, bob, carol } = identities('alice', 'bob', 'carol');

describe('GET /v1/feed', () => {
  it('lists every kind of object in arrival order, a page at a time, with the next cursor', async () => {
    registry = testRegistry();
    const profile = createProfile(alice, { name: 'alice', now: NOW });
    const v1 = createVouch(alice, { subject: bob.did, scope: '*', now: NOW });
    const v2 = createVouch(bob, { subject: carol.did, scope: '*', now: NOW });
    const revocation = createRevocation(alice, vouchId(v1), { now: NOW });
    await post(registry.app, '/v1/vouches', v1);
    await post(registry.app, '/v1/agents', profile);
    await post(registry.app, '/v1/revocations', revocation);
    await post(registry.app, '/v1/vouches', v2);

    const all = (await get(registry.app, '/v1/feed')).json();
    expect(all.objects).toEqual([v1, profile, revocation, v2]);
    expect(all.more).toBe(false);
    expect(all.remaining).toBe(0);

    const first = (await get(registry.app, '/v1/feed?limit=3')).json();
    expect(first.objects).toEqual([v1, profile, revocation]);
    expect(first).toMatchObject({ more: true, remaining: 1, next: expect.stringMatching(/^[0-9a-f]{12}\.3$/) });
    const second = (await get(registry.app, `/v1/feed?since=${first.next}&limit=3`)).json();
    expect(second).toEqual({ objects: [v2], next: second.next, more: false, remaining: 0 });
    const empty = (await get(registry.app, `/v1/feed?since=${second.next}`)).json();
    expect(empty).toEqual({ objects: [], next: second.next, more: false, remaining: 0 });
  });

  it('serves the stored canonical text verbatim', async () => {
    registry = testRegistry();
    const vouch = createVouch(alice, { subject: bob.did, scope: '*', statement: 'naïve café ✓', now: NOW });
    await post(registry.app, '/v1/vouches', vouch);
    const body = (await get(registry.app, '/v1/feed')).body;
    expect(body).toBe(
      `{"objects":[${verifyVouch(vouch, { now: NOW }).canonical}],"next":${JSON.stringify((JSON.parse(body) as { next: string }).next)},"more":false,"remaining":0}`,
    );
  });

  it('moves a replaced profile to the end and drops the old one', async () => {
    registry = testRegistry();
    const old = createProfile(alice, { name: 'alice', now: NOW - 1 });
    const vouch = createVouch(alice, { subject: bob.did, scope: '*', now: NOW });
    const newer = createProfile(alice, { name: 'alice 2', now: NOW });
    await post(registry.app, '/v1/agents', old);
    await post(registry.app, '/v1/vouches', vouch);
    const cursor = (await get(registry.app, '/v1/feed')).json().next;
    await post(registry.app, '/v1/agents', newer);
    expect((await get(registry.app, '/v1/feed')).json().objects).toEqual([vouch, newer]);
    expect((await get(registry.app, `/v1/feed?since=${cursor}`)).json().objects).toEqual([newer]);
  });

  it("refuses a malformed cursor (400), another database's cursor (410) and bad page sizes", async () => {
    registry = testRegistry();
    const bad = await get(registry.app, '/v1/feed?since=yesterday');
    expect(bad.statusCode).toBe(400);
    expect(codeOf(bad)).toBe('aip_cursor_invalid');
    const stale = await get(registry.app, '/v1/feed?since=000000000000.5');
    expect(stale.statusCode).toBe(410);
    expect(codeOf(stale)).toBe('aip_cursor_stale');
    expect(codeOf(await get(registry.app, '/v1/feed?limit=0'))).toBe('aip_request_invalid');
    expect(codeOf(await get(registry.app, '/v1/feed?limit=10001'))).toBe('aip_request_invalid');
    expect((await get(registry.app, '/v1/feed?since=0')).statusCode).toBe(200);
  });
});

describe('registry store', () => {
  it("adds a trust store's existing objects to the feed once, when the registry tables are created", async () => {
    registry = testRegistry();
    const path = `${registry.dir}/existing.db`;
    const trust = openTrustStore({ path });
    const vouch = createVouch(alice, { subject: bob.did, scope: '*', now: NOW });
    trust.add({ kind: 'vouch', ...verifyVouch(vouch, { now: NOW }) });
    trust.close();
    let store = openRegistryStore({ path });
    expect((await store.feed(0, 10)).map((row) => JSON.parse(row.object))).toEqual([vouch]);
    store.close();
    store = openRegistryStore({ path });
    expect(await store.feed(0, 10)).toHaveLength(1);
    // Objects stored through the trust store alone still enter the feed (its append sequence).
    const later = createVouch(bob, { subject: carol.did, scope: '*', now: NOW });
    store.trust.add({ kind: 'vouch', ...verifyVouch(later, { now: NOW }) });
    expect((await store.feed(1, 10)).map((row) => JSON.parse(row.object))).toEqual([later]);
    expect(await store.latestSeq()).toBe(2);
    store.close();
  });

  it('goes without a feed when asked, and builds it with every stored object when first served', async () => {
    registry = testRegistry();
    const path = `${registry.dir}/mirror.db`;
    let store = openRegistryStore({ path, feed: false });
    const vouch = createVouch(alice, { subject: bob.did, scope: '*', now: NOW });
    store.trust.add({ kind: 'vouch', ...verifyVouch(vouch, { now: NOW }) });
    const profile = createProfile(bob, { name: 'bob', now: NOW });
    await store.putProfile(verifyProfile(profile, { now: NOW }));
    expect(() => store.feed(0, 10)).toThrow(TypeError);
    store.close();
    store = openRegistryStore({ path });
    expect((await store.feed(0, 10)).map((row) => JSON.parse(row.object))).toEqual([vouch, profile]);
    expect(await new AgentViews(store).summary(alice.did)).toMatchObject({ vouches_out: 1 });
    store.close();
  });

  it('keeps active vouch counts per agent as vouches arrive and are revoked, in any order', async () => {
    registry = testRegistry();
    const store = openRegistryStore({ path: ':memory:' });
    const views = new AgentViews(store);
    const ab = createVouch(alice, { subject: bob.did, scope: '*', now: NOW });
    const cb = createVouch(carol, { subject: bob.did, scope: '*', now: NOW });
    store.trust.add({ kind: 'vouch', ...verifyVouch(ab, { now: NOW }) });
    // A revocation that arrives before its vouch: the vouch is stored revoked and never counts.
    store.trust.add({
      kind: 'revocation',
      ...verifyRevocation(createRevocation(carol, vouchId(cb), { now: NOW }), { now: NOW }),
    });
    store.trust.add({ kind: 'vouch', ...verifyVouch(cb, { now: NOW }) });
    expect(await views.summary(bob.did)).toMatchObject({ vouches_in: 1, vouches_out: 0 });
    expect(await views.summary(alice.did)).toMatchObject({ vouches_in: 0, vouches_out: 1 });
    store.trust.add({
      kind: 'revocation',
      ...verifyRevocation(createRevocation(alice, vouchId(ab), { now: NOW }), { now: NOW }),
    });
    expect(await views.summary(bob.did)).toMatchObject({ vouches_in: 0 });
    expect(await views.summary(alice.did)).toMatchObject({ vouches_out: 0 });
    store.close();
  });

  it('keeps sync cursors per source', async () => {
    registry = testRegistry();
    const store = openRegistryStore({ path: ':memory:' });
    expect(store.syncCursor('http://a')).toBeUndefined();
    store.saveSyncCursor('http://a', 'abc.1', NOW);
    store.saveSyncCursor('http://a', 'abc.2', NOW);
    store.saveSyncCursor('http://b', 'def.9', NOW);
    expect(store.syncCursor('http://a')).toBe('abc.2');
    expect(store.syncCursor('http://b')).toBe('def.9');
    store.close();
  });

  it('refuses registry tables of another version', async () => {
    registry = testRegistry();
    const path = `${registry.dir}/future.db`;
    openRegistryStore({ path }).close();
    const db = new Database(path);
    db.prepare("UPDATE registry_meta SET value = '99' WHERE key = 'schema'").run();
    db.close();
    expect(() => openRegistryStore({ path })).toThrow(expect.objectContaining({ code: 'aip_store_corrupt' }));
  });
});
