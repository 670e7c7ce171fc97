// One contract for the registry's stores (DESIGN §9, CONVENTIONS 15): the embedded SQLite log and
// the PostgreSQL log shared by replicas give the same answers to the same writes — duplicates,
// revocation rules, profile replacement, the feed's order and pages; the challenge stores in
// memory, in PostgreSQL and in Redis agree, and so do the per-identity allowances in memory and in
// Redis. Each contract is written once and run against every implementation.
import { generateIdentity, type Identity } from '@aip/identity';
import {
  ChallengeBook,
  type ChallengeStore,
  createProfile,
  type IdentityAllowance,
  IdentityLimiter,
  openPostgresRegistry,
  openRedisState,
  openRegistryStore,
  type PostgresRegistry,
  type RedisState,
  type RegistryLog,
  SharedIdentityLimiter,
  SqliteRegistryLog,
  verifyProfile,
} from '@aip/registry';
import { createRevocation, createVouch, verifyRevocation, verifyVouch } from '@aip/trust';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../fixtures/registry-databases.js';
import { type RunningService, servicesMissing, startPostgres, startRedis } from '../fixtures/services.js';

const NOW = 1_800_000_000;

interface Subject {
  log: RegistryLog;
  close(): Promise<void>;
}

const missing = servicesMissing();

function contract(open: () => Promise<Subject>): void {
  let subject: Subject;
  let alice: Identity;
  let bob: Identity;
  const vouch = (by: Identity, to: Identity, scope = 'tool:search', now = NOW) =>
    verifyVouch(createVouch(by, { subject: to.did, scope, now }), { now });
  const revocation = (by: Identity, id: string, now = NOW) =>
    verifyRevocation(createRevocation(by, id, { now }), { now });
  const profile = (who: Identity, name: string, now = NOW) => verifyProfile(createProfile(who, { name, now }), { now });
  const feedTexts = async () => (await subject.log.feed(0, 1000)).map((row) => row.object);

  beforeAll(() => {
    alice = generateIdentity();
    bob = generateIdentity();
  });
  afterEach(async () => {
    await subject?.close();
  });

  it('stores a vouch once and serves its signed text verbatim in the feed', async () => {
    subject = await open();
    const v = vouch(alice, bob);
    expect(await subject.log.publishVouch(v, NOW)).toEqual({ status: 'accepted' });
    expect(await subject.log.publishVouch(v, NOW)).toEqual({ status: 'duplicate' });
    expect(await feedTexts()).toEqual([v.canonical]);
    expect(await subject.log.latestSeq()).toBe((await subject.log.feed(0, 10))[0]?.seq);
  });

  it('revokes a vouch for good: the vouch sent again stays revoked, a second revocation is refused', async () => {
    subject = await open();
    const v = vouch(alice, bob);
    await subject.log.publishVouch(v, NOW);
    const r = revocation(alice, v.id);
    expect(await subject.log.publishRevocation(r, NOW)).toEqual({ status: 'accepted', vouch: v.id });
    expect(await subject.log.publishRevocation(r, NOW)).toEqual({ status: 'duplicate', vouch: v.id });
    expect(await subject.log.publishVouch(v, NOW)).toEqual({ status: 'revoked' });
    const again = revocation(alice, v.id, NOW + 1);
    expect(await subject.log.publishRevocation(again, NOW + 1)).toEqual({ status: 'vouch_revoked', vouch: v.id });
    expect(await feedTexts()).toEqual([v.canonical, r.canonical]);
  });

  it('refuses, storing nothing, a revocation of an unknown vouch or by someone other than its voucher', async () => {
    subject = await open();
    const v = vouch(alice, bob);
    await subject.log.publishVouch(v, NOW);
    const unknown = revocation(alice, vouch(alice, bob, 'tool:other').id);
    expect((await subject.log.publishRevocation(unknown, NOW)).status).toBe('vouch_unknown');
    expect((await subject.log.publishRevocation(revocation(bob, v.id), NOW)).status).toBe('unauthorized');
    expect(await feedTexts()).toEqual([v.canonical]);
    // The voucher can still revoke it.
    expect((await subject.log.publishRevocation(revocation(alice, v.id), NOW)).status).toBe('accepted');
  });

  it('replaces a profile only with a newer one, which moves to the end of the feed', async () => {
    subject = await open();
    const first = profile(alice, 'alice');
    expect(await subject.log.publishProfile(first, NOW)).toEqual({ status: 'accepted', id: first.id, replaced: null });
    expect(await subject.log.publishProfile(first, NOW)).toEqual({ status: 'duplicate', id: first.id, replaced: null });
    const v = vouch(alice, bob);
    await subject.log.publishVouch(v, NOW);
    const newer = profile(alice, 'alice v2', NOW + 10);
    expect(await subject.log.publishProfile(newer, NOW + 10)).toEqual({
      status: 'accepted',
      id: newer.id,
      replaced: first.id,
    });
    expect(await feedTexts()).toEqual([v.canonical, newer.canonical]);
    const older = profile(alice, 'alice v0', NOW - 10);
    await expect(subject.log.publishProfile(older, NOW)).rejects.toMatchObject({ code: 'aip_profile_outdated' });
    const same = profile(alice, 'alice v2 bis', NOW + 10);
    await expect(subject.log.publishProfile(same, NOW)).rejects.toMatchObject({ code: 'aip_profile_outdated' });
    expect(await feedTexts()).toEqual([v.canonical, newer.canonical]);
  });

  it('pages the feed in arrival order with increasing positions that a cursor continues from', async () => {
    subject = await open();
    const written: string[] = [];
    for (let i = 0; i < 7; i++) {
      const v = vouch(alice, bob, `tool:t${i}`);
      await subject.log.publishVouch(v, NOW);
      written.push(v.canonical);
      if (i === 3) {
        const p = profile(bob, 'bob');
        await subject.log.publishProfile(p, NOW);
        written.push(p.canonical);
      }
    }
    const seen: string[] = [];
    let since = 0;
    let last = 0;
    for (;;) {
      const page = await subject.log.feed(since, 3);
      if (page.length === 0) break;
      for (const row of page) {
        expect(row.seq).toBeGreaterThan(last);
        last = row.seq;
        seen.push(row.object);
      }
      since = last;
    }
    expect(seen).toEqual(written);
    expect(await subject.log.latestSeq()).toBe(last);
    expect(subject.log.feedEpoch).toMatch(/^[0-9a-f]{32}$/);
  });
}

