import { describe, expect, it } from 'vitest';
import { filterTaskList, listedTaskIds, resultReferences } from '../src/index.js';

describe('resultReferences', () => {
  it('reads A2A 1.0 results and stream events (wrapped)', () => {
    expect(
      resultReferences({ task: { id: 't-1', contextId: 'c-1', status: {}, history: [{ taskId: 't-1' }] } }),
    ).toEqual({
      taskIds: ['t-1'],
      contextIds: ['c-1'],
    });
    expect(resultReferences({ message: { messageId: 'm', taskId: 't-2', contextId: 'c-2' } })).toEqual({
      taskIds: ['t-2'],
      contextIds: ['c-2'],
    });
    expect(resultReferences({ statusUpdate: { taskId: 't-3', contextId: 'c-3', status: {} } })).toEqual({
      taskIds: ['t-3'],
      contextIds: ['c-3'],
    });
    expect(resultReferences({ artifactUpdate: { task_id: 't-4', context_id: 'c-4' } })).toEqual({
      taskIds: ['t-4'],
      contextIds: ['c-4'],
    });
  });

  it('reads A2A 0.3 results and stream events (kind-tagged)', () => {
    expect(resultReferences({ kind: 'task', id: 't-1', contextId: 'c-1' })).toEqual({
      taskIds: ['t-1'],
      contextIds: ['c-1'],
    });
    expect(resultReferences({ kind: 'message', messageId: 'm', contextId: 'c-1' })).toEqual({
      taskIds: [],
      contextIds: ['c-1'],
    });
    expect(resultReferences({ kind: 'status-update', taskId: 't-1', contextId: 'c-1' })).toEqual({
      taskIds: ['t-1'],
      contextIds: ['c-1'],
    });
    expect(resultReferences({ kind: 'artifact-update', taskId: 't-1', contextId: 'c-1' })).toEqual({
      taskIds: ['t-1'],
      contextIds: ['c-1'],
    });
  });

  it('names nothing for anything else', () => {
    expect(resultReferences(null)).toEqual({ taskIds: [], contextIds: [] });
    expect(resultReferences({ kind: 'constructor', id: 'x' })).toEqual({ taskIds: [], contextIds: [] });
    expect(resultReferences({ task: { id: 3 } })).toEqual({ taskIds: [], contextIds: [] });
  });
});

describe('filterTaskList', () => {
  it('keeps the visible tasks and counts only those', () => {
    const result = {
      tasks: [{ id: 'a' }, { id: 'b' }, { id: 'c' }, { name: 'no id' }],
      totalSize: 40,
      nextPageToken: '',
    };
    expect(listedTaskIds(result)).toEqual(['a', 'b', 'c']);
    expect(filterTaskList(result, (id) => id !== 'b')).toBe(2);
    expect(result).toEqual({ tasks: [{ id: 'a' }, { id: 'c' }], totalSize: 2, nextPageToken: '' });
  });

  it('leaves what is not a task list alone', () => {
    const result = { task: { id: 'a' } };
    expect(filterTaskList(result, () => false)).toBe(0);
    expect(result).toEqual({ task: { id: 'a' } });
  });
});
