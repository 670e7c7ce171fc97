// Forwarding an authorized request upstream and its response back (DESIGN §5): streams pass
// through event by event with list results filtered, small bodies go out in one write, a client
// that leaves aborts the upstream request, an unreachable upstream is a 502.
import { EventEmitter } from 'node:events';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { filterListResult, mayCarryList } from '@aip/mcp';
import type { Pool } from 'undici';
import type { Allowed } from './decision.js';
import type { Exchange, Responder } from './exchange.js';
import { auditHeader, clientHeaders, upstreamHeaders } from './forward-headers.js';
import type { Principal } from './principal.js';
import { createSseRewriter, type SseEvent } from './sse.js';

const MAX_JSON_RESPONSE = 32 * 1024 * 1024;
// Errors raised before a connection to the upstream existed.
const CONNECT_ERRORS = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const SMALL_BODY = 64 * 1024;

/** The abort signal handed to undici for one upstream request (an EventEmitter is far cheaper than an AbortController). */
export class UpstreamAbort extends EventEmitter {
  aborted = false;
  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.emit('abort');
  }
}

/** What the forwarder reports back to the pipeline. */
export interface ForwardHooks {
  /** The upstream answered (status and headers known), before the body is relayed. */
  responded?(x: Exchange, status: number, headers: IncomingHttpHeaders): void;
  /** The upstream could not be connected to: the request was certainly not delivered. */
  failed?(x: Exchange): void;
  /** A stream opened or closed (metrics). */
  streaming?(delta: 1 | -1): void;
  /** A legacy HTTP+SSE stream announced its session (in its `endpoint` event). */
  sessionAnnounced?(x: Exchange, sessionId: string): void;
}

export interface Forwarder {
  forward(x: Exchange, target: string, body: Buffer, decision: Allowed): Promise<void>;
  /** Ends every open stream (shutdown). */
  endStreams(): void;
}

export function createForwarder(deps: {
  pool: Pool;
  upstreamOrigin: URL;
  responder: Responder;
  oauth: boolean;
  /** Added to every upstream request (the stdio bridge's secret). */
  extraHeaders?: Record<string, string>;
  hooks?: ForwardHooks;
}): Forwarder {
  const { pool, responder } = deps;
  const streams = new Set<() => void>();

  // The legacy HTTP+SSE `endpoint` event may name the upstream's absolute URL: clients must post
  // to the proxy instead, so it becomes a path. List results are filtered in every stream.
  function rewriteEvent(x: Exchange, event: SseEvent, scope: readonly string[]): string | undefined {
    if (event.event === 'endpoint') {
      try {
        const url = new URL(event.data, deps.upstreamOrigin);
        const sessionId = url.searchParams.get('sessionId');
        if (sessionId !== null) deps.hooks?.sessionAnnounced?.(x, sessionId);
        if (url.origin === deps.upstreamOrigin.origin) return `${url.pathname}${url.search}`;
      } catch {
        return undefined;
      }
      return undefined;
    }
    if (!mayCarryList(event.data)) return undefined;
    const filtered = filterJsonText(event.data, scope);
    return filtered === event.data ? undefined : filtered;
  }

  async function forward(x: Exchange, target: string, body: Buffer, decision: Allowed): Promise<void> {
    const { req, res } = x;
    const principal = x.principal as Principal;
    const abort = new UpstreamAbort();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    let response: Awaited<ReturnType<Pool['request']>>;
    try {
      response = await pool.request({
        method: req.method as 'GET',
        path: target,
        headers: { ...upstreamHeaders(req.headers, principal, x.id, deps.oauth), ...deps.extraHeaders },
        body: body.length > 0 ? body : null,
        signal: abort,
      });
    } catch (err) {
      if (abort.aborted) {
        responder.audit(x, { decision: 'allow', code: null, status: 499 });
        return;
      }
      const code = (err as { code?: string }).code ?? '';
      // Only a connection that never opened proves the request was not delivered (and so, for
      // instance, not paid for); a timeout or reset may come after the server acted on it.
      if (CONNECT_ERRORS.has(code)) {
        deps.hooks?.failed?.(x);
        responder.deny(x, 'aip_upstream_unavailable', 'the upstream MCP server is unavailable');
      } else if (code === 'UND_ERR_HEADERS_TIMEOUT') {
        responder.deny(x, 'aip_upstream_timeout', 'the upstream MCP server did not answer in time');
      } else {
        responder.deny(x, 'aip_upstream_unavailable', 'the upstream MCP server failed to answer');
      }
      return;
    }

    const status = response.statusCode;
    const type = String(response.headers['content-type'] ?? '');
    const auditValue = auditHeader(principal);
    deps.hooks?.responded?.(x, status, response.headers);
    responder.audit(x, { decision: 'allow', code: null, status, upstream_status: status });

    if (/^text\/event-stream/i.test(type)) {
      res.writeHead(status, { ...clientHeaders(response.headers, true), 'x-aip-audit': auditValue });
      res.flushHeaders();
      await relayStream(x, response.body, res, principal.scope, abort);
      return;
    }
    if (decision.lists && status === 200 && /json/i.test(type)) {
      let text: string;
      try {
        text = await readAll(response.body, MAX_JSON_RESPONSE);
      } catch {
        res.destroy();
        return;
      }
      const filtered = filterJsonText(text, principal.scope);
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
      let buffered: Buffer;
      try {
        buffered = Buffer.from(await response.body.arrayBuffer());
      } catch {
        res.destroy();
        return;
      }
      res.writeHead(status, {
        ...clientHeaders(response.headers, true),
        'content-length': buffered.length,
        'x-aip-audit': auditValue,
      });
      res.end(buffered);
      return;
    }
    res.writeHead(status, { ...clientHeaders(response.headers, false), 'x-aip-audit': auditValue });
    await pipeline(response.body, res).catch(() => abort.abort());
  }

  // Relays one event stream until either side ends it. Shutdown ends it cleanly: the events
  // already received are delivered, then the stream closes normally (clients reconnect).
  async function relayStream(
    x: Exchange,
    body: Readable,
    res: ServerResponse,
    scope: readonly string[],
    abort: UpstreamAbort,
  ): Promise<void> {
    const rewriter = createSseRewriter((event) => rewriteEvent(x, event, scope));
    let ending = false;
    const closed = new Promise<void>((resolve) => res.once('close', resolve));
    body.on('error', () => {
      if (!ending) res.destroy();
    });
    rewriter.on('error', () => res.destroy());
    body.pipe(rewriter).pipe(res);
    const end = () => {
      ending = true;
      body.unpipe(rewriter);
      rewriter.end();
      abort.abort();
    };
    streams.add(end);
    deps.hooks?.streaming?.(1);
    try {
      await closed;
      if (!res.writableFinished) abort.abort();
    } finally {
      streams.delete(end);
      deps.hooks?.streaming?.(-1);
    }
  }

  return {
    forward,
    endStreams() {
      for (const end of streams) end();
    },
  };
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
