// One contract per store interface of aip-proxy (DESIGN §9), written once and run against the
// embedded implementation and the shared one: replay claims (memory, Redis), rate buckets (memory,
// Redis), the budget ledger (SQLite, PostgreSQL) and sealed sessions (a per-process secret, a
// shared secret file). Each store is opened twice — two handles, as two replicas would hold —
// and what one handle writes the other must see.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  type AuditLog,
  type AuditRecord,
  type BucketStore,
  type BudgetLedger,
  type ClaimAndTake,
  composeClaimAndTake,
  connectRedis,
  createMemoryReplayClaims,
  createMemoryTaskBindings,
  createRedisBucketStore,
  createRedisClaimAndTake,
  createRedisReplayClaims,
  createRedisTaskBindings,
  createSessionSeal,
  loadSessionSecret,
  memoryBucketStore,
  openAuditLog,
  openBudgetLedger,
  openPostgresAuditSink,
  openPostgresLedger,
  type RedisConnection,
  type ReplayClaims,
  readPostgresAudit,
  type SessionSeal,
  silentLogger,
  type TaskBindings,
  TokenBuckets,
  verifyAuditLog,
} from '@aip/proxy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningService, servicesMissing, startPostgres, startRedis } from '../fixtures/services.js';

/** A store under test: `open()` gives a new handle on the same underlying store. */
interface Subject<T> {
  name: string;
  open(): Promise<T>;
  /** Closes every handle opened. */
  close(): Promise<void>;
}

const missing = servicesMissing();
let redis: RunningService | undefined;
let postgres: RunningService | undefined;
const dir = mkdtempSync(path.join(tmpdir(), 'aip-contracts-'));

