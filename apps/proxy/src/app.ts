// aip-proxy (DESIGN §5): verifies every request, authorizes it per MCP message, forwards what is
// allowed to the upstream with streaming responses, filters list results, and audits each
// decision. `createProxy` builds the server; the `aip-proxy` command listens.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import {
  createServer,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { filterListResult, mayCarryList } from '@aip/mcp';
import { createTokenVerifier, TokenError, type TokenVerifier, type VerifiedToken } from '@aip/token';
import { Pool } from 'undici';
import { type AuditLog, type AuditRecord, openAuditLog } from './audit-log.js';
import type { ProxyConfig } from './config.js';
import { type Allowed, decide, type Refused } from './decision.js';
import { auditHeader, clientHeaders, upstreamHeaders } from './forward-headers.js';
import { httpStatusOf } from './http-status.js';
import { METADATA_PATH, protectedResourceMetadata } from './metadata.js';
import { BodyTooLarge, readBody } from './request-body.js';
import { createSseRewriter, type SseEvent } from './sse.js';

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
  /** The resource identifier in force (configured, or derived from the listen address). */
  audience(): string;
  /**
   * Stops accepting connections, ends open streams, lets in-flight requests finish (for up to
   * `graceMs`, default 5000), then closes upstream connections and the audit log.
   */
  close(options?: { graceMs?: number }): Promise<void>;
}

const MAX_JSON_RESPONSE = 32 * 1024 * 1024;
const SMALL_BODY = 64 * 1024;

// The abort signal handed to undici for one upstream request.
class UpstreamAbort extends EventEmitter {
  aborted = false;
  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.emit('abort');
  }
}
const BODYLESS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS']);

interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  id: string;
  started: number;
  http: string;
  verified?: VerifiedToken;
}

