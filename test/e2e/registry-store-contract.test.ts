// One contract for the registry's stores (DESIGN §9, CONVENTIONS 15): the embedded SQLite log and
// the PostgreSQL log shared by replicas give the same answers to the same writes — duplicates,
// revocation rules, profile replacement, the feed's order and pages, key events (stored once, in
// arrival order, read back from the store the writing replica answers from, never in the feed); a
// PostgreSQL database of the previous layout is upgraded in place; the challenge stores in
// memory, in PostgreSQL and in Redis agree, and so do the per-identity allowances in memory and in
// Redis. Each contract is written once and run against every implementation.
import {
  createInception,
  createKeyRevocation,
  createRotation,
  generateIdentity,
  type Identity,
  verifyKeyEvent,
} from '@aip/identity';
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
  type RegistryStore,
  SharedIdentityLimiter,
  SqliteRegistryLog,
  verifyProfile,
} from '@aip/registry';
import { createRevocation, createVouch, verifyRevocation, verifyVouch } from '@aip/trust';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../fixtures/registry-databases.js';
import { type RunningService, servicesMissing, startPostgres, startRedis } from '../fixtures/services.js';

const NOW = 1_800_000_000;
const EPOCH = '0123456789abcdef0123456789abcdef';

/** The registry's tables as the layout of version 1 (before key events) created them. */
const LAYOUT_1 = `
CREATE TABLE aip_registry_meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE aip_registry_sequence (one boolean PRIMARY KEY DEFAULT true CHECK (one), last bigint NOT NULL);
INSERT INTO aip_registry_sequence (one, last) VALUES (true, 0);
CREATE TABLE aip_registry_objects (
  seq bigint PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('vouch', 'revocation', 'profile')),
  id text NOT NULL UNIQUE,
  object text NOT NULL,
  verified_at bigint NOT NULL
);
CREATE TABLE aip_registry_vouches (id text PRIMARY KEY, voucher text NOT NULL, revoked_by text);
CREATE TABLE aip_registry_profiles (did text PRIMARY KEY, id text NOT NULL, iat bigint NOT NULL, seq bigint NOT NULL);
CREATE TABLE aip_registry_challenges (challenge text PRIMARY KEY, did text NOT NULL, expires bigint NOT NULL);
CREATE INDEX aip_registry_challenges_expires ON aip_registry_challenges (expires);
`;

interface Subject {
  log: RegistryLog;
  /** What the writing process answers reads from: the store itself, or a replica's local copy. */
  store: RegistryStore;
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

  it('stores a key event once and has it in the store reads come from, outside the feed', async () => {
    subject = await open();
    const working = generateIdentity();
    const recovery = generateIdentity();
    const inception = verifyKeyEvent(createInception(working, { next: recovery.publicKey, now: NOW }));
    expect(await subject.log.publishKeyEvent(inception, NOW)).toEqual({ status: 'accepted' });
    expect(await subject.log.publishKeyEvent(inception, NOW)).toEqual({ status: 'duplicate' });
    expect(subject.store.trust.keyEvents().map((e) => e.canonical)).toEqual([inception.canonical]);
    expect(subject.store.trust.keyState().lineage(working.did)?.root).toBe(working.did);
    expect(await feedTexts()).toEqual([]);
    expect(await subject.log.latestSeq()).toBe(0);
  });

