import { createRevocation, createVouch, vouchId } from '@aip/trust';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createProfile, createRegistration, verifyProfile } from '../src/index.js';
import { codeOf, get, identities, NOW, post, type TestRegistry, testRegistry } from './helpers.js';

let registry: TestRegistry;
afterEach(async () => registry.close());

const { alice, bob, carol } = identities('alice', 'bob', 'carol');

async function challenge(did: string): Promise<string> {
  const res = await post(registry.app, '/v1/challenges', { did });
  expect(res.statusCode).toBe(201);
  return res.json().challenge;
}

describe('POST /v1/challenges', () => {
  it('issues a single-use challenge bound to the did, expiring after two minutes', async () => {
    registry = testRegistry();
    const res = await post(registry.app, '/v1/challenges', { did: alice.did });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({
      challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      did: alice.did,
      expires_at: NOW + 120,
    });
  });

  it('refuses a missing or unacceptable did', async () => {
    registry = testRegistry();
    expect(codeOf(await post(registry.app, '/v1/challenges', {}))).toBe('aip_request_invalid');
    expect(codeOf(await post(registry.app, '/v1/challenges', { did: 'did:web:example.com' }))).toBe(
      'aip_request_invalid',
    );
    const bad = await post(registry.app, '/v1/challenges', { did: 'did:key:z6MkBogus' });
    expect(bad.statusCode).toBe(400);
    expect(codeOf(bad)).toBe('aip_request_invalid');
  });
});

