// aip-proxy (DESIGN §5): verifies every request, authorizes it per MCP message, applies the
// operator's policy (proofs, rate limits, session binding), forwards what is allowed with
// streaming responses, and audits each decision. `createProxy` builds it; `aip-proxy` listens.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMemoryReplayCache, TokenError } from '@aip/token';
import { Pool } from 'undici';
import { type AuditLog, openAuditLog } from './audit-log.js';
import { type BudgetLedger, costOf, openBudgetLedger } from './budget-ledger.js';
import type { ProxyConfig } from './config.js';
import { decide } from './decision.js';
import { createResponder, type Exchange } from './exchange.js';
import { createForwarder } from './forward.js';
import { METADATA_PATH, protectedResourceMetadata } from './metadata.js';
import { createMetrics, type ProxyMetrics } from './metrics.js';
import { createOAuthVerifier, type OAuthVerifier } from './oauth-verifier.js';
import { buildPolicy, type Policy, type TrustHooks } from './policy.js';
import { type Principal, principalKey, principalOf } from './principal.js';
import { BodyTooLarge, readBody } from './request-body.js';
import { createSessionBinding } from './session-binding.js';
import { type StdioBridge, startStdioBridge } from './stdio-bridge.js';
import { openTrustGate, type TrustGate } from './trust-gate.js';

/** Options of {@link createProxy}. */
export interface ProxyOptions {
  config: ProxyConfig;
  /** Where decisions are logged; by default the configured file, or stdout. */
  auditLog?: AuditLog;
  /** "Now" in Unix seconds (tests). */
  now?: () => number;
}

/** A proxy, built but not listening. */
export interface AipProxy {
  server: Server;
  /** The metrics server when `[metrics]` is configured (not listening either). */
  metricsServer: Server | undefined;
  metrics: ProxyMetrics | undefined;
  /** The resource identifier in force (configured, or derived from the listen address). */
  audience(): string;
  /** The stdio bridge in `[stdio]` mode. */
  stdio: StdioBridge | undefined;
  /**
   * Applies a new configuration without a restart: trusted keys, audit policy, proofs, rate
   * limits (buckets start afresh), revocations. Listening address, upstream, stdio command,
   * metrics port and log file keep their startup values; the names of changed ones are returned.
   */
  reload(config: ProxyConfig): string[];
  /**
   * Stops accepting connections, ends open streams, lets in-flight requests finish (for up to
   * `graceMs`, default 5000), then closes upstream connections, children and the audit log.
   */
  close(options?: { graceMs?: number }): Promise<void>;
}

const BODYLESS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS']);

function credentialOf(req: IncomingMessage): { kind: 'aip' | 'bearer'; token: string } | undefined {
  const direct = req.headers['x-aip-token'];
  if (typeof direct === 'string' && direct.trim() !== '') return { kind: 'aip', token: direct.trim() };
  const auth = req.headers.authorization;
  const match = typeof auth === 'string' ? /^(AIP|Bearer)\s+(\S+)\s*$/i.exec(auth) : null;
  if (match === null) return undefined;
  return { kind: (match[1] as string).toLowerCase() === 'aip' ? 'aip' : 'bearer', token: match[2] as string };
}

// The request target as forwarded: origin-form, dot segments resolved (so the path the scope was
// decided on is the path the upstream serves).
function normalizedTarget(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '*') return undefined;
  try {
    const url = new URL(raw, 'http://proxy.invalid');
    return `${url.pathname}${url.search}`;
  } catch {
    return undefined;
  }
}

