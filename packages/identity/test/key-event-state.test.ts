import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  computeKeyState,
  createInception,
  createKeyRevocation,
  createRotation,
  describeLineage,
  encodeBase64Url,
  type Identity,
  KEY_EVENT_TYPE,
  type KeyEvent,
  type KeyEventState,
  keyCommitment,
  keyEventId,
  type RotationEvent,
  signingInput,
  type VerifiedKeyEvent,
  verifyKeyEvent,
} from '../src/index.js';
import { keys, pinnedEvents, seededIdentity, T0, thief } from './fixtures/key-event-lineage.js';

const { k0, k1, k2, k3 } = keys;
const verified = (events: Iterable<KeyEvent>): VerifiedKeyEvent[] => [...events].map((e) => verifyKeyEvent(e));
const stateOf = (events: Iterable<KeyEvent>) => computeKeyState(verified(events));

/** A rotation signed by whoever holds `signer`, with any claims: what a thief can produce. */
function forgeRotation(signer: Identity, claims: { prior: string; prev: string; next: Uint8Array; iat: number }) {
  const unsigned = {
    type: KEY_EVENT_TYPE,
    event: 'rotation' as const,
    prior: claims.prior,
    prev: claims.prev,
    key: signer.did,
    next: keyCommitment(claims.next),
    iat: claims.iat,
  };
  return {
    ...unsigned,
    signature: encodeBase64Url(signer.sign(signingInput(KEY_EVENT_TYPE, unsigned))),
  } as RotationEvent;
}

/** Everything the state says about the keys involved, for comparing two states. */
function snapshot(state: KeyEventState, dids: readonly string[]) {
  return {
    lineages: state.lineages(),
    keys: dids.map((did) => state.key(did)),
    current: dids.map((did) => state.currentKey(did)),
  };
}

const ALL = [k0.did, k1.did, k2.did, k3.did, thief.did];

describe('computeKeyState on the pinned lineage', () => {
  const events = pinnedEvents();
  const state = stateOf(Object.values(events));

  it('walks inception, rotation, rotation to the current key and its next commitment', () => {
    expect(state.lineage(k1.did)).toEqual({
      root: k0.did,
      keys: [k0.did, k1.did, k2.did],
      current: k2.did,
      next: keyCommitment(k3.publicKey),
      frozen: false,
    });
    expect(state.currentKey(k0.did)).toBe(k2.did);
    expect(state.currentKey(thief.did)).toBe(thief.did);
    expect(state.size).toBe(6);
  });

  it('records rotations and revocations (by the key itself, or by its committed next key)', () => {
    expect(state.key(k0.did)).toMatchObject({
      lineage: k0.did,
      rotatedAt: T0 + 100,
      successor: k1.did,
      revoked: {
        at: T0 + 50,
        cause: 'revoked',
        reason: 'key leaked',
        event: keyEventId(events.revocationByNext as KeyEvent),
      },
    });
    expect(state.key(k2.did)?.revoked).toMatchObject({ at: T0 + 300, cause: 'revoked' });
    expect(state.revokedKeys()).toEqual([k0.did, k2.did].sort());
  });

  it('ignores a revocation signed by the previous key (k0 may not revoke its successor k1)', () => {
    expect(state.key(k1.did)?.revoked).toBeUndefined();
  });

  it('refuses a rotated-away key for objects issued from the rotation on, a revoked key for everything', () => {
    expect(state.refusal(k1.did, T0 + 199)).toBeUndefined();
    expect(state.refusal(k1.did, T0 + 200)).toBe('rotated');
    expect(state.refusal(k0.did, 0)).toBe('revoked');
    expect(state.refusal(k2.did, T0 + 250)).toBe('revoked');
    expect(state.refusal(thief.did, T0)).toBeUndefined();
  });
});

