// Databases written by earlier versions open under this one: the first registry layout (feed and
// counts kept by triggers on the trust store's tables), and vouches stored in a scope the scope
// grammar now refuses — reported with a code, never dropped, never widened.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { encodeBase64Url, type Identity, signJson } from '@aip/identity';
import {
  canonicalWithId,
  createRevocation,
  createVouch,
  openTrustStore,
  type TrustStore,
  VOUCH_TYPE,
  type Vouch,
  verifyRevocation,
  verifyVouch,
  vouchId,
} from '@aip/trust';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import {
  buildApp,
  createProfile,
  formatCursor,
  openRegistryStore,
  type RunningRegistry,
  startRegistry,
  syncFromRegistry,
  verifyProfile,
} from '../src/index.js';
import { codeOf, get, identities, NOW } from './helpers.js';
import { BACKFILL, DEGREE_SCHEMA, FEED_SCHEMA, REGISTRY_SCHEMA } from './reference/legacy-schema.js';

const { alice, bob, carol } = identities('alice', 'bob', 'carol');
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDb(name: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'aip-registry-migration-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, name);
}

/** A vouch as an earlier version stored it: signed, without this version's scope check. */
function storeLegacyVouch(store: TrustStore, from: Identity, to: Identity, scope: string): string {
  const unsigned = { type: VOUCH_TYPE, voucher: from.did, subject: to.did, scope, weight: 1, iat: NOW - 60 };
  const withNonce = { ...unsigned, nonce: encodeBase64Url(new Uint8Array(16).fill(7)) };
  const vouch = { ...withNonce, signature: signJson(from, VOUCH_TYPE, withNonce) } as Vouch;
  const { canonical, id } = canonicalWithId(vouch);
  store.add({ kind: 'vouch', id, vouch, weight: 1, canonical });
  return id;
}

describe('a database of the first registry layout', () => {
  it('opens with its objects served, its triggers and index on the trust tables gone, and a new feed', async () => {
    const file = tempDb('legacy.db');
    // Written as the first version did: the trust store, then its registry tables and triggers.
    const trust = openTrustStore({ path: file });
    const ab = createVouch(alice, { subject: bob.did, scope: 'tool:search', now: NOW });
    const cb = createVouch(carol, { subject: bob.did, scope: '*', now: NOW });
    trust.add({ kind: 'vouch', ...verifyVouch(ab, { now: NOW }) });
    trust.add({ kind: 'vouch', ...verifyVouch(cb, { now: NOW }) });
    trust.add({
      kind: 'revocation',
      ...verifyRevocation(createRevocation(carol, vouchId(cb), { now: NOW }), { now: NOW }),
    });
    const oldEpoch = trust.epoch;
    trust.close();
    const raw = new Database(file);
    raw.exec(REGISTRY_SCHEMA);
    raw.exec(FEED_SCHEMA);
    raw.exec(BACKFILL);
    raw.exec(DEGREE_SCHEMA);
    const profile = createProfile(alice, { name: 'alice', now: NOW });
    const verified = verifyProfile(profile, { now: NOW });
    raw
      .prepare('INSERT INTO registry_profiles (did, id, name, description, iat, object) VALUES (?, ?, ?, ?, ?, ?)')
      .run(alice.did, verified.id, 'alice', '', NOW, verified.canonical);
    for (const key of ['registry_schema', 'registry_feed', 'registry_degrees'])
      raw.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run(key, '1');
    raw.close();

    const app = buildApp({ db: file, now: () => NOW });
    cleanups.push(() => app.close());
    const feed = (await get(app, '/v1/feed')).json();
    expect(feed.objects).toHaveLength(4);
    expect(feed.objects).toEqual(expect.arrayContaining([ab, cb, profile]));
    // The first layout's cursors name the trust store's epoch: they are stale now, once.
    expect(codeOf(await get(app, `/v1/feed?since=${formatCursor(oldEpoch, 2)}`))).toBe('aip_cursor_stale');
    const bobPage = (await get(app, `/v1/agents/${bob.did}`)).json();
    expect(bobPage).toMatchObject({ vouches_in: 1, vouches_out: 0, withheld: 0 });
    expect(bobPage.vouches_received.map((v: { revoked: boolean }) => v.revoked)).toEqual([true, false]);
    expect((await get(app, '/v1/stats')).json()).toMatchObject({ agents: 3, profiles: 1, vouches: 2, revocations: 1 });

    const check = new Database(file, { readonly: true });
    const leftovers = check
      .prepare(
        "SELECT name FROM sqlite_master WHERE name LIKE 'registry_%' AND tbl_name NOT LIKE 'registry_%' OR name = 'registry_degrees'",
      )
      .pluck()
      .all();
    check.close();
    expect(leftovers).toEqual([]);
  });
});

describe('vouches stored in a scope the grammar now refuses', () => {
  it('are reported with aip_scope_invalid, served as signed, withheld from agent pages and refused by sync', async () => {
    const file = tempDb('refused.db');
    const store = openRegistryStore({ path: file });
    storeLegacyVouch(store.trust, alice, bob, 'tool:café');
    store.trust.add({
      kind: 'vouch',
      ...verifyVouch(createVouch(carol, { subject: bob.did, scope: 'tool:search', now: NOW }), { now: NOW }),
    });
    store.close();

    const registry: RunningRegistry = await startRegistry({ db: file, port: 0, now: () => NOW });
    cleanups.push(() => registry.close());
    const stats = (await get(registry.app, '/v1/stats')).json();
    expect(stats.refused_scopes).toEqual([{ scope: 'tool:café', vouches: 1, code: 'aip_scope_invalid' }]);
    // Stored and active, so counted among the stored objects; never among what trust counts.
    expect(stats.scopes).toEqual(expect.arrayContaining([{ scope: 'tool:search', vouches: 1 }]));
    const bobPage = (await get(registry.app, `/v1/agents/${bob.did}`)).json();
    expect(bobPage.withheld).toBe(1);
    expect(bobPage.vouches_received.map((v: { vouch: Vouch }) => v.vouch.scope)).toEqual(['tool:search']);
    // Never counted: not for "*", not for the prefix it would have widened to.
    for (const scope of ['*', 'tool:*'])
      expect(
        (await get(registry.app, `/v1/trust/score?from=${alice.did}&to=${bob.did}&scope=${scope}`)).json().score,
      ).toBe(0);

    const mirror = openRegistryStore({ path: ':memory:', feed: false });
    cleanups.push(() => mirror.close());
    const summary = await syncFromRegistry(mirror, registry.url, { now: NOW, workers: 0 });
    expect(summary).toMatchObject({ objects: 2, accepted: 1, rejected: 1, rejectedByCode: { aip_scope_invalid: 1 } });
  });
});
