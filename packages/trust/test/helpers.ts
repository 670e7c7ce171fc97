// Test fixtures: deterministic identities, signed vouches between them, stores and engines.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encodeBase64Url, generateIdentity, type Identity, signJson } from '@aip/identity';
import {
  canonicalWithId,
  createRevocation,
  createVouch,
  openTrustEngine,
  openTrustStore,
  type TrustEngine,
  type TrustStore,
  type VerifiedObject,
  VOUCH_TYPE,
  type Vouch,
  verifyRevocation,
  verifyVouch,
  vouchId,
} from '../src/index.js';

/** The fixed "now" of every test (Unix seconds). */
export const NOW = 1_800_000_000;

/** Deterministic bytes: SHA-256 counter mode over a label. */
export function seededRandom(label: string): (length: number) => Uint8Array {
  let counter = 0;
  return (length) => {
    const out = new Uint8Array(length);
    for (let offset = 0; offset < length; offset += 32) {
      const block = createHash('sha256').update(`${label}/${counter++}`).digest();
      out.set(block.subarray(0, Math.min(32, length - offset)), offset);
    }
    return out;
  };
}

const identityCache = new Map<string, Identity>();

/** The same identity for the same name, in every test run. */
export function agent(name: string): Identity {
  let identity = identityCache.get(name);
  if (identity === undefined) {
    identity = generateIdentity({ random: seededRandom(`agent:${name}`) });
    identityCache.set(name, identity);
  }
  return identity;
}

/** Agents a0 .. a{n-1}. */
export function agents(n: number, prefix = 'a'): Identity[] {
  return Array.from({ length: n }, (_, i) => agent(`${prefix}${i}`));
}

let nonceCounter = 0;

/** A signed vouch issued at NOW - 60 unless told otherwise. */
export function vouch(
  from: Identity,
  to: Identity,
  options: { scope?: string; weight?: number; ttl?: number; now?: number; statement?: string } = {},
): Vouch {
  return createVouch(from, {
    subject: to.did,
    scope: options.scope ?? '*',
    weight: options.weight ?? 1,
    now: options.now ?? NOW - 60,
    random: seededRandom(`nonce:${nonceCounter++}`),
    ...(options.ttl === undefined ? {} : { ttl: options.ttl }),
    ...(options.statement === undefined ? {} : { statement: options.statement }),
  });
}

/**
 * A vouch as an earlier version stored it: signed and stored without the checks of this version
 * (its scope may be one the scope grammar now refuses).
 */
export function storeLegacyVouch(store: TrustStore, from: Identity, to: Identity, scope: string): string {
  const unsigned = {
    type: VOUCH_TYPE,
    voucher: from.did,
    subject: to.did,
    scope,
    weight: 1,
    iat: NOW - 60,
    nonce: encodeBase64Url(seededRandom(`legacy:${nonceCounter++}`)(16)),
  };
  const vouch = { ...unsigned, signature: signJson(from, VOUCH_TYPE, unsigned) } as Vouch;
  const { canonical, id } = canonicalWithId(vouch);
  const object: VerifiedObject = { kind: 'vouch', id, vouch, weight: 1, canonical };
  store.add(object);
  return id;
}

export function storeVouch(store: TrustStore, v: Vouch, now = NOW): string {
  store.add({ kind: 'vouch', ...verifyVouch(v, { now }) });
  return vouchId(v);
}

export function storeRevocation(store: TrustStore, by: Identity, id: string, now = NOW): void {
  store.add({ kind: 'revocation', ...verifyRevocation(createRevocation(by, id, { now: now - 30 }), { now }) });
}

/** An in-memory store and its engine. */
export function memoryEngine(): { store: TrustStore; engine: TrustEngine } {
  const store = openTrustStore({ path: ':memory:' });
  return { store, engine: openTrustEngine(store) };
}

/** A fresh temporary directory; the returned function removes it. */
export async function tempDir(prefix = 'aip-trust-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rm(dir, { recursive: true, force: true }) };
}

/**
 * Reference path trust by exhaustive search over simple chains of at most 4 hops (exponential;
 * small graphs only): max of prod(weights) * 0.8^(hops - 1).
 */
export function referenceScore(
  edges: readonly { from: number; to: number; weight: number }[],
  root: number,
  target: number,
): number {
  if (root === target) return 1;
  const out = new Map<number, { to: number; weight: number }[]>();
  for (const e of edges) {
    const list = out.get(e.from) ?? [];
    list.push(e);
    out.set(e.from, list);
  }
  let best = 0;
  const visit = (node: number, product: number, hops: number, seen: Set<number>) => {
    if (node === target && hops > 0) {
      best = Math.max(best, product * 0.8 ** (hops - 1));
      return;
    }
    if (hops === 4) return;
    for (const e of out.get(node) ?? []) {
      if (seen.has(e.to)) continue;
      seen.add(e.to);
      visit(e.to, product * Math.fround(e.weight), hops + 1, seen);
      seen.delete(e.to);
    }
  };
  visit(root, 1, 0, new Set([root]));
  return Math.round(best * 1e6) / 1e6;
}
