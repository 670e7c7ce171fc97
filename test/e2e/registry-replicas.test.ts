// Registry replicas on one PostgreSQL database (DESIGN §9), as operators run them: two
// `aip registry serve --postgres` processes on loopback ports. What one replica accepts, the other
// answers from; a feed cursor and a challenge from one are good at the other; a key event posted
// to one changes an agent's lineage at the other, and a restarted replica still has it; `aip sync`
// against either gives the same store; with the database stopped, requests that need it (key
// events included) fail closed with 503 aip_store_unavailable (trust questions are answered from
// each replica's copy), nothing is half-written, and service resumes when it is back. A replica
// never serves a log entry altered in the database (it verifies each one again), and a database
// it cannot use is named without its password.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInception, createKeyRevocation, generateIdentity, type Identity, keyEventId } from '@aip/identity';
import {
  createProfile,
  createRegistration,
  openPostgresRegistry,
  openRedisState,
  openRegistryStore,
  verifyProfile,
} from '@aip/registry';
import { createRevocation, createVouch, verifyVouch, vouchId } from '@aip/trust';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../fixtures/registry-databases.js';
import { type RunningService, servicesMissing, startPostgres, startRedis } from '../fixtures/services.js';

const AIP = fileURLToPath(new URL('../../apps/cli/dist/main.js', import.meta.url));
const missing = servicesMissing();
const children = new Set<ChildProcess>();

interface Replica {
  url: string;
  child: ChildProcess;
}

function runAip(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [AIP, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      children.delete(child);
      resolve({ code, stdout });
    });
  });
}

/** Starts `aip registry serve --postgres` (URL from the environment) and waits for its address. */
function serveReplica(databaseUrl: string, home: string, args: string[] = []): Promise<Replica> {
  const child = spawn(process.execPath, [AIP, 'registry', 'serve', '--port', '0', '--query-threads', '1', ...args], {
    env: { ...process.env, AIP_HOME: home, AIP_REGISTRY_POSTGRES_URL: databaseUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match !== null && out.includes('profiles:')) resolve({ url: match[1] as string, child });
    });
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code, signal) => {
      if (code !== 0 && signal !== 'SIGKILL') console.error(`aip registry serve exited (${code ?? signal}): ${out}`);
      reject(new Error(`aip registry serve exited with ${code}: ${out}`));
    });
  });
}

/**
 * Stops every process started here: SIGTERM (a replica then removes its local copy), SIGKILL for
 * one still running after 10 s.
 */
async function stopAll(): Promise<void> {
  await Promise.all(
    [...children].map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }),
  );
}

