// Header hygiene in both directions (DESIGN §5): the client's token, proof and any X-AIP-*
// header never reach the upstream; hop-by-hop headers are not forwarded; the verified identity
// is added; responses carry X-AIP-Audit.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { Principal } from './principal.js';

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

function connectionTokens(headers: IncomingHttpHeaders): Set<string> {
  const value = headers.connection;
  return new Set(
    (value ?? '')
      .split(',')
      .map((t) => t.trim().toLowerCase())
      .filter((t) => t !== ''),
  );
}

/**
 * The headers sent upstream: the client's, minus hop-by-hop fields, every `x-aip-*` header, the
 * credential (`Authorization: AIP ...`, or `Bearer` in OAuth mode) and `accept-encoding`
 * (responses must stay inspectable), plus the verified identity.
 */
export function upstreamHeaders(
  incoming: IncomingHttpHeaders,
  verified: Principal,
  requestId: string,
  oauth = false,
): Record<string, string | string[]> {
  const drop = connectionTokens(incoming);
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined || HOP_BY_HOP.has(name) || drop.has(name) || name.startsWith('x-aip-')) continue;
    // The credential never travels on: AIP tokens, and bearer tokens when the proxy checks them.
    if (
      name === 'authorization' &&
      (oauth ? /^(aip|bearer)\s/i : /^aip\s/i).test(Array.isArray(value) ? (value[0] ?? '') : value)
    )
      continue;
    if (name === 'accept-encoding') continue;
    out[name] = value;
  }
  out['accept-encoding'] = 'identity';
  out['x-aip-verified'] = 'true';
  out['x-aip-issuer'] = verified.issuer;
  out['x-aip-subject'] = verified.subject;
  out['x-aip-scope'] = verified.scope.join(' ');
  out['x-aip-chain'] = verified.chain.map((link) => link.id).join(',');
  out['x-aip-request-id'] = requestId;
  return out;
}

/** The headers sent back to the client: the upstream's minus hop-by-hop fields. */
export function clientHeaders(
  upstream: Record<string, string | string[] | undefined>,
  dropLength: boolean,
): OutgoingHttpHeaders {
  const drop = connectionTokens(upstream as IncomingHttpHeaders);
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(upstream)) {
    if (value === undefined || drop.has(name)) continue;
    if (HOP_BY_HOP.has(name) && !(name === 'content-length' && !dropLength)) continue;
    out[name] = value;
  }
  return out;
}

/** The `X-AIP-Audit` header value, in the reference's `{"passed","warnings","errors"}` shape. */
export function auditHeader(verified: Principal | undefined, error?: string): string {
  return JSON.stringify({
    passed: error === undefined,
    warnings: verified?.warnings.map((w) => w.message) ?? [],
    errors: error === undefined ? [] : [error],
  });
}
