// Audit warnings on tokens that verify but look risky: long TTL, wildcard scope, high budget,
// deep delegation. Thresholds follow the Python reference's defaults; each can be made enforcing.
import type { LinkClaims, TokenClaims } from './claims.js';
import { TokenError, type TokenErrorCode } from './errors.js';
import { isWildcardScope } from './scope.js';

/** Stable codes of {@link AuditWarning}. */
export type AuditWarningCode = 'ttl_exceeds_max' | 'wildcard_scope' | 'budget_exceeds_max' | 'deep_chain';

/** A risk found on a valid token. */
export interface AuditWarning {
  code: AuditWarningCode;
  message: string;
}

/** Thresholds of the audit; `enforce` turns the listed warnings into errors. */
export interface AuditPolicy {
  /** Longest acceptable lifetime (exp - iat) of any segment, seconds. Default 3600. */
  maxTtlSeconds?: number;
  /** Highest acceptable budget_usd. Default 10. */
  maxBudgetUsd?: number;
  /** Most delegation links (and root max_depth) before warning. Default 5. */
  maxChainDepth?: number;
  /** Warnings that reject the token instead (e.g. `['ttl_exceeds_max']`), or `true` for all. */
  enforce?: boolean | AuditWarningCode[];
}

export const DEFAULT_AUDIT = { maxTtlSeconds: 3600, maxBudgetUsd: 10, maxChainDepth: 5 } as const;

// The error an enforced warning becomes.
const ENFORCED: Record<AuditWarningCode, TokenErrorCode> = {
  ttl_exceeds_max: 'aip_token_expired',
  wildcard_scope: 'aip_scope_insufficient',
  budget_exceeds_max: 'aip_budget_exceeded',
  deep_chain: 'aip_depth_exceeded',
};

/**
 * Audits a verified chain (root first). Returns the warnings, or throws the mapped `TokenError`
 * for the first warning the policy enforces.
 *
 * @example
 * ```ts
 * auditChain(claims, { maxTtlSeconds: 600 }); // [{ code: 'ttl_exceeds_max', ... }]
 * ```
 */
export function auditChain(chain: readonly (TokenClaims | LinkClaims)[], policy: AuditPolicy = {}): AuditWarning[] {
  const maxTtl = policy.maxTtlSeconds ?? DEFAULT_AUDIT.maxTtlSeconds;
  const maxBudget = policy.maxBudgetUsd ?? DEFAULT_AUDIT.maxBudgetUsd;
  const maxDepth = policy.maxChainDepth ?? DEFAULT_AUDIT.maxChainDepth;
  const warnings: AuditWarning[] = [];
  const ttl = Math.max(...chain.map((c) => c.exp - c.iat));
  if (ttl > maxTtl)
    warnings.push({
      code: 'ttl_exceeds_max',
      message: `lifetime ${ttl}s exceeds the recommended maximum of ${maxTtl}s`,
    });
  const wildcards = [...new Set(chain.flatMap((c) => c.scope.filter(isWildcardScope)))];
  if (wildcards.length > 0)
    warnings.push({ code: 'wildcard_scope', message: `wildcard scope ${wildcards.join(', ')}` });
  const budget = (chain[0] as TokenClaims).budget_usd;
  if (budget !== null && budget > maxBudget) {
    warnings.push({
      code: 'budget_exceeds_max',
      message: `budget $${budget} exceeds the recommended maximum of $${maxBudget}`,
    });
  }
  const links = chain.length - 1;
  const allowed = (chain[0] as TokenClaims).max_depth;
  if (links > maxDepth || allowed > maxDepth) {
    warnings.push({
      code: 'deep_chain',
      message: `delegation depth ${Math.max(links, allowed)} exceeds the recommended maximum of ${maxDepth}`,
    });
  }
  const enforce = policy.enforce;
  for (const warning of warnings) {
    if (enforce === true || (Array.isArray(enforce) && enforce.includes(warning.code))) {
      throw new TokenError(ENFORCED[warning.code], `refused by policy: ${warning.message}`);
    }
  }
  return warnings;
}