beforeAll(async () => {
  if (missing !== undefined) return;
  [redis, postgres] = await Promise.all([startRedis(), startPostgres()]);
}, 60_000);
afterAll(async () => {
  await Promise.all([redis?.stop(), postgres?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

function redisHandles(): { open(): Promise<RedisConnection>; close(): Promise<void> } {
  const opened: RedisConnection[] = [];
  return {
    async open() {
      const connection = await connectRedis((redis as RunningService).url, silentLogger);
      opened.push(connection);
      return connection;
    },
    async close() {
      await Promise.all(opened.splice(0).map((c) => c.close()));
    },
  };
}

// --- replay claims ---------------------------------------------------------------------------

function claimSubjects(): Subject<ReplayClaims>[] {
  const memory = createMemoryReplayClaims({ maxPerHolder: 3 });
  const handles = redisHandles();
  const prefix = `aip:test:${randomUUID()}:`;
  return [
    { name: 'memory', open: () => Promise.resolve(memory), close: () => Promise.resolve() },
    {
      name: 'redis',
      open: async () => createRedisReplayClaims(await handles.open(), { maxPerHolder: 3, prefix }),
      close: () => handles.close(),
    },
  ];
}

const claimsSkip = missing !== undefined;
describe.skipIf(claimsSkip).each(claimsSkip ? [] : claimSubjects())('replay claims: $name', (subject) => {
  let a: ReplayClaims;
  let b: ReplayClaims;
  const now = 1_000_000;
  beforeAll(async () => {
    a = await subject.open();
    b = await subject.open();
  });
  afterAll(() => subject.close());

  it('accepts a proof id once, and refuses it through every other handle and holder', async () => {
    const key = randomUUID();
    expect(await a.claim(key, 'grant-1', now + 60, now)).toBe('fresh');
    expect(await b.claim(key, 'grant-1', now + 60, now)).toBe('replayed');
    expect(await b.claim(key, 'grant-2', now + 60, now)).toBe('replayed');
  });

  it('lets exactly one of many concurrent claims of one id through', async () => {
    const key = randomUUID();
    const verdicts = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? a : b).claim(key, `grant-c${i % 4}`, now + 60, now)),
    );
    expect(verdicts.filter((v) => v === 'fresh')).toHaveLength(1);
    expect(verdicts.filter((v) => v === 'replayed')).toHaveLength(39);
  });

  it("fails closed when a holder's share is full, without touching other holders", async () => {
    const holder = `grant-${randomUUID()}`;
    for (let i = 0; i < 3; i++) expect(await (i % 2 ? a : b).claim(randomUUID(), holder, now + 60, now)).toBe('fresh');
    expect(await a.claim(randomUUID(), holder, now + 60, now)).toBe('full');
    expect(await b.claim(randomUUID(), `grant-${randomUUID()}`, now + 60, now)).toBe('fresh');
  });

  it('frees a claim once its window has closed', async () => {
    const key = randomUUID();
    const holder = `grant-${randomUUID()}`;
    expect(await a.claim(key, holder, now + 1, now)).toBe('fresh');
    // Redis expires by its own clock: let one second pass for real; the memory store reads `now`.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await b.claim(key, holder, now + 3, now + 2)).toBe('fresh');
  });
});

// --- rate buckets ----------------------------------------------------------------------------

function bucketSubjects(): Subject<BucketStore>[] {
  const memory = memoryBucketStore(new TokenBuckets());
  const handles = redisHandles();
  const prefix = `aip:test:${randomUUID()}:`;
  return [
    { name: 'memory', open: () => Promise.resolve(memory), close: () => Promise.resolve() },
    {
      name: 'redis',
      open: async () => createRedisBucketStore(await handles.open(), { prefix }),
      close: () => handles.close(),
    },
  ];
}

describe.skipIf(claimsSkip).each(claimsSkip ? [] : bucketSubjects())('rate buckets: $name', (subject) => {
  let a: BucketStore;
  let b: BucketStore;
  const t0 = 1_700_000_000_000;
  beforeAll(async () => {
    a = await subject.open();
    b = await subject.open();
  });
  afterAll(() => subject.close());
  const need = (key: string, perMinute: number, n = 1, reason = 'principal') => ({ key, perMinute, need: n, reason });

  it('gives a bucket its limit across handles, then refuses with a wait and the reason', async () => {
    const key = `g ${randomUUID()}`;
    for (let i = 0; i < 5; i++) expect(await (i % 2 ? a : b).take([need(key, 5)], t0)).toEqual({ ok: true });
    expect(await a.take([need(key, 5)], t0)).toEqual({ ok: false, retryAfterSeconds: 12, reason: 'principal' });
    expect(await b.available(key, 5, t0)).toBe(0);
    expect(await b.waitSeconds(key, 5, 1, t0)).toBe(12);
  });

  it('grants exactly the limit to many concurrent requests through two handles', async () => {
    const key = `g ${randomUUID()}`;
    const verdicts = await Promise.all(
      Array.from({ length: 100 }, (_, i) => (i % 2 ? a : b).take([need(key, 40)], t0)),
    );
    expect(verdicts.filter((v) => v.ok)).toHaveLength(40);
  });

  it('takes from all buckets or from none', async () => {
    const grant = `g ${randomUUID()}`;
    const tool = `t ${randomUUID()}`;
    expect(await a.take([need(tool, 2, 2, 'tool:search')], t0)).toEqual({ ok: true });
    const verdict = await b.take([need(grant, 10), need(tool, 2, 1, 'tool:search')], t0);
    expect(verdict).toMatchObject({ ok: false, reason: 'tool:search' });
    expect(await a.available(grant, 10, t0)).toBe(10);
  });

  it('refills continuously, up to the limit', async () => {
    const key = `g ${randomUUID()}`;
    expect(await a.take([need(key, 60, 60)], t0)).toEqual({ ok: true });
    expect(await b.available(key, 60, t0 + 10_000)).toBe(10);
    expect(await b.take([need(key, 60, 10)], t0 + 10_000)).toEqual({ ok: true });
    expect(await a.available(key, 60, t0 + 10_000 + 120_000)).toBe(60);
  });

  it('refuses a need larger than the limit outright', async () => {
    const verdict = await a.take([need(`g ${randomUUID()}`, 3, 4, 'body bytes')], t0);
    expect(verdict).toEqual({
      ok: false,
      retryAfterSeconds: 60,
      reason: 'body bytes: 4 at once is more than the 3/min limit',
    });
  });
});

// --- claim and take (one round trip) ---------------------------------------------------------

interface Metered {
  meter: ClaimAndTake;
  replay: ReplayClaims;
  buckets: BucketStore;
}

function meterSubjects(): Subject<Metered>[] {
  const replay = createMemoryReplayClaims();
  const buckets = memoryBucketStore(new TokenBuckets());
  const handles = redisHandles();
  const prefix = `aip:test:${randomUUID()}:`;
  return [
    {
      name: 'memory, composed',
      open: () => Promise.resolve({ meter: composeClaimAndTake(replay, buckets), replay, buckets }),
      close: () => Promise.resolve(),
    },
    {
      name: 'redis, one script',
      open: async () => {
        const connection = await handles.open();
        return {
          meter: createRedisClaimAndTake(connection, { claimPrefix: `${prefix}p:`, ratePrefix: `${prefix}r:` }),
          replay: createRedisReplayClaims(connection, { prefix: `${prefix}p:` }),
          buckets: createRedisBucketStore(connection, { prefix: `${prefix}r:` }),
        };
      },
      close: () => handles.close(),
    },
  ];
}

describe.skipIf(claimsSkip).each(claimsSkip ? [] : meterSubjects())('claim and take: $name', (subject) => {
  let a: Metered;
  let b: Metered;
  const now = 1_000_000;
  const t0 = now * 1000;
  beforeAll(async () => {
    a = await subject.open();
    b = await subject.open();
  });
  afterAll(() => subject.close());
  const claim = (key: string) => ({ key, holder: 'grant-m', expiresAt: now + 60, now });

  it('claims, then takes; a replayed proof takes nothing', async () => {
    const key = randomUUID();
    const bucket = `g ${randomUUID()}`;
    const need = [{ key: bucket, perMinute: 10, need: 2, reason: 'principal' }];
    expect(await a.meter.claimAndTake(claim(key), need, t0)).toEqual({ claim: 'fresh', rate: { ok: true } });
    expect(await b.meter.claimAndTake(claim(key), need, t0)).toEqual({ claim: 'replayed' });
    expect(await a.buckets.available(bucket, 10, t0)).toBe(8);
    // The claim is the one the replay store sees, and the other way round.
    expect(await b.replay.claim(key, 'grant-m', now + 60, now)).toBe('replayed');
    const other = randomUUID();
    expect(await a.replay.claim(other, 'grant-m', now + 60, now)).toBe('fresh');
    expect(await b.meter.claimAndTake(claim(other), need, t0)).toEqual({ claim: 'replayed' });
  });

  it('keeps a fresh proof claimed when a bucket is short, taking from none', async () => {
    const grant = `g ${randomUUID()}`;
    const tool = `t ${randomUUID()}`;
    expect(await a.buckets.take([{ key: tool, perMinute: 1, need: 1, reason: 'tool:slow' }], t0)).toEqual({ ok: true });
    const key = randomUUID();
    const needs = [
      { key: grant, perMinute: 5, need: 1, reason: 'principal' },
      { key: tool, perMinute: 1, need: 1, reason: 'tool:slow' },
    ];
    expect(await b.meter.claimAndTake(claim(key), needs, t0)).toEqual({
      claim: 'fresh',
      rate: { ok: false, retryAfterSeconds: 60, reason: 'tool:slow' },
    });
    expect(await a.buckets.available(grant, 5, t0)).toBe(5);
    expect(await a.replay.claim(key, 'grant-m', now + 60, now)).toBe('replayed');
  });

  it('grants the limit exactly once to concurrent requests through two handles', async () => {
    const bucket = `g ${randomUUID()}`;
    const verdicts = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        (i % 2 ? a : b).meter.claimAndTake(
          claim(randomUUID()),
          [{ key: bucket, perMinute: 12, need: 1, reason: 'principal' }],
          t0,
        ),
      ),
    );
    expect(verdicts.filter((v) => v.claim === 'fresh' && v.rate.ok)).toHaveLength(12);
  });
});

