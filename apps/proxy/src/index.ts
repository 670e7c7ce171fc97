// @aip/proxy: the verifying MCP proxy behind the `aip-proxy` command.

export { type AipProxy, createProxy, type ProxyOptions } from './app.js';
export { anchorFileOf } from './audit/anchor.js';
export { type AuditLog, type AuditLogOptions, type AuditRecord, openAuditLog } from './audit/audit-log.js';
export { type AuditVerification, type AuditVerifyOptions, verifyAuditLog } from './audit/audit-verify.js';
export { type AuditKey, loadAuditKey } from './audit/checkpoint.js';
export {
  openPostgresAuditSink,
  type PostgresAuditOptions,
  type PostgresAuditSink,
  readPostgresAudit,
} from './audit/postgres-audit-sink.js';
export { type CliIo, runProxyCli } from './cli.js';
export { type Clock, systemClock } from './clock.js';
export { ProxyConfigError, type ProxyConfigErrorCode } from './config/errors.js';
export { type FlagOption, flagOptions, flagsLayer } from './config/flags.js';
export { configReference } from './config/reference.js';
export { planReload, type ReloadPlan } from './config/reload.js';
export {
  type ConfigLayer,
  type ConfigSources,
  environmentLayer,
  loadProxyConfig,
  resolveConfig,
  resolveLayers,
} from './config/resolve.js';
export { type ProxyConfig, SECTIONS } from './config/sections.js';
export type { ConfigDocument } from './config/table.js';
export { redactUrl } from './config/value-types.js';
export { httpStatusOf, type ProxyErrorCode, type ProxyResponseCode } from './http-status.js';
export { type ProxyLogger, silentLogger } from './logger.js';
export { METADATA_PATH, protectedResourceMetadata } from './metadata.js';
export type { Principal } from './principal.js';
export type { BucketNeed, BucketStore, BucketVerdict } from './state/bucket-store.js';
export {
  type BudgetLedger,
  type ChargeRecord,
  type ChargeResult,
  type ChargeState,
  costOf,
  type LedgerSegment,
  openBudgetLedger,
  type SegmentSpend,
} from './state/budget-ledger.js';
export {
  type ClaimAndTake,
  type ClaimAndTakeVerdict,
  composeClaimAndTake,
  type ProofClaim,
} from './state/claim-and-take.js';
export { openPostgresLedger } from './state/postgres-ledger.js';
export { createRedisBucketStore } from './state/redis-bucket-store.js';
export { createRedisClaimAndTake } from './state/redis-claim-and-take.js';
export { connectRedis, type RedisConnection } from './state/redis-connection.js';
export { createRedisReplayClaims } from './state/redis-replay-claims.js';
export { createRedisTaskBindings } from './state/redis-task-bindings.js';
export { type ClaimVerdict, createMemoryReplayClaims, type ReplayClaims } from './state/replay-claims.js';
export { createSessionSeal, loadSessionSecret, type SessionSeal } from './state/session-seal.js';
export { type SharedStore, StoreUnavailableError } from './state/store-unavailable.js';
export { createMemoryTaskBindings, type TaskBindings } from './state/task-bindings.js';
export { memoryBucketStore, TokenBuckets } from './state/token-buckets.js';
