import { describe, expect, it } from 'vitest';
import { principalKey } from '../src/principal.js';
import { createSessionSeal } from '../src/state/session-seal.js';
import { createMemoryTaskBindings } from '../src/state/task-bindings.js';
import { mcpAnswers } from '../src/upstream/mcp-answers.js';
import { createResponseRewriter } from '../src/upstream/response-rewriter.js';
import { fakeWorld } from './helpers/fake-context.js';

describe('response rewriting', () => {
  const world = fakeWorld();
  const seal = createSessionSeal(new Uint8Array(32).fill(3));
  const me = world.principal(['tool:search']);

  function rewriter(tasks = createMemoryTaskBindings()) {
    return createResponseRewriter({
      principal: me,
      binding: principalKey(me, true),
      seal,
      now: 1000,
      upstreamOrigin: new URL('http://127.0.0.1:3000'),
      answers: () => mcpAnswers({ principal: me, binding: principalKey(me, true), tasks, now: 1000, ttlSeconds: 3600 }),
    });
  }

  it('binds a task a response creates to the caller, and lists only its own tasks', async () => {
    const tasks = createMemoryTaskBindings();
    await tasks.bind('theirs', 'aip someone else', 1000, 3600);
    const r = rewriter(tasks);
    await r.json(JSON.stringify({ jsonrpc: '2.0', id: 1, result: { task: { taskId: 'mine', status: 'working' } } }));
    expect(await tasks.owner('mine', 1001)).toBe(principalKey(me, true));
    const listed = JSON.parse(
      (await r.json(
        JSON.stringify({
          jsonrpc: '2.0',
          id: 2,
          result: { tasks: [{ taskId: 'mine' }, { taskId: 'theirs' }, { taskId: 'nobody' }] },
        }),
      )) as string,
    );
    expect(listed.result.tasks).toEqual([{ taskId: 'mine' }]);
    // A list it cannot read is not forwarded at all (it cannot be filtered).
    expect(await r.json('{"jsonrpc":"2.0","id":3,"result":{"tools":[{"name":"delete"}],"x":NaN}}')).toBeUndefined();
    expect(await r.event({ event: undefined, id: undefined, data: '{"result":{"tools":[NaN]}}' })).toEqual({
      drop: true,
    });
  });

  it('turns the legacy endpoint into a proxy path with a sealed session, and seals event ids', async () => {
    const r = rewriter();
    const endpoint = (await r.event({
      event: 'endpoint',
      id: undefined,
      data: 'http://127.0.0.1:3000/messages/?session_id=raw',
    })) as {
      data: string;
    };
    const sealed = new URL(endpoint.data, 'http://x').searchParams.get('session_id') as string;
    expect(endpoint.data.startsWith('/messages/?session_id=')).toBe(true);
    expect(seal.open('session', sealed, principalKey(me, true), 1000, 60)).toEqual({ ok: true, id: 'raw' });
    const event = (await r.event({
      event: undefined,
      id: 's_1',
      data: '{"jsonrpc":"2.0","method":"notifications/message"}',
    })) as {
      id: string;
      data?: string;
    };
    expect(event.data).toBeUndefined();
    expect(seal.open('event', event.id, principalKey(me, true), 1000, 60)).toEqual({ ok: true, id: 's_1' });
    expect(r.headers({ 'mcp-session-id': 'raw', 'content-type': 'text/event-stream' })['mcp-session-id']).not.toBe(
      'raw',
    );
  });
});