// --- budget ledger ---------------------------------------------------------------------------

function ledgerSubjects(): Subject<BudgetLedger>[] {
  const sqliteFile = path.join(dir, 'ledger.db');
  const opened: BudgetLedger[] = [];
  const closeAll = async () => {
    await Promise.all(opened.splice(0).map((l) => l.close()));
  };
  return [
    {
      name: 'sqlite',
      open: () => {
        const ledger = openBudgetLedger(sqliteFile);
        opened.push(ledger);
        return Promise.resolve(ledger);
      },
      close: closeAll,
    },
    {
      name: 'postgres',
      open: async () => {
        const ledger = await openPostgresLedger((postgres as RunningService).url);
        opened.push(ledger);
        return ledger;
      },
      close: closeAll,
    },
  ];
}

describe.skipIf(claimsSkip).each(claimsSkip ? [] : ledgerSubjects())('budget ledger: $name', (subject) => {
  let a: BudgetLedger;
  let b: BudgetLedger;
  const meta = { subject: 'did:key:zSub', tools: ['search'], now: 1000 };
  beforeAll(async () => {
    a = await subject.open();
    b = await subject.open();
  });
  afterAll(() => subject.close());
  const chain = (budgets: (number | null)[]) => budgets.map((budget) => ({ id: randomUUID(), budget }));

  it('charges every link, and refuses a charge that would take any link over, charging none', async () => {
    const links = chain([1, 0.5]);
    expect(await a.charge(randomUUID(), links, 0.3, meta)).toEqual({ ok: true, charged: true, cost: 0.3 });
    const refused = await b.charge(randomUUID(), links, 0.3, meta);
    expect(refused).toEqual({ ok: false, segment: links[1]?.id, spent: 0.3, budget: 0.5, cost: 0.3 });
    const spend = await b.report(links.map((l) => l.id));
    expect(spend.map((s) => [s.id, s.spent_usd, s.calls])).toEqual([
      [links[0]?.id, 0.3, 1],
      [links[1]?.id, 0.3, 1],
    ]);
  });

  it('charges a request id once, even when charged again through another handle', async () => {
    const links = chain([1]);
    const id = randomUUID();
    expect(await a.charge(id, links, 0.25, meta)).toMatchObject({ ok: true, charged: true });
    expect(await b.charge(id, links, 0.25, meta)).toMatchObject({ ok: true, charged: true });
    const [same1, same2] = await Promise.all([
      a.charge(`${id}-x`, links, 0.25, meta),
      b.charge(`${id}-x`, links, 0.25, meta),
    ]);
    expect(same1).toMatchObject({ ok: true });
    expect(same2).toMatchObject({ ok: true });
    // Twice through one handle at once (one batch, where a store batches).
    const twice = await Promise.all([a.charge(`${id}-y`, links, 0.25, meta), a.charge(`${id}-y`, links, 0.25, meta)]);
    expect(twice).toEqual([
      { ok: true, charged: true, cost: 0.25 },
      { ok: true, charged: true, cost: 0.25 },
    ]);
    const [spend] = await a.report([links[0]?.id as string]);
    expect(spend).toMatchObject({ spent_usd: 0.75, calls: 3 });
  });

  it('spends exactly the ceiling under concurrent charges from two handles, never more', async () => {
    const links = chain([1, null, 0.9]);
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).charge(randomUUID(), links, 0.1, meta)),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(9);
    const spend = await a.report(links.map((l) => l.id));
    expect(spend.map((s) => s.spent_usd)).toEqual([0.9, 0.9, 0.9]);
  });

  it('never deadlocks when chains share links in different orders', async () => {
    const [x, y, z] = chain([null, null, null]) as { id: string; budget: number | null }[];
    const orders = [
      [x, y, z],
      [z, y, x],
      [y, x, z],
    ] as { id: string; budget: number | null }[][];
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).charge(randomUUID(), orders[i % 3] ?? [], 0.01, meta)),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    const spend = await a.report([x?.id as string]);
    expect(spend[0]).toMatchObject({ spent_usd: 0.3, calls: 30 });
  });

  it('gives a refund back once, however often it is settled', async () => {
    const links = chain([1]);
    const id = randomUUID();
    await a.charge(id, links, 0.4, meta);
    await Promise.all([a.settle(id, 'refunded'), b.settle(id, 'refunded'), a.settle(id, 'refunded')]);
    await b.settle(id, 'delivered');
    const [spend] = await a.report([links[0]?.id as string]);
    expect(spend).toMatchObject({ spent_usd: 0, calls: 0 });
    expect(await b.charge(id, links, 0.4, meta)).toEqual({ ok: true, charged: false, cost: 0.4 });
  });

  it('marks charges left pending as unknown, still charged, and settles them later', async () => {
    const links = chain([1]);
    const old = randomUUID();
    const recent = randomUUID();
    await a.charge(old, links, 0.2, { ...meta, now: 10 });
    await a.charge(recent, links, 0.2, { ...meta, now: 5000 });
    expect(await b.expire(100)).toBeGreaterThanOrEqual(1);
    const unknown = await b.charges('unknown', 10_000);
    expect(unknown.map((c) => c.request_id)).toContain(old);
    expect(unknown.map((c) => c.request_id)).not.toContain(recent);
    const record = unknown.find((c) => c.request_id === old);
    expect(record).toMatchObject({ cost_usd: 0.2, chain: [links[0]?.id], tools: ['search'], subject: meta.subject });
    const [spend] = await a.report([links[0]?.id as string]);
    expect(spend?.spent_usd).toBe(0.4);
    await b.settle(old, 'delivered');
    expect((await a.charges('delivered', 10_000)).map((c) => c.request_id)).toContain(old);
  });
});

