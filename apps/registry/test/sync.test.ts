import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInception, createRotation } from '@aip/identity';
import { createRevocation, createVouch, openTrustEngine, vouchId } from '@aip/trust';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createProfile,
  openRegistryStore,
  RegistryClient,
  type RegistryStore,
  type RunningRegistry,
  startRegistry,
  syncFromRegistry,
} from '../src/index.js';
import { identities, NOW } from './helpers.js';

const { alice, bob, carol } = identities('alice', 'bob', 'carol');
const running: RunningRegistry[] = [];
const stores: RegistryStore[] = [];
const servers: Server[] = [];

afterEach(async () => {
  for (const registry of running.splice(0)) await registry.close();
  for (const store of stores.splice(0)) store.close();
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

async function serve(db = ':memory:'): Promise<RunningRegistry> {
  const registry = await startRegistry({ db, port: 0, now: () => NOW });
  running.push(registry);
  return registry;
}

function local(): RegistryStore {
  const store = openRegistryStore({ path: ':memory:' });
  stores.push(store);
  return store;
}

async function publish(url: string) {
  const client = new RegistryClient(url);
  const ab = createVouch(alice, { subject: bob.did, scope: 'tool:search', weight: 0.9, now: NOW });
  const bc = createVouch(bob, { subject: carol.did, scope: '*', now: NOW });
  const ac = createVouch(alice, { subject: carol.did, scope: '*', now: NOW });
  expect((await client.publishProfile(createProfile(alice, { name: 'alice', now: NOW }))).status).toBe('accepted');
  for (const vouch of [ab, bc, ac]) expect((await client.publishVouch(vouch)).status).toBe('accepted');
  expect((await client.publishRevocation(createRevocation(alice, vouchId(ac), { now: NOW }))).status).toBe('accepted');
  return { ab, bc, ac };
}

describe('syncFromRegistry', () => {
  it('pulls and verifies every object into the local store, which then scores offline alike', async () => {
    const registry = await serve();
    await publish(registry.url);
    const store = local();
    const summary = await syncFromRegistry(store, registry.url, { now: NOW, workers: 0 });
    expect(summary).toMatchObject({ objects: 5, accepted: 5, duplicates: 0, rejected: 0, restarted: false });
    expect(store.getProfile(alice.did)?.profile.name).toBe('alice');
    const engine = openTrustEngine(store.trust);
    const offline = engine.score(carol.did, { from: alice.did, scope: 'tool:search', now: NOW });
    engine.close();
    const online = await (
      await fetch(`${registry.url}/v1/trust/score?from=${alice.did}&to=${carol.did}&scope=tool:search`)
    ).json();
    expect(offline).toEqual(online);
    expect(offline.path).toEqual([alice.did, bob.did, carol.did]);
  });

  it('pulls the key events too, re-verified, so the peer and the registry agree on a lineage', async () => {
    const registry = await serve();
    const client = new RegistryClient(registry.url);
    const inception = createInception(alice, { next: bob.publicKey, now: NOW - 100 });
    const rotation = createRotation(bob, { established: inception, next: carol.publicKey, now: NOW - 50 });
    for (const event of [inception, rotation]) expect((await client.publishKeyEvent(event)).status).toBe('accepted');
    expect((await client.publishKeyEvent(rotation)).status).toBe('duplicate');
    const store = local();
    const summary = await syncFromRegistry(store, registry.url, { now: NOW, workers: 0 });
    expect(summary.keyEvents).toEqual({ objects: 2, accepted: 2, duplicates: 0, rejected: 0, rejectedByCode: {} });
    expect((await syncFromRegistry(store, registry.url, { now: NOW, workers: 0 })).keyEvents).toMatchObject({
      duplicates: 2,
    });
    const served = await (await fetch(`${registry.url}/v1/agents/${encodeURIComponent(alice.did)}/lineage`)).json();
    const lineage = store.trust.keyState().lineage(alice.did);
    expect(lineage).toMatchObject({
      root: served.root,
      current: served.current,
      keys: served.keys.map((k: { did: string }) => k.did),
    });
    expect(lineage?.current).toBe(bob.did);
  });

  it('resumes from the saved cursor, page by page', async () => {
    const registry = await serve();
    await publish(registry.url);
    const store = local();
    const progress: number[] = [];
    const first = await syncFromRegistry(store, registry.url, {
      now: NOW,
      pageSize: 2,
      workers: 0,
      onProgress: (p) => progress.push(p.processed),
    });
    expect(first.accepted).toBe(5);
    expect(progress[progress.length - 1]).toBe(5);
    expect(store.syncCursor(registry.url)).toBe(first.cursor);
    const nothing = await syncFromRegistry(store, registry.url, { now: NOW, workers: 0 });
    expect(nothing).toMatchObject({ objects: 0, accepted: 0, cursor: first.cursor });
    const later = createVouch(carol, { subject: alice.did, scope: '*', now: NOW });
    await new RegistryClient(registry.url).publishVouch(later);
    const next = await syncFromRegistry(store, registry.url, { now: NOW, workers: 0 });
    expect(next).toMatchObject({ objects: 1, accepted: 1 });
    expect(store.trust.getVouch(vouchId(later))).toBeDefined();
    const again = await syncFromRegistry(store, registry.url, { now: NOW, restart: true, workers: 0 });
    expect(again).toMatchObject({ objects: 6, accepted: 0, duplicates: 6 });
  });

  it('catches a registry that altered an object in its database: refused, never stored', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'aip-sync-'));
    const db = `${dir}/registry.db`;
    const registry = await serve(db);
    const { ab } = await publish(registry.url);
    const raw = new Database(db);
    raw
      .prepare('UPDATE vouches SET object = replace(object, \'"weight":0.9\', \'"weight":1\') WHERE id = ?')
      .run(vouchId(ab));
    raw
      .prepare('UPDATE registry_profiles SET object = replace(object, \'"name":"alice"\', \'"name":"mallory"\')')
      .run();
    raw.close();
    const store = local();
    const summary = await syncFromRegistry(store, registry.url, { now: NOW, workers: 0 });
    expect(summary).toMatchObject({
      objects: 5,
      accepted: 3,
      rejected: 2,
      rejectedByCode: { aip_signature_invalid: 2 },
    });
    expect(summary.errors.map((e) => e.object).sort()).toEqual([1, 2]);
    expect(store.trust.getVouch(vouchId(ab))).toBeUndefined();
    expect(store.getProfile(alice.did)).toBeUndefined();
    await registry.close();
    running.splice(0);
    await rm(dir, { recursive: true, force: true });
  });

  it('starts over when the registry was rebuilt (its cursor belongs to another database)', async () => {
    const first = await serve();
    await publish(first.url);
    const store = local();
    const summary = await syncFromRegistry(store, first.url, { now: NOW, workers: 0 });
    await first.close();
    running.splice(0);
    // A new, empty database behind the same URL: the saved cursor is stale.
    const port = Number(new URL(first.url).port);
    const rebuilt = await startRegistry({ db: ':memory:', port, now: () => NOW });
    running.push(rebuilt);
    await new RegistryClient(rebuilt.url).publishVouch(createVouch(carol, { subject: bob.did, scope: '*', now: NOW }));
    const after = await syncFromRegistry(store, rebuilt.url, { now: NOW, workers: 0 });
    expect(summary.cursor).not.toBe(after.cursor);
    expect(after).toMatchObject({ restarted: true, objects: 1, accepted: 1 });
  });

  it('reports a registry that does not speak the feed format, and stops on an endless empty feed', async () => {
    let body = 'not json';
    const server = createServer((req, res) => {
      // A registry that predates key events: it has no such route, and the sync goes on without.
      if (req.url?.startsWith('/v1/key-events') === true) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'aip_not_found', message: 'no such route' } }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const store = local();
    await expect(syncFromRegistry(store, url, { now: NOW, workers: 0 })).rejects.toMatchObject({
      code: 'aip_registry_unreachable',
    });
    body = JSON.stringify({ objects: 'nope', next: 'x', more: true, remaining: 0 });
    await expect(syncFromRegistry(store, url, { now: NOW, workers: 0 })).rejects.toMatchObject({
      code: 'aip_registry_unreachable',
    });
    body = JSON.stringify({ objects: [], next: 'x', more: true, remaining: 0 });
    expect(await syncFromRegistry(store, url, { now: NOW, workers: 0 })).toMatchObject({
      objects: 0,
      cursor: 'x',
      keyEvents: { objects: 0 },
    });
    await expect(syncFromRegistry(store, 'http://127.0.0.1:1', { now: NOW, workers: 0 })).rejects.toMatchObject({
      code: 'aip_registry_unreachable',
    });
  });
});

describe('RegistryClient', () => {
  it('refuses URLs with credentials, queries or other schemes', () => {
    for (const url of ['ftp://x', 'http://u:p@x', 'http://x/?a=1', 'not a url']) {
      expect(() => new RegistryClient(url)).toThrow(expect.objectContaining({ code: 'aip_request_invalid' }));
    }
    expect(new RegistryClient('http://127.0.0.1:8470/').url).toBe('http://127.0.0.1:8470');
  });

  it("reduces a registry's error messages to one printable line and checks its codes", async () => {
    const server = createServer((_req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ error: { code: 'evil\ncode', message: `line1\n\u001b[31mred\u001b[0m${'x'.repeat(500)}` } }),
      );
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = new RegistryClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    const outcome = await client.publishVouch(createVouch(alice, { subject: bob.did, scope: '*', now: NOW }));
    expect(outcome).toMatchObject({ status: 'rejected', code: 'aip_registry_unreachable', httpStatus: 400 });
    const message = (outcome as { message: string }).message;
    expect(message).not.toMatch(/\p{Cc}/u);
    expect(message.length).toBeLessThanOrEqual(300);
  });
});