describe('describeLineage', () => {
  it('reports each key of the lineage with its status, as the CLI and the registry show it', () => {
    const events = pinnedEvents();
    const view = describeLineage(stateOf(Object.values(events)), k1.did);
    expect(view).toMatchObject({ did: k1.did, root: k0.did, current: k2.did, next_committed: true, frozen: false });
    expect(view.keys.map((k) => [k.did, k.status])).toEqual([
      [k0.did, 'revoked'],
      [k1.did, 'rotated'],
      [k2.did, 'revoked'],
    ]);
    expect(view.keys[0]).toMatchObject({
      rotated_at: T0 + 100,
      revoked_at: T0 + 50,
      cause: 'revoked',
      reason: 'key leaked',
    });
    expect(view.keys[1]).toMatchObject({ rotated_at: T0 + 200 });
    expect(view.keys[1]).not.toHaveProperty('revoked_at');
  });

  it('reports a key no event names as its own current key', () => {
    expect(describeLineage(stateOf([]), thief.did)).toEqual({
      did: thief.did,
      root: null,
      current: thief.did,
      next_committed: false,
      frozen: false,
      keys: [{ did: thief.did, status: 'current' }],
    });
  });
});

describe('computeKeyState rules', () => {
  const inception = createInception(k0, { next: k1.publicKey, now: T0 });

  it('lets any did:key revoke itself without a lineage, and ignores others revoking it', () => {
    const lone = seededIdentity(20);
    const state = stateOf([createKeyRevocation(thief, { key: lone.did, now: T0 })]);
    expect(state.key(lone.did)).toBeUndefined();
    expect(stateOf([createKeyRevocation(lone, { now: T0 })]).refusal(lone.did, T0)).toBe('revoked');
  });

  it('keeps rotating after the working key is revoked: the owner revokes then rotates with the recovery key', () => {
    const revoke = createKeyRevocation(k1, { key: k0.did, now: T0 + 10 });
    const rotate = createRotation(k1, { established: inception, next: k2.publicKey, now: T0 + 11 });
    const state = stateOf([rotate, revoke, inception]);
    expect(state.lineage(k0.did)?.current).toBe(k1.did);
    expect(state.refusal(k0.did, T0)).toBe('revoked');
    expect(state.refusal(k1.did, T0 + 12)).toBeUndefined();
  });

  it('ignores a rotation dated before the event that established its prior key', () => {
    const early = createRotation(k1, { established: inception, next: k2.publicKey, now: T0 - 1 });
    expect(stateOf([inception, early]).lineage(k0.did)?.keys).toEqual([k0.did]);
  });

  it('revokes a key that commits to two successors and freezes its lineage', () => {
    const a = createRotation(k1, { established: inception, next: k2.publicKey, now: T0 + 1 });
    const b = createRotation(k1, { established: inception, next: k3.publicKey, now: T0 + 2 });
    const state = stateOf([inception, a, b]);
    expect(state.lineage(k0.did)).toMatchObject({ keys: [k0.did, k1.did], frozen: true, next: undefined });
    expect(state.key(k1.did)?.revoked).toEqual({ at: T0 + 1, cause: 'duplicity' });
    expect(state.key(k0.did)?.rotatedAt).toBe(T0 + 1);
  });

  it('revokes a key with two inceptions and honours no rotation from either', () => {
    const forged = createInception(k0, { next: thief.publicKey, now: T0 - 100 });
    const owner = createRotation(k1, { established: inception, next: k2.publicKey, now: T0 + 1 });
    const theft = forgeRotation(thief, { prior: k0.did, prev: keyEventId(forged), next: thief.publicKey, iat: T0 + 1 });
    const state = stateOf([inception, forged, owner, theft]);
    expect(state.lineage(k0.did)).toMatchObject({ keys: [k0.did], frozen: true, next: undefined });
    expect(state.refusal(k0.did, T0)).toBe('revoked');
    expect(state.key(thief.did)).toBeUndefined();
  });

  it('revokes a key established in two lineages (its own inception and a rotation)', () => {
    const rotate = createRotation(k1, { established: inception, next: k2.publicKey, now: T0 + 1 });
    const second = createInception(k1, { next: k3.publicKey, now: T0 + 2 });
    const state = stateOf([inception, rotate, second]);
    expect(state.key(k1.did)).toMatchObject({ lineage: k0.did, revoked: { cause: 'duplicity' } });
    expect(state.lineage(k1.did)).toMatchObject({ root: k0.did, frozen: true });
  });
});