// --- task bindings ---------------------------------------------------------------------------

function taskSubjects(): Subject<TaskBindings>[] {
  const memory = createMemoryTaskBindings();
  const handles = redisHandles();
  const prefix = `aip:test:${randomUUID()}:`;
  return [
    { name: 'memory', open: () => Promise.resolve(memory), close: () => Promise.resolve() },
    {
      name: 'redis',
      open: async () => createRedisTaskBindings(await handles.open(), { prefix }),
      close: () => handles.close(),
    },
  ];
}

describe.skipIf(claimsSkip).each(claimsSkip ? [] : taskSubjects())('task bindings: $name', (subject) => {
  let a: TaskBindings;
  let b: TaskBindings;
  const now = 1_000_000;
  beforeAll(async () => {
    a = await subject.open();
    b = await subject.open();
  });
  afterAll(() => subject.close());

  it('binds a task to its creator for every handle; the first binding wins while it lives', async () => {
    const task = randomUUID();
    expect(await b.owner(task, now)).toBeUndefined();
    await a.bind(task, 'did:key:zCreator', now, 3600);
    await b.bind(task, 'did:key:zSomeoneElse', now, 3600);
    expect(await b.owner(task, now + 1)).toBe('did:key:zCreator');
    expect(await a.owner(task, now + 1)).toBe('did:key:zCreator');
  });

  it('forgets a binding once it has expired', async () => {
    const task = randomUUID();
    await a.bind(task, 'did:key:zCreator', now, 1);
    // Redis expires by its own clock: let one second pass for real; the memory store reads `now`.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await b.owner(task, now + 2)).toBeUndefined();
    await b.bind(task, 'did:key:zNext', now + 2, 60);
    expect(await a.owner(task, now + 3)).toBe('did:key:zNext');
  });
});