async function post(url: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function get(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function scoreUrl(replica: Replica, from: Identity, to: Identity, scope: string): string {
  return `${replica.url}/v1/trust/score?${new URLSearchParams({ from: from.did, to: to.did, scope })}`;
}

/** Asks until `check` holds or `ms` pass; returns the last answer. */
async function within<T>(ms: number, ask: () => Promise<T>, check: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await ask();
    if (check(value) || Date.now() >= deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Every object of a replica's feed, following cursors from `since`. */
async function wholeFeed(replica: Replica, since = '', limit = 1000): Promise<unknown[]> {
  const objects: unknown[] = [];
  let cursor = since;
  for (;;) {
    const page = await get(`${replica.url}/v1/feed?${new URLSearchParams({ since: cursor, limit: String(limit) })}`);
    expect(page.status).toBe(200);
    objects.push(...(page.body.objects as unknown[]));
    cursor = page.body.next as string;
    if (page.body.more !== true) return objects;
  }
}

describe.skipIf(missing !== undefined)('registry replicas on PostgreSQL', () => {
  let server: RunningService;
  let dir: string;
  let database: string;
  let a: Replica;
  let b: Replica;
  const alice = generateIdentity();
  const bob = generateIdentity();
  const carol = generateIdentity();

  beforeAll(async () => {
    server = await startPostgres();
    dir = await mkdtemp(path.join(tmpdir(), 'aip-e2e-replicas-'));
    database = await freshDatabase(server.url);
    [a, b] = await Promise.all([
      serveReplica(database, path.join(dir, 'a')),
      serveReplica(database, path.join(dir, 'b')),
    ]);
  }, 120_000);

  afterAll(async () => {
    await stopAll();
    await server?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('answers at B, within a second, a score changed by a vouch posted to A, and its revocation', async () => {
    const vouch = createVouch(alice, { subject: bob.did, scope: 'tool:search' });
    expect((await get(scoreUrl(b, alice, bob, 'tool:search'))).body).toMatchObject({ score: 0 });
    expect((await post(`${a.url}/v1/vouches`, vouch)).status).toBe(201);
    const seen = await within(
      1000,
      () => get(scoreUrl(b, alice, bob, 'tool:search')),
      (r) => r.body.score === 1,
    );
    expect(seen.body).toEqual({ score: 1, corroboration: 1, hops: 1, path: [alice.did, bob.did] });
    // A wrote it, so A answers with it at once.
    expect((await get(scoreUrl(a, alice, bob, 'tool:search'))).body.score).toBe(1);

    expect((await post(`${b.url}/v1/revocations`, createRevocation(alice, vouchId(vouch)))).status).toBe(201);
    const revoked = await within(
      1000,
      () => get(scoreUrl(a, alice, bob, 'tool:search')),
      (r) => r.body.score === 0,
    );
    expect(revoked.body).toEqual({ score: 0, corroboration: 0, hops: 0, path: [] });
    // The revoked vouch sent to the other replica stays revoked.
    expect((await post(`${a.url}/v1/vouches`, vouch)).body).toMatchObject({ error: { code: 'aip_vouch_revoked' } });
  });

  it('keeps one order for concurrent writes to both replicas: the same feed, without gaps, on each', async () => {
    const vouches = Array.from({ length: 30 }, (_, i) =>
      createVouch(i % 2 === 0 ? alice : carol, { subject: bob.did, scope: `tool:t${i}` }),
    );
    const results = await Promise.all(vouches.map((v, i) => post(`${(i % 2 === 0 ? a : b).url}/v1/vouches`, v)));
    expect(results.map((r) => r.status)).toEqual(vouches.map(() => 201));
    const fromA = await wholeFeed(a);
    const fromB = await wholeFeed(b);
    expect(fromB).toEqual(fromA);
    const signatures = new Set(fromA.map((o) => (o as { signature: string }).signature));
    for (const v of vouches) expect(signatures.has(v.signature)).toBe(true);
    // Every position was taken once, in order: the last cursor names the number of objects taken.
    const end = await get(`${a.url}/v1/feed?limit=1&since=`);
    expect(end.body.remaining).toBe(fromA.length - 1);
  });

  it('continues at B a feed cursor issued by A', async () => {
    const everything = await wholeFeed(a);
    const first = await get(`${a.url}/v1/feed?limit=3`);
    expect(first.body.more).toBe(true);
    const rest = await wholeFeed(b, first.body.next as string, 4);
    expect([...(first.body.objects as unknown[]), ...rest]).toEqual(everything);
  });

  it('accepts at B the answer to a challenge issued by A, once', async () => {
    const issued = await post(`${a.url}/v1/challenges`, { did: carol.did });
    expect(issued.status).toBe(201);
    const profile = createProfile(carol, { name: 'carol' });
    const registration = createRegistration(carol, {
      challenge: issued.body.challenge as string,
      profile: verifyProfile(profile).id,
    });
    const registered = await post(`${b.url}/v1/agents`, { profile, registration });
    expect(registered.status).toBe(201);
    expect(registered.body).toMatchObject({ did: carol.did, status: 'accepted' });
    const newer = createProfile(carol, { name: 'carol again', now: Math.floor(Date.now() / 1000) + 1 });
    const replay = await post(`${a.url}/v1/agents`, {
      profile: newer,
      registration: createRegistration(carol, {
        challenge: issued.body.challenge as string,
        profile: verifyProfile(newer).id,
      }),
    });
    expect(replay.status).toBe(401);
    expect(replay.body).toMatchObject({ error: { code: 'aip_challenge_invalid' } });
    const seen = await within(
      1000,
      () => get(`${a.url}/v1/agents/${carol.did}`),
      (r) => r.status === 200 && (r.body.profile as { name?: string } | null)?.name === 'carol',
    );
    expect((seen.body.profile as { name: string }).name).toBe('carol');
  });

  it("changes at B, within a second, an agent's lineage by key events posted to A; a restarted A still has them", async () => {
    const working = generateIdentity();
    const recovery = generateIdentity();
    const now = Math.floor(Date.now() / 1000);
    const inception = createInception(working, { next: recovery.publicKey, now: now - 10 });
    const revocation = createKeyRevocation(recovery, { key: working.did, reason: 'leaked', now: now - 5 });
    const lineageUrl = (replica: Replica) => `${replica.url}/v1/agents/${encodeURIComponent(working.did)}/lineage`;
    expect((await get(lineageUrl(b))).body).toMatchObject({
      root: null,
      keys: [{ did: working.did, status: 'current' }],
    });

    expect((await post(`${a.url}/v1/key-events`, inception)).body).toEqual({
      id: keyEventId(inception),
      status: 'accepted',
    });
    // A wrote it, so A answers with it at once.
    expect((await get(lineageUrl(a))).body).toMatchObject({ root: working.did, next_committed: true });
    expect((await post(`${a.url}/v1/key-events`, revocation)).status).toBe(201);
    const seen = await within(
      1000,
      () => get(lineageUrl(b)),
      (r) => (r.body.events as unknown[]).length === 2,
    );
    expect(seen.body).toMatchObject({
      root: working.did,
      keys: [{ did: working.did, status: 'revoked', cause: 'revoked', reason: 'leaked' }],
      events: [inception, revocation],
    });
    expect((await get(`${b.url}/v1/key-events`)).body).toEqual({ events: [inception, revocation], next: null });
    // One log: the same event sent to the other replica is a duplicate, and neither is a feed entry.
    expect((await post(`${b.url}/v1/key-events`, inception)).body).toMatchObject({
      error: { code: 'aip_object_duplicate' },
    });
    const feed = JSON.stringify(await wholeFeed(b));
    expect(feed).not.toContain(inception.signature);
    expect(feed).not.toContain(revocation.signature);

    // A restarted replica rebuilds its copy from the database: the key events are in it.
    const exited = new Promise((resolve) => a.child.once('exit', resolve));
    a.child.kill('SIGTERM');
    await exited;
    a = await serveReplica(database, path.join(dir, 'a'));
    expect((await get(`${a.url}/v1/key-events`)).body).toEqual({ events: [inception, revocation], next: null });
    expect((await get(lineageUrl(a))).body).toEqual(seen.body);
  });

  it('gives the same store to aip sync against either replica', async () => {
    const stores = [path.join(dir, 'sync-a.db'), path.join(dir, 'sync-b.db')];
    const runs = await Promise.all(
      [a, b].map((replica, i) =>
        runAip(['sync', replica.url, '--db', stores[i] as string, '--json'], { AIP_HOME: path.join(dir, `sync-${i}`) }),
      ),
    );
    for (const run of runs) expect(run.code).toBe(0);
    const summaries = runs.map((run) => JSON.parse(run.stdout) as { objects: number; rejected: number });
    expect(summaries[0]?.objects).toBeGreaterThan(30);
    expect(summaries[1]).toEqual({ ...summaries[0], source: b.url, cursor: expect.any(String) });
    const contents = stores.map((file) => {
      const store = openRegistryStore({ path: file, feed: false });
      try {
        return {
          trust: [...store.trust.exportLines()],
          keyEvents: store.trust.keyEvents().map((e) => e.canonical),
          carol: store.getProfile(carol.did),
        };
      } finally {
        store.close();
      }
    });
    expect(contents[1]).toEqual(contents[0]);
    expect(contents[0]?.carol?.profile.name).toBe('carol');
    // The key events posted to A, pulled from either replica.
    expect(contents[0]?.keyEvents).toHaveLength(2);
  });

  it('follows commits by notification, by its poll while the notification connection is lost, and listens again', async () => {
    const url = await freshDatabase(server.url);
    const writer = await openPostgresRegistry({ url });
    // Without notifications this replica would wait a minute for its poll.
    const slow = await openPostgresRegistry({ url, pollMs: 60_000 });
    const warnings: string[] = [];
    const polling = await openPostgresRegistry({ url, pollMs: 100, onWarning: (message) => warnings.push(message) });
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      const first = verifyVouch(createVouch(alice, { subject: bob.did, scope: 'tool:notified' }));
      await writer.log.publishVouch(first, first.vouch.iat);
      const notified = await within(
        5_000,
        async () => slow.mirror.watermark,
        (watermark) => watermark === 1,
      );
      expect(notified).toBe(1);

      // Cut every notification connection; the replicas notice, poll, and listen again.
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [
        'aip-registry-listener',
      ]);
      const second = verifyVouch(createVouch(alice, { subject: bob.did, scope: 'tool:polled' }));
      await writer.log.publishVouch(second, second.vouch.iat);
      const polled = await within(
        5_000,
        async () => polling.mirror.watermark,
        (watermark) => watermark === 2,
      );
      expect(polled).toBe(2);
      expect(warnings).toContain('lost the notification connection; polling until it is back');
      expect(polling.store.trust.getVouch(second.id)).toBeDefined();
      // Listening again, the slow replica hears of the next commit without waiting for its poll.
      const third = verifyVouch(createVouch(alice, { subject: bob.did, scope: 'tool:listening-again' }));
      await writer.log.publishVouch(third, third.vouch.iat);
      const heard = await within(
        10_000,
        async () => slow.mirror.watermark,
        (watermark) => watermark === 3,
      );
      expect(heard).toBe(3);
    } finally {
      await admin.end();
      await Promise.all([writer.close(), slow.close(), polling.close()]);
    }
  });

  it('names a database it cannot use without its password, and never opens on it', async () => {
    const missingDb = new URL(server.url);
    missingDb.password = 'hunter2-secret';
    missingDb.pathname = '/no_such_database';
    const refused = openPostgresRegistry({ url: missingDb.toString() });
    await expect(refused).rejects.toMatchObject({
      code: 'aip_store_unavailable',
      message: `cannot use PostgreSQL at postgresql://postgres:***@127.0.0.1:${server.port}/no_such_database (SQLSTATE 3D000)`,
    });
  });

  it('never serves a log entry that no longer verifies (altered in the database): a replica skips it', async () => {
    const url = await freshDatabase(server.url);
    const writer = await openPostgresRegistry({ url });
    const honest = verifyVouch(createVouch(alice, { subject: carol.did, scope: 'tool:honest' }));
    const forged = verifyVouch(createVouch(alice, { subject: carol.did, scope: 'tool:forged' }));
    await writer.log.publishVouch(honest, honest.vouch.iat);
    await writer.log.publishVouch(forged, forged.vouch.iat);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    // Someone with access to the database widens the vouch's scope: its signature no longer holds.
    await client.query('UPDATE aip_registry_objects SET object = replace(object, $1, $2) WHERE id = $3', [
      'tool:forged',
      '*',
      forged.id,
    ]);
    await client.end();
    const warnings: { message: string; code?: string }[] = [];
    const reader = await openPostgresRegistry({
      url,
      onWarning: (message, detail) =>
        warnings.push({ message, ...(detail.code === undefined ? {} : { code: detail.code }) }),
    });
    try {
      expect(reader.store.trust.getVouch(honest.id)).toBeDefined();
      expect(reader.store.trust.getVouch(forged.id)).toBeUndefined();
      expect(warnings).toEqual([
        { message: 'a log entry did not verify and was skipped', code: 'aip_signature_invalid' },
      ]);
      expect(reader.mirror.watermark).toBe(2);
    } finally {
      await reader.close();
      await writer.close();
    }
  });

  it('fails closed while PostgreSQL is down, writes nothing half-way, and serves again once it is back', async () => {
    const before = await wholeFeed(a);
    await server.stop({ keepData: true });
    const lost = createVouch(carol, { subject: alice.did, scope: 'tool:outage' });
    const write = await post(`${a.url}/v1/vouches`, lost);
    expect(write.status).toBe(503);
    expect(write.body).toEqual({
      error: { code: 'aip_store_unavailable', message: 'the registry database is unavailable; retry later' },
    });
    for (const answer of [
      await get(`${b.url}/v1/feed`),
      await get(`${b.url}/healthz`),
      await post(`${b.url}/v1/challenges`, { did: carol.did }),
    ]) {
      expect(answer.status).toBe(503);
      expect(answer.body).toMatchObject({ error: { code: 'aip_store_unavailable' } });
    }
    const profile = await post(`${a.url}/v1/agents`, createProfile(alice, { name: 'alice' }));
    expect(profile.status).toBe(503);
    const keyEvent = await post(`${a.url}/v1/key-events`, createInception(carol, { next: alice.publicKey }));
    expect(keyEvent).toEqual({ status: 503, body: write.body });
    const keyEventsBefore = (await get(`${a.url}/v1/key-events`)).body;
    // Nothing in an answer names the database.
    expect(JSON.stringify(write.body)).not.toContain(String(server.port));
    // Trust questions are answered from the replica's copy as of its watermark.
    expect((await get(scoreUrl(b, alice, bob, 'tool:t0'))).body).toMatchObject({ score: 1 });

    await server.restart();
    const healthy = await within(
      10_000,
      () => get(`${a.url}/healthz`),
      (r) => r.status === 200,
    );
    expect(healthy.status).toBe(200);
    expect(await wholeFeed(b)).toEqual(before);
    // The refused key event was stored nowhere.
    expect((await get(`${b.url}/v1/key-events`)).body).toEqual(keyEventsBefore);
    expect((await post(`${b.url}/v1/vouches`, lost)).status).toBe(201);
    const seen = await within(
      2000,
      () => get(scoreUrl(a, carol, alice, 'tool:outage')),
      (r) => r.body.score === 1,
    );
    expect(seen.body.score).toBe(1);
    expect(await wholeFeed(a)).toEqual([...before, lost]);
  });
});

describe.skipIf(missing !== undefined)('registry replicas sharing Redis for challenges and limits', () => {
  let postgres: RunningService;
  let redis: RunningService;
  let dir: string;
  let a: Replica;
  let b: Replica;
  const IP_LIMIT = 30;

  beforeAll(async () => {
    [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
    dir = await mkdtemp(path.join(tmpdir(), 'aip-e2e-replicas-redis-'));
    const database = await freshDatabase(postgres.url);
    const args = ['--redis', redis.url, '--identity-limit', '3', '--ip-limit', String(IP_LIMIT)];
    [a, b] = await Promise.all([
      serveReplica(database, path.join(dir, 'a'), args),
      serveReplica(database, path.join(dir, 'b'), args),
    ]);
  }, 120_000);

  afterAll(async () => {
    await stopAll();
    await Promise.all([postgres?.stop(), redis?.stop()]);
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('accepts at B the answer to a challenge issued by A (kept in Redis), once', async () => {
    const dave = generateIdentity();
    const issued = await post(`${a.url}/v1/challenges`, { did: dave.did });
    const profile = createProfile(dave, { name: 'dave' });
    const registration = createRegistration(dave, {
      challenge: issued.body.challenge as string,
      profile: verifyProfile(profile).id,
    });
    expect((await post(`${b.url}/v1/agents`, { profile, registration })).status).toBe(201);
    const again = await post(`${a.url}/v1/agents`, { profile, registration });
    expect(again.body).toMatchObject({ error: { code: 'aip_challenge_invalid' } });
  });

  it('refuses to start on a Redis that may evict keys, naming it without its password', async () => {
    const admin = new Redis(redis.url);
    try {
      await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
      const url = new URL(redis.url);
      url.password = 'hunter2-secret';
      await expect(openRedisState({ url: url.toString() })).rejects.toMatchObject({
        code: 'aip_store_unavailable',
        message: `Redis at redis://:***@127.0.0.1:${redis.port} may evict keys (maxmemory-policy allkeys-lru): set it to noeviction`,
      });
    } finally {
      await admin.config('SET', 'maxmemory-policy', 'noeviction');
      await admin.quit();
    }
  });

  it("holds an identity's allowance across replicas", async () => {
    const erin = generateIdentity();
    const results = [];
    for (let i = 0; i < 4; i++) {
      const vouch = createVouch(erin, { subject: generateIdentity().did, scope: 'tool:search' });
      results.push(await post(`${(i % 2 === 0 ? a : b).url}/v1/vouches`, vouch));
    }
    expect(results.map((r) => r.status)).toEqual([201, 201, 201, 429]);
    expect(results[3]?.body).toMatchObject({ error: { code: 'aip_rate_limited' } });
  });

  it('fails closed while Redis is down (challenges, and requests under the address limit) and resumes', async () => {
    const frank = generateIdentity();
    await redis.stop({ keepData: true });
    const challenge = await post(`${a.url}/v1/challenges`, { did: frank.did });
    expect(challenge).toEqual({
      status: 503,
      body: { error: { code: 'aip_store_unavailable', message: 'the registry database is unavailable; retry later' } },
    });
    const score = await get(scoreUrl(b, frank, frank, 'tool:search'));
    expect(score.status).toBe(503);
    expect(score.body).toMatchObject({ error: { code: 'aip_store_unavailable' } });
    // Health checks are outside the limits.
    expect((await get(`${a.url}/healthz`)).status).toBe(200);
    await redis.restart();
    const back = await within(
      10_000,
      () => post(`${b.url}/v1/challenges`, { did: frank.did }),
      (r) => r.status === 201,
    );
    expect(back.status).toBe(201);
  });

  it('holds the per-address limit across replicas', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < IP_LIMIT + 10; i++)
      statuses.push((await fetch(`${(i % 2 === 0 ? a : b).url}/v1/stats`)).status);
    const served = statuses.filter((status) => status === 200).length;
    // One bucket for both: at most the limit (and what refills during the run), never twice it.
    expect(served).toBeLessThanOrEqual(IP_LIMIT + 1);
    expect(statuses.slice(-5)).toEqual([429, 429, 429, 429, 429]);
  });
});
