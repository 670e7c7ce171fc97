import { createInception, createKeyRevocation, createRotation, keyEventId } from '@aip/identity';
import { afterEach, describe, expect, it } from 'vitest';
import { codeOf, get, identities, NOW, post, type TestRegistry, testRegistry } from './helpers.js';

let registry: TestRegistry;
afterEach(async () => registry.close());

const { working, recovery, following, thief } = identities('working', 'recovery', 'following', 'thief');
const inception = createInception(working, { next: recovery.publicKey, now: NOW - 100 });
const revocation = createKeyRevocation(recovery, { key: working.did, reason: 'leaked', now: NOW - 60 });
const rotation = createRotation(recovery, { established: inception, next: following.publicKey, now: NOW - 50 });

describe('POST /v1/key-events', () => {
  it('stores verified key events once and refuses forged, malformed and future ones', async () => {
    registry = testRegistry();
    const res = await post(registry.app, '/v1/key-events', inception);
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ id: keyEventId(inception), status: 'accepted' });
    const again = await post(registry.app, '/v1/key-events', inception);
    expect([again.statusCode, codeOf(again)]).toEqual([409, 'aip_object_duplicate']);
    const forged = await post(registry.app, '/v1/key-events', { ...inception, next: rotation.next });
    expect([forged.statusCode, codeOf(forged)]).toEqual([401, 'aip_signature_invalid']);
    const malformed = await post(registry.app, '/v1/key-events', { ...inception, extra: 1 });
    expect([malformed.statusCode, codeOf(malformed)]).toEqual([400, 'aip_key_event_malformed']);
    const future = createInception(thief, { next: thief.publicKey, now: NOW + 3600 });
    const early = await post(registry.app, '/v1/key-events', future);
    expect([early.statusCode, codeOf(early)]).toEqual([422, 'aip_object_not_yet_valid']);
  });
});

describe('GET /v1/key-events and /v1/agents/:did/lineage', () => {
  it('lists the events in arrival order, a page at a time', async () => {
    registry = testRegistry();
    for (const event of [inception, revocation, rotation]) await post(registry.app, '/v1/key-events', event);
    const first = (await get(registry.app, '/v1/key-events?limit=2')).json();
    expect(first).toEqual({ events: [inception, revocation], next: 2 });
    expect((await get(registry.app, '/v1/key-events?after=2')).json()).toEqual({ events: [rotation], next: null });
  });

  it("shows an agent's lineage from any of its keys, and ignores a thief's rotation", async () => {
    registry = testRegistry();
    const forged = createInception(thief, { next: thief.publicKey, now: NOW - 10 });
    for (const event of [inception, revocation, rotation, forged]) await post(registry.app, '/v1/key-events', event);
    const view = (await get(registry.app, `/v1/agents/${encodeURIComponent(working.did)}/lineage`)).json();
    expect(view).toMatchObject({
      did: working.did,
      root: working.did,
      current: recovery.did,
      next_committed: true,
      frozen: false,
      keys: [
        { did: working.did, status: 'revoked', cause: 'revoked', reason: 'leaked', rotated_at: NOW - 50 },
        { did: recovery.did, status: 'current', established_at: NOW - 50 },
      ],
      events: [inception, revocation, rotation],
    });
    expect((await get(registry.app, `/v1/agents/${encodeURIComponent(recovery.did)}/lineage`)).json().root).toBe(
      working.did,
    );
    const none = (await get(registry.app, `/v1/agents/${encodeURIComponent(following.did)}/lineage`)).json();
    expect(none).toMatchObject({
      root: null,
      current: following.did,
      keys: [{ did: following.did, status: 'current' }],
    });
  });
});
