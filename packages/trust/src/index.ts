// @aip/trust: signed vouches and revocations, a verifying SQLite store, and personalised,
// Sybil-resistant trust computed offline from the caller's own point of view.

export { cachedDidKeyFromId } from './agent-keys.js';
export { assertScope } from './assert-scope.js';
export { type ClockOptions, DEFAULT_CLOCK_SKEW } from './clock-options.js';
export type {
  AgentStats,
  IssuedPerDay,
  ListedVouch,
  TrustChange,
  TrustDirectory,
  TrustTotals,
  VouchDirection,
  VouchEdge,
  VouchPage,
} from './directory.js';
export {
  DEFAULT_CORROBORATION_CAP,
  MAX_HOPS,
  openTrustEngine,
  TrustEngine,
  type TrustEngineOptions,
  type TrustIndexStats,
  type TrustPathResult,
  type TrustQueryOptions,
  type TrustResult,
} from './engine.js';
export { TrustError, type TrustErrorCode } from './errors.js';
export {
  type ImportError,
  type ImportOptions,
  type ImportProgress,
  type ImportSummary,
  importJsonl,
  importJsonlFile,
} from './import.js';
export { verifyKeyEventObject } from './key-event-object.js';
export { canonicalWithId, isObjectId } from './object-id.js';
export {
  base64UrlMember,
  didKeyMember,
  type Malformed,
  objectRecord,
  textMember,
  timeMember,
} from './object-members.js';
export { openTrustDirectory } from './open-directory.js';
export { openTrustQueryPool, TrustQueryPool, type TrustQueryPoolOptions } from './query-pool.js';
export { computeRanking, type RankEntry, type RankingOptions } from './ranking.js';
export {
  createRevocation,
  parseRevocation,
  REVOCATION_TYPE,
  type Revocation,
  type VerifiedRevocation,
  verifyRevocation,
} from './revocation.js';
export {
  type AddOutcome,
  openTrustStore,
  type RefusedScope,
  type StoredRevocation,
  type StoredVouch,
  TRUST_DB_FILE,
  TrustStore,
  type TrustStoreCounts,
  type TrustStoreOptions,
} from './store.js';
export { MAX_LINE_BYTES, type VerifiedObject, verifyTrustLine, verifyTrustObject } from './trust-object.js';
export {
  type CreateVouchOptions,
  createVouch,
  MAX_STATEMENT_LENGTH,
  parseVouch,
  type VerifiedVouch,
  VOUCH_TYPE,
  type Vouch,
  verifyVouch,
  vouchId,
} from './vouch.js';
