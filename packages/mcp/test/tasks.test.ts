import { describe, expect, it } from 'vitest';
import { createdTaskId, isSessionQueryKey, RELATED_TASK_META, scanJson, taskIdsOf } from '../src/index.js';

describe('task references', () => {
  it('finds the task every tasks/* request and related-task reference names', () => {
    for (const method of ['tasks/get', 'tasks/result', 'tasks/cancel', 'tasks/update']) {
      expect(taskIdsOf({ jsonrpc: '2.0', id: 1, method, params: { taskId: 't-1' } })).toEqual({
        ok: true,
        ids: ['t-1'],
      });
      expect(taskIdsOf({ jsonrpc: '2.0', id: 1, method, params: {} }).ok, method).toBe(false);
    }
    expect(
      taskIdsOf({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'x', _meta: { [RELATED_TASK_META]: { taskId: 't-2' } } },
      }),
    ).toEqual({ ok: true, ids: ['t-2'] });
    expect(taskIdsOf({ jsonrpc: '2.0', id: 1, method: 'tasks/list' })).toEqual({ ok: true, ids: [] });
  });

  it('reads the task a CreateTaskResult creates', () => {
    expect(createdTaskId({ jsonrpc: '2.0', id: 1, result: { task: { taskId: 't-1', status: 'working' } } })).toBe(
      't-1',
    );
    expect(createdTaskId({ jsonrpc: '2.0', id: 1, result: { content: [] } })).toBeUndefined();
    expect(createdTaskId({ jsonrpc: '2.0', id: 1, result: { task: { taskId: 7 } } })).toBeUndefined();
  });
});

describe('session channels', () => {
  it('recognizes every spelling of the legacy session parameter', () => {
    for (const name of ['sessionId', 'session_id', 'session-id', 'SESSIONID', 'Session_Id'])
      expect(isSessionQueryKey(name), name).toBe(true);
    for (const name of ['session', 'id', 'sessionIds']) expect(isSessionQueryKey(name), name).toBe(false);
  });
});

describe('scanJson', () => {
  it('stops at the nesting bound before any parser sees the text', () => {
    expect(scanJson('{"a":[[1]]}', 3)).toBe('ok');
    expect(scanJson('{"a":[[[1]]]}', 3)).toBe('too-deep');
    expect(scanJson(`${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`, 64)).toBe('too-deep');
    // Brackets inside strings do not count.
    expect(scanJson('{"a":"[[[[[[[["}', 2)).toBe('ok');
  });

  it('finds duplicate member names, escapes decoded', () => {
    expect(scanJson('{"name":"a","n\\u0061me":"b"}', 64)).toBe('duplicate-keys');
    expect(scanJson('[{"name":"a"},{"name":"b"}]', 64)).toBe('ok');
  });
});
