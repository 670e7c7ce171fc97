// Every way the proxy answers a request itself — JSON bodies, AIP refusals (the DESIGN error body,
// WWW-Authenticate challenges from challenges.ts, X-AIP-Audit), MCP protocol errors — and the audit
// line of each decision. On the A2A agent's endpoint every error is a JSON-RPC error, as A2A clients
// read them (@aip/a2a).
import type { OutgoingHttpHeaders } from 'node:http';
import { aipRefusal } from '@aip/a2a';
import type { JsonRpcId } from '@aip/mcp';
import type { AuditLog, AuditRecord } from '../audit/audit-log.js';
import { challengesFor } from '../challenges.js';
import type { Clock } from '../clock.js';
import { httpStatusOf } from '../http-status.js';
import type { ProxyLogger } from '../logger.js';
import { metadataUrlFor } from '../metadata.js';
import type { ScopeMap } from '../oauth-scopes.js';
import type { Principal } from '../principal.js';
import type { Refusal } from '../refusal.js';
import { auditHeader } from '../upstream/forward-headers.js';
import type { RequestContext } from './context.js';

/** Counts decisions (metrics); optional. */
export interface DecisionObserver {
  decided(ctx: RequestContext, decision: AuditRecord['decision'], code: string | null, status: number): void;
}

export interface Responder {
  sendJson(ctx: RequestContext, status: number, body: unknown, headers?: OutgoingHttpHeaders): void;
  /** Answers an AIP error code (not a decision: the caller audits it), in the endpoint's error shape. */
  error(ctx: RequestContext, status: number, code: string, message: string, headers?: OutgoingHttpHeaders): void;
  /** Answers a refusal and audits it. */
  refuse(ctx: RequestContext, refusal: Refusal): void;
  audit(
    ctx: RequestContext,
    fields: Pick<AuditRecord, 'decision' | 'code' | 'status'> & { upstream_status?: number | null; cause?: string },
  ): void;
}

export function toolField(names: readonly string[]): string | string[] | null {
  return names.length === 0 ? null : names.length === 1 ? (names[0] as string) : [...names];
}

// The JSON-RPC id an error answers: the request's, when it was one message.
function requestId(ctx: RequestContext): JsonRpcId {
  const parsed = ctx.parsed;
  const first = parsed?.kind === 'jsonrpc' && !parsed.batch ? parsed.messages[0] : undefined;
  return first !== undefined && 'id' in first ? first.id : null;
}

/** The body of an AIP error: the DESIGN error body, or on the A2A agent's endpoint a JSON-RPC error. */
function errorBody(ctx: RequestContext, status: number, code: string, message: string): unknown {
  return ctx.agent === undefined
    ? { error: { code, message } }
    : { jsonrpc: '2.0', id: requestId(ctx), error: aipRefusal(code, message, status) };
}

// A record's time: the ISO text of the last millisecond asked for is kept (many decisions share one).
let lastMs = Number.NaN;
let lastIso = '';
function isoTime(ms: number): string {
  if (ms !== lastMs) {
    lastIso = new Date(ms).toISOString();
    lastMs = ms;
  }
  return lastIso;
}

// A principal's chain as the audit records it, built once per principal.
const chains = new WeakMap<Principal, readonly string[]>();
const NO_CHAIN: readonly string[] = [];
function chainOf(principal: Principal | undefined): readonly string[] {
  if (principal === undefined) return NO_CHAIN;
  let chain = chains.get(principal);
  if (chain === undefined) {
    chain = principal.chain.map((link) => link.id);
    chains.set(principal, chain);
  }
  return chain;
}

/**
 * The responder of one proxy.
 *
 * @example
 * ```ts
 * const respond = createResponder({ auditLog, clock, publicBase: () => 'https://mcp.example.com', oauth: undefined });
 * respond.refuse(ctx, refusal('aip_scope_insufficient', 'the token does not allow tool:delete'));
 * ```
 */
// At most this many refusals wait out their delay at once; beyond, they are answered at once.
const MAX_DELAYED = 4096;

