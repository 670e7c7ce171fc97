// @aip/token benchmarks (DESIGN §8): compact and 3-link chain verification, cold and warm, against
// raw node:crypto Ed25519 verify measured in the same run; the cost of honouring a rotation history
// (DESIGN §11); token sizes per hop.
import crypto from 'node:crypto';
import {
  computeKeyState,
  createInception,
  createRotation,
  generateIdentity,
  type Identity,
  type InceptionEvent,
  type RotationEvent,
  verifyKeyEvent,
} from '@aip/identity';
import { createTokenVerifier, delegate, issueToken } from '@aip/token';
import { compareRates, result, type Suite } from './harness.js';

const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

function rawVerifier(identity: Identity) {
  const key = crypto.createPublicKey({
    key: Buffer.concat([SPKI_PREFIX, identity.publicKey]),
    format: 'der',
    type: 'spki',
  });
  return (message: Uint8Array, signature: Uint8Array) => crypto.verify(null, message, key, signature);
}

export const tokenSuite: Suite = {
  name: 'token',
  async run() {
    const now = Math.floor(Date.now() / 1000);
    const issuers = Array.from({ length: 8 }, () => generateIdentity());
    const agents = Array.from({ length: 4 }, () => generateIdentity());
    const [a0, a1, a2, a3] = agents as [Identity, Identity, Identity, Identity];

    // Distinct compact tokens, and the raw verification of the very same signatures.
    const compact = Array.from({ length: 2000 }, (_, i) => {
      const issuer = issuers[i % issuers.length] as Identity;
      const token = issueToken(issuer, {
        sub: a0.did,
        scope: ['tool:search', 'tool:fetch'],
        budgetUsd: 5,
        maxDepth: 3,
        ttl: 3600,
        now,
      });
      const [h, p, s] = token.split('.') as [string, string, string];
      return {
        token,
        raw: rawVerifier(issuer),
        input: new TextEncoder().encode(`${h}.${p}`),
        sig: Buffer.from(s, 'base64url'),
      };
    });
    const raw = (i: number) => {
      const c = compact[i % compact.length] as (typeof compact)[number];
      c.raw(c.input, c.sig);
    };
    const trustedKeys = issuers.map((i) => i.did);
    const cold = createTokenVerifier({ trustedKeys, cacheSize: 0 });
    const compactVerify = compareRates((i) => {
      cold.verify((compact[i % compact.length] as (typeof compact)[number]).token, { now, scope: 'tool:search' });
    }, raw);

    // Distinct 3-link chains (4 signatures each), then one chain again and again.
    const chains = Array.from({ length: 300 }, (_, i) => {
      const root = (compact[i] as (typeof compact)[number]).token;
      const l1 = delegate(root, a0, {
        to: a1.did,
        scope: ['tool:search'],
        budgetUsd: 2,
        context: 'research subtask',
        now,
      });
      const l2 = delegate(l1, a1, { to: a2.did, scope: ['tool:search'], budgetUsd: 1, context: 'one page', now });
      return delegate(l2, a2, { to: a3.did, scope: ['tool:search'], budgetUsd: 0.5, context: 'fetch it', now });
    });
    const chainCold = compareRates((i) => {
      cold.verify(chains[i % chains.length] as string, { now, scope: 'tool:search' });
    }, raw);
    const warm = createTokenVerifier({ trustedKeys });
    const chain = chains[0] as string;
    const chainWarm = compareRates(() => {
      warm.verify(chain, { now, scope: 'tool:search' });
    }, raw);

    // An issuer with a history of 10 rotations: its current key issues distinct tokens, verified with
    // the (warm) key-event state and without it, signatures checked every time in both.
    const lineage = Array.from({ length: 12 }, () => generateIdentity());
    let established: InceptionEvent | RotationEvent = createInception(lineage[0] as Identity, {
      next: (lineage[1] as Identity).publicKey,
      now: now - 1000,
    });
    const events: (InceptionEvent | RotationEvent)[] = [established];
    for (let k = 1; k <= 10; k++) {
      established = createRotation(lineage[k] as Identity, {
        established,
        next: (lineage[k + 1] as Identity).publicKey,
        now: now - 1000 + k,
      });
      events.push(established);
    }
    const keyState = computeKeyState(events.map((e) => verifyKeyEvent(e)));
    const current = lineage[10] as Identity;
    if (keyState.currentKey((lineage[0] as Identity).did) !== current.did) throw new Error('bench lineage is wrong');
    const rotatedTokens = Array.from({ length: 2000 }, () =>
      issueToken(current, { sub: a0.did, scope: ['tool:search'], ttl: 3600, now }),
    );
    const plain = createTokenVerifier({ trustedKeys: [current.did], cacheSize: 0 });
    const withHistory = createTokenVerifier({ trustedKeys: [current.did], cacheSize: 0, keyState });
    const history = compareRates(
      (i) => {
        withHistory.verify(rotatedTokens[i % rotatedTokens.length] as string, { now, scope: 'tool:search' });
      },
      (i) => {
        plain.verify(rotatedTokens[i % rotatedTokens.length] as string, { now, scope: 'tool:search' });
      },
    );

    const first = chains[0] as string;
    const segments = first.split('~');
    const sizes = segments.map((_, hop) =>
      result(`token.size.hop${hop}`, segments.slice(0, hop + 1).join('~').length, 'bytes', null, null),
    );

    return [
      result('token.compact.verify', compactVerify.value, 'tokens/s', compactVerify.baseline, '>= 0.8'),
      result('token.chain3.cold', chainCold.value, 'chains/s', chainCold.baseline / 4, '>= 0.8'),
      result('token.chain3.warm', chainWarm.value, 'chains/s', chainWarm.baseline, '>= 5'),
      // Costing at most 1.2x a plain verify is a rate ratio of at least 1 / 1.2.
      result('token.rotated10.verify', history.value, 'tokens/s', history.baseline, '>= 0.833'),
      ...sizes,
    ];
  },
};
