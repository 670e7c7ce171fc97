// MCP tasks bound to the principal that created them: a task id the upstream returned in a
// CreateTaskResult belongs to whoever asked; tasks/get, tasks/result, tasks/cancel, tasks/update
// and related-task references from anyone else are refused, and tasks/list shows each caller only
// its own. An asynchronous seam: replicas share bindings through the same interface.

export interface TaskBindings {
  /** Binds `taskId` to `principal` for `ttlSeconds` (the first binding wins while it lives). */
  bind(taskId: string, principal: string, nowSeconds: number, ttlSeconds: number): Promise<void>;
  /** The principal `taskId` is bound to, if any. */
  owner(taskId: string, nowSeconds: number): Promise<string | undefined>;
}

/**
 * Bindings in memory, at most `maxEntries` (expired ones are swept; when every one is live, the
 * oldest goes: its task becomes unreachable through the proxy, never reachable by someone else).
 *
 * @example
 * ```ts
 * const tasks = createMemoryTaskBindings();
 * await tasks.bind('t-1', principalKey(p), now, 3600);
 * ```
 */
export function createMemoryTaskBindings(options: { maxEntries?: number } = {}): TaskBindings {
  const max = options.maxEntries ?? 100_000;
  const owners = new Map<string, { principal: string; until: number }>();
  return {
    bind(taskId, principal, nowSeconds, ttlSeconds) {
      const known = owners.get(taskId);
      if (known === undefined || known.until <= nowSeconds) {
        owners.delete(taskId);
        if (owners.size >= max) {
          for (const [id, o] of owners) if (o.until <= nowSeconds) owners.delete(id);
          if (owners.size >= max) owners.delete(owners.keys().next().value as string);
        }
        owners.set(taskId, { principal, until: nowSeconds + ttlSeconds });
      }
      return Promise.resolve();
    },
    owner(taskId, nowSeconds) {
      const known = owners.get(taskId);
      return Promise.resolve(known !== undefined && known.until > nowSeconds ? known.principal : undefined);
    },
  };
}
