// The registry (DESIGN §6) as a fastify application: `buildApp(options)` wires the store, the trust
// engine and one encapsulated plugin per feature; `main.ts` is the only place that listens.

import { openTrustEngine, openTrustQueryPool } from '@aip/trust';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { AgentViews } from './agent-views.js';
import { ChallengeBook, type ChallengeStore } from './challenge-store.js';
import type { RegistryContext } from './context.js';
import { installErrorHandling } from './error-handler.js';
import { RegistryError } from './errors.js';
import { IdentityLimiter } from './identity-limiter.js';
import { NetworkViews } from './network-views.js';
import { collectOpenApi, OPENAPI_PATH } from './openapi.js';
import { RankingCache } from './ranking-cache.js';
import type { RateBuckets } from './rate-buckets.js';
import type { RegistryLog } from './registry-log.js';
import { openRegistryStore, type RegistryStore } from './registry-store.js';
import { agentRoutes } from './routes/agents.js';
import { feedRoutes } from './routes/feed.js';
import { healthRoutes } from './routes/health.js';
import { keyEventRoutes } from './routes/key-events.js';
import { networkRoutes } from './routes/network.js';
import { objectRoutes } from './routes/objects.js';
import { observatoryRoutes } from './routes/observatory.js';
import { trustRoutes } from './routes/trust.js';
import { installAddressLimit, SharedIdentityLimiter } from './shared-limits.js';
import { SqliteRegistryLog } from './sqlite-registry-log.js';

/** The registry's version, as the OpenAPI document states it. */
export const REGISTRY_VERSION = '0.1.0';
/** Default body limit: a maximal profile is under 8 KiB. */
export const DEFAULT_BODY_LIMIT = 16 * 1024;
/** Default per-IP limit (requests a minute) and per-identity limit (objects a minute). */
export const DEFAULT_IP_LIMIT = 1200;
export const DEFAULT_IDENTITY_LIMIT = 120;

/** Options of {@link buildApp}. */
export interface RegistryOptions {
  /** The SQLite file; default `:memory:`. Ignored when `store` is given. */
  db?: string;
  /**
   * An open store to serve (the caller closes it); else one is opened at `db` and closed with the
   * app. With `log`, it is the replica's local copy of the shared log (read, never written here).
   */
  store?: RegistryStore;
  /** Where writes and the feed go; default the store itself (`SqliteRegistryLog`). */
  log?: RegistryLog;
  /** Where challenges live; default in memory (`ChallengeBook`, `challengeTtl`). */
  challenges?: ChallengeStore;
  /**
   * Shared buckets (Redis) for the per-address and per-identity limits, the same across replicas;
   * default in this process.
   */
  buckets?: RateBuckets;
  /** Largest request body in bytes; default 16 KiB. */
  bodyLimit?: number;
  /** Requests a minute per client address; default 1200; 0 turns the limit off. */
  ipLimit?: number;
  /** Objects a minute per signing identity; default 120; 0 turns the limit off. */
  identityLimit?: number;
  /** Require a challenge-response registration on `POST /v1/agents`. */
  requireChallenge?: boolean;
  /** Challenge lifetime in seconds; default 120. */
  challengeTtl?: number;
  /** Trust answers kept per store version (an LRU, dropped on every change); default 10 000; 0 turns it off. */
  cacheSize?: number;
  /**
   * Worker threads answering trust scores and paths, each with its own engine over the database;
   * default one per core (an in-memory database is always answered in-thread); 0: in-thread.
   */
  queryThreads?: number;
  /** Pre-trusted agents of the global ranking; default: every agent with a profile. */
  rankingSeeds?: string[];
  /** Trust `X-Forwarded-For` from a reverse proxy for the client address (default false). */
  trustProxy?: boolean;
  /** Runs last when the app closes, once its engine and query workers are stopped (a replica's own close). */
  afterClose?: () => Promise<void>;
  /** Fastify logger options; default off. */
  logger?: FastifyServerOptions['logger'];
  /** The clock, Unix seconds (tests). */
  now?: () => number;
}

