// The parts of the proxy that follow its configuration and are rebuilt on SIGHUP: token
// verification (trusted keys, audit policy), the revocation list, the trust gate and the key events. Building a
// policy opens what it needs and fails — with an error naming the key — when it cannot, so a
// reload with, say, an unusable trust store is refused and the running policy kept.
import { createTokenVerifier, type TokenVerifier } from '@aip/token';
import type { Clock } from './clock.js';
import type { ProxyConfig } from './config/sections.js';
import { type KeyEventSource, openKeyEventSource } from './key-event-source.js';
import { createRevocationList, type RevocationList } from './revocation-list.js';
import { openTrustGate, type TrustGate } from './trust-gate.js';

export interface Policy {
  /** AIP token verification; absent when no AIP issuer can be trusted (OAuth only). */
  verifier: TokenVerifier | undefined;
  revocations: RevocationList | undefined;
  gate: TrustGate | undefined;
  /** Rotated and revoked keys (`[key_events] db`, else `[trust] db`). */
  keyEvents: KeyEventSource | undefined;
  /** Releases what the policy opened (the trust store); on reload, only if the next policy did not keep it. */
  close(): void;
}

/**
 * The policy for `config`. `previous` is reused where the configuration did not change (the trust
 * gate keeps its store open and its decisions).
 *
 * @example
 * ```ts
 * const policy = buildPolicy(config);
 * policy.verifier?.verify(token, { now, audience });
 * ```
 */
export function buildPolicy(
  config: ProxyConfig,
  clock: Clock,
  previous?: { config: ProxyConfig; policy: Policy },
): Policy {
  const revocations = config.revocation === undefined ? undefined : createRevocationList(config.revocation, clock);
  const keepGate = previous !== undefined && JSON.stringify(previous.config.trust) === JSON.stringify(config.trust);
  const gate = keepGate
    ? previous.policy.gate
    : config.trust === undefined
      ? undefined
      : openTrustGate(config.trust, clock);
  const trustIssuer = gate === undefined ? undefined : (issuer: string) => gate.admits(issuer);
  const keyEventsDb = config.key_events?.db ?? config.trust?.db;
  const keepKeyEvents = previous?.policy.keyEvents !== undefined && previous.policy.keyEvents.db === keyEventsDb;
  let keyEvents: KeyEventSource | undefined;
  try {
    keyEvents = keepKeyEvents
      ? previous?.policy.keyEvents
      : keyEventsDb === undefined
        ? undefined
        : openKeyEventSource(keyEventsDb, config.key_events === undefined ? 'trust.db' : 'key_events.db', clock);
  } catch (err) {
    // A refused policy leaves nothing open behind it.
    if (gate !== previous?.policy.gate) gate?.close();
    throw err;
  }
  const verifier =
    config.proxy.trust_keys.length > 0 || trustIssuer !== undefined
      ? createTokenVerifier({
          trustedKeys: config.proxy.trust_keys,
          ...(trustIssuer === undefined ? {} : { trustIssuer }),
          audit: {
            maxTtlSeconds: config.audit.max_ttl_seconds,
            maxBudgetUsd: config.audit.max_budget_usd,
            maxChainDepth: config.audit.max_depth,
            enforce: config.audit.enforce,
          },
          ...(revocations === undefined ? {} : { isRevoked: (query) => revocations.isRevoked(query) }),
          ...(keyEvents === undefined ? {} : { keyState: () => keyEvents.state() }),
        })
      : undefined;
  return {
    verifier,
    revocations,
    gate,
    keyEvents,
    close() {
      gate?.close();
      keyEvents?.close();
    },
  };
}
