// Vouch scopes (DESIGN §3 syntax): `*`, `kind:name`, or `kind:prefix` ending in a separator and `*`.
// A vouch applies to exactly the scopes its own scope matches: nothing is inherited implicitly.
import { TrustError } from './errors.js';

/** The longest scope accepted, in UTF-16 code units. */
export const MAX_SCOPE_LENGTH = 256;
const KIND = /^[a-z][a-z0-9_-]{0,31}$/;
const SEPARATORS = new Set([':', '.', '/']);
// Printable characters only: no whitespace, no controls (C0, DEL, C1), no line separators.
const FORBIDDEN = /[\s\p{Cc}\u2028\u2029]/u;

/**
 * True when `scope` is a well-formed scope: `*` alone; `kind:name` (kind in lowercase letters,
 * digits, `_` and `-`, name non-empty and printable); or a prefix ending in `:`, `.` or `/` followed
 * by a single trailing `*`. A `*` anywhere else is refused.
 *
 * @example
 * ```ts
 * isValidScope('tool:github.*'); // true
 * isValidScope('tool:git*'); // false: `*` must follow a separator
 * ```
 */
export function isValidScope(scope: unknown): scope is string {
  if (typeof scope !== 'string' || scope.length === 0 || scope.length > MAX_SCOPE_LENGTH) return false;
  if (scope === '*') return true;
  if (FORBIDDEN.test(scope)) return false;
  const colon = scope.indexOf(':');
  if (colon <= 0 || !KIND.test(scope.slice(0, colon))) return false;
  const name = scope.slice(colon + 1);
  if (name.length === 0) return false;
  const star = scope.indexOf('*');
  if (star === -1) return true;
  return star === scope.length - 1 && SEPARATORS.has(scope.charAt(star - 1));
}

/**
 * Throws `TrustError` `aip_scope_invalid` unless {@link isValidScope}.
 *
 * @example
 * ```ts
 * assertScope(options.scope ?? '*');
 * ```
 */
export function assertScope(scope: unknown): asserts scope is string {
  if (!isValidScope(scope)) {
    throw new TrustError(
      'aip_scope_invalid',
      `scope must be "*", "kind:name" or "kind:prefix" ending in ":", "." or "/" and "*" (at most ${MAX_SCOPE_LENGTH} characters)`,
    );
  }
}

/**
 * True when a vouch made for `granted` applies to `requested`: equal scopes, `*`, or a trailing
 * wildcard whose prefix starts `requested` (`tool:github.*` covers `tool:github.create_issue` and
 * `tool:github.*`, not `tool:githubx`). A requested wildcard is covered only by a wildcard at least
 * as wide.
 *
 * @example
 * ```ts
 * scopeCovers('tool:*', 'tool:search'); // true
 * scopeCovers('tool:search', 'tool:*'); // false
 * ```
 */
export function scopeCovers(granted: string, requested: string): boolean {
  if (granted === requested || granted === '*') return true;
  if (!granted.endsWith('*')) return false;
  return requested.startsWith(granted.slice(0, -1));
}

/**
 * Every scope whose vouches apply to `requested`: itself, `*` and each wildcard prefix ending at a
 * separator. The engine unions exactly these layers, so a query never sees any other scope.
 *
 * @example
 * ```ts
 * coveringScopes('tool:github.create_issue');
 * // ['tool:github.create_issue', '*', 'tool:*', 'tool:github.*']
 * ```
 */
export function coveringScopes(requested: string): string[] {
  assertScope(requested);
  const out = [requested];
  if (requested === '*') return out;
  out.push('*');
  for (let i = 0; i < requested.length - 1; i++) {
    if (!SEPARATORS.has(requested.charAt(i))) continue;
    const wildcard = `${requested.slice(0, i + 1)}*`;
    if (wildcard !== requested) out.push(wildcard);
  }
  return out;
}
