// The one scope grammar and matcher of AIP (DESIGN §3, §4), shared by tokens, attenuation, the MCP
// mapping, the proxy and vouches:
//   "*"                         grants everything
//   "tool:github.*"             a trailing "*" right after ":", "." or "/" matches any continuation
//   anything else               exact ("tool:git*" is the literal scope "tool:git*")
// Scopes are visible ASCII: what they name (MCP tool and prompt names, URIs as WHATWG serializes
// them) is ASCII on the wire, and no Unicode normalization can make two spellings of one scope.
import { MAX_SCOPE_LENGTH } from './limits.js';

// kind ":" name; kinds are lowercase words (tool, resource, prompt, ...), names any visible ASCII.
const SCOPE_PATTERN = /^[a-z][a-z0-9_-]{0,31}:[\x21-\x7e]+$/;

/**
 * The grammar in words, for error messages: every package that refuses a scope says the same.
 *
 * @example
 * ```ts
 * throw new Error(`scope must be ${SCOPE_GRAMMAR}`);
 * ```
 */
export const SCOPE_GRAMMAR = `"*" or "kind:name" (kind in a-z 0-9 _ -, name visible ASCII, at most ${MAX_SCOPE_LENGTH} characters; a trailing "*" after ":", "." or "/" is a wildcard)`;

/**
 * True for `*` or `kind:name`: kind a lowercase word, name visible ASCII (no whitespace, no
 * controls, nothing beyond U+007E), at most 256 characters in all. A `*` is a wildcard only alone
 * or right after `:`, `.` or `/` at the end; anywhere else it is a literal character.
 *
 * @example
 * ```ts
 * isValidScope('tool:search'); // true
 * isValidScope('tool:git*'); // true: the exact scope "tool:git*"
 * isValidScope('tool:café'); // false: not ASCII
 * isValidScope('search'); // false: no kind
 * ```
 */
export function isValidScope(scope: unknown): scope is string {
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
 * covered by `tool:search`, `tool:github.*` is covered by `tool:*`. The same order decides which
 * vouches count for a trust query: a vouch in `parent` counts for a query in `child`.
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

/**
 * Every pattern that covers `scope` ({@link patternCovers}): the scope itself, `*`, and the
 * wildcard ending at each separator inside it. A trust engine unions exactly these layers, so a
 * query never counts a vouch the matcher would not.
 *
 * @example
 * ```ts
 * coveringPatterns('tool:github.create_issue');
 * // ['tool:github.create_issue', '*', 'tool:*', 'tool:github.*']
 * ```
 */
export function coveringPatterns(scope: string): string[] {
  const out = [scope];
  if (scope === '*') return out;
  out.push('*');
  // The kind's own ":" is the first separator: "kind:*" and every deeper wildcard.
  for (let i = scope.indexOf(':'); i >= 0 && i < scope.length - 1; i++) {
    const c = scope.charCodeAt(i);
    if (c !== 58 /* : */ && c !== 46 /* . */ && c !== 47 /* / */) continue;
    const wildcard = `${scope.slice(0, i + 1)}*`;
    if (wildcard !== scope) out.push(wildcard);
  }
  return out;
}
