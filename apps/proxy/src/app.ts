// aip-proxy (DESIGN §5): `createProxy` composes the request pipeline — metadata, credential,
// authenticate, body, proof, session, authorize, meter, forward — over the stores and the policy
// of a configuration, and builds the server that runs it. Reload and shutdown live apart
// (lifecycle/); `aip-proxy` (cli.ts) listens.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import type { AuditLog } from './audit/audit-log.js';
import { openProxyAuditLog } from './audit/open-proxy-audit-log.js';
import { type Clock, systemClock } from './clock.js';
import type { ProxyConfig } from './config/sections.js';
import { closeProxy } from './lifecycle/close.js';
import { createHealth } from './lifecycle/health.js';
import { reloadProxy } from './lifecycle/reload.js';
import { type ProxyLogger, silentLogger } from './logger.js';
import { resourceIdentifiers } from './metadata.js';
import { createMetrics, type ProxyMetrics } from './metrics.js';
import { createOAuthVerifier } from './oauth-verifier.js';
import { createAgentCards } from './pipeline/agent-cards.js';
import { createContext } from './pipeline/context.js';
import { createResponder } from './pipeline/respond.js';
import { runPipeline } from './pipeline/run-pipeline.js';
import type { ProxyServices } from './pipeline/services.js';
import type { Stage } from './pipeline/stage.js';
import { authenticateStage } from './pipeline/stages/authenticate.js';
import { authorizeStage } from './pipeline/stages/authorize.js';
import { bodyStage } from './pipeline/stages/body.js';
import { credentialStage } from './pipeline/stages/credential.js';
import { forwardStage } from './pipeline/stages/forward.js';
import { metadataStage } from './pipeline/stages/metadata.js';
import { meterStage } from './pipeline/stages/meter.js';
import { proofStage } from './pipeline/stages/proof.js';
import { sessionStage } from './pipeline/stages/session.js';
import { buildPolicy, type Policy } from './policy.js';
import { type AdmissionLimits, createAdmission } from './state/admission.js';
import type { BucketStore } from './state/bucket-store.js';
import { composeClaimAndTake } from './state/claim-and-take.js';
import { openLedger } from './state/open-ledger.js';
import { openSharedStores } from './state/open-stores.js';
import { createRateLimiter } from './state/rate-limiter.js';
import { createMemoryReplayClaims, type ReplayClaims } from './state/replay-claims.js';
import { replicaId } from './state/replica-id.js';
import { createSessionSeal, loadSessionSecret } from './state/session-seal.js';
import { createMemoryTaskBindings, type TaskBindings } from './state/task-bindings.js';
import { memoryBucketStore, TokenBuckets } from './state/token-buckets.js';
import { StreamRegistry } from './upstream/relay.js';
import { type StdioBridge, startStdioBridge } from './upstream/stdio-bridge.js';

/** Options of {@link createProxy}. */
export interface ProxyOptions {
  config: ProxyConfig;
  /** Where decisions are logged; by default the configured file (with checkpoints), or stdout. */
  auditLog?: AuditLog;
  /** The clock of the request path (tests). */
  clock?: Clock;
  /** Operational messages (start-up recovery, reload, failures); silent by default. */
  logger?: ProxyLogger;
  /** Stores to use instead of the in-memory ones (shared stores for replicas, or tests). */
  stores?: { replay?: ReplayClaims; buckets?: BucketStore; tasks?: TaskBindings };
}

/** A proxy, built but not listening. */
export interface AipProxy {
  server: Server;
  /** The metrics server when `[metrics]` is configured (not listening either). */
  metricsServer: Server | undefined;
  metrics: ProxyMetrics | undefined;
  /** The resource identifier in force (configured, or derived from the listen address). */
  audience(): string;
  /** The configuration in force. */
  config(): ProxyConfig;
  /** The stdio bridge in `[stdio]` mode. */
  stdio: StdioBridge | undefined;
  /** The DID of the key signing the audit log's checkpoints (pin it to verify the log later). */
  auditKey: string | undefined;
  /**
   * Applies a new configuration without a restart (what the table marks reloadable); returns the
   * keys whose change needs a restart. Throws, keeping the running configuration, when the new
   * one cannot be applied (e.g. its trust store is unusable).
   */
  reload(config: ProxyConfig): string[];
  /**
   * Stops accepting connections, ends open GET streams, lets in-flight requests (SSE responses
   * included) finish for up to `graceMs` (default 5000), then closes everything else.
   */
  close(options?: { graceMs?: number }): Promise<void>;
}

// The admission limits of a configuration, built once per configuration (read on every request).
const limitsOf = new WeakMap<ProxyConfig, AdmissionLimits>();
function admissionLimits(config: ProxyConfig): AdmissionLimits {
  let limits = limitsOf.get(config);
  if (limits === undefined) {
    limits = { ...config.rate_limit, total_streams: config.proxy.max_streams };
    limitsOf.set(config, limits);
  }
  return limits;
}

/**
 * Builds the proxy for a resolved configuration. Throws `ProxyConfigError` naming the key when
 * something it names cannot be opened (a log file in a missing directory, an unusable trust
 * store, a bad revocation list, a session secret that is too short).
 *
 * @example
 * ```ts
 * const proxy = await createProxy({ config: resolveConfig({ proxy: { upstream: 'http://127.0.0.1:3000', trust_keys: [key] } }) });
 * proxy.server.listen(8080, '127.0.0.1');
 * ```
 */