describe('POST /v1/agents', () => {
  it('registers a signed profile (its signature proves key possession)', async () => {
    registry = testRegistry();
    const profile = createProfile(alice, { name: 'alice', description: 'plans', now: NOW });
    const res = await post(registry.app, '/v1/agents', profile);
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({
      id: verifyProfile(profile, { now: NOW }).id,
      did: alice.did,
      status: 'accepted',
      replaced: null,
    });
    const agent = (await get(registry.app, `/v1/agents/${alice.did}`)).json();
    expect(agent.profile).toEqual(profile);
    expect(agent.name).toBe('alice');
    expect(agent.platform).toBeNull();
  });

  it('serves a self-asserted platform claim as the profile states it', async () => {
    registry = testRegistry();
    const profile = createProfile(alice, { name: 'alice', platform: 'github/alice-agent', now: NOW });
    expect((await post(registry.app, '/v1/agents', profile)).statusCode).toBe(201);
    const agent = (await get(registry.app, `/v1/agents/${alice.did}`)).json();
    expect(agent.platform).toBe('github/alice-agent');
    expect(agent.profile.platform).toBe('github/alice-agent');
    const found = (await get(registry.app, '/v1/agents?q=alice')).json();
    expect(JSON.stringify(found)).toContain('github/alice-agent');
  });

  it('registers through a challenge-response, and refuses the challenge a second time', async () => {
    registry = testRegistry({ requireChallenge: true });
    const profile = createProfile(alice, { name: 'alice', now: NOW });
    const { id } = verifyProfile(profile, { now: NOW });
    const issued = await challenge(alice.did);
    const registration = createRegistration(alice, { challenge: issued, profile: id, now: NOW });
    const ok = await post(registry.app, '/v1/agents', { profile, registration });
    expect(ok.statusCode).toBe(201);
    const newer = createProfile(alice, { name: 'alice 2', now: NOW + 1 });
    const replay = createRegistration(alice, {
      challenge: issued,
      profile: verifyProfile(newer, { now: NOW + 1 }).id,
      now: NOW,
    });
    const again = await post(registry.app, '/v1/agents', { profile: newer, registration: replay });
    expect(again.statusCode).toBe(401);
    expect(codeOf(again)).toBe('aip_challenge_invalid');
  });

  it('requires the challenge-response when configured to', async () => {
    registry = testRegistry({ requireChallenge: true });
    const res = await post(registry.app, '/v1/agents', createProfile(alice, { name: 'alice', now: NOW }));
    expect(res.statusCode).toBe(401);
    expect(codeOf(res)).toBe('aip_challenge_required');
  });

  it('refuses an expired challenge, one issued to another agent, and a registration for another profile', async () => {
    let clock = NOW;
    registry = testRegistry({ now: () => clock, challengeTtl: 30 });
    const profile = createProfile(alice, { name: 'alice', now: NOW });
    const { id } = verifyProfile(profile, { now: NOW });
    const expired = await challenge(alice.did);
    clock = NOW + 30;
    const late = await post(registry.app, '/v1/agents', {
      profile,
      registration: createRegistration(alice, { challenge: expired, profile: id, now: NOW }),
    });
    expect(codeOf(late)).toBe('aip_challenge_invalid');
    const bobs = await challenge(bob.did);
    const stolen = await post(registry.app, '/v1/agents', {
      profile,
      registration: createRegistration(alice, { challenge: bobs, profile: id, now: NOW }),
    });
    expect(codeOf(stolen)).toBe('aip_challenge_invalid');
    const mismatched = await post(registry.app, '/v1/agents', {
      profile,
      registration: createRegistration(alice, { challenge: await challenge(alice.did), profile: 'A'.repeat(43) }),
    });
    expect(mismatched.statusCode).toBe(400);
    expect(codeOf(mismatched)).toBe('aip_registration_malformed');
    const foreign = await post(registry.app, '/v1/agents', {
      profile,
      registration: createRegistration(bob, { challenge: await challenge(bob.did), profile: id }),
    });
    expect(codeOf(foreign)).toBe('aip_registration_malformed');
    const forged = await post(registry.app, '/v1/agents', {
      profile,
      registration: {
        ...createRegistration(bob, { challenge: await challenge(alice.did), profile: id }),
        did: alice.did,
      },
    });
    expect(forged.statusCode).toBe(401);
    expect(codeOf(forged)).toBe('aip_signature_invalid');
  });

  it('replaces a profile with a newer one, refuses an older one and a duplicate', async () => {
    registry = testRegistry();
    const v1 = createProfile(alice, { name: 'alice', now: NOW - 10 });
    const v2 = createProfile(alice, { name: 'alice (v2)', now: NOW });
    expect((await post(registry.app, '/v1/agents', v1)).statusCode).toBe(201);
    const replaced = await post(registry.app, '/v1/agents', v2);
    expect(replaced.json().replaced).toBe(verifyProfile(v1, { now: NOW }).id);
    const old = await post(registry.app, '/v1/agents', v1);
    expect(old.statusCode).toBe(409);
    expect(codeOf(old)).toBe('aip_profile_outdated');
    const same = createProfile(alice, { name: 'alice (v2, same second)', now: NOW });
    expect(codeOf(await post(registry.app, '/v1/agents', same))).toBe('aip_profile_outdated');
    const dup = await post(registry.app, '/v1/agents', v2);
    expect(dup.statusCode).toBe(409);
    expect(codeOf(dup)).toBe('aip_object_duplicate');
    const feed = (await get(registry.app, '/v1/feed')).json();
    expect(feed.objects).toEqual([v2]);
  });

  it.each([
    [
      'forged (signed by another key)',
      () => ({ ...createProfile(bob, { name: 'alice', now: NOW }), did: alice.did }),
      401,
      'aip_signature_invalid',
    ],
    [
      'tampered after signing',
      () => ({ ...createProfile(alice, { name: 'alice', now: NOW }), name: 'mallory' }),
      401,
      'aip_signature_invalid',
    ],
    [
      'issued in the future',
      () => createProfile(alice, { name: 'alice', now: NOW + 3600 }),
      422,
      'aip_object_not_yet_valid',
    ],
    [
      'malformed',
      () => ({ ...createProfile(alice, { name: 'alice', now: NOW }), endpoints: ['javascript:alert(1)'] }),
      400,
      'aip_profile_malformed',
    ],
    [
      'wrapped with unknown members',
      () => ({ profile: createProfile(alice, { name: 'alice', now: NOW }), note: 'x' }),
      400,
      'aip_profile_malformed',
    ],
    ['not a profile', () => ({ hello: 'world' }), 400, 'aip_profile_malformed'],
  ])('refuses a profile %s', async (_what, make, status, code) => {
    registry = testRegistry();
    const res = await post(registry.app, '/v1/agents', make());
    expect(res.statusCode).toBe(status);
    expect(codeOf(res)).toBe(code);
    expect((await get(registry.app, '/v1/feed')).json().objects).toEqual([]);
  });
});

