// @aip/proxy: the verifying MCP proxy behind the `aip-proxy` command.

export { type AipProxy, createProxy, type ProxyOptions } from './app.js';
export { type AuditLog, type AuditRecord, type AuditVerification, openAuditLog, verifyAuditLog } from './audit-log.js';
export {
  type BudgetLedger,
  type ChargeResult,
  costOf,
  type LedgerSegment,
  openBudgetLedger,
  type SegmentSpend,
} from './budget-ledger.js';
export { loadProxyConfig, type ProxyConfig, type ProxyFlags, resolveConfig } from './config.js';
export type {
  BudgetConfig,
  FeatureConfig,
  MetricsConfig,
  OAuthConfig,
  PopConfig,
  RateLimitConfig,
  RevocationConfig,
  SessionConfig,
  StdioConfig,
  TrustGateConfig,
} from './config-features.js';
export { ProxyConfigError, type ProxyConfigErrorCode } from './errors.js';
export { httpStatusOf, type ProxyErrorCode } from './http-status.js';
export { METADATA_PATH, protectedResourceMetadata } from './metadata.js';
export type { Principal } from './principal.js';
