// What one A2A JSON-RPC request asks an agent to do: the scopes it needs, the tasks it acts on or
// shows the agent, the contexts it joins, and what its answer carries — read from params the way
// every A2A server reads them (see lib/fields.ts), or refused.
import type { JsonRpcMessage } from '@aip/mcp';
import { idList, optionalId, optionalObject, record, requiredId } from './lib/fields.js';
import { A2A_METHODS, A2A_SCOPES, type A2aMethod, extensionMethodScope } from './methods.js';

/** An authorizable A2A request. */
export interface A2aCall {
  kind: 'call';
  method: string;
  /** Every scope the request needs (a message asking for push notifications needs two). */
  scopes: string[];
  /** Tasks it acts on or shows the agent: each must be the caller's. */
  taskIds: string[];
  /** Contexts it joins or looks into: none may be another caller's. */
  contextIds: string[];
  /** What its answer carries that a verifier acts on. */
  answer: A2aMethod['answer'];
  /** Its answer is a stream of events. */
  streams: boolean;
  /** It subscribes to a task's events: a long-lived stream rather than the answer to a call. */
  subscribes: boolean;
}

/** A request that cannot be authorized as sent. */
export interface A2aInvalid {
  kind: 'invalid';
  method: string;
  reason: string;
}

const PUSH_CONFIGS = ['taskPushNotificationConfig', 'pushNotificationConfig'];

function sends(
  params: Record<string, unknown>,
): { ok: true; taskIds: string[]; contextIds: string[]; push: boolean } | { ok: false; reason: string } {
  const message = optionalObject(params, 'message', 'params');
  if (!message.ok) return message;
  if (message.value === undefined) return { ok: false, reason: 'params.message is required' };
  const where = 'params.message';
  const task = optionalId(message.value, 'taskId', where);
  if (!task.ok) return task;
  const context = optionalId(message.value, 'contextId', where);
  if (!context.ok) return context;
  const references = idList(message.value, 'referenceTaskIds', where);
  if (!references.ok) return references;
  const configuration = optionalObject(params, 'configuration', 'params');
  if (!configuration.ok) return configuration;
  let push = false;
  for (const name of PUSH_CONFIGS) {
    if (configuration.value === undefined) break;
    const config = optionalObject(configuration.value, name, 'params.configuration');
    if (!config.ok) return config;
    if (config.value !== undefined) push = true;
  }
  return {
    ok: true,
    taskIds: [...(task.id === undefined ? [] : [task.id]), ...references.ids],
    contextIds: context.id === undefined ? [] : [context.id],
    push,
  };
}

/**
 * What one A2A JSON-RPC request asks for. A request without params, a task id that is not one
 * string, or a member that could be read two ways is `invalid`; a method A2A does not define needs
 * `a2a:rpc.<method>` and is read no further.
 *
 * @example
 * ```ts
 * a2aCallOf({ jsonrpc: '2.0', id: 1, method: 'GetTask', params: { id: 't-1' } });
 * // { kind: 'call', method: 'GetTask', scopes: ['a2a:task.get'], taskIds: ['t-1'], contextIds: [], ... }
 * ```
 */
export function a2aCallOf(message: JsonRpcMessage): A2aCall | A2aInvalid {
  if (!('method' in message)) return { kind: 'invalid', method: '(response)', reason: 'an agent takes requests only' };
  const { method } = message;
  const spec = A2A_METHODS.get(method);
  const call = (scopes: string[], taskIds: string[], contextIds: string[]): A2aCall => ({
    kind: 'call',
    method,
    scopes,
    taskIds,
    contextIds,
    answer: spec?.answer,
    streams: spec?.streams === true,
    subscribes: spec?.subscribes === true,
  });
  if (spec === undefined) return call([extensionMethodScope(method)], [], []);
  const raw = 'params' in message ? message.params : undefined;
  const params = raw === undefined && spec.answer === 'card' ? {} : record(raw);
  if (params === undefined) return { kind: 'invalid', method, reason: 'params must be an object' };
  if (spec.sends === true) {
    const read = sends(params);
    if (!read.ok) return { kind: 'invalid', method, reason: read.reason };
    return call(read.push ? [spec.scope, A2A_SCOPES.pushSet] : [spec.scope], read.taskIds, read.contextIds);
  }
  const taskIds: string[] = [];
  const contextIds: string[] = [];
  if (spec.task !== undefined) {
    const task = requiredId(params, spec.task, 'params');
    if (!task.ok) return { kind: 'invalid', method, reason: task.reason };
    taskIds.push(task.id as string);
  }
  if (spec.context !== undefined) {
    const context = optionalId(params, spec.context, 'params');
    if (!context.ok) return { kind: 'invalid', method, reason: context.reason };
    if (context.id !== undefined) contextIds.push(context.id);
  }
  return call([spec.scope], taskIds, contextIds);
}