function challengeContract(open: () => Promise<ChallengeStore>, close: () => Promise<void> = async () => {}): void {
  let challenges: ChallengeStore;
  const alice = generateIdentity();
  const bob = generateIdentity();
  afterEach(close);

  it('uses each challenge once, only for its agent and before it expires', async () => {
    challenges = await open();
    const issued = await challenges.issue(alice.did, NOW);
    expect(issued).toEqual({
      challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      did: alice.did,
      expires_at: NOW + 120,
    });
    await challenges.consume(issued.challenge, alice.did, NOW + 10);
    await expect(challenges.consume(issued.challenge, alice.did, NOW + 10)).rejects.toMatchObject({
      code: 'aip_challenge_invalid',
    });
    const late = await challenges.issue(alice.did, NOW);
    await expect(challenges.consume(late.challenge, alice.did, NOW + 120)).rejects.toMatchObject({
      code: 'aip_challenge_invalid',
    });
    const theirs = await challenges.issue(bob.did, NOW);
    await expect(challenges.consume(theirs.challenge, alice.did, NOW)).rejects.toMatchObject({
      code: 'aip_challenge_invalid',
    });
    // Refused for another agent, it is used up all the same.
    await expect(challenges.consume(theirs.challenge, bob.did, NOW)).rejects.toMatchObject({
      code: 'aip_challenge_invalid',
    });
    await expect(challenges.consume('A'.repeat(43), alice.did, NOW)).rejects.toMatchObject({
      code: 'aip_challenge_invalid',
    });
  });
}

function allowanceContract(open: () => Promise<IdentityAllowance>): void {
  const t = NOW * 1000;

  it('allows perMinute objects a minute per identity, then refuses with a Retry-After until it refills', async () => {
    const allowance = await open();
    const alice = generateIdentity();
    const bob = generateIdentity();
    for (let i = 0; i < 3; i++) {
      await allowance.check(alice.did, t);
      await allowance.take(alice.did, t);
    }
    await expect(Promise.resolve().then(() => allowance.check(alice.did, t))).rejects.toMatchObject({
      code: 'aip_rate_limited',
      retryAfter: 20,
    });
    // Another identity has its own allowance; a third of a minute gives one object back.
    await allowance.check(bob.did, t);
    await allowance.check(alice.did, t + 20_000);
  });

  it('charges nothing for a check', async () => {
    const allowance = await open();
    const alice = generateIdentity();
    for (let i = 0; i < 10; i++) await allowance.check(alice.did, t);
    await allowance.take(alice.did, t);
    await allowance.check(alice.did, t);
  });
}

describe('the embedded registry store (SQLite)', () => {
  contract(async () => {
    const store = openRegistryStore({ path: ':memory:' });
    return { log: new SqliteRegistryLog(store), close: async () => store.close() };
  });
  describe('challenges in memory', () => challengeContract(async () => new ChallengeBook()));
  describe('identity allowances in memory', () => allowanceContract(async () => new IdentityLimiter(3)));
});

describe.skipIf(missing !== undefined)('the shared registry store (PostgreSQL)', () => {
  let server: RunningService;
  beforeAll(async () => {
    server = await startPostgres();
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });
  let shared: PostgresRegistry | undefined;
  contract(async () => {
    const opened = await openPostgresRegistry({ url: await freshDatabase(server.url) });
    return { log: opened.log, close: () => opened.close() };
  });
  describe('challenges in PostgreSQL', () =>
    challengeContract(
      async () => {
        shared = await openPostgresRegistry({ url: await freshDatabase(server.url) });
        return shared.challenges;
      },
      async () => shared?.close(),
    ));
});

describe.skipIf(missing !== undefined)('the shared state (Redis)', () => {
  let server: RunningService;
  let redis: RedisState;
  beforeAll(async () => {
    server = await startRedis();
    redis = await openRedisState({ url: server.url });
  }, 60_000);
  afterAll(async () => {
    await redis?.close();
    await server?.stop();
  });
  describe('challenges in Redis', () => challengeContract(async () => redis.challenges));
  // Each test's identities are new, so are their buckets.
  describe('identity allowances in Redis', () =>
    allowanceContract(async () => new SharedIdentityLimiter(redis.buckets, 3)));
});