export async function createProxy(options: ProxyOptions): Promise<AipProxy> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const state: { config: ProxyConfig; policy: Policy } = {
    config: options.config,
    policy: buildPolicy(options.config, clock, undefined, logger),
  };
  const startup = options.config;
  const opened: { close(): void | Promise<void> }[] = [state.policy];
  try {
    const auditLog =
      options.auditLog ??
      (await openProxyAuditLog(startup.logging, clock, replicaId(startup.state), startup.state.postgres_url));
    opened.push(auditLog);
    const shared = await openSharedStores(startup.state, logger);
    opened.push(shared);
    const ledger =
      startup.budget === undefined
        ? undefined
        : await openLedger(startup.budget, clock, logger, startup.state.postgres_url);
    if (ledger !== undefined) opened.push(ledger);
    const seal = startup.session.bind
      ? createSessionSeal(loadSessionSecret(startup.state.session_secret_file))
      : undefined;
    const stdio = startup.stdio === undefined ? undefined : await startStdioBridge(startup.stdio);
    if (stdio !== undefined) opened.push(stdio);
    const upstreamOrigin = stdio === undefined ? startup.proxy.upstream : new URL(stdio.url);
    // Unlimited connections: each stream holds its own, as it would without the proxy; admission
    // bounds how many any one caller can hold.
    const pool = new Pool(upstreamOrigin.origin, { connections: null, keepAliveTimeout: 30_000 });
    const metrics = startup.metrics === undefined ? undefined : createMetrics(startup.metrics, clock);

    const server = createServer({ maxHeaderSize: startup.proxy.max_header_bytes, keepAliveTimeout: 65_000 });
    let listenAddress: string | undefined;
    server.on('listening', () => {
      const address = server.address() as AddressInfo;
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      listenAddress = `http://${host}:${address.port}`;
    });
    const listenBase = () => listenAddress ?? `http://${startup.proxy.host}:${startup.proxy.port}`;
    const publicBase = () => state.config.proxy.public_url ?? listenBase();
    const audience = () => state.config.proxy.audience ?? state.config.proxy.public_url ?? listenBase();

    const health = createHealth({ pool, auditLog, ledger, redis: shared.redis, policy: () => state.policy, clock });
    const respond = createResponder({
      logger,
      access: () => state.config.logging.access,
      auditLog,
      clock,
      refusalDelayMs: () => state.config.rate_limit.refusal_delay_ms,
      publicBase,
      mcpPaths: () => state.config.proxy.mcp_paths,
      oauth: startup.oauth?.scope_map,
      ...(metrics === undefined ? {} : { observer: metrics }),
    });
    const buckets = options.stores?.buckets ?? shared.buckets ?? memoryBucketStore(new TokenBuckets());
    const replay = options.stores?.replay ?? shared.replay ?? createMemoryReplayClaims();
    const limiter = createRateLimiter(() => state.config.rate_limit, buckets);
    // One script for both only when both are the shared ones; otherwise the two in turn.
    const meter =
      shared.meter !== undefined && replay === shared.replay && buckets === shared.buckets
        ? shared.meter
        : composeClaimAndTake(replay, buckets);
    const extraHeaders = stdio?.headers ?? {};
    const services: ProxyServices = {
      clock,
      config: () => state.config,
      policy: () => state.policy,
      audience,
      publicBase,
      respond,
      oauth:
        startup.oauth === undefined
          ? undefined
          : createOAuthVerifier(startup.oauth, () => [
              audience(),
              ...resourceIdentifiers(publicBase(), state.config.proxy.mcp_paths),
            ]),
      limiter,
      admission: createAdmission(() => admissionLimits(state.config)),
      replay,
      meter,
      seal,
      tasks: options.stores?.tasks ?? shared.tasks ?? createMemoryTaskBindings(),
      ledger,
      auditLog,
      health,
      agentCards: createAgentCards({
        clock,
        config: () => state.config,
        limiter,
        respond,
        pool,
        upstreamOrigin,
        extraHeaders,
        publicBase,
      }),
    };
    const streams = new StreamRegistry();
    const stages: Stage[] = [
      metadataStage(services),
      credentialStage(services),
      authenticateStage(services),
      bodyStage(services),
      proofStage(services),
      sessionStage(services),
      authorizeStage(services),
      meterStage(services),
      forwardStage({
        ...services,
        logger,
        pool,
        upstreamOrigin,
        extraHeaders,
        publicBase,
        streams,
        ...(metrics === undefined ? {} : { streaming: (delta: 1 | -1) => metrics.streams(delta) }),
      }),
    ];

    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      void runPipeline(stages, createContext(req, res, randomUUID(), clock.monotonicMs()), respond);
    });
    server.on('clientError', (_err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      else socket.destroy();
    });

    const metricsServer = metrics?.serve(health);

    return {
      server,
      metricsServer,
      metrics,
      audience,
      config: () => state.config,
      stdio,
      auditKey: auditLog.key,
      reload: (next) => reloadProxy(state, next, clock, logger),
      close: (closeOptions = {}) =>
        closeProxy({
          server,
          metricsServer,
          streams,
          pool,
          graceMs: closeOptions.graceMs ?? 5000,
          release: [stdio, ledger, shared, { close: () => state.policy.close() }, auditLog],
        }),
    };
  } catch (err) {
    for (const thing of opened.reverse()) await thing.close();
    throw err;
  }
}