// --- sealed sessions -------------------------------------------------------------------------

function sealSubjects(): Subject<SessionSeal>[] {
  const secretFile = path.join(dir, 'session.secret');
  writeFileSync(secretFile, randomBytes(32), { mode: 0o600 });
  const perProcess = createSessionSeal(loadSessionSecret(undefined));
  return [
    { name: 'per-process secret', open: () => Promise.resolve(perProcess), close: () => Promise.resolve() },
    {
      name: 'shared secret file',
      open: () => Promise.resolve(createSessionSeal(loadSessionSecret(secretFile))),
      close: () => Promise.resolve(),
    },
  ];
}

describe.each(sealSubjects())('sealed sessions: $name', (subject) => {
  let a: SessionSeal;
  let b: SessionSeal;
  beforeAll(async () => {
    a = await subject.open();
    b = await subject.open();
  });

  it('opens a session id for its own principal only, through every handle', () => {
    const sealed = a.seal('session', 'upstream-session-1', 'did:key:zOwner', 100);
    expect(b.open('session', sealed, 'did:key:zOwner', 101, 3600)).toEqual({ ok: true, id: 'upstream-session-1' });
    expect(b.open('session', sealed, 'did:key:zOther', 101, 3600)).toEqual({ ok: false, reason: 'forbidden' });
    expect(a.open('session', sealed, 'did:key:zOwner', 100 + 3601, 3600)).toEqual({ ok: false, reason: 'expired' });
    expect(a.open('event', sealed, 'did:key:zOwner', 101, 3600)).toEqual({ ok: false, reason: 'unknown' });
  });

  it('refuses an id sealed under another secret as unknown', () => {
    const stranger = createSessionSeal(randomBytes(32));
    const sealed = stranger.seal('session', 'upstream-session-2', 'did:key:zOwner', 100);
    expect(a.open('session', sealed, 'did:key:zOwner', 101, 3600)).toEqual({ ok: false, reason: 'unknown' });
  });
});