describe('GET /v1/agents and /v1/agents/:did', () => {
  async function populate() {
    registry = testRegistry();
    await post(
      registry.app,
      '/v1/agents',
      createProfile(alice, { name: 'Alice Planner', description: 'plans trips', now: NOW }),
    );
    await post(
      registry.app,
      '/v1/agents',
      createProfile(bob, { name: 'bob_100%', description: 'searches for alice', now: NOW }),
    );
    const ab = createVouch(alice, { subject: bob.did, scope: 'tool:search', weight: 0.8, now: NOW });
    const cb = createVouch(carol, { subject: bob.did, scope: '*', now: NOW });
    const ba = createVouch(bob, { subject: alice.did, scope: '*', now: NOW });
    for (const vouch of [ab, cb, ba]) expect((await post(registry.app, '/v1/vouches', vouch)).statusCode).toBe(201);
    expect(
      (await post(registry.app, '/v1/revocations', createRevocation(carol, vouchId(cb), { now: NOW }))).statusCode,
    ).toBe(201);
    return { ab, cb, ba };
  }

  it('finds agents by name, description or DID, exact DID and name prefixes first', async () => {
    await populate();
    const names = async (q: string) =>
      (
        (await get(registry.app, `/v1/agents?q=${encodeURIComponent(q)}`)).json().agents as { name: string | null }[]
      ).map((a) => a.name);
    expect(await names('alice')).toEqual(['Alice Planner', 'bob_100%']);
    expect(await names('PLAN')).toEqual(['Alice Planner']);
    expect(await names(bob.did)).toEqual(['bob_100%']);
    expect(await names('%')).toEqual(['bob_100%']);
    expect(await names('_')).toEqual(['bob_100%']);
    expect(await names('nobody')).toEqual([]);
    expect(await names('')).toEqual(['bob_100%', 'Alice Planner']);
    expect(await names(carol.did.slice(0, 30))).toEqual(expect.arrayContaining([null]));
    const [summary] = (await get(registry.app, `/v1/agents?q=${bob.did}`)).json().agents;
    expect(summary).toEqual({
      did: bob.did,
      name: 'bob_100%',
      description: 'searches for alice',
      endpoints: [],
      platform: null,
      vouches_in: 1,
      vouches_out: 1,
    });
  });

  it('bounds the query and the page size', async () => {
    registry = testRegistry();
    expect(codeOf(await get(registry.app, `/v1/agents?q=${'x'.repeat(201)}`))).toBe('aip_request_invalid');
    expect(codeOf(await get(registry.app, '/v1/agents?limit=0'))).toBe('aip_request_invalid');
    expect(codeOf(await get(registry.app, '/v1/agents?limit=101'))).toBe('aip_request_invalid');
  });

  it('shows an agent with its profile and the vouches it received and gave, revocations marked', async () => {
    const { ab, cb, ba } = await populate();
    const res = await get(registry.app, `/v1/agents/${bob.did}`);
    expect(res.statusCode).toBe(200);
    const agent = res.json();
    expect(agent.vouches_in).toBe(1);
    expect(agent.vouches_out).toBe(1);
    expect(agent.vouches_received).toEqual([
      { id: vouchId(cb), revoked: true, vouch: cb },
      { id: vouchId(ab), revoked: false, vouch: ab },
    ]);
    expect(agent.vouches_given).toEqual([{ id: vouchId(ba), revoked: false, vouch: ba }]);
    expect(agent.withheld).toBe(0);
    const limited = (await get(registry.app, `/v1/agents/${bob.did}?limit=1`)).json();
    expect(limited.vouches_received).toHaveLength(1);
    // An agent known only from vouches has no profile.
    const onlyVouches = (await get(registry.app, `/v1/agents/${carol.did}`)).json();
    expect(onlyVouches).toMatchObject({ did: carol.did, name: null, profile: null, vouches_in: 0, vouches_out: 0 });
  });

  it('answers 404 for an unknown agent and 400 for something that is not a DID', async () => {
    registry = testRegistry();
    const unknown = await get(registry.app, `/v1/agents/${alice.did}`);
    expect(unknown.statusCode).toBe(404);
    expect(codeOf(unknown)).toBe('aip_agent_unknown');
    const bad = await get(registry.app, '/v1/agents/did:web:example.com');
    expect(bad.statusCode).toBe(400);
    expect(codeOf(bad)).toBe('aip_request_invalid');
  });

  it('withholds stored objects that no longer verify: an altered database cannot make it forge', async () => {
    await populate();
    const db = new Database(registry.db);
    db.prepare(
      'UPDATE vouches SET object = replace(object, \'"weight":0.8\', \'"weight":1\') WHERE object LIKE \'%"weight":0.8%\'',
    ).run();
    db.prepare("UPDATE registry_profiles SET object = replace(object, 'Alice Planner', 'Alice Banker')").run();
    db.close();
    const agent = (await get(registry.app, `/v1/agents/${bob.did}`)).json();
    expect(agent.withheld).toBe(1);
    expect(agent.vouches_received.map((v: { vouch: { weight: number } }) => v.vouch.weight)).toEqual([1]);
    const alices = (await get(registry.app, `/v1/agents/${alice.did}`)).json();
    expect(alices.profile).toBeNull();
    expect(alices.name).toBeNull();
  });
});
