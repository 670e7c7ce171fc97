// What an agent's answers carry that a verifier acts on: the tasks and contexts a message send's
// result or streamed event names (to bind them to the caller), and task lists (to show each caller
// only its own). Both shapes: A2A 1.0 wraps the object (`{ task }`, `{ message }`,
// `{ statusUpdate }`, `{ artifactUpdate }`); A2A 0.3 tags it (`kind: 'task' | 'message' |
// 'status-update' | 'artifact-update'`).
import { record } from './lib/fields.js';

/** Tasks and contexts an answer names. */
export interface A2aReferences {
  taskIds: string[];
  contextIds: string[];
}

const WRAPPERS = { task: 'task', message: 'event', statusUpdate: 'event', artifactUpdate: 'event' } as const;
const KINDS: Record<string, 'task' | 'event'> = {
  task: 'task',
  message: 'event',
  'status-update': 'event',
  'artifact-update': 'event',
};

// Answers come from the agent, not a caller: both spellings are taken, so a lenient client reading
// either sees nothing unbound.
function ids(object: Record<string, unknown>, camel: string, snake: string): string[] {
  return [object[camel], object[snake]].filter((v): v is string => typeof v === 'string' && v !== '');
}

function referencesOf(shape: 'task' | 'event', object: Record<string, unknown>): A2aReferences {
  return {
    taskIds:
      shape === 'task'
        ? typeof object.id === 'string' && object.id !== ''
          ? [object.id]
          : []
        : ids(object, 'taskId', 'task_id'),
    contextIds: ids(object, 'contextId', 'context_id'),
  };
}

/**
 * The tasks and contexts a `message/send` result or a streamed event names (a Task, a Message, a
 * status or artifact update), in either shape.
 *
 * @example
 * ```ts
 * resultReferences({ task: { id: 't-1', contextId: 'c-1', status: {} } }); // { taskIds: ['t-1'], contextIds: ['c-1'] }
 * resultReferences({ kind: 'status-update', taskId: 't-1', contextId: 'c-1' }); // the same
 * ```
 */
export function resultReferences(result: unknown): A2aReferences {
  const object = record(result);
  if (object === undefined) return { taskIds: [], contextIds: [] };
  const kind = typeof object.kind === 'string' && Object.hasOwn(KINDS, object.kind) ? KINDS[object.kind] : undefined;
  if (kind !== undefined) return referencesOf(kind, object);
  const out: A2aReferences = { taskIds: [], contextIds: [] };
  for (const [wrapper, shape] of Object.entries(WRAPPERS)) {
    const inner = record(object[wrapper]);
    if (inner === undefined) continue;
    const refs = referencesOf(shape, inner);
    out.taskIds.push(...refs.taskIds);
    out.contextIds.push(...refs.contextIds);
  }
  return out;
}

/**
 * Removes from a `ListTasks` result (`{ tasks, totalSize, ... }`) every task `visible` rejects, and
 * makes `totalSize` count what is left (the agent's count would tell how many tasks others have).
 * Returns how many were removed.
 *
 * @example
 * ```ts
 * filterTaskList(result, (id) => mine.has(id));
 * ```
 */
export function filterTaskList(result: unknown, visible: (taskId: string) => boolean): number {
  const object = record(result);
  if (object === undefined || !Array.isArray(object.tasks)) return 0;
  const kept = object.tasks.filter((task) => {
    const id = record(task)?.id;
    return typeof id === 'string' && visible(id);
  });
  const removed = object.tasks.length - kept.length;
  object.tasks = kept;
  for (const key of ['totalSize', 'total_size']) if (key in object) object[key] = kept.length;
  return removed;
}

/**
 * The ids of the tasks in a `ListTasks` result, to look their owners up.
 *
 * @example
 * ```ts
 * listedTaskIds({ tasks: [{ id: 't-1' }, { id: 't-2' }], totalSize: 2 }); // ['t-1', 't-2']
 * ```
 */
export function listedTaskIds(result: unknown): string[] {
  const tasks = record(result)?.tasks;
  if (!Array.isArray(tasks)) return [];
  return tasks.flatMap((task) => {
    const id = record(task)?.id;
    return typeof id === 'string' ? [id] : [];
  });
}
