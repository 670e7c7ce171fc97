// The one scope matcher shared by tokens, attenuation and the proxy (DESIGN §3).
//   "*"                         grants everything
//   "tool:github.*"             a trailing "*" right after ":", "." or "/" matches any continuation
//   anything else               exact ("tool:git*" is the literal scope "tool:git*")
import { MAX_SCOPE_LENGTH } from './limits.js';

// kind ":" name; kinds are lowercase words (tool, resource, prompt, ...), names any visible ASCII.
const SCOPE_PATTERN = /^[a-z][a-z0-9_-]{0,31}:[\x21-\x7e]+$/;

/**
 * True for `*` or `kind:name` (at most 256 visible ASCII characters, no whitespace).
 *
 * @example
 * ```ts
 * isValidScope('tool:search'); // true
 * isValidScope('search'); // false: no kind
 * ```
 */
export function isValidScope(scope: string): boolean {
  return typeof scope === 'string' && scope.length <= MAX_SCOPE_LENGTH && (scope === '*' || SCOPE_PATTERN.test(scope));
}

/** The literal prefix of a wildcard pattern (`tool:github.` of `tool:github.*`), or undefined for an exact one. */
function wildcardPrefix(pattern: string): string | undefined {
  if (pattern === '*') return '';
  const n = pattern.length;
  if (n >= 2 && pattern.charCodeAt(n - 1) === 42 /* * */) {
    const sep = pattern.charCodeAt(n - 2);
    if (sep === 58 /* : */ || sep === 46 /* . */ || sep === 47 /* / */) return pattern.slice(0, n - 1);
  }
  return undefined;
}

/**
 * True for `*` and patterns with a trailing `*` after a separator, which match many scopes.
 *
 * @example
 * ```ts
 * isWildcardScope('tool:github.*'); // true
 * isWildcardScope('tool:git*'); // false: an exact (literal) scope
 * ```
 */
export function isWildcardScope(scope: string): boolean {
  return wildcardPrefix(scope) !== undefined;
}

/**
 * True when the granted pattern covers the concrete scope `required`.
 *
 * @example
 * ```ts
 * scopeMatches('tool:crypto.*', 'tool:crypto.price'); // true
 * scopeMatches('tool:crypto.*', 'tool:cryptocurrency'); // false
 * ```
 */
export function scopeMatches(granted: string, required: string): boolean {
  const prefix = wildcardPrefix(granted);
  return prefix === undefined ? granted === required : required.startsWith(prefix);
}

/**
 * True when any pattern in `granted` covers `required`.
 *
 * @example
 * ```ts
 * scopeAllows(['tool:search', 'resource:*'], 'resource:file:///a'); // true
 * ```
 */
export function scopeAllows(granted: readonly string[], required: string): boolean {
  for (const pattern of granted) if (scopeMatches(pattern, required)) return true;
  return false;
}

/**
 * True when every scope `child` can match is matched by `parent` (attenuation): `tool:*` is not
 * covered by `tool:search`, `tool:github.*` is covered by `tool:*`.
 *
 * @example
 * ```ts
 * patternCovers('tool:*', 'tool:github.*'); // true
 * patternCovers('tool:search', 'tool:*'); // false (widening)
 * ```
 */
export function patternCovers(parent: string, child: string): boolean {
  const parentPrefix = wildcardPrefix(parent);
  if (parentPrefix === undefined) return parent === child;
  const childPrefix = wildcardPrefix(child);
  return (childPrefix ?? child).startsWith(parentPrefix);
}

/**
 * True when each pattern of `child` is covered by some pattern of `parent`.
 *
 * @example
 * ```ts
 * isScopeSubset(['tool:*'], ['tool:search', 'tool:fetch']); // true
 * ```
 */
export function isScopeSubset(parent: readonly string[], child: readonly string[]): boolean {
  outer: for (const c of child) {
    for (const p of parent) if (patternCovers(p, c)) continue outer;
    return false;
  }
  return true;
}
