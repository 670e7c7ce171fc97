// Liveness and readiness, answered without a token on the proxy's port and on the metrics port.
// `/healthz`: the process answers. `/readyz`: what a request needs is there — the upstream answers,
// the audit log can be written, the budget ledger, Redis and the trust store can be read — each check
// named in the answer, the upstream probe reused for a second so a busy probe cannot load it.
import type { Pool } from 'undici';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import type { Policy } from '../policy.js';
import type { BudgetLedger } from '../state/budget-ledger.js';

export const LIVENESS_PATH = '/healthz';
export const READINESS_PATH = '/readyz';

export interface Readiness {
  ready: boolean;
  checks: Record<string, 'ok' | string>;
}

export interface Health {
  ready(): Promise<Readiness>;
}

const PROBE_TTL_MS = 1000;

/**
 * Readiness over the proxy's parts.
 *
 * @example
 * ```ts
 * const health = createHealth({ pool, auditLog, ledger, policy: () => state.policy, clock });
 * (await health.ready()).ready;
 * ```
 */
export function createHealth(deps: {
  pool: Pool;
  auditLog: AuditLog;
  ledger: BudgetLedger | undefined;
  /** The shared Redis, when configured: answers a PING. */
  redis?: { ping(): Promise<boolean> } | undefined;
  policy: () => Policy;
  clock: Clock;
}): Health {
  let probe: { at: number; result: Promise<string> } | undefined;
  const upstream = (): Promise<string> => {
    const now = deps.clock.monotonicMs();
    if (probe === undefined || now - probe.at > PROBE_TTL_MS) {
      probe = {
        at: now,
        result: deps.pool
          .request({ method: 'HEAD', path: '/', headersTimeout: 2000, bodyTimeout: 2000 })
          .then(async (res) => {
            await res.body.dump();
            return 'ok';
          })
          .catch(() => 'unreachable'),
      };
    }
    return probe.result;
  };
  return {
    async ready() {
      const checks: Record<string, string> = { upstream: await upstream() };
      checks.audit_log = deps.auditLog.healthy() ? 'ok' : 'cannot be written';
      if (deps.ledger !== undefined)
        checks.budget_ledger = await deps.ledger.report(['']).then(
          () => 'ok',
          () => 'cannot be read',
        );
      if (deps.redis !== undefined) checks.redis = (await deps.redis.ping()) ? 'ok' : 'unreachable';
      const policy = deps.policy();
      const revocations = policy.revocations?.unusable();
      // Details (paths, causes) go to the log, not to an unauthenticated answer.
      if (policy.revocations !== undefined) checks.revocations = revocations === undefined ? 'ok' : 'unusable';
      if (policy.gate !== undefined) checks.trust_store = policy.gate.usable() ? 'ok' : 'cannot be read';
      return { ready: Object.values(checks).every((c) => c === 'ok'), checks };
    },
  };
}
