// What MCP answers carry that the proxy acts on: list results (tools, prompts, resources,
// templates) filtered to what the caller may use, task lists to the caller's own tasks, and a task
// a CreateTaskResult creates bound to the caller.
import { createdTaskId, filterListResult, mayCarryList, mayCarryTask } from '@aip/mcp';
import type { Principal } from '../principal.js';
import type { TaskBindings } from '../state/task-bindings.js';
import type { AnswerRules } from './response-rewriter.js';

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/**
 * The rules for MCP answers to `principal`.
 *
 * @example
 * ```ts
 * createResponseRewriter({ ..., answers: () => mcpAnswers({ principal, binding, tasks, now, ttlSeconds }) });
 * ```
 */
export function mcpAnswers(deps: {
  principal: Principal;
  /** What the caller's tasks are bound to (see principalKey). */
  binding: string;
  tasks: TaskBindings;
  /** Unix seconds. */
  now: number;
  ttlSeconds: number;
}): AnswerRules {
  const me = deps.binding;
  return {
    mayCarry: (text) => mayCarryList(text) || mayCarryTask(text),
    async apply(message) {
      const result = record(message.result);
      if (result === undefined) return false;
      const created = createdTaskId(message);
      if (created !== undefined) await deps.tasks.bind(created, me, deps.now, deps.ttlSeconds);
      let visible: Set<string> | undefined;
      if (Array.isArray(result.tasks)) {
        const ids = result.tasks.flatMap((t) => {
          const id = record(t)?.taskId;
          return typeof id === 'string' ? [id] : [];
        });
        const owners = await Promise.all(ids.map((id) => deps.tasks.owner(id, deps.now)));
        visible = new Set(ids.filter((_, i) => owners[i] === me));
      }
      return filterListResult(result, deps.principal.scope, { taskVisible: (id) => visible?.has(id) === true }) > 0;
    },
  };
}
