// The A2A JSON-RPC methods in both spellings in use — A2A 0.3 (`message/send`, what 0.3 SDKs send)
// and A2A 1.0 (`SendMessage`, what @a2a-js/sdk 1.x sends) — with the scope each needs and where
// its params name a task. The two spellings share no name, so the name alone says which it is.

/** The scopes of A2A operations. */
export const A2A_SCOPES = {
  /** Send a message, answered at once or as a stream (it may start or continue a task). */
  message: 'a2a:message',
  /** Read one of the caller's tasks. */
  taskGet: 'a2a:task.get',
  /** List the caller's tasks. */
  taskList: 'a2a:task.list',
  /** Cancel one of the caller's tasks. */
  taskCancel: 'a2a:task.cancel',
  /** Subscribe again to the events of one of the caller's tasks. */
  taskSubscribe: 'a2a:task.subscribe',
  /** Have the agent POST a task's updates to a URL (a config of its own, or one sent with a message). */
  pushSet: 'a2a:push.set',
  pushGet: 'a2a:push.get',
  pushList: 'a2a:push.list',
  pushDelete: 'a2a:push.delete',
  /** The agent card an authenticated caller may see. */
  extendedCard: 'a2a:card.extended',
} as const;

/** One of {@link A2A_SCOPES}. */
export type A2aScope = (typeof A2A_SCOPES)[keyof typeof A2A_SCOPES];

/** What the proxy needs to know about one method. */
export interface A2aMethod {
  readonly scope: A2aScope;
  /** The protocol version this spelling belongs to. */
  readonly version: '0.3' | '1.0';
  /** The param (required) naming the task the method acts on. */
  readonly task?: 'id' | 'taskId';
  /** The param (optional) naming a context the method looks into. */
  readonly context?: 'contextId';
  /**
   * Sends a message: `params.message` may continue a task (`taskId`), join a context
   * (`contextId`) and show the agent other tasks (`referenceTaskIds`); `params.configuration`
   * may ask for push notifications.
   */
  readonly sends?: true;
  /** What the answer carries that a verifier acts on: new tasks, a task list, an agent card. */
  readonly answer?: 'task' | 'tasks' | 'card';
  /** The answer is a stream of events (SSE). */
  readonly streams?: true;
  /** A subscription to a task's events: a long-lived stream, not the answer to a call. */
  readonly subscribes?: true;
}

const m = (spec: A2aMethod): A2aMethod => spec;

/** Every method of A2A 0.3 and A2A 1.0 (JSON-RPC binding). */
export const A2A_METHODS: ReadonlyMap<string, A2aMethod> = new Map([
  // A2A 0.3
  ['message/send', m({ scope: A2A_SCOPES.message, version: '0.3', sends: true, answer: 'task' })],
  ['message/stream', m({ scope: A2A_SCOPES.message, version: '0.3', sends: true, answer: 'task', streams: true })],
  ['tasks/get', m({ scope: A2A_SCOPES.taskGet, version: '0.3', task: 'id' })],
  ['tasks/cancel', m({ scope: A2A_SCOPES.taskCancel, version: '0.3', task: 'id' })],
  [
    'tasks/resubscribe',
    m({ scope: A2A_SCOPES.taskSubscribe, version: '0.3', task: 'id', streams: true, subscribes: true }),
  ],
  ['tasks/pushNotificationConfig/set', m({ scope: A2A_SCOPES.pushSet, version: '0.3', task: 'taskId' })],
  ['tasks/pushNotificationConfig/get', m({ scope: A2A_SCOPES.pushGet, version: '0.3', task: 'id' })],
  ['tasks/pushNotificationConfig/list', m({ scope: A2A_SCOPES.pushList, version: '0.3', task: 'id' })],
  ['tasks/pushNotificationConfig/delete', m({ scope: A2A_SCOPES.pushDelete, version: '0.3', task: 'id' })],
  ['agent/getAuthenticatedExtendedCard', m({ scope: A2A_SCOPES.extendedCard, version: '0.3', answer: 'card' })],
  // A2A 1.0
  ['SendMessage', m({ scope: A2A_SCOPES.message, version: '1.0', sends: true, answer: 'task' })],
  [
    'SendStreamingMessage',
    m({ scope: A2A_SCOPES.message, version: '1.0', sends: true, answer: 'task', streams: true }),
  ],
  ['GetTask', m({ scope: A2A_SCOPES.taskGet, version: '1.0', task: 'id' })],
  ['ListTasks', m({ scope: A2A_SCOPES.taskList, version: '1.0', context: 'contextId', answer: 'tasks' })],
  ['CancelTask', m({ scope: A2A_SCOPES.taskCancel, version: '1.0', task: 'id' })],
  [
    'SubscribeToTask',
    m({ scope: A2A_SCOPES.taskSubscribe, version: '1.0', task: 'id', streams: true, subscribes: true }),
  ],
  ['CreateTaskPushNotificationConfig', m({ scope: A2A_SCOPES.pushSet, version: '1.0', task: 'taskId' })],
  ['GetTaskPushNotificationConfig', m({ scope: A2A_SCOPES.pushGet, version: '1.0', task: 'taskId' })],
  ['ListTaskPushNotificationConfigs', m({ scope: A2A_SCOPES.pushList, version: '1.0', task: 'taskId' })],
  ['DeleteTaskPushNotificationConfig', m({ scope: A2A_SCOPES.pushDelete, version: '1.0', task: 'taskId' })],
  ['GetExtendedAgentCard', m({ scope: A2A_SCOPES.extendedCard, version: '1.0', answer: 'card' })],
]);

/**
 * The scope of a method outside A2A's own (an extension's method): `a2a:rpc.<method>`.
 *
 * @example
 * ```ts
 * extensionMethodScope('x-billing/quote'); // 'a2a:rpc.x-billing/quote'
 * ```
 */
export function extensionMethodScope(method: string): string {
  return `a2a:rpc.${method}`;
}
