// Publishing to a registry and syncing from it: two agents publish signed profiles and vouches, a
// third pulls the whole feed into its own store (re-verifying every object) and computes the same
// trust score offline that the registry answers. A registry can lose availability, never forge.
// Run (after pnpm build): pnpm -C examples exec tsx registry-sync.ts
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateIdentity, type Identity } from '@aip/identity';
import {
  createProfile,
  createRegistration,
  openRegistryStore,
  RegistryClient,
  startRegistry,
  syncFromRegistry,
  verifyProfile,
} from '@aip/registry';
import { createVouch, openTrustEngine } from '@aip/trust';

const dir = await mkdtemp(path.join(tmpdir(), 'aip-registry-example-'));
// --- anyone: a registry on loopback, its database in a temporary directory ---
const registry = await startRegistry({ db: path.join(dir, 'registry.db'), port: 0 });
const client = new RegistryClient(registry.url);

/** An agent registers its profile (answering a challenge: it holds its key now) and publishes a vouch. */
async function publish(agent: Identity, name: string, vouchFor: Identity, weight: number): Promise<void> {
  const profile = createProfile(agent, { name, description: `the ${name} agent` });
  const { challenge } = await client.challenge(agent.did);
  const registered = await client.publishProfile(
    profile,
    createRegistration(agent, { challenge, profile: verifyProfile(profile).id }),
  );
  const vouched = await client.publishVouch(
    createVouch(agent, { subject: vouchFor.did, scope: 'tool:search', weight }),
  );
  console.log(`${name}: profile ${registered.status}, vouch for ${vouchFor.did.slice(0, 16)}... ${vouched.status}`);
}

const alice = generateIdentity();
const bob = generateIdentity();
const carol = generateIdentity();
await publish(alice, 'alice', bob, 0.9);
await publish(bob, 'bob', carol, 0.8);

// A forged vouch (signed by bob's key, claiming to come from alice) is refused on the way in.
const forged = { ...createVouch(bob, { subject: carol.did, scope: 'tool:search', weight: 1 }), voucher: alice.did };
const refused = await client.publishVouch(forged);
console.log(`forged vouch: ${refused.status === 'rejected' ? `refused (${refused.code})` : refused.status}`);

// --- dave: pulls the feed into his own store, verifying every object, then answers offline ---
const mine = openRegistryStore({ path: path.join(dir, 'dave-trust.db'), feed: false });
const summary = await syncFromRegistry(mine, registry.url);
console.log(`sync: ${summary.objects} objects, ${summary.accepted} accepted, ${summary.rejected} rejected`);
const engine = openTrustEngine(mine.trust);
const offline = engine.score(carol.did, { from: alice.did, scope: 'tool:search' });
engine.close();
mine.close();

const query = new URLSearchParams({ from: alice.did, to: carol.did, scope: 'tool:search' });
const online = await (await fetch(`${registry.url}/v1/trust/score?${query}`)).json();
console.log(`alice -> carol offline: score ${offline.score}, ${offline.hops} hops`);
console.log(`same answer as the registry: ${JSON.stringify(online) === JSON.stringify(offline)}`);

await registry.close();
await rm(dir, { recursive: true, force: true });
