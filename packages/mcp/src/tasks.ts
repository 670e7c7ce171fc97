// MCP tasks (task-augmented requests and the tasks/* methods): which task ids a client message
// refers to, and which task a server response creates, so a verifier can bind every task to the
// principal that created it.
import type { JsonRpcMessage } from './jsonrpc.js';

/** The `_meta` key that ties a message to a task. */
export const RELATED_TASK_META = 'io.modelcontextprotocol/related-task';

/** Methods that name a task in `params.taskId`. */
const TASK_METHODS = new Set(['tasks/get', 'tasks/result', 'tasks/cancel', 'tasks/update']);

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** The outcome of {@link taskIdsOf}. */
export type TaskReferences = { ok: true; ids: string[] } | { ok: false; reason: string };

/**
 * The task ids a client message refers to: `params.taskId` of the tasks/* methods and the
 * related-task id in `params._meta`. A tasks/* request without a string task id is refused.
 *
 * @example
 * ```ts
 * taskIdsOf({ jsonrpc: '2.0', id: 1, method: 'tasks/get', params: { taskId: 't-1' } }); // { ok: true, ids: ['t-1'] }
 * ```
 */
export function taskIdsOf(message: JsonRpcMessage): TaskReferences {
  if (!('method' in message)) return { ok: true, ids: [] };
  const params = record(message.params);
  const ids: string[] = [];
  if (TASK_METHODS.has(message.method)) {
    const id = params?.taskId;
    if (typeof id !== 'string' || id === '')
      return { ok: false, reason: `${message.method} needs a string params.taskId` };
    ids.push(id);
  }
  const related = record(record(params?._meta)?.[RELATED_TASK_META]);
  if (related !== undefined) {
    if (typeof related.taskId !== 'string' || related.taskId === '')
      return { ok: false, reason: `${RELATED_TASK_META} needs a string taskId` };
    ids.push(related.taskId);
  }
  return { ok: true, ids };
}

/**
 * The id of the task a response creates (a `CreateTaskResult`: `result.task.taskId`), if any.
 *
 * @example
 * ```ts
 * createdTaskId({ jsonrpc: '2.0', id: 1, result: { task: { taskId: 't-1', status: 'working' } } }); // 't-1'
 * ```
 */
export function createdTaskId(message: unknown): string | undefined {
  const task = record(record(record(message)?.result)?.task);
  return typeof task?.taskId === 'string' && task.taskId !== '' ? task.taskId : undefined;
}

/** A cheap pre-check before parsing a streamed message: could it create or list tasks? */
export function mayCarryTask(text: string): boolean {
  return text.includes('"taskId"');
}
