// A fake request context and fake services, so each stage can be tested alone: a request built
// from its parts (no socket), a response that records what was written, a fixed clock, in-memory
// stores, and a responder that records refusals and audit lines.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable, Writable } from 'node:stream';
import { generateIdentity, type Identity } from '@aip/identity';
import { issueToken } from '@aip/token';
import { Pool } from 'undici';
import type { AuditRecord } from '../../src/audit/audit-log.js';
import type { Clock } from '../../src/clock.js';
import { resolveConfig } from '../../src/config/resolve.js';
import type { ProxyConfig } from '../../src/config/sections.js';
import type { ConfigDocument } from '../../src/config/table.js';
import { createAgentCards } from '../../src/pipeline/agent-cards.js';
import { createContext, type RequestContext } from '../../src/pipeline/context.js';
import type { Responder } from '../../src/pipeline/respond.js';
import type { ProxyServices } from '../../src/pipeline/services.js';
import { buildPolicy } from '../../src/policy.js';
import { type Principal, principalOf } from '../../src/principal.js';
import type { Refusal } from '../../src/refusal.js';
import { createAdmission } from '../../src/state/admission.js';
import { composeClaimAndTake } from '../../src/state/claim-and-take.js';
import { createRateLimiter } from '../../src/state/rate-limiter.js';
import { createMemoryReplayClaims } from '../../src/state/replay-claims.js';
import { createSessionSeal } from '../../src/state/session-seal.js';
import { createMemoryTaskBindings } from '../../src/state/task-bindings.js';
import { memoryBucketStore, TokenBuckets } from '../../src/state/token-buckets.js';

/** A clock that stands still until moved. */
export function fixedClock(startMs = 1_764_000_000_000): Clock & { advance(ms: number): void } {
  let now = startMs;
  let mono = 1000;
  return {
    nowMs: () => now,
    monotonicMs: () => mono,
    advance(ms) {
      now += ms;
      mono += ms;
    },
  };
}

/** An incoming request from its parts. */
export function fakeRequest(options: {
  method?: string;
  url?: string;
  headers?: Record<string, string | string[]>;
  body?: string | Buffer;
  remoteAddress?: string;
}): IncomingMessage {
  const body = options.body === undefined ? [] : [Buffer.from(options.body)];
  const req = Readable.from(body) as unknown as IncomingMessage & { socket: unknown };
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(options.headers ?? {})) headers[k.toLowerCase()] = v;
  if (options.body !== undefined && headers['content-length'] === undefined)
    headers['content-length'] = String(Buffer.byteLength(options.body));
  Object.assign(req, {
    method: options.method ?? 'POST',
    url: options.url ?? '/mcp',
    headers,
    socket: { remoteAddress: options.remoteAddress ?? '127.0.0.1' },
  });
  return req;
}

/** What a fake response got. */
export interface Written {
  status: number;
  headers: Record<string, unknown>;
  body: string;
}

/** A response that records its status, headers and body (a real Writable, so streams can pipe into it). */
export function fakeResponse(): ServerResponse & { written(): Written } {
  let status = 0;
  let headers: Record<string, unknown> = {};
  const set: Record<string, unknown> = {};
  const chunks: Buffer[] = [];
  const res = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(Buffer.from(chunk));
      callback();
    },
  }) as unknown as ServerResponse & { written(): Written; headersSent: boolean };
  res.on('finish', () => res.emit('close'));
  Object.assign(res, {
    headersSent: false,
    statusCode: 200,
    writeHead(s: number, h: Record<string, unknown> = {}) {
      status = s;
      // As Node does: what writeHead names wins over what setHeader set.
      headers = { ...set, ...h };
      res.headersSent = true;
      return res;
    },
    setHeader(name: string, value: unknown) {
      set[name.toLowerCase()] = value;
      return res;
    },
    getHeader: (name: string) => set[name.toLowerCase()],
    flushHeaders() {},
    written: () => ({ status, headers, body: Buffer.concat(chunks).toString('utf8') }),
  });
  return res;
}

/** A responder that keeps what it was asked to do. */
export function recordingResponder(): Responder & {
  refusals: Refusal[];
  audits: Partial<AuditRecord>[];
  sent: unknown[];
} {
  const refusals: Refusal[] = [];
  const audits: Partial<AuditRecord>[] = [];
  const sent: unknown[] = [];
  return {
    refusals,
    audits,
    sent,
    sendJson(ctx, status, body, headers = {}) {
      sent.push(body);
      ctx.res.writeHead(status, headers);
      ctx.res.end(JSON.stringify(body));
    },
    error(ctx, status, code, message, headers = {}) {
      this.sendJson(ctx, status, { error: { code, message } }, headers);
    },
    refuse(_ctx, refusal) {
      refusals.push(refusal);
    },
    audit(_ctx, fields) {
      audits.push(fields);
    },
  };
}

/** An operator, an agent, a config document and the services built from them. */
export function fakeWorld(document: ConfigDocument = {}) {
  const operator: Identity = generateIdentity();
  const agent: Identity = generateIdentity();
  const clock = fixedClock();
  const config: ProxyConfig = resolveConfig({
    ...document,
    proxy: {
      upstream: 'http://127.0.0.1:9',
      trust_keys: [operator.did],
      public_url: 'https://mcp.example.com',
      ...document.proxy,
    },
  });
  const respond = recordingResponder();
  const buckets = memoryBucketStore(new TokenBuckets());
  const limiter = createRateLimiter(() => config.rate_limit, buckets);
  const replay = createMemoryReplayClaims();
  const upstream = new URL(
    document.proxy?.upstream === undefined ? 'http://127.0.0.1:9' : String(document.proxy.upstream),
  );
  const services: ProxyServices = {
    clock,
    config: () => config,
    policy: () => buildPolicy(config, clock),
    audience: () => 'https://mcp.example.com',
    publicBase: () => 'https://mcp.example.com',
    respond,
    oauth: undefined,
    limiter,
    admission: createAdmission(() => ({ ...config.rate_limit, total_streams: config.proxy.max_streams })),
    replay,
    meter: composeClaimAndTake(replay, buckets),
    seal: createSessionSeal(new Uint8Array(32).fill(7)),
    tasks: createMemoryTaskBindings(),
    ledger: undefined,
    auditLog: { write() {}, healthy: () => true, close() {} },
    health: { ready: () => Promise.resolve({ ready: true, checks: {} }) },
    agentCards: createAgentCards({
      clock,
      config: () => config,
      limiter,
      respond,
      pool: new Pool(upstream.origin),
      upstreamOrigin: upstream,
      extraHeaders: {},
      publicBase: () => 'https://mcp.example.com',
    }),
  };
  const token = (scope: string[], options: { ttl?: number } = {}) =>
    issueToken(operator, { sub: agent.did, scope, ttl: options.ttl ?? 600, now: Math.floor(clock.nowMs() / 1000) });
  const principal = (scope: string[]): Principal =>
    principalOf(
      (services.policy().verifier as NonNullable<ReturnType<ProxyServices['policy']>['verifier']>).verify(
        token(scope),
        {
          now: Math.floor(clock.nowMs() / 1000),
          audience: 'https://mcp.example.com',
        },
      ),
    );
  return { operator, agent, clock, config, services, respond, token, principal };
}

/** A context for a request from its parts. */
export function fakeContext(request: Parameters<typeof fakeRequest>[0] = {}): RequestContext {
  return createContext(fakeRequest(request), fakeResponse(), 'req-1', 1000);
}
