// The parts of the proxy that follow its configuration and can be swapped on SIGHUP without a
// restart: trusted keys and audit policy (the verifier), proofs, rate limits, revocations.
import { createMemoryReplayCache, createTokenVerifier, type ReplayCache, type TokenVerifier } from '@aip/token';
import type { ProxyConfig } from './config.js';
import { createProofGuard, type ProofGuard } from './proof-guard.js';
import { createRateLimiter, type RateLimiter } from './rate-limiter.js';
import { createRevocationList, type RevocationList } from './revocation-list.js';

export interface Policy {
  config: ProxyConfig;
  /** AIP token verification; absent when no AIP issuer can be trusted (OAuth only). */
  verifier: TokenVerifier | undefined;
  proofs: ProofGuard;
  limiter: RateLimiter;
  revocations: RevocationList | undefined;
}

/** Trust decisions that outlive a reload (the trust graph). */
export interface TrustHooks {
  trustIssuer?: (issuer: string, publicKey: Uint8Array) => boolean;
}

/**
 * The policy for `config`. `replayCache` is passed in so proofs already seen stay seen across
 * reloads (a reload must never reopen a replay window).
 */
export function buildPolicy(
  config: ProxyConfig,
  hooks: TrustHooks = {},
  replayCache: ReplayCache = createMemoryReplayCache(),
): Policy {
  const file = config.revocation?.file;
  const revocations =
    config.revocation === undefined || file === undefined ? undefined : createRevocationList(config.revocation, file);
  const canTrust = config.trustKeys.length > 0 || hooks.trustIssuer !== undefined;
  const verifier = canTrust
    ? createTokenVerifier({
        trustedKeys: config.trustKeys,
        ...(hooks.trustIssuer === undefined ? {} : { trustIssuer: hooks.trustIssuer }),
        audit: config.audit,
        ...(revocations === undefined ? {} : { isRevoked: (query) => revocations.isRevoked(query) }),
      })
    : undefined;
  return {
    config,
    verifier,
    proofs: createProofGuard(config.pop, replayCache),
    limiter: createRateLimiter(config.rateLimit),
    revocations,
  };
}
