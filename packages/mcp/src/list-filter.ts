// Filtering list results to what a token allows: a caller never learns of tools, prompts or
// resources it could not use. Works on the result's shape, so it applies to responses on any
// stream (including replays after resumption), whatever request id they answer.
import { isWildcardScope, scopeMatches } from '@aip/token';
import { canonicalResourceUri } from './resource-uri.js';

function keep(
  items: unknown,
  check: (item: Record<string, unknown>) => boolean,
): { list: unknown[]; removed: number } | undefined {
  if (!Array.isArray(items)) return undefined;
  const list = items.filter(
    (item) => typeof item === 'object' && item !== null && check(item as Record<string, unknown>),
  );
  return { list, removed: items.length - list.length };
}

/**
 * The allow-check for a resource template (`file:///docs/{path}`): shown when the literal template
 * is granted, or when a granted wildcard and the template's fixed prefix overlap (some URI the
 * template produces is allowed).
 */
function templateAllowed(granted: readonly string[], template: string): boolean {
  const scope = `resource:${template}`;
  const brace = scope.indexOf('{');
  const fixed = brace < 0 ? scope : scope.slice(0, brace);
  return granted.some((pattern) => {
    if (scopeMatches(pattern, scope)) return true;
    if (!isWildcardScope(pattern)) return false;
    const prefix = pattern.slice(0, -1);
    return fixed.startsWith(prefix) || prefix.startsWith(fixed);
  });
}

/** Options of {@link filterListResult}. */
export interface ListFilterOptions {
  /** Keep a listed task (`tasks/list`) only when this says the caller may see it. */
  taskVisible?: (taskId: string) => boolean;
}

/**
 * Removes from a JSON-RPC `result` every listed tool, prompt, resource or resource template the
 * granted scopes do not allow (resources judged by their URI as a server parses it), and, with
 * `taskVisible`, every listed task the caller may not see. Returns the number removed (0 leaves
 * `result` untouched).
 *
 * @example
 * ```ts
 * const result = { tools: [{ name: 'search' }, { name: 'delete' }] };
 * filterListResult(result, ['tool:search']); // 1; result.tools is now [{ name: 'search' }]
 * ```
 */
export function filterListResult(result: unknown, granted: readonly string[], options: ListFilterOptions = {}): number {
  if (typeof result !== 'object' || result === null || Array.isArray(result)) return 0;
  const r = result as Record<string, unknown>;
  const allows = (scope: string) => granted.some((pattern) => scopeMatches(pattern, scope));
  let removed = 0;
  const apply = (key: string, check: (item: Record<string, unknown>) => boolean) => {
    const kept = keep(r[key], check);
    if (kept !== undefined && kept.removed > 0) {
      r[key] = kept.list;
      removed += kept.removed;
    }
  };
  apply('tools', (t) => typeof t.name === 'string' && allows(`tool:${t.name}`));
  apply('prompts', (p) => typeof p.name === 'string' && allows(`prompt:${p.name}`));
  apply('resources', (res) => {
    if (typeof res.uri !== 'string') return false;
    const canonical = canonicalResourceUri(res.uri);
    return canonical.ok && allows(`resource:${canonical.uri}`);
  });
  apply('resourceTemplates', (t) => typeof t.uriTemplate === 'string' && templateAllowed(granted, t.uriTemplate));
  const { taskVisible } = options;
  if (taskVisible !== undefined) apply('tasks', (t) => typeof t.taskId === 'string' && taskVisible(t.taskId));
  return removed;
}

/** A cheap pre-check: could this serialized message carry a list result at all? */
export function mayCarryList(text: string): boolean {
  return (
    text.includes('"tools"') ||
    text.includes('"tasks"') ||
    text.includes('"prompts"') ||
    text.includes('"resources"') ||
    text.includes('"resourceTemplates"')
  );
}
