// `aip connect --listen 127.0.0.1:PORT`: the same bridge over loopback HTTP, for MCP clients that
// take a URL. Each request is passed to the AIP-protected server as it came — path, query, body,
// the MCP headers (session, protocol version, Last-Event-ID) — through the bridge's fetch (token,
// proof, refusals as JSON-RPC errors), and the response streams back as it arrives, so sessions,
// GET streams and resumption are the server's own. The bridge holds the token, so it guards the
// loopback port: it binds loopback only, answers only requests addressed to it by a loopback name
// (a DNS-rebinding page names another host) from no origin or a loopback one, and with a local
// secret only requests carrying `Authorization: Bearer <secret>`.
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { ConnectLog } from './log.js';

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);
// What an MCP client sends that the server needs; everything else (cookies, the local secret,
// X-AIP-* of its own) stays here.
const FORWARDED_REQUEST = [
  'accept',
  'content-type',
  'mcp-session-id',
  'mcp-protocol-version',
  'last-event-id',
  'mcp-method',
  'mcp-name',
  'user-agent',
];
const FORWARDED_RESPONSE = [
  'content-type',
  'cache-control',
  'mcp-session-id',
  'mcp-protocol-version',
  'retry-after',
  'x-aip-request-id',
  'x-aip-audit',
];
const MAX_BODY = 4 * 1024 * 1024;

/** Whether `host` is a loopback address or name (`--listen` refuses anything else). */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}

/**
 * Parses `--listen HOST:PORT` (`127.0.0.1:8090`, `[::1]:8090`, `localhost:0`); `undefined` when
 * it is not one.
 *
 * @example
 * ```ts
 * parseListen('127.0.0.1:8090'); // { host: '127.0.0.1', port: 8090 }
 * ```
 */
export function parseListen(value: string): { host: string; port: number } | undefined {
  const match = /^(\[[0-9a-fA-F:]+\]|[^:[\]]+):(\d{1,5})$/.exec(value.trim());
  if (match === null) return undefined;
  const port = Number(match[2]);
  if (port > 65535) return undefined;
  return { host: (match[1] as string).replace(/^\[(.*)\]$/, '$1'), port };
}

export interface ListenOptions {
  host: string;
  port: number;
  /** The server's URL; local paths map onto its origin. */
  upstream: URL;
  /** The bridge's fetch, with session losses passed back (the local client owns its session). */
  fetch: typeof fetch;
  /** Required as `Authorization: Bearer <secret>` when set. */
  secret?: string | undefined;
  log: ConnectLog;
}

export interface Listener {
  /** The URL to give the MCP client (the server URL's path on the local origin). */
  url: string;
  close(): Promise<void>;
}

function refuse(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  const body = JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32600, message } });
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body);
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * Serves the bridge on a loopback address.
 *
 * @example
 * ```ts
 * const listener = await startListener({ host: '127.0.0.1', port: 8090, upstream: url, fetch, log });
 * console.error(`point the client at ${listener.url}`);
 * ```
 */
export async function startListener(options: ListenOptions): Promise<Listener> {
  if (!isLoopbackHost(options.host)) throw new Error(`${options.host} is not a loopback address`);
  const secret = options.secret === undefined ? undefined : Buffer.from(`Bearer ${options.secret}`);
  let port = options.port;

  const addressedHere = (req: IncomingMessage): boolean => {
    const host = req.headers.host ?? '';
    const at = host.lastIndexOf(':');
    const name = at < 0 ? host : host.slice(0, at);
    return host.slice(at + 1) === String(port) && (LOOPBACK_NAMES.has(name) || name === options.host);
  };
  const fromLoopback = (origin: string | undefined): boolean => {
    if (origin === undefined) return true;
    try {
      return isLoopbackHost(new URL(origin).hostname);
    } catch {
      return false;
    }
  };
  const authorized = (req: IncomingMessage): boolean => {
    if (secret === undefined) return true;
    const given = Buffer.from(req.headers.authorization ?? '');
    return given.length === secret.length && timingSafeEqual(given, secret);
  };

  async function relay(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!addressedHere(req) || !fromLoopback(req.headers.origin))
      return refuse(res, 403, 'aip connect answers only loopback clients addressing it by a loopback name');
    if (!authorized(req))
      return refuse(res, 401, 'aip connect needs its local secret: Authorization: Bearer <secret>', {
        'www-authenticate': 'Bearer realm="aip-connect"',
      });
    const target = req.url ?? '/';
    if (!target.startsWith('/') || target.startsWith('//')) return refuse(res, 400, 'unsupported request target');
    const bodyless = req.method === 'GET' || req.method === 'HEAD';
    const body = bodyless ? undefined : await readBody(req);
    if (!bodyless && body === undefined) return refuse(res, 413, 'request body too large');
    const headers = new Headers();
    for (const name of FORWARDED_REQUEST) {
      const value = req.headers[name];
      if (typeof value === 'string') headers.set(name, value);
    }
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    let answer: Response;
    try {
      answer = await options.fetch(new URL(target, options.upstream.origin), {
        method: req.method ?? 'GET',
        headers,
        ...(body === undefined || body.length === 0 ? {} : { body: new Uint8Array(body) }),
        signal: abort.signal,
      });
    } catch (err) {
      if (abort.signal.aborted) return;
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? 'failed';
      options.log.warn(`cannot reach ${options.upstream.origin} (${cause})`);
      return refuse(res, 502, `aip_upstream_unavailable: cannot reach ${options.upstream.origin} (${cause})`);
    }
    const out: Record<string, string> = {};
    for (const name of FORWARDED_RESPONSE) {
      const value = answer.headers.get(name);
      if (value !== null) out[name] = value;
    }
    res.writeHead(answer.status, out);
    if (answer.body === null) {
      res.end();
      return;
    }
    res.flushHeaders();
    const stream = Readable.fromWeb(answer.body as unknown as WebReadableStream<Uint8Array>);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  }

  const server = createServer((req, res) => {
    relay(req, res).catch(() => {
      if (!res.headersSent) refuse(res, 500, 'internal bridge error');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const shown = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${shown}:${port}${options.upstream.pathname === '/' ? '' : options.upstream.pathname}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
