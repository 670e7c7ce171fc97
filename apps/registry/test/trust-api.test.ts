import { createRevocation, createVouch, openTrustEngine, openTrustStore, verifyVouch, vouchId } from '@aip/trust';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp, createProfile } from '../src/index.js';
import { codeOf, get, identities, NOW, post, type TestRegistry, testRegistry } from './helpers.js';

let registry: TestRegistry;
afterEach(async () => registry.close());

const { alice, bob, carol, dave, erin } = identities('alice', 'bob', 'carol', 'dave', 'erin');

async function graph() {
  registry = testRegistry();
  const vouches = [
    createVouch(alice, { subject: bob.did, scope: 'tool:search', weight: 0.9, now: NOW }),
    createVouch(bob, { subject: carol.did, scope: 'tool:*', weight: 0.8, now: NOW }),
    createVouch(alice, { subject: dave.did, scope: '*', weight: 0.5, now: NOW }),
    createVouch(dave, { subject: carol.did, scope: 'tool:search', ttl: 100, now: NOW }),
  ];
  for (const vouch of vouches) expect((await post(registry.app, '/v1/vouches', vouch)).statusCode).toBe(201);
  return vouches;
}

const score = (from: string, to: string, extra = '') =>
  get(registry.app, `/v1/trust/score?from=${from}&to=${to}${extra}`);

describe('GET /v1/trust/score and /v1/trust/path', () => {
  it('answers {score, corroboration, hops, path} from any root, as the engine computes offline', async () => {
    const vouches = await graph();
    const res = await score(alice.did, carol.did, '&scope=tool:search');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(Object.keys(body)).toEqual(['score', 'corroboration', 'hops', 'path']);
    // 0.9 x 0.8, damped once for the second hop.
    expect(body).toEqual({ score: 0.576, corroboration: 2, hops: 2, path: [alice.did, bob.did, carol.did] });
    // The same objects in a local store give the same answer.
    const store = openTrustStore({ path: ':memory:' });
    for (const vouch of vouches) store.add({ kind: 'vouch', ...verifyVouch(vouch, { now: NOW }) });
    const engine = openTrustEngine(store);
    expect(engine.score(carol.did, { from: alice.did, scope: 'tool:search', now: NOW })).toEqual(body);
    engine.close();
    store.close();
    // Another root sees another graph.
    expect((await score(bob.did, carol.did, '&scope=tool:search')).json()).toEqual({
      score: 0.8,
      corroboration: 1,
      hops: 1,
      path: [bob.did, carol.did],
    });
    expect((await score(carol.did, alice.did, '&scope=tool:search')).json()).toEqual({
      score: 0,
      corroboration: 0,
      hops: 0,
      path: [],
    });
  });

  it('keeps scopes apart, defaults to "*", and evaluates at `at`', async () => {
    await graph();
    expect((await score(alice.did, carol.did, '&scope=resource:x')).json().score).toBe(0);
    expect((await score(alice.did, dave.did)).json().score).toBe(0.5);
    expect((await score(alice.did, bob.did)).json().score).toBe(0);
    // dave's vouch for carol expires at NOW + 100: later only the chain through bob remains.
    const later = (await score(alice.did, carol.did, `&scope=tool:search&at=${NOW + 100}`)).json();
    expect(later.corroboration).toBe(1);
  });

  it('adds the vouch behind each hop on /v1/trust/path', async () => {
    const [ab, bc] = await graph();
    const res = await get(registry.app, `/v1/trust/path?from=${alice.did}&to=${carol.did}&scope=tool:search`);
    expect(res.json()).toEqual({
      score: 0.576,
      corroboration: 2,
      hops: 2,
      path: [alice.did, bob.did, carol.did],
      vouches: [
        { id: vouchId(ab as never), voucher: alice.did, subject: bob.did, scope: 'tool:search', weight: 0.9 },
        {
          id: vouchId(bc as never),
          voucher: bob.did,
          subject: carol.did,
          scope: 'tool:*',
          weight: expect.closeTo(0.8, 6),
        },
      ],
    });
  });

  it('follows revocations on the next query', async () => {
    const [ab] = await graph();
    await post(registry.app, '/v1/revocations', createRevocation(alice, vouchId(ab as never), { now: NOW }));
    const body = (await score(alice.did, carol.did, '&scope=tool:search')).json();
    expect(body.path).toEqual([alice.did, dave.did, carol.did]);
  });

  it.each([
    ['a missing root', `/v1/trust/score?to=${bob.did}`, 'aip_request_invalid'],
    ['a missing target', `/v1/trust/path?from=${bob.did}`, 'aip_request_invalid'],
    ['a root that is not a DID', `/v1/trust/score?from=alice&to=${bob.did}`, 'aip_request_invalid'],
    ['an invalid scope', `/v1/trust/score?from=${alice.did}&to=${bob.did}&scope=tool:caf%C3%A9`, 'aip_scope_invalid'],
    ['a negative time', `/v1/trust/score?from=${alice.did}&to=${bob.did}&at=-1`, 'aip_request_invalid'],
  ])('refuses %s with 400', async (_what, url, code) => {
    registry = testRegistry();
    const res = await get(registry.app, url);
    expect(res.statusCode).toBe(400);
    expect(codeOf(res)).toBe(code);
  });
});