export function createResponder(deps: {
  auditLog: AuditLog;
  /** Where access lines go when `access()` says so. */
  logger?: ProxyLogger;
  access?: () => boolean;
  clock: Clock;
  /** How long a 429 waits before it is sent (ms); read per refusal. */
  refusalDelayMs?: () => number;
  /** The configured public URL (never the request's Host). */
  publicBase: () => string;
  /** The MCP endpoints (a challenge names the path-aware metadata of the one requested). */
  mcpPaths?: () => readonly string[];
  /** In OAuth mode, `scope_map`: challenges lead with `Bearer`, and a 403 asks for a step-up. */
  oauth: ScopeMap | undefined;
  observer?: DecisionObserver;
}): Responder {
  let delayed = 0;
  const responder: Responder = {
    sendJson(ctx, status, body, headers = {}) {
      const text = JSON.stringify(body);
      ctx.res.writeHead(status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
        'x-aip-request-id': ctx.id,
        ...headers,
      });
      ctx.res.end(text);
    },

    error(ctx, status, code, message, headers = {}) {
      responder.sendJson(ctx, status, errorBody(ctx, status, code, message), headers);
    },

    audit(ctx, fields) {
      const record: AuditRecord = {
        time: isoTime(deps.clock.nowMs()),
        request_id: ctx.id,
        decision: fields.decision,
        code: fields.code,
        status: fields.status,
        http: ctx.http,
        method: ctx.method,
        tool: toolField(ctx.names),
        issuer: ctx.principal?.issuer ?? null,
        subject: ctx.principal?.subject ?? null,
        chain: chainOf(ctx.principal),
        upstream_status: fields.upstream_status ?? null,
        latency_ms: Math.round((deps.clock.monotonicMs() - ctx.started) * 1000) / 1000,
      };
      if (fields.cause !== undefined) record.cause = fields.cause;
      deps.auditLog.write(record);
      deps.observer?.decided(ctx, fields.decision, fields.code, fields.status);
      if (deps.access?.() === true)
        deps.logger?.info('request', {
          request_id: ctx.id,
          http: ctx.http,
          method: ctx.method,
          status: fields.status,
          decision: fields.decision,
          code: fields.code,
          subject: ctx.principal?.subject ?? null,
          latency_ms: Math.round((deps.clock.monotonicMs() - ctx.started) * 1000) / 1000,
          ...(fields.cause === undefined ? {} : { cause: fields.cause }),
        });
    },

    refuse(ctx, refusal) {
      const status = refusal.rpc === undefined ? httpStatusOf(refusal.code) : 400;
      const headers: OutgoingHttpHeaders = {
        'x-aip-audit': auditHeader(ctx.principal, refusal.code),
        ...refusal.headers,
      };
      const challenges = challengesFor({
        status,
        code: refusal.code,
        message: refusal.message,
        metadataUrl: metadataUrlFor(deps.publicBase(), ctx.target?.path, deps.mcpPaths?.() ?? []),
        oauth: deps.oauth,
        credential: ctx.credential?.kind,
        principal: ctx.principal,
        missingScopes: refusal.scopes,
      });
      if (challenges.length > 0) headers['www-authenticate'] = challenges;
      if (status === 429 && headers['retry-after'] === undefined) headers['retry-after'] = '1';
      // A body the proxy did not read is not read to discard it: the connection closes instead.
      if (status === 413 || !ctx.bodyRead) headers.connection = 'close';
      const { rpc } = refusal;
      const body =
        rpc === undefined
          ? errorBody(ctx, status, refusal.code, refusal.message)
          : {
              jsonrpc: '2.0',
              id: rpc.id,
              error: {
                code: rpc.code,
                message: refusal.message,
                ...(rpc.data === undefined ? {} : { data: rpc.data }),
              },
            };
      const delay = status === 429 ? Math.min(deps.refusalDelayMs?.() ?? 0, Number(headers['retry-after']) * 1000) : 0;
      if (ctx.res.headersSent) ctx.res.destroy();
      else if (delay > 0 && delayed < MAX_DELAYED) {
        // Slow the caller down, not the proxy: the slot is already given back, only a timer waits.
        delayed++;
        let waiting = true;
        const timer = setTimeout(() => {
          waiting = false;
          delayed--;
          if (!ctx.res.destroyed) responder.sendJson(ctx, status, body, headers);
        }, delay);
        ctx.res.once('close', () => {
          if (!waiting) return;
          waiting = false;
          clearTimeout(timer);
          delayed--;
        });
        timer.unref();
      } else responder.sendJson(ctx, status, body, headers);
      const failure = status >= 500;
      responder.audit(ctx, { decision: failure ? 'error' : 'deny', code: refusal.code, status });
    },
  };
  return responder;
}
