// Header policy in both directions (DESIGN §5). Upstream, the client's headers go on except:
// hop-by-hop fields; the credential and proof; every header whose name a server could fold into an
// identity header (any name with `_`, which CGI/WSGI-style servers turn into `-`, and every
// `x-aip-*`); headers that re-route or re-type a request on some servers (X-Original-URL,
// X-Rewrite-URL, X-HTTP-Method-Override and kin); and client-supplied Forwarded / X-Forwarded-* /
// X-Real-IP, replaced by the proxy's own when `forwarded_headers = "set"`. The session and event
// ids are the upstream's own, unsealed. The verified identity is added, and to an A2A agent the
// chain delegated to it (X-AIP-Delegation): the agent is its holder, and presents it onwards. Back to
// the client, the upstream's headers go on minus hop-by-hop fields and CORS fields, with X-AIP-Audit
// added.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { type AuditWarning, looksLikeAipToken } from '@aip/token';
import type { Principal } from '../principal.js';

// RFC 9110 §7.6.1 connection-specific fields, plus the request-target fields undici sets itself.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
  'expect',
]);

// Headers some servers and frameworks route on or take the client's address from.
const NEVER_FORWARDED = new Set([
  'forwarded',
  'x-real-ip',
  'x-client-ip',
  'true-client-ip',
  'cf-connecting-ip',
  'fastly-client-ip',
  'x-cluster-client-ip',
  'x-original-url',
  'x-rewrite-url',
  'x-original-uri',
  'x-original-method',
  'x-http-method-override',
  'x-http-method',
  'x-method-override',
  'x-proxy-url',
  'x-aip-token',
  'x-aip-proof',
  'mcp-session-id',
  'last-event-id',
  'accept-encoding',
]);

const NO_TOKENS: ReadonlySet<string> = new Set();

// The Connection field's options, lowercased: the headers it names are this hop's only. The usual
// values name no header of their own, and need no parsing.
function connectionTokens(value: string | string[] | undefined): ReadonlySet<string> {
  if (value === undefined || value === 'keep-alive' || value === 'close') return NO_TOKENS;
  const text = Array.isArray(value) ? value.join(',') : value;
  return new Set(
    text
      .split(',')
      .map((t) => t.trim().toLowerCase())
      .filter((t) => t !== ''),
  );
}

// The public URL's scheme and host, parsed once per configured value.
let parsedBase: { base: string; proto: string; host: string } | undefined;
function forwardedOf(publicBase: string): { proto: string; host: string } {
  if (parsedBase?.base !== publicBase) {
    const url = new URL(publicBase);
    parsedBase = { base: publicBase, proto: url.protocol.slice(0, -1), host: url.host };
  }
  return parsedBase;
}

/** What the proxy adds to a forwarded request. */
export interface ForwardIdentity {
  principal: Principal;
  /** The final holder proved possession of its key on this request. */
  proven: boolean;
  requestId: string;
  /** The upstream's session id, when the request belongs to a session. */
  sessionId?: string | undefined;
  /** The upstream's id of the last event seen, on a resumed stream. */
  lastEventId?: string | undefined;
  /** `set`: send X-Forwarded-For / -Proto / -Host of the proxy's own; `none`: send none. */
  forwarded: 'set' | 'none';
  peer: string;
  /** The URL clients reach the proxy at. */
  publicBase: string;
  /** In OAuth mode the proxy consumes bearer tokens too. */
  oauth: boolean;
  /** To an A2A agent: the verified chain delegated to it (`X-AIP-Delegation`). */
  delegation?: string | undefined;
  /** Added last, over anything above (the stdio bridge's secret). */
  extra?: Readonly<Record<string, string>> | undefined;
}

// A principal's header values, built once per principal (a verifier hands back the same one for the
// same token).
const texts = new WeakMap<Principal, { scope: string; chain: string; audit: string }>();
function textOf(principal: Principal): { scope: string; chain: string; audit: string } {
  let text = texts.get(principal);
  if (text === undefined) {
    text = {
      scope: principal.scope.join(' '),
      chain: principal.chain.map((link) => link.id).join(','),
      audit: auditValue(principal.warnings, undefined),
    };
    texts.set(principal, text);
  }
  return text;
}