function tokenOf(req: IncomingMessage): string | undefined {
  const direct = req.headers['x-aip-token'];
  if (typeof direct === 'string' && direct.trim() !== '') return direct.trim();
  const auth = req.headers.authorization;
  const match = typeof auth === 'string' ? /^AIP\s+(\S+)\s*$/i.exec(auth) : null;
  return match?.[1];
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

/**
 * Builds the proxy server for a resolved configuration.
 *
 * @example
 * ```ts
 * const proxy = createProxy({ config: await loadProxyConfig({ upstream: 'http://127.0.0.1:3000', trustKeys: [key] }) });
 * proxy.server.listen(8080, '127.0.0.1');
 * ```
 */
export function createProxy(options: ProxyOptions): AipProxy {
  const { config } = options;
  const clock = options.now ?? (() => Math.floor(Date.now() / 1000));
  const auditLog = options.auditLog ?? openAuditLog(config.logFile);
  const verifier: TokenVerifier = createTokenVerifier({ trustedKeys: config.trustKeys, audit: config.audit });
  const upstream = new Pool(config.upstream.origin, {
    connections: 256,
    keepAliveTimeout: 30_000,
    headersTimeout: 60_000,
    bodyTimeout: 0, // streams may stay quiet for a long time
  });
  const server = createServer({ maxHeaderSize: config.maxHeaderBytes, keepAliveTimeout: 65_000 });
  // Streams in flight, so shutdown can end them instead of waiting forever.
  const streams = new Set<UpstreamAbort>();
  let listenAudience: string | undefined;
  const audience = () =>
    config.audience ?? config.publicUrl ?? listenAudience ?? `http://${config.host}:${config.port}`;
  server.on('listening', () => {
    const address = server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    listenAudience = `http://${host}:${address.port}`;
  });

  function publicBase(req: IncomingMessage): string {
    if (config.publicUrl !== undefined) return config.publicUrl;
    const host = req.headers.host;
    return typeof host === 'string' && /^[A-Za-z0-9.\-:[\]]+$/.test(host) ? `http://${host}` : audience();
  }

  function audit(
    x: Exchange,
    fields: Partial<AuditRecord> & Pick<AuditRecord, 'decision' | 'code' | 'status' | 'method'>,
  ): void {
    auditLog.write({
      time: new Date().toISOString(),
      request_id: x.id,
      decision: fields.decision,
      code: fields.code,
      status: fields.status,
      http: x.http,
      method: fields.method,
      tool: fields.tool ?? null,
      issuer: x.verified?.issuer ?? null,
      subject: x.verified?.subject ?? null,
      chain: x.verified?.chain.map((link) => link.id) ?? [],
      upstream_status: fields.upstream_status ?? null,
      latency_ms: Math.round((performance.now() - x.started) * 1000) / 1000,
    });
  }

  function sendJson(x: Exchange, status: number, body: unknown, headers: OutgoingHttpHeaders = {}): void {
    const text = JSON.stringify(body);
    x.res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      'x-aip-request-id': x.id,
      ...headers,
    });
    x.res.end(text);
  }

  // Every AIP refusal: the DESIGN error body, WWW-Authenticate on 401, X-AIP-Audit, one audit line.
  function deny(x: Exchange, code: string, message: string, method: string, tool: string[] = []): void {
    const status = httpStatusOf(code);
    const headers: OutgoingHttpHeaders = { 'x-aip-audit': auditHeader(x.verified, code) };
    if (status === 401) {
      headers['www-authenticate'] =
        `AIP realm="aip-proxy", error="${code}", resource_metadata="${publicBase(x.req)}${METADATA_PATH}"`;
    }
    sendJson(x, status, { error: { code, message } }, headers);
    audit(x, { decision: 'deny', code, status, method, tool: toolField(tool) });
  }

  function refuse(x: Exchange, refusal: Refused): void {
    if (refusal.kind === 'aip') {
      deny(x, refusal.code, refusal.message, refusal.method, refusal.names);
      return;
    }
    // MCP protocol errors (header/body mismatch, unauthorizable params) answer in JSON-RPC.
    sendJson(
      x,
      400,
      { jsonrpc: '2.0', id: refusal.id, error: { code: refusal.rpcCode, message: refusal.message } },
      { 'x-aip-audit': auditHeader(x.verified, 'aip_request_invalid') },
    );
    audit(x, {
      decision: 'deny',
      code: 'aip_request_invalid',
      status: 400,
      method: refusal.method,
      tool: toolField(refusal.names),
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const x: Exchange = {
      req,
      res,
      id: randomUUID(),
      started: performance.now(),
      http: `${req.method} ${(req.url ?? '').split('?')[0]}`,
    };
    const target = normalizedTarget(req.url);
    if (target === undefined) {
      sendJson(x, 400, { error: { code: 'aip_request_invalid', message: 'unsupported request target' } });
      return;
    }
    if (target.split('?')[0] === METADATA_PATH) {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        deny(x, 'aip_method_not_allowed', 'the metadata document is read-only', x.http);
        return;
      }
      sendJson(x, 200, protectedResourceMetadata(audience(), config.trustKeys), { 'cache-control': 'max-age=300' });
      return;
    }

    const token = tokenOf(req);
    if (token === undefined) {
      deny(x, 'aip_token_missing', 'an AIP token is required (X-AIP-Token or Authorization: AIP <token>)', x.http);
      return;
    }
    try {
      x.verified = verifier.verify(token, { now: clock(), audience: audience() });
    } catch (err) {
      if (!(err instanceof TokenError)) throw err;
      deny(x, err.code, err.message, x.http);
      return;
    }

    let body: Buffer;
    try {
      body = BODYLESS.has(req.method ?? '') ? Buffer.alloc(0) : await readBody(req, config.maxBodyBytes);
    } catch (err) {
      if (err instanceof BodyTooLarge) {
        res.setHeader('connection', 'close');
        deny(x, 'aip_request_too_large', `request bodies are limited to ${config.maxBodyBytes} bytes`, x.http);
        return;
      }
      throw err;
    }

    const decision = decide(req.method ?? 'GET', target, req.headers, body, x.verified.scope);
    if (!decision.allowed) {
      refuse(x, decision);
      return;
    }
    await forward(x, target, body, decision);
  }

  async function forward(x: Exchange, target: string, body: Buffer, decision: Allowed): Promise<void> {
    const { req, res } = x;
    const verified = x.verified as VerifiedToken;
    // A client that goes away cancels the upstream request (and its stream). undici takes an
    // EventEmitter as signal: much cheaper per request than an AbortController.
    const abort = new UpstreamAbort();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    let response: Awaited<ReturnType<Pool['request']>>;
    try {
      response = await upstream.request({
        method: req.method as 'GET',
        path: target,
        headers: upstreamHeaders(req.headers, verified, x.id),
        body: body.length > 0 ? body : null,
        signal: abort,
      });
    } catch {
      if (abort.aborted) {
        audit(x, {
          decision: 'allow',
          code: null,
          status: 499,
          method: decision.method,
          tool: toolField(decision.names),
        });
        return;
      }
      deny(x, 'aip_upstream_unavailable', 'the upstream MCP server is unavailable', decision.method, decision.names);
      return;
    }

    const status = response.statusCode;
    const type = String(response.headers['content-type'] ?? '');
    const auditValue = auditHeader(verified);
    audit(x, {
      decision: 'allow',
      code: null,
      status,
      method: decision.method,
      tool: toolField(decision.names),
      upstream_status: status,
    });

    if (/^text\/event-stream/i.test(type)) {
      res.writeHead(status, { ...clientHeaders(response.headers, true), 'x-aip-audit': auditValue });
      res.flushHeaders();
      streams.add(abort);
      try {
        await pipeline(
          response.body,
          createSseRewriter((event) => rewriteEvent(event, verified.scope)),
          res,
        );
      } catch {
        abort.abort();
        res.destroy();
      } finally {
        streams.delete(abort);
      }
      return;
    }
    if (decision.lists && status === 200 && /json/i.test(type)) {
      let text: string;
      try {
        text = await readAll(response.body, MAX_JSON_RESPONSE);
      } catch {
        if (!res.headersSent)
          deny(
            x,
            'aip_upstream_unavailable',
            'the upstream response could not be read',
            decision.method,
            decision.names,
          );
        return;
      }
      const filtered = filterJsonText(text, verified.scope);
      res.writeHead(status, {
        ...clientHeaders(response.headers, true),
        'content-length': Buffer.byteLength(filtered),
        'x-aip-audit': auditValue,
      });
      res.end(filtered);
      return;
    }
    // Small bodies of known length go out in one write; anything else streams.
    const length = Number(response.headers['content-length']);
    if (Number.isInteger(length) && length <= SMALL_BODY) {
      let body: Buffer;
      try {
        body = Buffer.from(await response.body.arrayBuffer());
      } catch {
        res.destroy();
        return;
      }
      res.writeHead(status, {
        ...clientHeaders(response.headers, true),
        'content-length': body.length,
        'x-aip-audit': auditValue,
      });
      res.end(body);
      return;
    }
    res.writeHead(status, { ...clientHeaders(response.headers, false), 'x-aip-audit': auditValue });
    await pipeline(response.body, res).catch(() => abort.abort());
  }

  // The legacy HTTP+SSE `endpoint` event may name the upstream's absolute URL: clients must post
  // to the proxy instead, so it becomes a path. List results are filtered in every stream.
  function rewriteEvent(event: SseEvent, scope: readonly string[]): string | undefined {
    if (event.event === 'endpoint') {
      try {
        const url = new URL(event.data, config.upstream);
        if (url.origin === config.upstream.origin) return `${url.pathname}${url.search}`;
      } catch {
        return undefined;
      }
      return undefined;
    }
    if (!mayCarryList(event.data)) return undefined;
    const filtered = filterJsonText(event.data, scope);
    return filtered === event.data ? undefined : filtered;
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

  return {
    server,
    audience,
    async close(options = {}) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      for (const stream of streams) stream.abort();
      const grace = setTimeout(() => server.closeAllConnections(), options.graceMs ?? 5000);
      await closed;
      clearTimeout(grace);
      await upstream.destroy();
      auditLog.close();
    },
  };
}

function toolField(names: string[]): string | string[] | null {
  return names.length === 0 ? null : names.length === 1 ? (names[0] as string) : names;
}

// Filters list results inside a JSON text holding one JSON-RPC message or a batch of them.
function filterJsonText(text: string, scope: readonly string[]): string {
  if (!mayCarryList(text)) return text;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return text;
  }
  let removed = 0;
  for (const message of Array.isArray(json) ? json : [json]) {
    if (typeof message === 'object' && message !== null && 'result' in message)
      removed += filterListResult(message.result, scope);
  }
  return removed === 0 ? text : JSON.stringify(json);
}

async function readAll(body: AsyncIterable<Buffer>, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) throw new Error('response too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