// JSON.stringify of configs holding Maps and URLs, for change detection.
function replacer(_key: string, value: unknown): unknown {
  return value instanceof Map ? [...value] : value instanceof URL ? value.href : value;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Builds the proxy for a resolved configuration. In `[stdio]` mode the stdio bridge is started
 * first, hence the promise.
 *
 * @example
 * ```ts
 * const proxy = await createProxy({ config: await loadProxyConfig({ upstream: 'http://127.0.0.1:3000', trustKeys: [key] }) });
 * proxy.server.listen(8080, '127.0.0.1');
 * ```
 */
export async function createProxy(options: ProxyOptions): Promise<AipProxy> {
  const { config } = options;
  const clock = options.now ?? (() => Math.floor(Date.now() / 1000));
  const auditLog = options.auditLog ?? openAuditLog(config.logFile);
  let gate: TrustGate | undefined = config.trust === undefined ? undefined : openTrustGate(config.trust);
  const trustHooks = (): TrustHooks =>
    gate === undefined ? {} : { trustIssuer: (issuer: string) => (gate as TrustGate).admits(issuer) };
  const replayCache = createMemoryReplayCache();
  let policy: Policy = buildPolicy(config, trustHooks(), replayCache);
  const ledger: BudgetLedger | undefined =
    config.budget === undefined ? undefined : openBudgetLedger(config.budget.ledger);
  const oauth: OAuthVerifier | undefined = config.oauth === undefined ? undefined : createOAuthVerifier(config.oauth);
  const stdio = config.stdio === undefined ? undefined : await startStdioBridge(config.stdio);
  const upstreamOrigin = stdio === undefined ? config.upstream : new URL(stdio.url);
  const pool = new Pool(upstreamOrigin.origin, {
    connections: 256,
    keepAliveTimeout: 30_000,
    headersTimeout: 60_000,
    bodyTimeout: 0,
  });
  const metrics = config.metrics === undefined ? undefined : createMetrics(config.metrics);
  const sessions = createSessionBinding(config.session);

  const server = createServer({ maxHeaderSize: config.maxHeaderBytes, keepAliveTimeout: 65_000 });
  let listenAudience: string | undefined;
  const audience = () =>
    config.audience ?? config.publicUrl ?? listenAudience ?? `http://${config.host}:${config.port}`;
  server.on('listening', () => {
    const address = server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    listenAudience = `http://${host}:${address.port}`;
  });
  const publicBase = (req: IncomingMessage): string => {
    if (config.publicUrl !== undefined) return config.publicUrl;
    const host = req.headers.host;
    return typeof host === 'string' && /^[A-Za-z0-9.\-:[\]]+$/.test(host) ? `http://${host}` : audience();
  };

  const responder = createResponder({
    auditLog,
    publicBase,
    oauth: oauth !== undefined,
    ...(metrics === undefined ? {} : { observer: metrics }),
  });
  const forwarder = createForwarder({
    pool,
    upstreamOrigin,
    responder,
    oauth: oauth !== undefined,
    ...(stdio === undefined ? {} : { extraHeaders: stdio.headers }),
    hooks: {
      failed(x) {
        // Nothing reached the server: the call is not paid for.
        if (x.chargeId !== undefined) ledger?.refund(x.chargeId);
      },
      responded(x, status, headers) {
        // The session an upstream just issued belongs to whoever asked for it.
        const issued = headers['mcp-session-id'];
        if (typeof issued === 'string' && status < 300 && x.principal !== undefined)
          sessions.bind(issued, principalKey(x.principal), Date.now());
        const presented = header(x.req, 'mcp-session-id');
        if (x.req.method === 'DELETE' && presented !== undefined && status < 300) sessions.forget(presented);
      },
      sessionAnnounced(x, sessionId) {
        if (x.principal !== undefined) sessions.bind(sessionId, principalKey(x.principal), Date.now());
      },
      ...(metrics === undefined ? {} : { streaming: (delta: 1 | -1) => metrics.streams(delta) }),
    },
  });

  async function authenticate(
    x: Exchange,
    credential: { kind: 'aip' | 'bearer'; token: string },
  ): Promise<Principal | undefined> {
    try {
      if (credential.kind === 'bearer') {
        if (oauth === undefined) {
          responder.deny(
            x,
            'aip_token_missing',
            'bearer tokens are not accepted here: send an AIP token (X-AIP-Token or Authorization: AIP <token>)',
          );
          return undefined;
        }
        return await oauth.verify(credential.token, clock());
      }
      if (policy.verifier === undefined) {
        responder.deny(x, 'aip_issuer_untrusted', 'this proxy trusts no AIP issuers');
        return undefined;
      }
      return principalOf(policy.verifier.verify(credential.token, { now: clock(), audience: audience() }));
    } catch (err) {
      if (!(err instanceof TokenError)) throw err;
      responder.deny(x, err.code, err.message);
      return undefined;
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const http = `${req.method} ${(req.url ?? '').split('?')[0]}`;
    const x: Exchange = { req, res, id: randomUUID(), started: performance.now(), http, method: http, names: [] };
    const target = normalizedTarget(req.url);
    if (target === undefined) {
      responder.sendJson(x, 400, { error: { code: 'aip_request_invalid', message: 'unsupported request target' } });
      return;
    }
    if (target.split('?')[0] === METADATA_PATH) {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        responder.deny(x, 'aip_method_not_allowed', 'the metadata document is read-only');
        return;
      }
      const issuers = config.oauth === undefined ? [] : [config.oauth.issuer];
      responder.sendJson(
        x,
        200,
        protectedResourceMetadata(audience(), config.trustKeys, {
          proofRequired: config.pop.required,
          authorizationServers: issuers,
        }),
        { 'cache-control': 'max-age=300' },
      );
      return;
    }

    const stale = policy.revocations?.unusable();
    if (stale !== undefined) {
      responder.deny(x, 'aip_key_revoked', `${stale}: refusing every request until it is fixed`);
      return;
    }
    const credential = credentialOf(req);
    if (credential === undefined) {
      responder.deny(x, 'aip_token_missing', 'an AIP token is required (X-AIP-Token or Authorization: AIP <token>)');
      return;
    }
    const principal = await authenticate(x, credential);
    if (principal === undefined) return;
    x.principal = principal;

    let body: Buffer;
    try {
      body = BODYLESS.has(req.method ?? '') ? Buffer.alloc(0) : await readBody(req, config.maxBodyBytes);
    } catch (err) {
      if (err instanceof BodyTooLarge) {
        res.setHeader('connection', 'close');
        responder.deny(x, 'aip_request_too_large', `request bodies are limited to ${config.maxBodyBytes} bytes`);
        return;
      }
      throw err;
    }

    const { proofs, limiter } = policy;
    const proofError = proofs.check({
      principal,
      token: credential.token,
      proof: header(req, 'x-aip-proof'),
      method: req.method ?? 'GET',
      target: req.url ?? '/',
      body,
      audience: audience(),
      now: clock(),
    });
    if (proofError !== undefined) {
      responder.deny(x, proofError.code, proofError.message);
      return;
    }

    // The session a request belongs to: the Streamable HTTP header, or the legacy query parameter.
    const sessionId =
      header(req, 'mcp-session-id') ??
      new URL(target, 'http://proxy.invalid').searchParams.get('sessionId') ??
      undefined;
    if (sessionId !== undefined && !sessions.allows(sessionId, principalKey(principal), Date.now())) {
      responder.deny(x, 'aip_session_forbidden', 'this session belongs to another principal');
      return;
    }

    const decision = decide(req.method ?? 'GET', target, req.headers, body, principal.scope);
    if (!decision.allowed) {
      responder.refuse(x, decision);
      return;
    }
    x.method = decision.method;
    x.names = decision.names;

    // Long-lived streams (a GET stream, subscriptions/listen) are not counted as requests; a GET
    // that calls a tool by path is metered like any call.
    const scoped = decision.operations.some((op) => op.kind === 'scoped');
    const isStream = !scoped && (req.method === 'GET' || decision.method === 'subscriptions/listen');
    if (!isStream) {
      const scopes = decision.operations.flatMap((op) => (op.kind === 'scoped' ? [op.scope] : []));
      const verdict = limiter.take(principal, scopes, decision.operations.length, Date.now());
      if (!verdict.ok) {
        responder.deny(
          x,
          'aip_rate_limited',
          `rate limit reached (${verdict.reason}); retry in ${verdict.retryAfterSeconds}s`,
          { 'retry-after': String(verdict.retryAfterSeconds) },
        );
        return;
      }
      const pricing = policy.config.budget;
      if (ledger !== undefined && pricing !== undefined && principal.kind === 'aip') {
        const cost = costOf(pricing, scopes);
        const charged = ledger.charge(
          principal.chain.map((link) => ({ id: link.id, budget: link.budget_usd })),
          cost,
          { subject: principal.subject, tools: decision.names, now: clock() },
        );
        if (!charged.ok) {
          const where = charged.segment === principal.chain[0]?.id ? 'the root token' : 'a delegation link';
          responder.deny(
            x,
            'aip_budget_exceeded',
            `this call costs $${charged.cost}; ${where} has $${charged.spent} of its $${charged.budget} spent`,
          );
          return;
        }
        if (charged.chargeId !== undefined) x.chargeId = charged.chargeId;
      }
      if (!limiter.enter(principal)) {
        if (x.chargeId !== undefined) ledger?.refund(x.chargeId);
        responder.deny(x, 'aip_rate_limited', 'too many requests in flight for this principal', { 'retry-after': '1' });
        return;
      }
      try {
        await forwarder.forward(x, target, body, decision);
      } finally {
        limiter.leave(principal);
      }
      return;
    }
    await forwarder.forward(x, target, body, decision);
  }

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch(() => {
      // Never a stack trace to the client; the connection is closed if a response was under way.
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'aip_internal', message: 'internal proxy error' } }));
      } else {
        res.destroy();
      }
    });
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy();
  });

  const metricsServer = metrics?.serve(async () => {
    try {
      const res = await pool.request({ method: 'HEAD', path: '/', headersTimeout: 2000 });
      await res.body.dump();
      return true;
    } catch {
      return false;
    }
  });

  return {
    server,
    metricsServer,
    metrics,
    audience,
    stdio,
    reload(next) {
      const fixed: [string, unknown, unknown][] = [
        ['proxy.host', config.host, next.host],
        ['proxy.port', config.port, next.port],
        ['proxy.upstream', config.upstream.href, next.upstream.href],
        ['stdio.command', config.stdio?.command.join(' '), next.stdio?.command.join(' ')],
        ['metrics', JSON.stringify(config.metrics), JSON.stringify(next.metrics)],
        ['logging.log_file', config.logFile, next.logFile],
        ['oauth', JSON.stringify(config.oauth, replacer), JSON.stringify(next.oauth, replacer)],
      ];
      if (next.budget?.ledger !== config.budget?.ledger)
        fixed.push(['budget.ledger', config.budget?.ledger, next.budget?.ledger]);
      if (JSON.stringify(policy.config.trust) !== JSON.stringify(next.trust)) {
        gate?.close();
        gate = next.trust === undefined ? undefined : openTrustGate(next.trust);
      }
      // What needs a restart keeps its startup value; prices may change, the ledger file may not.
      const budget =
        next.budget === undefined || config.budget === undefined
          ? config.budget
          : { ...next.budget, ledger: config.budget.ledger };
      const kept: ProxyConfig = {
        ...next,
        host: config.host,
        port: config.port,
        upstream: config.upstream,
        stdio: config.stdio,
        metrics: config.metrics,
        logFile: config.logFile,
        oauth: config.oauth,
        budget,
      };
      policy = buildPolicy(kept, trustHooks(), replayCache);
      return fixed.filter(([, before, after]) => before !== after).map(([key]) => key);
    },
    async close(closeOptions = {}) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      forwarder.endStreams();
      // Connections become idle as their last response ends: close them as they do, and every
      // remaining one once the grace period is over.
      const idle = setInterval(() => server.closeIdleConnections(), 50);
      server.closeIdleConnections();
      const grace = setTimeout(() => server.closeAllConnections(), closeOptions.graceMs ?? 5000);
      await closed;
      clearInterval(idle);
      clearTimeout(grace);
      if (metricsServer?.listening) await new Promise<void>((resolve) => metricsServer.close(() => resolve()));
      await pool.destroy();
      await stdio?.close();
      gate?.close();
      ledger?.close();
      auditLog.close();
    },
  };
}