// --- audit sink ------------------------------------------------------------------------------

interface AuditSubject {
  name: string;
  /** Opens the sink for `replica` (a restart opens it again). */
  open(replica: string): Promise<AuditLog>;
  /** Waits until what was written is stored, and closes. */
  close(log: AuditLog): Promise<void>;
  /** The replica's chain as text. */
  read(replica: string): Promise<string>;
}

function auditSubjects(): AuditSubject[] {
  const fileOf = (replica: string) => path.join(dir, `audit-${replica}.jsonl`);
  return [
    {
      name: 'file',
      open: (replica) => Promise.resolve(openAuditLog(fileOf(replica), { replica })),
      close: async (log) => {
        log.close();
      },
      read: (replica) => Promise.resolve(readFileSync(fileOf(replica), 'utf8')),
    },
    {
      name: 'postgres',
      open: (replica) => openPostgresAuditSink((postgres as RunningService).url, { replica }),
      close: async (log) => {
        await (log as unknown as { close(): Promise<void> }).close();
      },
      read: (replica) => readPostgresAudit((postgres as RunningService).url, replica),
    },
  ];
}

const decision = (i: number): AuditRecord => ({
  time: new Date(1_764_000_000_000 + i * 1000).toISOString(),
  request_id: `req-${i}`,
  decision: 'allow',
  code: null,
  status: 200,
  http: 'POST /mcp',
  method: 'tools/call',
  tool: 'search',
  issuer: 'did:key:zIssuer',
  subject: 'did:key:zSubject',
  chain: ['root'],
  upstream_status: 200,
  latency_ms: 1,
});

describe.skipIf(claimsSkip).each(claimsSkip ? [] : auditSubjects())('audit sink: $name', (subject) => {
  it('chains every line of a replica across restarts, naming the replica, and the verifier accepts it', async () => {
    const replica = `replica-${randomUUID().slice(0, 8)}`;
    let log = await subject.open(replica);
    for (let i = 0; i < 5; i++) log.write(decision(i));
    expect(log.healthy()).toBe(true);
    await subject.close(log);
    log = await subject.open(replica);
    for (let i = 5; i < 8; i++) log.write(decision(i));
    await subject.close(log);
    const text = await subject.read(replica);
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type?: string; request_id?: string });
    expect(lines.map((l) => l.type ?? l.request_id)).toEqual([
      'start',
      ...[0, 1, 2, 3, 4].map((i) => `req-${i}`),
      'stop',
      'start',
      ...[5, 6, 7].map((i) => `req-${i}`),
      'stop',
    ]);
    const verdict = verifyAuditLog(text);
    expect(verdict).toMatchObject({ ok: true, replicas: [replica], notes: [] });
  });

  it('notes a run that did not stop cleanly, and a line changed afterwards breaks the chain', async () => {
    const replica = `replica-${randomUUID().slice(0, 8)}`;
    const crashed = await subject.open(replica);
    crashed.write(decision(1));
    await new Promise((resolve) => setImmediate(resolve));
    await (crashed as unknown as { drained?(): Promise<void> }).drained?.();
    // Not closed: as if the process had died. The next run says so.
    const next = await subject.open(replica);
    next.write(decision(2));
    await subject.close(next);
    const text = await subject.read(replica);
    const verdict = verifyAuditLog(text);
    expect(verdict.ok).toBe(true);
    expect(verdict.notes.join(' ')).toContain('did not stop cleanly');
    expect(verifyAuditLog(text.replace('req-1', 'req-9'))).toMatchObject({ ok: false, brokenLine: 3 });
    await subject.close(crashed);
  });
});
