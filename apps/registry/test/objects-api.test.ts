import { createRevocation, createVouch, vouchId } from '@aip/trust';
import { afterEach, describe, expect, it } from 'vitest';
import { createProfile } from '../src/index.js';
import { codeOf, get, identities, NOW, post, type TestRegistry, testRegistry } from './helpers.js';

let registry: TestRegistry;
afterEach(async () => registry.close());

const { alice, bob, carol } = identities('alice', 'bob', 'carol');

describe('POST /v1/vouches', () => {
  it('stores a verified vouch and puts it in the feed', async () => {
    registry = testRegistry();
    const vouch = createVouch(alice, { subject: bob.did, scope: 'tool:search', weight: 0.5, now: NOW });
    const res = await post(registry.app, '/v1/vouches', vouch);
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ id: vouchId(vouch), status: 'accepted' });
    expect((await get(registry.app, '/v1/feed')).json().objects).toEqual([vouch]);
  });

  it.each([
    [
      'forged: signed by another key',
      () => ({ ...createVouch(carol, { subject: bob.did, scope: '*', now: NOW }), voucher: alice.did }),
      401,
      'aip_signature_invalid',
    ],
    [
      'tampered: weight raised after signing',
      () => ({ ...createVouch(alice, { subject: bob.did, scope: '*', weight: 0.2, now: NOW }), weight: 1 }),
      401,
      'aip_signature_invalid',
    ],
    [
      'expired',
      () => createVouch(alice, { subject: bob.did, scope: '*', ttl: 60, now: NOW - 120 }),
      422,
      'aip_vouch_expired',
    ],
    [
      'issued in the future',
      () => createVouch(alice, { subject: bob.did, scope: '*', now: NOW + 3600 }),
      422,
      'aip_object_not_yet_valid',
    ],
    [
      'with an unknown field',
      () => ({ ...createVouch(alice, { subject: bob.did, scope: '*', now: NOW }), note: 'x' }),
      400,
      'aip_vouch_malformed',
    ],
    [
      'with an invalid scope',
      () => ({ ...createVouch(alice, { subject: bob.did, scope: '*', now: NOW }), scope: 'tool:café' }),
      400,
      'aip_scope_invalid',
    ],
    [
      'naming a bad key',
      () => ({ ...createVouch(alice, { subject: bob.did, scope: '*', now: NOW }), subject: 'did:key:z6MkBogus' }),
      401,
      'aip_identity_unresolvable',
    ],
    ['of another type', () => createRevocation(alice, 'A'.repeat(43), { now: NOW }), 400, 'aip_vouch_malformed'],
    ['that is not an object', () => [1, 2, 3], 400, 'aip_request_invalid'],
  ])('refuses a vouch %s', async (_what, make, status, code) => {
    registry = testRegistry();
    const res = await post(registry.app, '/v1/vouches', make());
    expect(res.statusCode).toBe(status);
    expect(codeOf(res)).toBe(code);
    expect(res.json().error.message).not.toMatch(/\n|node_modules|\.[jt]s:\d+|Error:/);
    expect((await get(registry.app, '/v1/feed')).json().objects).toEqual([]);
  });

  it('refuses a replayed vouch: a duplicate, and a revoked one sent again', async () => {
    registry = testRegistry();
    const vouch = createVouch(alice, { subject: bob.did, scope: '*', now: NOW });
    await post(registry.app, '/v1/vouches', vouch);
    const dup = await post(registry.app, '/v1/vouches', vouch);
    expect(dup.statusCode).toBe(409);
    expect(codeOf(dup)).toBe('aip_object_duplicate');
    await post(registry.app, '/v1/revocations', createRevocation(alice, vouchId(vouch), { now: NOW }));
    const resurrect = await post(registry.app, '/v1/vouches', vouch);
    expect(resurrect.statusCode).toBe(409);
    expect(codeOf(resurrect)).toBe('aip_vouch_revoked');
    const score = (await get(registry.app, `/v1/trust/score?from=${alice.did}&to=${bob.did}`)).json();
    expect(score.score).toBe(0);
  });
});

