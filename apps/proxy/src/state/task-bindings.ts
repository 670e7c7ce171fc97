// Tasks bound to the principal that created them: an MCP task id the upstream returned in a
// CreateTaskResult, or an A2A task (and context) id a message send's answer or streamed event named,
// belongs to whoever asked; requests naming it from anyone else are refused as if it did not
// exist, and task lists show each caller only its own. An asynchronous seam: replicas share
// bindings through the same interface. MCP task ids are bound as they are; A2A ids under their own
// keys, so the two protocols' ids never meet.

export interface TaskBindings {
  /** Binds `taskId` to `principal` for `ttlSeconds` (the first binding wins while it lives). */
  bind(taskId: string, principal: string, nowSeconds: number, ttlSeconds: number): Promise<void>;
  /** The principal `taskId` is bound to, if any. */
  owner(taskId: string, nowSeconds: number): Promise<string | undefined>;
}

/**
 * The binding key of an A2A task.
 *
 * @example
 * ```ts
 * await tasks.bind(a2aTaskKey(task.id), principalKey(caller), now, ttl);
 * ```
 */
export function a2aTaskKey(id: string): string {
  return `a2a task ${id}`;
}

/**
 * The binding key of an A2A context.
 *
 * @example
 * ```ts
 * await tasks.owner(a2aContextKey(message.contextId), now); // undefined: nobody joined it yet
 * ```
 */
export function a2aContextKey(id: string): string {
  return `a2a context ${id}`;
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
