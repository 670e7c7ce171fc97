import { describe, expect, it } from 'vitest';
import { authorizeStage } from '../../src/pipeline/stages/authorize.js';
import { principalKey } from '../../src/principal.js';
import { parseBody } from '../../src/request/json-rpc-body.js';
import { parseTarget } from '../../src/request/target.js';
import { a2aContextKey, a2aTaskKey } from '../../src/state/task-bindings.js';
import { fakeContext, fakeWorld } from '../helpers/fake-context.js';

describe('stage authorize', () => {
  const world = fakeWorld();
  const stage = authorizeStage(world.services);

  function ctxFor(scope: string[], method: string, url: string, body?: unknown) {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const ctx = fakeContext({
      method,
      url,
      ...(text === undefined ? {} : { body: text, headers: { 'content-type': 'application/json' } }),
    });
    const target = parseTarget(url);
    if (target.ok) ctx.target = target.target;
    ctx.principal = world.principal(scope);
    ctx.binding = principalKey(ctx.principal, false);
    ctx.body = Buffer.from(text ?? '');
    const parsed = parseBody(ctx.req.headers, ctx.body, 64);
    if (!('code' in parsed)) ctx.parsed = parsed;
    return ctx;
  }
  const call = (name: string) => ({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name } });

  it('allows what the scope covers and records what the audit line names', async () => {
    const ctx = ctxFor(['tool:search'], 'POST', '/mcp', call('search'));
    expect(await stage.run(ctx)).toBeUndefined();
    expect(ctx).toMatchObject({ method: 'tools/call', names: ['search'] });
  });

  it('decides on the path and the body together', async () => {
    // A ping body to a tool route: the path is what a plain-HTTP server would run.
    expect(
      await stage.run(ctxFor(['tool:search'], 'POST', '/mcp/tools/delete', { jsonrpc: '2.0', id: 1, method: 'ping' })),
    ).toMatchObject({
      code: 'aip_request_invalid',
    });
    expect(
      await stage.run(ctxFor(['tool:search'], 'POST', '/admin/reset', { jsonrpc: '2.0', id: 1, method: 'ping' })),
    ).toMatchObject({
      code: 'aip_scope_insufficient',
      message: expect.stringContaining('http:/admin/reset'),
    });
    expect(await stage.run(ctxFor(['tool:search'], 'GET', '/admin/reset'))).toMatchObject({
      code: 'aip_scope_insufficient',
    });
    expect(await stage.run(ctxFor(['tool:search'], 'POST', '/mcp/TOOLS/delete', {}))).toMatchObject({
      code: 'aip_scope_insufficient',
    });
  });

  it('refuses a batch when any message is denied, naming every scope it lacks', async () => {
    const ctx = ctxFor(['tool:search'], 'POST', '/mcp', [
      call('search'),
      { ...call('delete'), id: 2 },
      { ...call('wipe'), id: 3 },
      { ...call('delete'), id: 4 },
    ]);
    expect(await stage.run(ctx)).toMatchObject({
      code: 'aip_scope_insufficient',
      message: 'the token does not allow tool:delete, tool:wipe',
      scopes: ['tool:delete', 'tool:wipe'],
    });
  });

  it('plans the resource URI the server will read, and forwards it in place of the one sent', async () => {
    const read = (uri: string) => ({ jsonrpc: '2.0', id: 1, method: 'resources/read', params: { uri } });
    expect(
      await stage.run(ctxFor(['resource:file:///docs/*'], 'POST', '/mcp', read('file:///docs/.\t./etc/secret.txt'))),
    ).toMatchObject({
      rpc: { code: -32602 },
    });
    const ctx = ctxFor(['resource:file:///docs/*'], 'POST', '/mcp', read('FILE:///docs/a.txt'));
    expect(await stage.run(ctx)).toBeUndefined();
    expect(JSON.parse(ctx.plan?.body?.toString() ?? '{}')).toMatchObject({ params: { uri: 'file:///docs/a.txt' } });
  });

  it("lets a principal reach only its own tasks, answering others' as unknown", async () => {
    const mine = world.principal(['*']);
    await world.services.tasks.bind('t-mine', principalKey(mine, true), Math.floor(world.clock.nowMs() / 1000), 3600);
    const get = (taskId: string) => ({ jsonrpc: '2.0', id: 4, method: 'tasks/get', params: { taskId } });
    const ok = ctxFor(['*'], 'POST', '/mcp', get('t-mine'));
    ok.principal = mine;
    ok.binding = principalKey(mine, true);
    expect(await stage.run(ok)).toBeUndefined();
    const other = ctxFor(['*'], 'POST', '/mcp', get('t-mine'));
    other.principal = { ...mine, subject: 'did:key:z6MkOther' };
    other.binding = principalKey(other.principal, true);
    expect(await stage.run(other)).toMatchObject({
      rpc: { id: 4, code: -32602 },
      message: 'Invalid params: unknown task',
    });
    expect(await stage.run(ctxFor(['*'], 'POST', '/mcp', get('t-none')))).toMatchObject({
      message: 'Invalid params: unknown task',
    });
  });

  describe("on the A2A agent's endpoint", () => {
    const agentDid = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
    const a2a = fakeWorld({ a2a: { agent_did: agentDid, paths: ['/a2a'] } });
    const a2aStage = authorizeStage(a2a.services);
    const now = Math.floor(a2a.clock.nowMs() / 1000);

    function a2aCtx(scope: string[], body: unknown, subject?: string) {
      const text = JSON.stringify(body);
      const ctx = fakeContext({ url: '/a2a', body: text, headers: { 'content-type': 'application/json' } });
      const target = parseTarget('/a2a');
      if (target.ok) ctx.target = target.target;
      ctx.agent = agentDid;
      const principal = a2a.principal(scope);
      ctx.principal = subject === undefined ? principal : { ...principal, subject };
      ctx.binding = principalKey(ctx.principal, true);
      ctx.body = Buffer.from(text);
      const parsed = parseBody(ctx.req.headers, ctx.body, 64);
      if (!('code' in parsed)) ctx.parsed = parsed;
      return ctx;
    }
    const getTask = (id: string) => ({ jsonrpc: '2.0', id: 9, method: 'GetTask', params: { id } });

    it('holds each method to its scope, in both spellings', async () => {
      expect(
        await a2aStage.run(
          a2aCtx(['a2a:task.get'], { jsonrpc: '2.0', id: 1, method: 'CancelTask', params: { id: 't' } }),
        ),
      ).toMatchObject({
        code: 'aip_scope_insufficient',
        message: expect.stringContaining('a2a:task.cancel'),
      });
      expect(
        await a2aStage.run(
          a2aCtx(['a2a:task.get'], { jsonrpc: '2.0', id: 1, method: 'tasks/cancel', params: { id: 't' } }),
        ),
      ).toMatchObject({ code: 'aip_scope_insufficient' });
      const send = {
        jsonrpc: '2.0',
        id: 1,
        method: 'message/send',
        params: { message: { messageId: 'm', role: 'user', parts: [] } },
      };
      const ctx = a2aCtx(['a2a:message'], send);
      expect(await a2aStage.run(ctx)).toBeUndefined();
      expect(ctx).toMatchObject({ method: 'message/send', names: ['a2a:message'] });
    });

    it("answers another caller's task, and an unknown one, as A2A's task not found", async () => {
      const mine = a2a.principal(['a2a:*']);
      await a2a.services.tasks.bind(a2aTaskKey('t-mine'), principalKey(mine, true), now, 3600);
      expect(await a2aStage.run(a2aCtx(['a2a:*'], getTask('t-mine')))).toBeUndefined();
      const theirs = await a2aStage.run(a2aCtx(['a2a:*'], getTask('t-mine'), 'did:key:z6MkOther'));
      const unknown = await a2aStage.run(a2aCtx(['a2a:*'], getTask('t-none')));
      expect(theirs).toMatchObject({
        rpc: { id: 9, code: -32001, data: [{ reason: 'TASK_NOT_FOUND' }] },
        message: 'Task not found',
      });
      expect(unknown).toEqual(theirs);
      // An MCP task id with the same string is not an A2A task.
      await a2a.services.tasks.bind('t-mcp', principalKey(mine, true), now, 3600);
      expect(await a2aStage.run(a2aCtx(['a2a:*'], getTask('t-mcp')))).toMatchObject({ rpc: { code: -32001 } });
    });

    it("refuses a message that continues, or shows the agent, another caller's task", async () => {
      const mine = a2a.principal(['a2a:*']);
      await a2a.services.tasks.bind(a2aTaskKey('t-1'), principalKey(mine, true), now, 3600);
      const send = (message: Record<string, unknown>) => ({
        jsonrpc: '2.0',
        id: 3,
        method: 'SendMessage',
        params: { message: { messageId: 'm', role: 'ROLE_USER', parts: [], ...message } },
      });
      expect(await a2aStage.run(a2aCtx(['a2a:*'], send({ taskId: 't-1' })))).toBeUndefined();
      expect(await a2aStage.run(a2aCtx(['a2a:*'], send({ taskId: 't-1' }), 'did:key:z6MkOther'))).toMatchObject({
        rpc: { code: -32001 },
      });
      expect(
        await a2aStage.run(a2aCtx(['a2a:*'], send({ referenceTaskIds: ['t-1'] }), 'did:key:z6MkOther')),
      ).toMatchObject({
        rpc: { code: -32001 },
      });
    });

    it("refuses another caller's context, and lets a caller start a context nobody has joined", async () => {
      const mine = a2a.principal(['a2a:*']);
      await a2a.services.tasks.bind(a2aContextKey('c-1'), principalKey(mine, true), now, 3600);
      const send = (contextId: string) => ({
        jsonrpc: '2.0',
        id: 3,
        method: 'SendMessage',
        params: { message: { messageId: 'm', role: 'ROLE_USER', parts: [], contextId } },
      });
      expect(await a2aStage.run(a2aCtx(['a2a:*'], send('c-1')))).toBeUndefined();
      expect(await a2aStage.run(a2aCtx(['a2a:*'], send('c-new'), 'did:key:z6MkOther'))).toBeUndefined();
      expect(await a2aStage.run(a2aCtx(['a2a:*'], send('c-1'), 'did:key:z6MkOther'))).toMatchObject({
        rpc: { id: 3, code: -32602 },
        message: 'Invalid params: unknown context',
      });
    });
  });
});