/**
 * Builds the registry application (not listening). Close it with `app.close()`, which saves the
 * trust index snapshot of a file database and closes the store it opened.
 *
 * @example
 * ```ts
 * const app = buildApp({ db: 'registry.db' });
 * const res = await app.inject({ method: 'GET', url: '/healthz' });
 * await app.close();
 * ```
 */
export function buildApp(options: RegistryOptions = {}): FastifyInstance {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    trustProxy: options.trustProxy ?? false,
    routerOptions: { maxParamLength: 256 },
    return503OnClosing: true,
    ajv: { customOptions: { coerceTypes: true, removeAdditional: false, allErrors: false } },
  });
  const store = options.store ?? openRegistryStore({ path: options.db ?? ':memory:' });
  const engine = openTrustEngine(store.trust);
  const queries = openTrustQueryPool(
    store.trust,
    engine,
    options.queryThreads === undefined ? {} : { threads: options.queryThreads },
  );
  const agents = new AgentViews(store);
  const identityLimit = options.identityLimit ?? DEFAULT_IDENTITY_LIMIT;
  const ctx: RegistryContext = {
    store,
    log: options.log ?? new SqliteRegistryLog(store),
    engine,
    queries,
    agents,
    network: new NetworkViews(store, agents),
    ranking: new RankingCache(store, engine, { seeds: options.rankingSeeds ?? [] }),
    challenges:
      options.challenges ??
      new ChallengeBook({ ...(options.challengeTtl === undefined ? {} : { ttl: options.challengeTtl }) }),
    identityLimit:
      identityLimit <= 0
        ? undefined
        : options.buckets === undefined
          ? new IdentityLimiter(identityLimit)
          : new SharedIdentityLimiter(options.buckets, identityLimit),
    requireChallenge: options.requireChallenge === true,
    cacheSize: options.cacheSize ?? 10_000,
    now: options.now ?? (() => Math.floor(Date.now() / 1000)),
  };

  for (const refused of store.trust.refusedScopes()) {
    app.log.warn(
      { code: refused.code, scope: refused.scope, vouches: refused.vouches },
      'stored vouches in a scope the scope grammar refuses: kept and served as signed, never counted',
    );
  }

  // JSON only: fastify's default text/plain parser would hand strings to routes that take objects.
  app.removeContentTypeParser('text/plain');
  installErrorHandling(app);
  const openapi = collectOpenApi(app, REGISTRY_VERSION);
  const ipLimit = options.ipLimit ?? DEFAULT_IP_LIMIT;
  if (ipLimit > 0 && options.buckets !== undefined) {
    installAddressLimit(app, options.buckets, ipLimit, () => ctx.now() * 1000);
  } else if (ipLimit > 0) {
    app.register(rateLimit, {
      max: ipLimit,
      timeWindow: 60_000,
      errorResponseBuilder: (_request, context) =>
        new RegistryError('aip_rate_limited', `too many requests from this address; retry in ${context.after}`),
    });
  }
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    return payload;
  });
  app.register(healthRoutes, { ctx });
  app.register(agentRoutes, { ctx });
  app.register(objectRoutes, { ctx });
  app.register(keyEventRoutes, { ctx });
  app.register(trustRoutes, { ctx });
  app.register(feedRoutes, { ctx });
  app.register(networkRoutes, { ctx });
  app.register(observatoryRoutes);
  app.get(OPENAPI_PATH, { schema: { hide: true } }, async () => openapi.document());

  app.addHook('onClose', async () => {
    try {
      // A replica's local copy is rebuilt from the shared log at each start: no snapshot to keep.
      if (store.trust.path !== ':memory:' && options.log === undefined) await engine.saveSnapshot();
    } finally {
      await queries.close();
      engine.close();
      if (options.store === undefined) store.close();
      await options.afterClose?.();
    }
  });
  return app;
}
