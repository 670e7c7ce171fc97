// Trust-gated issuers (`[trust]`): besides the configured keys, an issuer is admitted when the
// operator's root trusts it enough in the trust graph (@aip/trust, personalised path trust with
// corroboration) through at most `max_hops` vouches. The engine follows the store, so a new vouch
// admits an issuer and a revocation removes it within a second, without a restart.
import { statSync } from 'node:fs';
import { AipError, didKeyFromId } from '@aip/identity';
import { openTrustEngine, openTrustStore, type TrustEngine, type TrustStore } from '@aip/trust';
import type { Clock } from './clock.js';
import { ProxyConfigError } from './config/errors.js';
import type { ProxyConfig } from './config/sections.js';

export interface TrustGate {
  /** True when `issuer` is the root or reaches the thresholds from it. */
  admits(issuer: string): boolean;
  /** True while the trust store can be read. */
  usable(): boolean;
  close(): void;
}

// Decisions are reused for this long: a request burst from one issuer costs one query.
const DECISION_TTL_MS = 1000;

/**
 * Opens the gate. Throws `ProxyConfigError` (key `trust.db`) when the store is missing or unusable.
 *
 * @example
 * ```ts
 * const gate = openTrustGate(config.trust, systemClock);
 * gate.admits('did:key:z6Mk...');
 * ```
 */
export function openTrustGate(config: NonNullable<ProxyConfig['trust']>, clock: Clock): TrustGate {
  try {
    if (!statSync(config.db).isFile()) throw new ProxyConfigError('trust.db', `${config.db} is not a regular file`);
  } catch (err) {
    if (err instanceof ProxyConfigError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new ProxyConfigError(
      'trust.db',
      code === 'ENOENT'
        ? `${config.db} does not exist (create it with aip vouch, aip trust import or aip sync)`
        : `cannot open ${config.db} (${code})`,
    );
  }
  let store: TrustStore;
  let engine: TrustEngine;
  try {
    store = openTrustStore({ path: config.db, readonly: true });
    engine = openTrustEngine(store);
  } catch (err) {
    throw new ProxyConfigError('trust.db', err instanceof AipError ? err.message : `cannot open ${config.db}`);
  }
  const root = didKeyFromId(config.root);
  const decisions = new Map<string, { admitted: boolean; until: number }>();
  return {
    admits(issuer) {
      const now = clock.monotonicMs();
      const cached = decisions.get(issuer);
      if (cached !== undefined && cached.until > now) return cached.admitted;
      let admitted: boolean;
      try {
        const did = didKeyFromId(issuer);
        if (did === root) {
          admitted = true;
        } else {
          const result = engine.score(did, { from: root, scope: config.scope, now: Math.floor(clock.nowMs() / 1000) });
          admitted =
            result.score >= config.min_score &&
            result.corroboration >= config.min_corroboration &&
            result.hops <= config.max_hops;
        }
      } catch {
        admitted = false;
      }
      if (decisions.size > 10_000) decisions.clear();
      decisions.set(issuer, { admitted, until: now + DECISION_TTL_MS });
      return admitted;
    },
    usable() {
      try {
        return statSync(config.db).isFile();
      } catch {
        return false;
      }
    },
    close() {
      engine.close();
      store.close();
    },
  };
}
