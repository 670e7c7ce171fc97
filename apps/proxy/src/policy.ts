// The parts of the proxy that follow its configuration and are rebuilt on SIGHUP: token
// verification (trusted keys and did:web issuers, audit policy), the revocation list, the trust
// gate and the key events. Building a
// policy opens what it needs and fails — with an error naming the key — when it cannot, so a
// reload with, say, an unusable trust store is refused and the running policy kept.
import { createTokenVerifier, type TokenVerifier } from '@aip/token';
import type { Clock } from './clock.js';
import type { ProxyConfig } from './config/sections.js';
import { type DidWebIssuers, openDidWebIssuers } from './did-web-issuers.js';
import { type KeyEventSource, openKeyEventSource } from './key-event-source.js';
import type { ProxyLogger } from './logger.js';
import { createRevocationList, type RevocationList } from './revocation-list.js';
import { openTrustGate, type TrustGate } from './trust-gate.js';

export interface Policy {
  /** AIP token verification; absent when no AIP issuer can be trusted (OAuth only). */
  verifier: TokenVerifier | undefined;
  revocations: RevocationList | undefined;
  gate: TrustGate | undefined;
  /** Rotated and revoked keys (`[key_events] db`, else `[trust] db`). */
  keyEvents: KeyEventSource | undefined;
  /** Domain-anchored issuers (`proxy.trust_did_web`), resolved in the background. */
  didWeb: DidWebIssuers | undefined;
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
  logger?: ProxyLogger,
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
  // The same list keeps its resolved keys across a reload.
  const dids = config.proxy.trust_did_web;
  const keepDidWeb =
    previous?.policy.didWeb !== undefined && JSON.stringify(previous.policy.didWeb.dids) === JSON.stringify(dids);
  const didWeb = keepDidWeb
    ? previous?.policy.didWeb
    : dids.length === 0
      ? undefined
      : openDidWebIssuers(dids, logger === undefined ? {} : { logger });
  const verifier =
    config.proxy.trust_keys.length > 0 || trustIssuer !== undefined || didWeb !== undefined
      ? createTokenVerifier({
          trustedKeys: config.proxy.trust_keys,
          ...(trustIssuer === undefined ? {} : { trustIssuer }),
          ...(didWeb === undefined ? {} : { issuerKeyOf: (issuer: string) => didWeb.keyOf(issuer) }),
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
    didWeb,
    close() {
      gate?.close();
      keyEvents?.close();
      didWeb?.close();
    },
  };
}
