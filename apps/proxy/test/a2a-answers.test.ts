import { generateIdentity } from '@aip/identity';
import { describe, expect, it } from 'vitest';
import { cardPublisher } from '../src/pipeline/agent-cards.js';
import { principalKey } from '../src/principal.js';
import { a2aContextKey, a2aTaskKey, createMemoryTaskBindings } from '../src/state/task-bindings.js';
import { a2aAnswers } from '../src/upstream/a2a-answers.js';
import { createResponseRewriter } from '../src/upstream/response-rewriter.js';
import { fakeWorld } from './helpers/fake-context.js';

describe("the A2A agent's answers", () => {
  const agent = generateIdentity();
  const world = fakeWorld({ a2a: { agent_did: agent.did, paths: ['/a2a/jsonrpc'] }, pop: { required: true } });
  const me = world.principal(['a2a:*']);
  const upstreamOrigin = new URL('http://127.0.0.1:4000');
  const publishCard = cardPublisher(world.config, upstreamOrigin, 'https://agent.example');

  function rewriter(
    plan: { createsTask?: boolean; lists?: boolean; card?: boolean },
    tasks = createMemoryTaskBindings(),
  ) {
    const answers = a2aAnswers({
      principal: me,
      binding: principalKey(me, true),
      plan: { createsTask: false, lists: false, card: false, ...plan },
      tasks,
      now: 1000,
      ttlSeconds: 3600,
      publishCard,
    });
    return createResponseRewriter({
      principal: me,
      binding: principalKey(me, true),
      seal: undefined,
      now: 1000,
      upstreamOrigin,
      answers: () => answers,
    });
  }

  it("binds the task and context a send's answer names (1.0 and 0.3 shapes) before the caller sees it", async () => {
    const tasks = createMemoryTaskBindings();
    const r = rewriter({ createsTask: true }, tasks);
    const v1 = JSON.stringify({ jsonrpc: '2.0', id: 1, result: { task: { id: 't-1', contextId: 'c-1', status: {} } } });
    expect(await r.json(v1)).toBe(v1);
    await r.json(JSON.stringify({ jsonrpc: '2.0', id: 2, result: { kind: 'task', id: 't-2', contextId: 'c-2' } }));
    expect(await tasks.owner(a2aTaskKey('t-1'), 1001)).toBe(principalKey(me, true));
    expect(await tasks.owner(a2aContextKey('c-1'), 1001)).toBe(principalKey(me, true));
    expect(await tasks.owner(a2aTaskKey('t-2'), 1001)).toBe(principalKey(me, true));
  });

  it('binds what every streamed event names, and passes each event on as it was', async () => {
    const tasks = createMemoryTaskBindings();
    const r = rewriter({ createsTask: true }, tasks);
    const event = {
      event: undefined,
      id: undefined,
      data: JSON.stringify({ jsonrpc: '2.0', id: 1, result: { statusUpdate: { taskId: 't-3', contextId: 'c-3' } } }),
    };
    expect(await r.event(event)).toBeUndefined();
    expect(await tasks.owner(a2aTaskKey('t-3'), 1001)).toBe(principalKey(me, true));
    const legacy = {
      event: undefined,
      id: undefined,
      data: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        result: { kind: 'artifact-update', taskId: 't-4', contextId: 'c-3' },
      }),
    };
    expect(await r.event(legacy)).toBeUndefined();
    expect(await tasks.owner(a2aTaskKey('t-4'), 1001)).toBe(principalKey(me, true));
  });

  it("keeps the first binding: an answer naming another caller's task does not hand it over", async () => {
    const tasks = createMemoryTaskBindings();
    await tasks.bind(a2aTaskKey('t-5'), 'aip someone else', 1000, 3600);
    await rewriter({ createsTask: true }, tasks).json(
      JSON.stringify({ jsonrpc: '2.0', id: 1, result: { task: { id: 't-5' } } }),
    );
    expect(await tasks.owner(a2aTaskKey('t-5'), 1001)).toBe('aip someone else');
  });

  it("lists only the caller's tasks, and counts only those", async () => {
    const tasks = createMemoryTaskBindings();
    await tasks.bind(a2aTaskKey('mine'), principalKey(me, true), 1000, 3600);
    await tasks.bind(a2aTaskKey('theirs'), 'aip someone else', 1000, 3600);
    // An MCP binding of the same id does not make an A2A task anyone's.
    await tasks.bind('nobody', principalKey(me, true), 1000, 3600);
    const listed = JSON.parse(
      String(
        await rewriter({ lists: true }, tasks).json(
          JSON.stringify({
            jsonrpc: '2.0',
            id: 1,
            result: { tasks: [{ id: 'mine' }, { id: 'theirs' }, { id: 'nobody' }], totalSize: 3, nextPageToken: '' },
          }),
        ),
      ),
    );
    expect(listed.result).toEqual({ tasks: [{ id: 'mine' }], totalSize: 1, nextPageToken: '' });
  });

  it('publishes an extended card like the public one', async () => {
    const card = {
      name: 'x',
      supportedInterfaces: [{ url: 'http://127.0.0.1:4000/a2a/jsonrpc', protocolBinding: 'JSONRPC' }],
    };
    const out = JSON.parse(
      String(await rewriter({ card: true }).json(JSON.stringify({ jsonrpc: '2.0', id: 1, result: card }))),
    );
    expect(out.result.supportedInterfaces).toEqual([
      { url: 'https://agent.example/a2a/jsonrpc', protocolBinding: 'JSONRPC' },
    ]);
    expect(out.result.capabilities.extensions[0].params).toMatchObject({
      did: agent.did,
      proofRequired: true,
      trustedIssuers: [world.operator.did],
    });
  });

  it('leaves answers of other methods alone', async () => {
    const text = JSON.stringify({ jsonrpc: '2.0', id: 1, result: { id: 't-9', contextId: 'c-9', kind: 'task' } });
    const tasks = createMemoryTaskBindings();
    expect(await rewriter({}, tasks).json(text)).toBe(text);
    expect(await tasks.owner(a2aTaskKey('t-9'), 1001)).toBeUndefined();
  });
});