function carriesCredential(authorization: string, oauth: boolean): boolean {
  const match = /^(AIP|Bearer)\s+(\S*)/i.exec(authorization);
  if (match === null) return false;
  return oauth || (match[1] as string).toLowerCase() === 'aip' || looksLikeAipToken(match[2] as string);
}

/**
 * The headers sent upstream.
 *
 * @example
 * ```ts
 * upstreamHeaders(req.headers, { principal, requestId, forwarded: 'set', peer, publicBase, oauth: false });
 * ```
 */
export function upstreamHeaders(incoming: IncomingHttpHeaders, id: ForwardIdentity): Record<string, string | string[]> {
  const drop = connectionTokens(incoming.connection);
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (
      value === undefined ||
      HOP_BY_HOP.has(name) ||
      NEVER_FORWARDED.has(name) ||
      drop.has(name) ||
      name.includes('_') ||
      name.startsWith('x-aip-') ||
      name.startsWith('x-forwarded-')
    )
      continue;
    // The credential never travels on: AIP tokens (in either scheme), and bearer tokens when the
    // proxy checks them.
    if (name === 'authorization' && carriesCredential(Array.isArray(value) ? (value[0] ?? '') : value, id.oauth))
      continue;
    out[name] = value;
  }
  out['accept-encoding'] = 'identity';
  if (id.sessionId !== undefined) out['mcp-session-id'] = id.sessionId;
  if (id.lastEventId !== undefined) out['last-event-id'] = id.lastEventId;
  if (id.forwarded === 'set') {
    const base = forwardedOf(id.publicBase);
    out['x-forwarded-for'] = id.peer;
    out['x-forwarded-proto'] = base.proto;
    out['x-forwarded-host'] = base.host;
  }
  const { principal } = id;
  const text = textOf(principal);
  out['x-aip-verified'] = 'true';
  out['x-aip-issuer'] = principal.issuer;
  out['x-aip-subject'] = principal.subject;
  // Without a proof the subject is only what the token's last link names.
  out['x-aip-proven'] = id.proven ? 'true' : 'false';
  out['x-aip-scope'] = text.scope;
  out['x-aip-chain'] = text.chain;
  out['x-aip-grant'] = principal.grant;
  out['x-aip-request-id'] = id.requestId;
  if (id.delegation !== undefined) out['x-aip-delegation'] = id.delegation;
  if (id.extra !== undefined) for (const name in id.extra) out[name] = id.extra[name] as string;
  return out;
}

/**
 * The headers sent back to the client: the upstream's minus hop-by-hop fields and its CORS headers
 * (the proxy answers for CORS: `[cors]`; no preflight ever reached the upstream). A fresh object:
 * the caller adds its own.
 */
export function clientHeaders(
  upstream: Record<string, string | string[] | undefined>,
  dropLength: boolean,
): OutgoingHttpHeaders {
  const drop = connectionTokens(upstream.connection);
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(upstream)) {
    if (value === undefined || drop.has(name) || name.startsWith('access-control-')) continue;
    if (HOP_BY_HOP.has(name) && !(name === 'content-length' && !dropLength)) continue;
    out[name] = value;
  }
  return out;
}

const PASSED_CLEAN = JSON.stringify({ passed: true, warnings: [], errors: [] });

function auditValue(warnings: readonly AuditWarning[], error: string | undefined): string {
  if (error === undefined && warnings.length === 0) return PASSED_CLEAN;
  return JSON.stringify({
    passed: error === undefined,
    warnings: warnings.map((w) => w.message),
    errors: error === undefined ? [] : [error],
  });
}

/** The `X-AIP-Audit` value, in the reference's `{"passed","warnings","errors"}` shape. */
export function auditHeader(verified: Principal | undefined, error?: string): string {
  if (verified === undefined) return auditValue([], error);
  return error === undefined ? textOf(verified).audit : auditValue(verified.warnings, error);
}
