// Trust-gated issuers (`[trust]`): besides the configured keys, an issuer is admitted when the
// operator's root trusts it enough in the trust graph (@aip/trust, personalised path trust with
// corroboration). The engine follows the store, so a new vouch admits an issuer and a revocation
// removes it within a second, without a restart.
import { didKeyFromId } from '@aip/identity';
import { openTrustEngine, openTrustStore, type TrustEngine, type TrustStore } from '@aip/trust';
import type { TrustGateConfig } from './config-features.js';

export interface TrustGate {
  /** True when `issuer` is the root or reaches the thresholds from it. */
  admits(issuer: string): boolean;
  close(): void;
}

// Decisions are reused for this long: a request burst from one issuer costs one query.
const DECISION_TTL_MS = 1000;

export function openTrustGate(config: TrustGateConfig, nowMs: () => number = Date.now): TrustGate {
  const store: TrustStore = openTrustStore({ path: config.db, readonly: true });
  const engine: TrustEngine = openTrustEngine(store);
  const root = didKeyFromId(config.root);
  const decisions = new Map<string, { admitted: boolean; until: number }>();
  return {
    admits(issuer) {
      const now = nowMs();
      const cached = decisions.get(issuer);
      if (cached !== undefined && cached.until > now) return cached.admitted;
      let admitted: boolean;
      try {
        const did = didKeyFromId(issuer);
        if (did === root) {
          admitted = true;
        } else {
          const result = engine.score(did, { from: root, scope: config.scope, now: Math.floor(now / 1000) });
          admitted = result.score >= config.minScore && result.corroboration >= config.minCorroboration;
        }
      } catch {
        admitted = false;
      }
      if (decisions.size > 10_000) decisions.clear();
      decisions.set(issuer, { admitted, until: now + DECISION_TTL_MS });
      return admitted;
    },
    close() {
      engine.close();
      store.close();
    },
  };
}
