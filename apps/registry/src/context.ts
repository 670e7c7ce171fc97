// What every route plugin shares: the store and its views, the log writes go through, the trust engine, the challenge book,
// the per-identity limiter and the clock.
import type { TrustEngine, TrustQueryPool } from '@aip/trust';
import type { AgentViews } from './agent-views.js';
import type { ChallengeStore } from './challenge-store.js';
import type { IdentityAllowance } from './identity-limiter.js';
import type { NetworkViews } from './network-views.js';
import type { RankingCache } from './ranking-cache.js';
import type { RegistryLog } from './registry-log.js';
import type { RegistryStore } from './registry-store.js';

/** The registry's state, handed to each route plugin as its options. */
export interface RegistryContext {
  /** What reads are answered from (a replica's local copy when `log` is shared). */
  store: RegistryStore;
  /** Where writes go and the feed is read: the store itself, or the database shared by replicas. */
  log: RegistryLog;
  engine: TrustEngine;
  /** Score and path questions, answered in worker threads (in-thread for an in-memory store). */
  queries: TrustQueryPool;
  agents: AgentViews;
  network: NetworkViews;
  ranking: RankingCache;
  challenges: ChallengeStore;
  /** Undefined when per-identity limits are off. */
  identityLimit: IdentityAllowance | undefined;
  /** True when `POST /v1/agents` must carry a challenge-response registration. */
  requireChallenge: boolean;
  /** Trust answers cached per store version (0: none). */
  cacheSize: number;
  /** Unix seconds. */
  now: () => number;
}

/** Plugin options carrying the context. */
export interface RoutesOptions {
  ctx: RegistryContext;
}
