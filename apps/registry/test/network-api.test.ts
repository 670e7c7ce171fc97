import { createRevocation, createVouch, vouchId } from '@aip/trust';
import { afterEach, describe, expect, it } from 'vitest';
import { createProfile, errorCodeTable, httpStatusOf, OPENAPI_PATH } from '../src/index.js';
import { codeOf, get, identities, NOW, post, type TestRegistry, testRegistry } from './helpers.js';

let registry: TestRegistry;
afterEach(async () => registry.close());

const { alice, bob, carol } = identities('alice', 'bob', 'carol');
const DAY = 86_400;

async function populate() {
  registry = testRegistry();
  await post(registry.app, '/v1/agents', createProfile(alice, { name: 'alice', now: NOW - 2 * DAY }));
  await post(registry.app, '/v1/agents', createProfile(bob, { name: 'bob', now: NOW }));
  const ab = createVouch(alice, { subject: bob.did, scope: 'tool:search', now: NOW - 2 * DAY });
  const bc = createVouch(bob, { subject: carol.did, scope: 'tool:*', now: NOW - DAY });
  const ac = createVouch(alice, { subject: carol.did, scope: 'resource:db', now: NOW });
  for (const vouch of [ab, bc, ac]) await post(registry.app, '/v1/vouches', vouch);
  return { ab, bc, ac };
}

describe('GET /v1/stats', () => {
  it('counts agents, profiles, vouches and revocations, and the busiest scopes', async () => {
    const { ab } = await populate();
    await post(registry.app, '/v1/revocations', createRevocation(alice, vouchId(ab), { now: NOW }));
    const stats = (await get(registry.app, '/v1/stats?days=3')).json();
    expect(stats).toMatchObject({
      agents: 3,
      profiles: 2,
      vouches: 3,
      active_vouches: 2,
      revocations: 1,
      computed_at: NOW,
    });
    expect(stats.scopes).toEqual([
      { scope: 'resource:db', vouches: 1 },
      { scope: 'tool:*', vouches: 1 },
    ]);
  });

  it('gives daily growth by signed issue time, with the running total', async () => {
    await populate();
    const { growth } = (await get(registry.app, '/v1/stats?days=3')).json();
    const day = (offset: number) => new Date((Math.floor(NOW / DAY) + offset) * DAY * 1000).toISOString().slice(0, 10);
    expect(growth).toEqual([
      { day: day(-2), vouches: 1, profiles: 1, revocations: 0, total_vouches: 1 },
      { day: day(-1), vouches: 1, profiles: 0, revocations: 0, total_vouches: 2 },
      { day: day(0), vouches: 1, profiles: 1, revocations: 0, total_vouches: 3 },
    ]);
    const short = (await get(registry.app, '/v1/stats?days=1')).json();
    expect(short.growth).toEqual([{ day: day(0), vouches: 1, profiles: 1, revocations: 0, total_vouches: 3 }]);
    expect(codeOf(await get(registry.app, '/v1/stats?days=0'))).toBe('aip_request_invalid');
  });
});

describe('GET /v1/graph', () => {
  it('draws every agent of a small network with the active vouches among them', async () => {
    const { ab, bc, ac } = await populate();
    const graph = (await get(registry.app, '/v1/graph')).json();
    expect(graph.scope).toBeNull();
    expect(graph.truncated).toBe(false);
    expect(graph.nodes.map((n: { did: string }) => n.did).sort()).toEqual([alice.did, bob.did, carol.did].sort());
    expect(graph.nodes.find((n: { did: string }) => n.did === bob.did)).toEqual({
      did: bob.did,
      name: 'bob',
      vouches_in: 1,
      vouches_out: 1,
    });
    expect(graph.edges.map((e: { id: string }) => e.id)).toEqual([ab, bc, ac].map((v) => vouchId(v)));
    expect(graph.edges[0]).toEqual({ id: vouchId(ab), from: alice.did, to: bob.did, scope: 'tool:search', weight: 1 });
  });

  it('keeps only the vouches that apply to a scope', async () => {
    const { ab, bc } = await populate();
    const graph = (await get(registry.app, '/v1/graph?scope=tool:search')).json();
    expect(graph.scope).toBe('tool:search');
    expect(graph.edges.map((e: { id: string }) => e.id)).toEqual([vouchId(ab), vouchId(bc)]);
  });

  it("draws the best-vouched agents when the network is larger than the limit, or one agent's neighbours", async () => {
    await populate();
    const top = (await get(registry.app, '/v1/graph?limit=2')).json();
    expect(top.truncated).toBe(true);
    expect(top.nodes).toHaveLength(2);
    const around = (await get(registry.app, `/v1/graph?center=${bob.did}&limit=10`)).json();
    expect(around.nodes[0].did).toBe(bob.did);
    expect(around.nodes.map((n: { did: string }) => n.did).sort()).toEqual([alice.did, bob.did, carol.did].sort());
  });

  it('refuses a bad scope, limit or center', async () => {
    registry = testRegistry();
    expect(codeOf(await get(registry.app, '/v1/graph?scope=tool:caf%C3%A9'))).toBe('aip_scope_invalid');
    expect(codeOf(await get(registry.app, '/v1/graph?limit=501'))).toBe('aip_request_invalid');
    expect(codeOf(await get(registry.app, '/v1/graph?center=bob'))).toBe('aip_request_invalid');
  });
});

