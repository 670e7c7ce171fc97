// The reload diff (SIGHUP): from the running configuration and a freshly read one, the
// configuration to apply — every key the table marks `reload: false` keeps its running value — and
// the keys whose change waits for a restart.
import type { ProxyConfig } from './sections.js';
import { SECTIONS } from './sections.js';
import type { AnyKey, SectionSpec } from './table.js';

/** The outcome of {@link planReload}. */
export interface ReloadPlan {
  config: ProxyConfig;
  /** Dotted keys (or section names) that changed but need a restart. */
  restart: string[];
}

// Structural equality of resolved values (URLs, Maps, arrays, plain values).
function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof URL && b instanceof URL) return a.href === b.href;
  if (a instanceof Map && b instanceof Map)
    return a.size === b.size && [...a].every(([k, v]) => b.has(k) && same(v, b.get(k)));
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => same(v, b[i]));
  return false;
}

/**
 * What a reload applies.
 *
 * @example
 * ```ts
 * const { config, restart } = planReload(running, await loadProxyConfig(sources));
 * if (restart.length > 0) log.warn({ restart }, 'restart to apply');
 * ```
 */
export function planReload(running: ProxyConfig, next: ProxyConfig): ReloadPlan {
  const restart: string[] = [];
  const out: Record<string, Record<string, unknown> | undefined> = {};
  const sections = SECTIONS as unknown as Record<string, SectionSpec<Record<string, AnyKey>>>;
  for (const [name, spec] of Object.entries(sections)) {
    const before = (running as unknown as Record<string, Record<string, unknown> | undefined>)[name];
    const after = (next as unknown as Record<string, Record<string, unknown> | undefined>)[name];
    if ((before === undefined) !== (after === undefined) && !spec.reload) {
      restart.push(`[${name}]`);
      out[name] = before;
      continue;
    }
    if (after === undefined || before === undefined) {
      out[name] = after;
      continue;
    }
    const values: Record<string, unknown> = { ...after };
    for (const [key, keySpec] of Object.entries(spec.keys)) {
      if (keySpec.reload || same(before[key], after[key])) continue;
      restart.push(`${name}.${key}`);
      values[key] = before[key];
    }
    out[name] = values;
  }
  return { config: out as unknown as ProxyConfig, restart };
}
