// Signed tool calls (`[pop]`): an X-AIP-Proof from the token's final holder, bound to this exact
// request (token, audience, method, path, body) and fresh, never accepted twice.
import { createMemoryReplayCache, type ReplayCache, TokenError, verifyProof } from '@aip/token';
import type { PopConfig } from './config-features.js';
import type { Principal } from './principal.js';

export interface ProofGuard {
  /** `undefined` when the request may proceed, else the refusal. */
  check(request: {
    principal: Principal;
    token: string;
    proof: string | undefined;
    method: string;
    target: string;
    body: Buffer;
    audience: string;
    now: number;
  }): TokenError | undefined;
}

/**
 * Proofs are required when configured, and checked whenever one is sent (a client that signs
 * expects its signature to matter). OAuth bearer clients have no AIP key and are not asked.
 */
export function createProofGuard(config: PopConfig, replayCache: ReplayCache = createMemoryReplayCache()): ProofGuard {
  return {
    check({ principal, token, proof, method, target, body, audience, now }) {
      if (principal.kind !== 'aip' || (proof === undefined && !config.required)) return undefined;
      if (principal.subjectKey === undefined) {
        return new TokenError(
          'aip_proof_invalid',
          'the token holder is not a self-certifying identity and cannot sign requests',
        );
      }
      try {
        verifyProof(proof, {
          token,
          method,
          path: target,
          body,
          audience,
          holderKey: principal.subjectKey,
          replayCache,
          now,
          maxAge: config.maxAgeSeconds,
        });
        return undefined;
      } catch (err) {
        if (err instanceof TokenError) return err;
        throw err;
      }
    },
  };
}
