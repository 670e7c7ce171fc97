// CORS (WHATWG Fetch §3.2) for browser MCP clients on other origins (`[cors]`): a preflight from
// an allowed origin is answered without a token, and every response to an allowed origin lets the
// page read what an MCP client needs (the session id, the challenges, the proxy's own headers).
// Nothing here grants anything: every actual request still needs its token (a header, never a
// cookie, so no request carries authority a page did not put there itself).
import type { IncomingHttpHeaders } from 'node:http';
import type { ProxyConfig } from './config/sections.js';

export type CorsConfig = NonNullable<ProxyConfig['cors']>;

const METHODS = 'GET, POST, DELETE, OPTIONS';
// What MCP clients send besides the CORS-safelisted headers.
const ALLOWED_HEADERS = [
  'authorization',
  'content-type',
  'accept',
  'last-event-id',
  'mcp-session-id',
  'mcp-protocol-version',
  'mcp-method',
  'mcp-name',
  'x-aip-token',
  'x-aip-proof',
];
// What a page may read of a response, besides the CORS-safelisted headers.
const EXPOSED_HEADERS = [
  'mcp-session-id',
  'mcp-protocol-version',
  'www-authenticate',
  'retry-after',
  'x-aip-request-id',
  'x-aip-audit',
].join(', ');
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function allowedOrigin(config: CorsConfig, origin: string | string[] | undefined): string | undefined {
  if (typeof origin !== 'string') return undefined;
  if (config.allowed_origins.includes('*')) return '*';
  return config.allowed_origins.includes(origin) ? origin : undefined;
}

/** Whether a request is a CORS preflight (OPTIONS with an Origin and the method it asks for). */
export function isPreflight(method: string | undefined, headers: IncomingHttpHeaders): boolean {
  return method === 'OPTIONS' && headers.origin !== undefined && headers['access-control-request-method'] !== undefined;
}

/**
 * The headers of every response to a request from an allowed origin; `undefined` for any other
 * origin (the browser then keeps the response from the page).
 *
 * @example
 * ```ts
 * corsResponseHeaders({ allowed_origins: ['https://app.example.com'], max_age_seconds: 600 }, 'https://app.example.com');
 * ```
 */
export function corsResponseHeaders(
  config: CorsConfig,
  origin: string | string[] | undefined,
): Record<string, string> | undefined {
  const allowed = allowedOrigin(config, origin);
  if (allowed === undefined) return undefined;
  return {
    'access-control-allow-origin': allowed,
    'access-control-expose-headers': EXPOSED_HEADERS,
    ...(allowed === '*' ? {} : { vary: 'Origin' }),
  };
}

/**
 * The answer to a preflight from an allowed origin (sent as 204), or `undefined` for any other
 * origin: the methods MCP uses, its headers and any other well-formed header the page asks for.
 *
 * @example
 * ```ts
 * preflightHeaders(config, req.headers);
 * ```
 */
export function preflightHeaders(config: CorsConfig, headers: IncomingHttpHeaders): Record<string, string> | undefined {
  const allowed = allowedOrigin(config, headers.origin);
  if (allowed === undefined) return undefined;
  const requested = String(headers['access-control-request-headers'] ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => TOKEN.test(name) && name.length <= 64)
    .slice(0, 32);
  return {
    'access-control-allow-origin': allowed,
    'access-control-allow-methods': METHODS,
    'access-control-allow-headers': [...new Set([...ALLOWED_HEADERS, ...requested])].join(', '),
    'access-control-max-age': String(config.max_age_seconds),
    vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
    'content-length': '0',
  };
}
