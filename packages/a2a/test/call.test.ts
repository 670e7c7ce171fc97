import type { JsonRpcMessage } from '@aip/mcp';
import { describe, expect, it } from 'vitest';
import { A2A_METHODS, type A2aCall, a2aCallOf } from '../src/index.js';

const request = (method: string, params?: unknown): JsonRpcMessage =>
  params === undefined ? { jsonrpc: '2.0', id: 1, method } : { jsonrpc: '2.0', id: 1, method, params };

function call(method: string, params?: unknown): A2aCall {
  const read = a2aCallOf(request(method, params));
  if (read.kind !== 'call') throw new Error(`${method}: ${read.reason}`);
  return read;
}

function reason(method: string, params?: unknown): string {
  const read = a2aCallOf(request(method, params));
  if (read.kind !== 'invalid') throw new Error(`${method} was read as a call`);
  return read.reason;
}

const message = (extra: Record<string, unknown> = {}) => ({
  message: { messageId: 'm-1', role: 'user', parts: [{ kind: 'text', text: 'hi' }], ...extra },
});

describe('a2aCallOf: scopes, in both spellings', () => {
  it.each([
    ['message/send', message(), ['a2a:message']],
    ['message/stream', message(), ['a2a:message']],
    ['SendMessage', message(), ['a2a:message']],
    ['SendStreamingMessage', message(), ['a2a:message']],
    ['tasks/get', { id: 't' }, ['a2a:task.get']],
    ['GetTask', { id: 't' }, ['a2a:task.get']],
    ['ListTasks', {}, ['a2a:task.list']],
    ['tasks/cancel', { id: 't' }, ['a2a:task.cancel']],
    ['CancelTask', { id: 't' }, ['a2a:task.cancel']],
    ['tasks/resubscribe', { id: 't' }, ['a2a:task.subscribe']],
    ['SubscribeToTask', { id: 't' }, ['a2a:task.subscribe']],
    [
      'tasks/pushNotificationConfig/set',
      { taskId: 't', pushNotificationConfig: { url: 'https://x' } },
      ['a2a:push.set'],
    ],
    ['CreateTaskPushNotificationConfig', { taskId: 't', url: 'https://x' }, ['a2a:push.set']],
    ['tasks/pushNotificationConfig/get', { id: 't' }, ['a2a:push.get']],
    ['GetTaskPushNotificationConfig', { taskId: 't', id: 'cfg' }, ['a2a:push.get']],
    ['tasks/pushNotificationConfig/list', { id: 't' }, ['a2a:push.list']],
    ['ListTaskPushNotificationConfigs', { taskId: 't' }, ['a2a:push.list']],
    ['tasks/pushNotificationConfig/delete', { id: 't', pushNotificationConfigId: 'cfg' }, ['a2a:push.delete']],
    ['DeleteTaskPushNotificationConfig', { taskId: 't', id: 'cfg' }, ['a2a:push.delete']],
    ['agent/getAuthenticatedExtendedCard', undefined, ['a2a:card.extended']],
    ['GetExtendedAgentCard', {}, ['a2a:card.extended']],
  ])('%s needs %j', (method, params, scopes) => {
    expect(call(method, params).scopes).toEqual(scopes);
  });

  it('knows every method of both versions, and the two spellings share no name', () => {
    const versions = [...A2A_METHODS.values()].map((m) => m.version);
    expect(versions.filter((v) => v === '0.3')).toHaveLength(10);
    expect(versions.filter((v) => v === '1.0')).toHaveLength(11);
    for (const name of A2A_METHODS.keys()) expect(/\//.test(name)).toBe(A2A_METHODS.get(name)?.version === '0.3');
  });

  it('needs a2a:rpc.<method> for a method A2A does not define (an extension method)', () => {
    expect(call('x-billing/quote', { anything: 1 }).scopes).toEqual(['a2a:rpc.x-billing/quote']);
    expect(call('toString').scopes).toEqual(['a2a:rpc.toString']);
  });

  it('needs a2a:push.set too for a message that asks for push notifications', () => {
    expect(
      call('SendMessage', { ...message(), configuration: { taskPushNotificationConfig: { url: 'https://x' } } }).scopes,
    ).toEqual(['a2a:message', 'a2a:push.set']);
    expect(
      call('message/send', { ...message(), configuration: { pushNotificationConfig: { url: 'https://x' } } }).scopes,
    ).toEqual(['a2a:message', 'a2a:push.set']);
    expect(
      call('SendMessage', { ...message(), configuration: { task_push_notification_config: { url: 'https://x' } } })
        .scopes,
    ).toContain('a2a:push.set');
    expect(call('SendMessage', { ...message(), configuration: { historyLength: 2 } }).scopes).toEqual(['a2a:message']);
  });
});

describe('a2aCallOf: tasks and contexts', () => {
  it('reads the task a method acts on', () => {
    expect(call('tasks/get', { id: 't-1' }).taskIds).toEqual(['t-1']);
    expect(call('CreateTaskPushNotificationConfig', { taskId: 't-1', id: 'cfg', url: 'https://x' }).taskIds).toEqual([
      't-1',
    ]);
    expect(call('GetTaskPushNotificationConfig', { task_id: 't-1', id: 'cfg' }).taskIds).toEqual(['t-1']);
    // In 0.3 the push config methods name the task `id`.
    expect(call('tasks/pushNotificationConfig/delete', { id: 't-1', pushNotificationConfigId: 'cfg' }).taskIds).toEqual(
      ['t-1'],
    );
  });

  it('reads the task a message continues, the tasks it shows the agent and its context', () => {
    const read = call('SendMessage', message({ taskId: 't-1', contextId: 'c-1', referenceTaskIds: ['t-2', 't-3'] }));
    expect(read.taskIds).toEqual(['t-1', 't-2', 't-3']);
    expect(read.contextIds).toEqual(['c-1']);
    const snake = call('SendMessage', message({ task_id: 't-1', context_id: 'c-1', reference_task_ids: ['t-2'] }));
    expect(snake.taskIds).toEqual(['t-1', 't-2']);
    expect(snake.contextIds).toEqual(['c-1']);
  });

  it('takes an empty or null id for protobuf\'s "not set"', () => {
    expect(call('SendMessage', message({ taskId: '', contextId: null })).taskIds).toEqual([]);
    expect(call('ListTasks', { contextId: '' }).contextIds).toEqual([]);
    expect(call('ListTasks', { contextId: 'c-1' }).contextIds).toEqual(['c-1']);
  });

  it('says what the answer carries', () => {
    expect(call('message/stream', message())).toMatchObject({ answer: 'task', streams: true });
    expect(call('ListTasks', {})).toMatchObject({ answer: 'tasks', streams: false });
    expect(call('GetExtendedAgentCard', {})).toMatchObject({ answer: 'card' });
    expect(call('SubscribeToTask', { id: 't' })).toMatchObject({ answer: undefined, streams: true, subscribes: true });
    expect(call('tasks/resubscribe', { id: 't' })).toMatchObject({ streams: true, subscribes: true });
    expect(call('SendStreamingMessage', message())).toMatchObject({ streams: true, subscribes: false });
  });
});

describe('a2aCallOf: what has no single reading is refused', () => {
  it('refuses both spellings of one field (the SDK takes one, another parser the other)', () => {
    expect(reason('SendMessage', message({ taskId: 'mine', task_id: 'theirs' }))).toMatch(/names taskId twice/);
    expect(reason('GetTaskPushNotificationConfig', { taskId: 'a', task_id: 'b', id: 'cfg' })).toMatch(/twice/);
  });

  it('refuses a case variant of a field (parsers that ignore case read it)', () => {
    expect(reason('SendMessage', message({ TaskId: 'theirs' }))).toMatch(/"TaskId" is not a spelling of taskId/);
    expect(reason('GetTask', { ID: 't' })).toMatch(/"ID" is not a spelling of id/);
    expect(reason('SendMessage', message({ referencetaskids: ['t'] }))).toMatch(/not a spelling/);
  });

  it('refuses ids that are not strings (the SDK would stringify them)', () => {
    expect(reason('GetTask', { id: 7 })).toMatch(/must be a string/);
    expect(reason('SendMessage', message({ taskId: ['t'] }))).toMatch(/must be a string/);
    expect(reason('SendMessage', message({ referenceTaskIds: 't' }))).toMatch(/list of ids/);
    expect(reason('SendMessage', message({ referenceTaskIds: ['t', 3] }))).toMatch(/list of ids/);
  });

  it('refuses a method that acts on a task without naming one', () => {
    expect(reason('tasks/get', {})).toMatch(/params.id is required/);
    expect(reason('CancelTask', { id: '' })).toMatch(/required/);
    expect(reason('CreateTaskPushNotificationConfig', { url: 'https://x' })).toMatch(/params.taskId is required/);
  });

  it('refuses a message send without a message, and params that are not an object', () => {
    expect(reason('message/send', {})).toMatch(/params.message is required/);
    expect(reason('SendMessage', { message: 'hi' })).toMatch(/must be an object/);
    expect(reason('GetTask', ['t'])).toMatch(/params must be an object/);
    expect(reason('GetTask')).toMatch(/params must be an object/);
  });

  it('refuses a response posted to an agent', () => {
    expect(a2aCallOf({ jsonrpc: '2.0', id: 1, result: {} })).toMatchObject({ kind: 'invalid' });
  });
});