describe('GET /v1/ranking', () => {
  it('answers from worker threads exactly as from the main thread, before and after a revocation', async () => {
    const vouches = await graph();
    const inThread = buildApp({ db: registry.db, now: () => NOW, queryThreads: 0 });
    const everyone = [alice, bob, carol, dave, erin];
    const compare = async () => {
      for (const scope of ['*', 'tool:search', 'tool:x']) {
        for (const from of everyone) {
          for (const to of everyone) {
            const url = `/v1/trust/path?from=${from.did}&to=${to.did}&scope=${scope}`;
            expect((await get(registry.app, url)).json()).toEqual((await get(inThread, url)).json());
          }
        }
      }
    };
    await compare();
    const revocation = createRevocation(bob, vouchId(vouches[1] as never), { now: NOW });
    expect((await post(registry.app, '/v1/revocations', revocation)).statusCode).toBe(201);
    expect((await score(alice.did, carol.did, '&scope=tool:search')).json()).toMatchObject({
      hops: 2,
      corroboration: 1,
    });
    await compare();
    await inThread.close();
  });

  it('ranks agents per scope with their profile names, for display', async () => {
    await graph();
    // The agents with a profile are the seeds (pre-trusted) when none are configured.
    await post(registry.app, '/v1/agents', createProfile(alice, { name: 'alice', now: NOW }));
    await post(registry.app, '/v1/agents', createProfile(carol, { name: 'carol', now: NOW }));
    const res = await get(registry.app, '/v1/ranking?scope=tool:search&top=3');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ scope: 'tool:search', seeds: 2, computed_at: NOW, stale: false });
    expect(body.ranking).toHaveLength(3);
    const all = (await get(registry.app, '/v1/ranking?scope=tool:search&top=100')).json().ranking as {
      did: string;
      name: string | null;
      rank: number;
    }[];
    expect(all.map((r) => r.did).sort()).toEqual([alice.did, bob.did, carol.did, dave.did].sort());
    expect(all.find((r) => r.did === carol.did)?.name).toBe('carol');
    expect(all.find((r) => r.did === bob.did)?.name).toBeNull();
    expect(all.reduce((sum, r) => sum + r.rank, 0)).toBeCloseTo(1, 9);
    for (let i = 1; i < all.length; i++)
      expect((all[i] as { rank: number }).rank).toBeLessThanOrEqual((all[i - 1] as { rank: number }).rank);
    // Carol gets the mass of two chains and her own restarts: she leads.
    expect(all[0]?.did).toBe(carol.did);
  });

  it('serves the last ranking while a newer one is computed after a change, then the newer one', async () => {
    await graph();
    const first = (await get(registry.app, '/v1/ranking?scope=*')).json();
    expect(first.stale).toBe(false);
    await post(registry.app, '/v1/vouches', createVouch(bob, { subject: erin.did, scope: '*', now: NOW }));
    const during = (await get(registry.app, '/v1/ranking?scope=*')).json();
    expect(during.stale).toBe(true);
    // The newer ranking is computed in the background; it replaces the stale one when done.
    await expect
      .poll(async () => (await get(registry.app, '/v1/ranking?scope=*')).json().stale, { timeout: 10_000 })
      .toBe(false);
    const after = (await get(registry.app, '/v1/ranking?scope=*')).json();
    expect(after.ranking.length).toBeGreaterThan(first.ranking.length);
  });

  it('refuses an invalid scope or size', async () => {
    registry = testRegistry();
    expect(codeOf(await get(registry.app, '/v1/ranking?scope=bad%20scope'))).toBe('aip_scope_invalid');
    expect(codeOf(await get(registry.app, '/v1/ranking?top=101'))).toBe('aip_request_invalid');
  });
});