  it('keeps key events in arrival order among other writes, and the feed and its end without them', async () => {
    subject = await open();
    const working = generateIdentity();
    const recovery = generateIdentity();
    const following = generateIdentity();
    const inceptionEvent = createInception(working, { next: recovery.publicKey, now: NOW });
    const inception = verifyKeyEvent(inceptionEvent);
    const rotation = verifyKeyEvent(
      createRotation(recovery, { established: inceptionEvent, next: following.publicKey, now: NOW + 1 }),
    );
    const revocation = verifyKeyEvent(
      createKeyRevocation(recovery, { key: working.did, reason: 'leaked', now: NOW + 2 }),
    );
    const v1 = vouch(alice, bob, 'tool:before');
    const v2 = vouch(alice, bob, 'tool:between');
    await subject.log.publishVouch(v1, NOW);
    expect(await subject.log.publishKeyEvent(revocation, NOW + 2)).toEqual({ status: 'accepted' });
    await subject.log.publishVouch(v2, NOW);
    expect(await subject.log.publishKeyEvent(inception, NOW + 2)).toEqual({ status: 'accepted' });
    expect(await subject.log.publishKeyEvent(rotation, NOW + 2)).toEqual({ status: 'accepted' });
    expect(await subject.log.publishKeyEvent(revocation, NOW + 2)).toEqual({ status: 'duplicate' });
    expect(subject.store.trust.keyEvents().map((e) => e.id)).toEqual([revocation.id, inception.id, rotation.id]);
    const lineage = subject.store.trust.keyState().lineage(working.did);
    expect(lineage?.current).toBe(recovery.did);
    expect(subject.store.trust.keyState().key(working.did)?.revoked?.reason).toBe('leaked');
    const feed = await subject.log.feed(0, 1000);
    expect(feed.map((row) => row.object)).toEqual([v1.canonical, v2.canonical]);
    // The feed ends at its newest entry, not at the key events written after it.
    expect(await subject.log.latestSeq()).toBe(feed[1]?.seq);
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
    return { log: new SqliteRegistryLog(store), store, close: async () => store.close() };
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
    return { log: opened.log, store: opened.store, close: () => opened.close() };
  });

  it('upgrades a database of the layout before key events in place, keeping its log and feed epoch', async () => {
    const url = await freshDatabase(server.url);
    const alice = generateIdentity();
    const bob = generateIdentity();
    const old = verifyVouch(createVouch(alice, { subject: bob.did, scope: 'tool:old', now: NOW }), { now: NOW });
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(LAYOUT_1);
      await admin.query("INSERT INTO aip_registry_meta VALUES ('schema', '1'), ('feed_epoch', $1)", [EPOCH]);
      await admin.query("INSERT INTO aip_registry_objects VALUES (1, 'vouch', $1, $2, $3)", [
        old.id,
        old.canonical,
        NOW,
      ]);
      await admin.query('INSERT INTO aip_registry_vouches VALUES ($1, $2)', [old.id, alice.did]);
      await admin.query('UPDATE aip_registry_sequence SET last = 1');

      const upgraded = await openPostgresRegistry({ url });
      try {
        expect(upgraded.log.feedEpoch).toBe(EPOCH);
        expect(upgraded.store.trust.getVouch(old.id)).toBeDefined();
        const working = generateIdentity();
        const inception = verifyKeyEvent(createInception(working, { next: bob.publicKey, now: NOW }));
        expect(await upgraded.log.publishKeyEvent(inception, NOW)).toEqual({ status: 'accepted' });
        expect(upgraded.store.trust.keyEvents().map((e) => e.id)).toEqual([inception.id]);
        expect((await upgraded.log.feed(0, 10)).map((row) => row.object)).toEqual([old.canonical]);
        expect(await upgraded.log.publishVouch(old, NOW)).toEqual({ status: 'duplicate' });
      } finally {
        await upgraded.close();
      }
      const { rows } = await admin.query("SELECT value FROM aip_registry_meta WHERE key = 'schema'");
      expect(rows).toEqual([{ value: '2' }]);
      // Opening it again (another replica starting) changes nothing.
      const again = await openPostgresRegistry({ url });
      expect(again.store.trust.keyEvents()).toHaveLength(1);
      await again.close();

      await admin.query("UPDATE aip_registry_meta SET value = '99' WHERE key = 'schema'");
      await expect(openPostgresRegistry({ url })).rejects.toMatchObject({ code: 'aip_store_corrupt' });
    } finally {
      await admin.end();
    }
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
