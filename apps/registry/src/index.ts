// @aip/registry: the AIP registry and Trust Observatory (DESIGN §6) — publish and discover signed
// agent profiles, vouches and revocations; trust queries from any root; a feed to sync from.
export { type AgentSummary, type AgentView, AgentViews, type ServedVouch } from './agent-views.js';
export {
  buildApp,
  DEFAULT_BODY_LIMIT,
  DEFAULT_IDENTITY_LIMIT,
  DEFAULT_IP_LIMIT,
  REGISTRY_VERSION,
  type RegistryOptions,
} from './app.js';
export {
  type Challenge,
  ChallengeBook,
  type ChallengeStore,
  DEFAULT_CHALLENGE_TTL,
} from './challenge-store.js';
export type { ErrorBody } from './error-handler.js';
export { RegistryError, type RegistryErrorCode } from './errors.js';
export { formatCursor, parseCursor } from './feed-cursor.js';
export { errorCodeTable, httpStatusOf } from './http-status.js';
export { type IdentityAllowance, IdentityLimiter } from './identity-limiter.js';
export { DEFAULT_PORT, type RunningRegistry, type StartOptions, startRegistry } from './main.js';
export { type GraphOptions, type NetworkGraph, type NetworkStats, NetworkViews } from './network-views.js';
export { OPENAPI_PATH } from './openapi.js';
export {
  openPostgresRegistry,
  type PostgresRegistry,
  type PostgresRegistryOptions,
} from './postgres/open-postgres-registry.js';
export { PostgresChallenges } from './postgres/postgres-challenges.js';
export { PostgresRegistryLog } from './postgres/postgres-registry-log.js';
export { ReplicaMirror, type ReplicaMirrorOptions } from './postgres/replica-mirror.js';
export {
  type CreateProfileOptions,
  createProfile,
  MAX_DESCRIPTION_LENGTH,
  MAX_ENDPOINT_LENGTH,
  MAX_ENDPOINTS,
  MAX_NAME_LENGTH,
  PROFILE_TYPE,
  type Profile,
  type ProfileClockOptions,
  parseProfile,
  type VerifiedProfile,
  verifyProfile,
} from './profile.js';
export type { RateBuckets } from './rate-buckets.js';
export { openRedisState, type RedisState, type RedisStateOptions } from './redis/open-redis-state.js';
export { RedisBuckets } from './redis/redis-buckets.js';
export { RedisChallenges } from './redis/redis-challenges.js';
export type { RedisCommands } from './redis/redis-commands.js';
export {
  createRegistration,
  parseRegistration,
  REGISTRATION_TYPE,
  type Registration,
  verifyRegistration,
} from './registration.js';
export { type FeedPage, type PublishOutcome, RegistryClient, type RegistryClientOptions } from './registry-client.js';
export type {
  FeedRow,
  KeyEventOutcome,
  ProfileOutcome,
  RegistryLog,
  RevocationOutcome,
  VouchOutcome,
} from './registry-log.js';
export { openRegistryStore, RegistryStore, type StoredProfile } from './registry-store.js';
export { installAddressLimit, SharedIdentityLimiter } from './shared-limits.js';
export { SqliteRegistryLog } from './sqlite-registry-log.js';
export { redactUrl } from './store-unavailable.js';
export { type SyncOptions, type SyncProgress, type SyncRejection, type SyncSummary, syncFromRegistry } from './sync.js';