describe('computeKeyState properties', () => {
  const events = Object.values(pinnedEvents());

  it('depends on the set of events only: any order, any duplicates', () => {
    const expected = snapshot(stateOf(events), ALL);
    const all = verified(events);
    fc.assert(
      fc.property(fc.shuffledSubarray([...all, ...all], { minLength: all.length * 2 }), (shuffled) => {
        expect(snapshot(computeKeyState(shuffled), ALL)).toEqual(expected);
      }),
      { numRuns: 50 },
    );
  });

  // Events a thief holding only the working key k0 can make: anything signed by k0 or by keys of
  // his own, naming any key, any predecessor and any commitment.
  const owner = [
    createInception(k0, { next: k1.publicKey, now: T0 }),
    createRotation(k1, {
      established: createInception(k0, { next: k1.publicKey, now: T0 }),
      next: k2.publicKey,
      now: T0 + 100,
    }),
  ];
  const ownerIds = owner.map((e) => keyEventId(e));
  const thieves = [thief, seededIdentity(10), seededIdentity(11)];
  const signerArb = fc.constantFrom(k0, ...thieves);
  const namedArb = fc.constantFrom(k0.did, k1.did, k2.did, ...thieves.map((t) => t.did));
  const committedArb = fc.constantFrom(...thieves.map((t) => t.publicKey));
  const prevArb = fc.constantFrom(...ownerIds);
  const iatArb = fc.integer({ min: T0 - 1000, max: T0 + 1000 });
  const thiefEventArb: fc.Arbitrary<KeyEvent> = fc.oneof(
    fc
      .record({ signer: signerArb, next: committedArb, iat: iatArb })
      .map(({ signer, next, iat }) => createInception(signer, { next, now: iat })),
    fc
      .record({ signer: signerArb, prior: namedArb, prev: prevArb, next: committedArb, iat: iatArb })
      .filter(({ signer, prior }) => signer.did !== prior)
      .map(({ signer, ...claims }) => forgeRotation(signer, claims)),
    fc
      .record({ signer: signerArb, key: namedArb, iat: iatArb })
      .map(({ signer, key, iat }) => createKeyRevocation(signer, { key, reason: 'compromised', now: iat })),
  );

  it('never lets a thief holding only the working key rotate or revoke-and-replace', () => {
    fc.assert(
      fc.property(fc.array(thiefEventArb, { maxLength: 8 }), (theft) => {
        const state = stateOf([...owner, ...theft]);
        const thiefDids = new Set(thieves.map((t) => t.did));
        for (const lineage of state.lineages()) {
          if (lineage.root === k0.did) {
            // The lineage is the owner's, possibly frozen, never extended by a thief's key.
            for (const key of lineage.keys) expect(thiefDids.has(key)).toBe(false);
          }
        }
        expect(thiefDids.has(state.currentKey(k0.did))).toBe(false);
        // The recovery key k1 is revoked only by duplicity a thief cannot cause without k1's signature.
        expect(state.key(k1.did)?.revoked).toBeUndefined();
        // The owner's k1 stays current unless k0's inception was forked (then nobody can rotate).
        const frozenByFork = theft.some((e) => e.event === 'inception' && e.key === k0.did);
        expect(state.currentKey(k0.did)).toBe(frozenByFork ? k0.did : k1.did);
      }),
      { numRuns: 100 },
    );
  });
});
