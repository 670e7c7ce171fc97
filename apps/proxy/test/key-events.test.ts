// Rotated and revoked keys at the proxy (DESIGN §11): the key events of a trust store refuse tokens
// and proofs with aip_key_revoked, follow the store, and move with a reload.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createKeyRevocation, type Identity, type KeyEvent } from '@aip/identity';
import { signRequest } from '@aip/token';
import { openTrustStore, verifyTrustObject } from '@aip/trust';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config/resolve.js';
import type { ProxyConfig } from '../src/config/sections.js';
import { reloadProxy } from '../src/lifecycle/reload.js';
import { proofStage } from '../src/pipeline/stages/proof.js';
import { buildPolicy, type Policy } from '../src/policy.js';
import { fakeContext, fakeWorld } from './helpers/fake-context.js';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'aip-proxy-keys-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** A trust store file holding `events`. */
function storeWith(name: string, ...events: KeyEvent[]): string {
  const file = path.join(dir, name);
  const store = openTrustStore({ path: file });
  for (const event of events) store.add(verifyTrustObject(event));
  store.close();
  return file;
}

/** The configuration of `fakeWorld`'s proxy, reading key events from `db`. */
const configWith = (operator: Identity, db: string, pop = false) =>
  resolveConfig({
    proxy: { upstream: 'http://127.0.0.1:9', trust_keys: [operator.did], public_url: 'https://mcp.example.com' },
    key_events: { db },
    ...(pop ? { pop: { required: true } } : {}),
  });

const revoke = (key: Identity) => createKeyRevocation(key, { reason: 'leaked' });
const silentLogger = { info() {}, warn() {}, error() {} };

describe('key events at the proxy', () => {
  it('refuses a token whose issuer key is revoked, and keeps following the store', async () => {
    const world = fakeWorld();
    const db = storeWith('keys.db');
    const policy = buildPolicy(configWith(world.operator, db), world.clock);
    const verify = () => policy.verifier?.verify(world.token(['*']), { now: Math.floor(world.clock.nowMs() / 1000) });
    try {
      expect(verify()?.issuer).toBe(world.operator.did);
      const store = openTrustStore({ path: db });
      store.add(verifyTrustObject(revoke(world.operator)));
      store.close();
      world.clock.advance(1000);
      expect(() => verify()).toThrow(expect.objectContaining({ code: 'aip_key_revoked' }));
    } finally {
      policy.close();
    }
  });

  it("refuses a proof signed by the holder's revoked key", () => {
    const world = fakeWorld({ pop: { required: true } });
    const db = storeWith('keys.db', revoke(world.agent));
    const policy = buildPolicy(configWith(world.operator, db, true), world.clock);
    try {
      const services = { ...world.services, policy: () => policy };
      const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
      const token = world.token(['*']);
      const proof = signRequest(world.agent, {
        token,
        method: 'POST',
        path: '/mcp',
        body,
        audience: 'https://mcp.example.com',
        now: Math.floor(world.clock.nowMs() / 1000),
      });
      const ctx = fakeContext({ url: '/mcp', headers: { 'x-aip-proof': proof }, body });
      ctx.credential = { kind: 'aip', token };
      ctx.principal = world.principal(['*']);
      ctx.body = Buffer.from(body);
      expect(proofStage(services).run(ctx)).toMatchObject({ code: 'aip_key_revoked' });
    } finally {
      policy.close();
    }
  });

  it('applies another store on reload, and keeps the running one when the new one cannot be read', () => {
    const world = fakeWorld();
    const clean = storeWith('clean.db');
    const revoked = storeWith('revoked.db', revoke(world.operator));
    const configOf = (db: string) => configWith(world.operator, db);
    const state: { config: ProxyConfig; policy: Policy } = {
      config: configOf(clean),
      policy: buildPolicy(configOf(clean), world.clock),
    };
    const verify = () =>
      state.policy.verifier?.verify(world.token(['*']), { now: Math.floor(world.clock.nowMs() / 1000) });
    try {
      expect(verify()?.issuer).toBe(world.operator.did);
      expect(() => reloadProxy(state, configOf(path.join(dir, 'missing.db')), world.clock, silentLogger)).toThrow(
        expect.objectContaining({ code: 'aip_config_invalid' }),
      );
      expect(verify()?.issuer).toBe(world.operator.did);
      expect(reloadProxy(state, configOf(revoked), world.clock, silentLogger)).toEqual([]);
      expect(() => verify()).toThrow(expect.objectContaining({ code: 'aip_key_revoked' }));
    } finally {
      state.policy.close();
    }
  });
});
