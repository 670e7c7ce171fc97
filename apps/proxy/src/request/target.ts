// The request target read once (DESIGN §5): origin-form only, every path segment and query
// parameter percent-decoded strictly, and re-encoded one way for the upstream. Anything two
// routers could read differently — an absolute-form target, empty or dot segments, encoded
// separators, `;` parameters, backslashes, control characters, double encoding — is refused, so the
// path the proxy authorizes is the only path the upstream can see.

/** A request target in canonical form. */
export interface RequestTarget {
  /** The target exactly as received (proofs are bound to it). */
  readonly raw: string;
  /** Decoded path segments (`/mcp/tools/search` -> `['mcp', 'tools', 'search']`). */
  readonly segments: readonly string[];
  /** The canonical path: each segment percent-encoded one way. */
  readonly path: string;
  /** Decoded query parameters, in order. */
  readonly query: readonly (readonly [string, string])[];
}

/** The outcome of {@link parseTarget}. */
export type ParsedTarget = { ok: true; target: RequestTarget } | { ok: false; reason: string };

const MAX_TARGET = 16 * 1024;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
// Decoded text no part of a target may carry: controls, DEL, separators another reader splits on.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
const UNSAFE_DECODED = /[\u0000-\u001f\u007f\\]/;

function percentDecode(text: string, plusIsSpace: boolean): string | undefined {
  if (!text.includes('%')) return plusIsSpace ? text.replace(/\+/g, ' ') : text;
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x25 /* % */) {
      const hex = text.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return undefined;
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(plusIsSpace && c === 0x2b ? 0x20 : c);
    }
  }
  try {
    return strictUtf8.decode(Uint8Array.from(bytes));
  } catch {
    return undefined;
  }
}

// Unreserved characters and the sub-delimiters no common router treats specially in a segment.
const PATH_SAFE = /[A-Za-z0-9\-._~!$&'()*,=:@]/;

function encodeSegment(segment: string): string {
  let out = '';
  for (const ch of segment) {
    if (ch.length === 1 && PATH_SAFE.test(ch)) out += ch;
    else for (const b of new TextEncoder().encode(ch)) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function parsePath(path: string): string[] | string {
  if (path === '/') return [''];
  const segments: string[] = [];
  const raw = path.slice(1).split('/');
  for (let i = 0; i < raw.length; i++) {
    const part = raw[i] as string;
    if (part === '' && i < raw.length - 1) return 'an empty path segment';
    if (part.includes(';')) return 'a ";" in the path';
    const decoded = percentDecode(part, false);
    if (decoded === undefined) return 'a path segment that is not valid percent-encoded UTF-8';
    if (decoded.includes('/') || UNSAFE_DECODED.test(decoded))
      return 'an encoded separator or control character in the path';
    if (decoded.includes('%')) return 'a double-encoded path segment';
    if (decoded === '.' || decoded === '..') return 'a "." or ".." path segment';
    segments.push(decoded);
  }
  return segments;
}

function parseQuery(query: string): [string, string][] | string {
  const pairs: [string, string][] = [];
  if (query === '') return pairs;
  if (query.includes(';')) return 'a ";" in the query';
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = percentDecode(eq < 0 ? part : part.slice(0, eq), true);
    const value = percentDecode(eq < 0 ? '' : part.slice(eq + 1), true);
    if (name === undefined || value === undefined) return 'a query parameter that is not valid percent-encoded UTF-8';
    if (UNSAFE_DECODED.test(name) || UNSAFE_DECODED.test(value)) return 'a control character in the query';
    pairs.push([name, value]);
  }
  return pairs;
}

/**
 * Reads a request target (`req.url`).
 *
 * @example
 * ```ts
 * parseTarget('/mcp/TOOLS/%73earch?x=1'); // { ok: true, target: { segments: ['mcp', 'TOOLS', 'search'], ... } }
 * parseTarget('http://upstream/admin'); // { ok: false, reason: 'an absolute-form request target' }
 * ```
 */
export function parseTarget(raw: string): ParsedTarget {
  if (!raw.startsWith('/') || raw.startsWith('//'))
    return { ok: false, reason: raw === '*' ? 'the asterisk-form request target' : 'an absolute-form request target' };
  if (raw.length > MAX_TARGET) return { ok: false, reason: 'a request target that is too long' };
  if (!/^[\x21-\x7e]+$/.test(raw))
    return { ok: false, reason: 'a request target with raw spaces, controls or non-ASCII' };
  if (raw.includes('#') || raw.includes('\\')) return { ok: false, reason: 'a "#" or "\\" in the request target' };
  const q = raw.indexOf('?');
  const segments = parsePath(q < 0 ? raw : raw.slice(0, q));
  if (typeof segments === 'string') return { ok: false, reason: segments };
  const query = parseQuery(q < 0 ? '' : raw.slice(q + 1));
  if (typeof query === 'string') return { ok: false, reason: query };
  const path = `/${segments.map(encodeSegment).join('/')}`;
  return { ok: true, target: { raw, segments, path, query } };
}

/**
 * The target sent upstream: the canonical path and the given query, encoded one way (`%20` for a
 * space, `%2B` for a plus, so form and URI decoders agree).
 *
 * @example
 * ```ts
 * formatTarget('/message', [['sessionId', 'abc']]); // '/message?sessionId=abc'
 * ```
 */
export function formatTarget(path: string, query: readonly (readonly [string, string])[]): string {
  if (query.length === 0) return path;
  return `${path}?${query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}`;
}