describe('POST /v1/revocations', () => {
  it('revokes a stored vouch: the score drops to 0 and the revocation enters the feed', async () => {
    registry = testRegistry();
    const vouch = createVouch(alice, { subject: bob.did, scope: '*', now: NOW });
    await post(registry.app, '/v1/vouches', vouch);
    expect((await get(registry.app, `/v1/trust/score?from=${alice.did}&to=${bob.did}`)).json().score).toBe(1);
    const revocation = createRevocation(alice, vouchId(vouch), { now: NOW });
    const res = await post(registry.app, '/v1/revocations', revocation);
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ id: expect.any(String), vouch: vouchId(vouch), status: 'accepted' });
    expect((await get(registry.app, `/v1/trust/score?from=${alice.did}&to=${bob.did}`)).json().score).toBe(0);
    expect((await get(registry.app, '/v1/feed')).json().objects).toEqual([vouch, revocation]);
  });

  it('refuses a foreign revocation, an unknown vouch, a forgery, a duplicate and a second revocation', async () => {
    registry = testRegistry();
    const vouch = createVouch(alice, { subject: bob.did, scope: '*', now: NOW });
    await post(registry.app, '/v1/vouches', vouch);
    const foreign = await post(registry.app, '/v1/revocations', createRevocation(bob, vouchId(vouch), { now: NOW }));
    expect(foreign.statusCode).toBe(403);
    expect(codeOf(foreign)).toBe('aip_revocation_unauthorized');
    const unknown = await post(registry.app, '/v1/revocations', createRevocation(alice, 'A'.repeat(43), { now: NOW }));
    expect(unknown.statusCode).toBe(404);
    expect(codeOf(unknown)).toBe('aip_vouch_unknown');
    const forged = await post(registry.app, '/v1/revocations', {
      ...createRevocation(bob, vouchId(vouch), { now: NOW }),
      voucher: alice.did,
    });
    expect(forged.statusCode).toBe(401);
    expect(codeOf(forged)).toBe('aip_signature_invalid');
    const malformed = await post(registry.app, '/v1/revocations', {
      ...createRevocation(alice, vouchId(vouch)),
      vouch: 'x',
    });
    expect(codeOf(malformed)).toBe('aip_revocation_malformed');
    const revocation = createRevocation(alice, vouchId(vouch), { now: NOW });
    expect((await post(registry.app, '/v1/revocations', revocation)).statusCode).toBe(201);
    const dup = await post(registry.app, '/v1/revocations', revocation);
    expect(dup.statusCode).toBe(409);
    expect(codeOf(dup)).toBe('aip_object_duplicate');
    const second = await post(
      registry.app,
      '/v1/revocations',
      createRevocation(alice, vouchId(vouch), { now: NOW + 1 }),
    );
    expect(second.statusCode).toBe(409);
    expect(codeOf(second)).toBe('aip_vouch_revoked');
  });
});

describe('request limits', () => {
  it('refuses a body over the size limit (413), a non-JSON body (415) and broken JSON (400)', async () => {
    registry = testRegistry();
    const big = await registry.app.inject({
      method: 'POST',
      url: '/v1/vouches',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ statement: 'x'.repeat(20_000) }),
    });
    expect(big.statusCode).toBe(413);
    expect(codeOf(big)).toBe('aip_request_too_large');
    const text = await registry.app.inject({
      method: 'POST',
      url: '/v1/vouches',
      headers: { 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expect(text.statusCode).toBe(415);
    expect(codeOf(text)).toBe('aip_unsupported_media_type');
    const broken = await registry.app.inject({
      method: 'POST',
      url: '/v1/vouches',
      headers: { 'content-type': 'application/json' },
      payload: '{"type":',
    });
    expect(broken.statusCode).toBe(400);
    expect(codeOf(broken)).toBe('aip_request_invalid');
    const poisoned = await registry.app.inject({
      method: 'POST',
      url: '/v1/vouches',
      headers: { 'content-type': 'application/json' },
      payload: '{"__proto__":{"x":1}}',
    });
    expect(poisoned.statusCode).toBe(400);
    expect(codeOf(poisoned)).toBe('aip_request_invalid');
  });

  it('limits objects per identity, charging only objects that verify', async () => {
    registry = testRegistry({ identityLimit: 2 });
    // Forgeries in alice's name cost her nothing.
    for (let i = 0; i < 3; i++) {
      const forged = { ...createVouch(carol, { subject: bob.did, scope: '*', now: NOW }), voucher: alice.did };
      expect(codeOf(await post(registry.app, '/v1/vouches', forged))).toBe('aip_signature_invalid');
    }
    expect(
      (await post(registry.app, '/v1/vouches', createVouch(alice, { subject: bob.did, scope: '*', now: NOW })))
        .statusCode,
    ).toBe(201);
    expect((await post(registry.app, '/v1/agents', createProfile(alice, { name: 'a', now: NOW }))).statusCode).toBe(
      201,
    );
    const over = await post(
      registry.app,
      '/v1/vouches',
      createVouch(alice, { subject: carol.did, scope: '*', now: NOW }),
    );
    expect(over.statusCode).toBe(429);
    expect(codeOf(over)).toBe('aip_rate_limited');
    expect(Number(over.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // Others are unaffected.
    expect(
      (await post(registry.app, '/v1/vouches', createVouch(bob, { subject: carol.did, scope: '*', now: NOW })))
        .statusCode,
    ).toBe(201);
  });

  it('limits requests per client address, except the health check', async () => {
    registry = testRegistry({ ipLimit: 3 });
    for (let i = 0; i < 3; i++) expect((await get(registry.app, '/v1/stats')).statusCode).toBe(200);
    const over = await get(registry.app, '/v1/stats');
    expect(over.statusCode).toBe(429);
    expect(codeOf(over)).toBe('aip_rate_limited');
    expect(over.headers['retry-after']).toBeDefined();
    const other = await registry.app.inject({ method: 'GET', url: '/v1/stats', remoteAddress: '127.0.0.2' });
    expect(other.statusCode).toBe(200);
    expect((await get(registry.app, '/healthz')).statusCode).toBe(200);
  });
});