describe('service routes', () => {
  it('answers /healthz with the feed position', async () => {
    registry = testRegistry();
    expect((await get(registry.app, '/healthz')).json()).toEqual({ status: 'ok', feed: 0 });
    await post(registry.app, '/v1/vouches', createVouch(alice, { subject: bob.did, scope: '*', now: NOW }));
    expect((await get(registry.app, '/healthz')).json()).toEqual({ status: 'ok', feed: 1 });
  });

  it('describes every API route in OpenAPI 3.1 at /openapi.json, error codes included', async () => {
    registry = testRegistry();
    const res = await get(registry.app, OPENAPI_PATH);
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        '/healthz',
        '/v1/agents',
        '/v1/agents/{did}',
        '/v1/agents/{did}/lineage',
        '/v1/challenges',
        '/v1/feed',
        '/v1/graph',
        '/v1/key-events',
        '/v1/ranking',
        '/v1/revocations',
        '/v1/stats',
        '/v1/trust/path',
        '/v1/trust/score',
        '/v1/vouches',
      ].sort(),
    );
    expect(Object.keys(doc.paths['/v1/agents'])).toEqual(['post', 'get']);
    const score = doc.paths['/v1/trust/score'].get;
    expect(score.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`)).toEqual([
      'query:from',
      'query:to',
      'query:scope',
      'query:at',
    ]);
    expect(score.responses['200'].content['application/json'].schema.required).toEqual([
      'score',
      'corroboration',
      'hops',
      'path',
    ]);
    expect(doc.paths['/v1/agents/{did}'].get.parameters[0]).toMatchObject({ name: 'did', in: 'path', required: true });
    expect(doc.components['x-error-codes']).toEqual(Object.fromEntries(errorCodeTable()));
  });

  it('maps every code to one status, and answers unknown routes with a JSON 404', async () => {
    registry = testRegistry();
    expect(httpStatusOf('aip_signature_invalid')).toBe(401);
    expect(httpStatusOf('aip_vouch_expired')).toBe(422);
    expect(httpStatusOf('aip_vouch_malformed')).toBe(400);
    expect(httpStatusOf('aip_revocation_unauthorized')).toBe(403);
    expect(httpStatusOf('aip_rate_limited')).toBe(429);
    expect(httpStatusOf('aip_made_up')).toBe(500);
    const res = await get(registry.app, '/v2/anything');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'aip_not_found', message: 'no route GET /v2/anything' } });
    const wrongMethod = await registry.app.inject({ method: 'DELETE', url: '/v1/vouches' });
    expect(codeOf(wrongMethod)).toBe('aip_not_found');
  });

  it('serves the observatory page and its assets under a strict Content-Security-Policy', async () => {
    registry = testRegistry();
    const page = await get(registry.app, '/');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.body).toContain('Trust Observatory');
    for (const [, src] of page.body.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)) {
      const asset = await get(registry.app, src as string);
      expect(asset.statusCode).toBe(200);
    }
    expect((await get(registry.app, '/assets/../package.json')).statusCode).toBe(404);
    expect((await get(registry.app, '/assets/missing.js')).statusCode).toBe(404);
  });
});
