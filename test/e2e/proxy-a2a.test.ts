// aip-proxy in front of an unmodified A2A agent (@a2a-js/sdk 1.x, express, v0.3 compatibility on),
// driven by the SDK's own clients — 1.x (SendMessage, ...) and 0.3.x (message/send, ...) — whose
// fetch presents a chain delegated to the agent and signs every request (@aip/a2a). All on
// loopback, ephemeral ports.
import {
  AgentCard,
  CancelTaskRequest,
  GetTaskRequest,
  ListTasksRequest,
  SendMessageRequest,
  type StreamResponse,
  SubscribeToTaskRequest,
  type Task,
} from '@a2a-js/sdk';
import { type Client, ClientFactory, ClientFactoryOptions, JsonRpcTransportFactory } from '@a2a-js/sdk/client';
import { parseLegacyAgentCard } from '@a2a-js/sdk/compat/v0_3/client';
import type { AgentCard as LegacyAgentCard, MessageSendParams } from '@a2a-js/sdk-v03';
import {
  ClientFactory as LegacyClientFactory,
  ClientFactoryOptions as LegacyClientFactoryOptions,
  JsonRpcTransportFactory as LegacyJsonRpcTransportFactory,
  TaskNotFoundError as LegacyTaskNotFoundError,
} from '@a2a-js/sdk-v03/client';
import { AIP_EXTENSION_URI, agentIdentityOf, createA2aFetch } from '@aip/a2a';
import { generateIdentity, type Identity } from '@aip/identity';
import { createAipFetch } from '@aip/mcp';
import { delegate, issueToken } from '@aip/token';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { A2A_PATH, type RunningAgent, startA2aAgent, textOf } from '../fixtures/a2a-agent.js';
import { type RunningProxy, startProxy } from '../fixtures/proxy.js';

const operator = generateIdentity();
const agentKey = generateIdentity();
let agent: RunningAgent;
let proxy: RunningProxy;
let card: Record<string, unknown>;

beforeAll(async () => {
  agent = await startA2aAgent();
  proxy = await startProxy(
    agent.url,
    [operator.did],
    {},
    {
      a2a: { agent_did: agentKey.did, paths: [A2A_PATH] },
      pop: { required: true },
      budget: { ledger: ':memory:', costs: { 'a2a:message': 0.1 } },
    },
  );
  card = (await (
    await fetch(`${proxy.url}/.well-known/agent-card.json`, { headers: { 'A2A-Version': '1.0' } })
  ).json()) as Record<string, unknown>;
});
afterAll(async () => {
  await proxy?.close({ graceMs: 100 });
  await agent?.close();
});

/** An orchestrator under the operator, with a grant it can delegate from. */
function orchestrator(scope = ['a2a:*', 'tool:search'], budgetUsd = 5) {
  const me = generateIdentity();
  const grant = issueToken(operator, { sub: me.did, scope, budgetUsd, maxDepth: 2, ttl: 600 });
  const chainTo = (to: string, slice: string[], budget = 1) =>
    delegate(grant, me, { to, scope: slice, budgetUsd: budget, context: 'research for the orchestrator' });
  return { me, grant, chainTo };
}

async function client(holder: Identity, chain: string): Promise<Client> {
  const fetchImpl = createA2aFetch({ token: chain, holder, agent: card });
  const factory = new ClientFactory(
    ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
      transports: [new JsonRpcTransportFactory({ fetchImpl })],
    }),
  );
  return factory.createFromUrl(proxy.url);
}

async function legacyClient(fetchImpl: typeof fetch) {
  const factory = new LegacyClientFactory(
    LegacyClientFactoryOptions.createFrom(LegacyClientFactoryOptions.default, {
      transports: [new LegacyJsonRpcTransportFactory({ fetchImpl })],
    }),
  );
  return factory.createFromUrl(proxy.url);
}

const message = (text: string, extra: Record<string, unknown> = {}, configuration?: Record<string, unknown>) =>
  SendMessageRequest.fromJSON({
    message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text }], ...extra },
    ...(configuration === undefined ? {} : { configuration }),
  });
const getRequest = (id: string) => GetTaskRequest.fromJSON({ id });
const cancelRequest = (id: string) => CancelTaskRequest.fromJSON({ id });
const legacyMessage = (text: string): MessageSendParams => ({
  message: { kind: 'message', messageId: crypto.randomUUID(), role: 'user', parts: [{ kind: 'text', text }] },
});
const replyOf = (task: Task) => textOf(task.status?.message);

/** The AIP code an A2A SDK error carries (`error.data[0].metadata.code`). */
function aipCode(err: unknown): string | undefined {
  const data =
    (err as { data?: unknown; errorResponse?: { error?: { data?: unknown } } }).data ??
    (err as { errorResponse?: { error?: { data?: unknown } } }).errorResponse?.error?.data;
  return (data as { metadata?: { code?: string } }[] | undefined)?.[0]?.metadata?.code;
}

describe('the agent card', () => {
  it("is served without a token and names the agent's did:key in the AIP extension, valid for the SDK", () => {
    const parsed = AgentCard.fromJSON(card);
    expect(parsed.capabilities?.extensions.find((e) => e.uri === AIP_EXTENSION_URI)?.params).toEqual({
      did: agentKey.did,
      tokenHeader: 'X-AIP-Token',
      proofHeader: 'X-AIP-Proof',
      proofRequired: true,
      trustedIssuers: [operator.did],
    });
    expect(parsed.securitySchemes.aip?.scheme).toMatchObject({
      $case: 'apiKeySecurityScheme',
      value: { location: 'header', name: 'X-AIP-Token' },
    });
    expect(parsed.securityRequirements).toEqual([{ schemes: { aip: { list: [] } } }]);
    expect(parsed.supportedInterfaces.map((i) => i.url)).toEqual([
      `${proxy.url}${A2A_PATH}`,
      `${proxy.url}${A2A_PATH}`,
    ]);
  });

  it('is served in the 0.3 shape to a 0.3 client, with the same identity', async () => {
    const res = await fetch(`${proxy.url}/.well-known/agent-card.json`);
    expect(res.status).toBe(200);
    const legacy = (await res.json()) as LegacyAgentCard;
    expect(legacy.url).toBe(`${proxy.url}${A2A_PATH}`);
    expect(legacy.security).toEqual([{ aip: [] }]);
    expect(legacy.securitySchemes?.aip).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-AIP-Token' });
    expect(agentIdentityOf(legacy)?.did).toBe(agentKey.did);
    expect(parseLegacyAgentCard(legacy as never).capabilities?.extensions[0]?.params?.did).toBe(agentKey.did);
  });
});

describe('A2A through aip-proxy', () => {
  it('admits a chain delegated to the agent, hands the agent that chain, and audits the call', async () => {
    const o = orchestrator();
    const chain = o.chainTo(agentKey.did, ['a2a:message', 'tool:search']);
    const task = (await (await client(o.me, chain)).sendMessage(message('hello'))) as Task;
    expect(replyOf(task)).toBe('echo: hello');
    const received = agent.calls.at(-1);
    expect(received?.['x-aip-delegation']).toBe(chain);
    expect(received?.['x-aip-subject']).toBe(o.me.did);
    expect(received?.['x-aip-token']).toBeUndefined();
    expect(received?.['x-aip-proof']).toBeUndefined();
    expect(proxy.audit.at(-1)).toMatchObject({
      decision: 'allow',
      method: 'SendMessage',
      tool: 'a2a:message',
      issuer: operator.did,
      subject: o.me.did,
      upstream_status: 200,
    });
  });

  it('admits the 0.3 spelling from a 0.3 client (message/send, tasks/get)', async () => {
    const o = orchestrator();
    const legacy = await legacyClient(
      createA2aFetch({ token: o.chainTo(agentKey.did, ['a2a:message', 'a2a:task.get']), holder: o.me, agent: card }),
    );
    const sent = await legacy.sendMessage(legacyMessage('hi from 0.3'));
    expect(sent.kind).toBe('task');
    const got = await legacy.getTask({ id: (sent as { id: string }).id });
    expect(got.status.message?.parts[0]).toMatchObject({ kind: 'text', text: 'echo: hi from 0.3' });
    expect(proxy.audit.slice(-2).map((r) => [r.method, r.decision])).toEqual([
      ['message/send', 'allow'],
      ['tasks/get', 'allow'],
    ]);
  });

  it("refuses a chain delegated to another agent's identity: 401 audience, as an A2A error", async () => {
    const o = orchestrator();
    const elsewhere = o.chainTo(generateIdentity().did, ['a2a:message']);
    // A client that does not check the chain itself, signing for this agent.
    const fetchImpl = createAipFetch({ token: elsewhere, holder: o.me, audience: agentKey.did });
    const factory = new ClientFactory(
      ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
        transports: [new JsonRpcTransportFactory({ fetchImpl })],
      }),
    );
    const calls = agent.calls.length;
    const refused = await (await factory.createFromUrl(proxy.url)).sendMessage(message('x')).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(Error);
    expect(aipCode(refused)).toBe('aip_audience_mismatch');
    expect(proxy.audit.at(-1)).toMatchObject({ decision: 'deny', code: 'aip_audience_mismatch', status: 401 });
    // The chain the orchestrator holds itself is not delegated to the agent either.
    const own = createAipFetch({ token: o.grant, holder: o.me, audience: agentKey.did });
    const res = await own(`${proxy.url}${A2A_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'A2A-Version': '1.0' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendMessage', params: message('x') }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^AIP /);
    expect(aipCode({ data: ((await res.json()) as { error: { data: unknown } }).error.data })).toBe(
      'aip_audience_mismatch',
    );
    expect(agent.calls.length).toBe(calls);
  });

  it('refuses what the slice does not allow as an A2A error the SDK clients can read, in both spellings', async () => {
    const o = orchestrator();
    const onlyMessages = o.chainTo(agentKey.did, ['a2a:message']);
    const sdk = await client(o.me, onlyMessages);
    const task = (await sdk.sendMessage(message('mine'))) as Task;
    const refused = await sdk.cancelTask(cancelRequest(task.id)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(Error);
    expect(aipCode(refused)).toBe('aip_scope_insufficient');
    expect((refused as Error).message).toContain('a2a:task.cancel');
    const legacy = await legacyClient(createA2aFetch({ token: onlyMessages, holder: o.me, agent: card }));
    const legacyRefused = await legacy.getTask({ id: task.id }).catch((e: unknown) => e);
    expect(aipCode(legacyRefused)).toBe('aip_scope_insufficient');
    expect(proxy.audit.at(-1)).toMatchObject({
      decision: 'deny',
      code: 'aip_scope_insufficient',
      method: 'tasks/get',
      status: 403,
    });
  });

  it('binds a task to the caller that created it: another caller gets "task not found", as for an unknown task', async () => {
    const alice = orchestrator();
    const bob = orchestrator();
    const aliceClient = await client(alice.me, alice.chainTo(agentKey.did, ['a2a:*']));
    const bobClient = await client(bob.me, bob.chainTo(agentKey.did, ['a2a:*']));
    const task = (await aliceClient.sendMessage(message('secret plans'))) as Task;
    expect(replyOf(await aliceClient.getTask(getRequest(task.id)))).toBe('echo: secret plans');

    const unknown = await bobClient.getTask(getRequest(crypto.randomUUID())).catch((e: unknown) => e);
    const theirs = await bobClient.getTask(getRequest(task.id)).catch((e: unknown) => e);
    expect((theirs as Error).name).toBe('TaskNotFoundError');
    expect([(theirs as Error).name, (theirs as Error).message]).toEqual([
      (unknown as Error).name,
      (unknown as Error).message,
    ]);
    expect(
      await bobClient
        .cancelTask({ id: task.id, tenant: '', metadata: undefined })
        .catch((e: unknown) => (e as Error).name),
    ).toBe('TaskNotFoundError');
    // Continuing Alice's task, or showing it to the agent, is refused the same way.
    const continued = await bobClient
      .sendMessage(message('me too', { taskId: task.id }))
      .catch((e: unknown) => (e as Error).name);
    expect(continued).toBe('TaskNotFoundError');
    const referenced = await bobClient
      .sendMessage(message('summarize', { referenceTaskIds: [task.id] }))
      .catch((e: unknown) => (e as Error).name);
    expect(referenced).toBe('TaskNotFoundError');
    // Her context is hers too.
    const joined = await bobClient
      .sendMessage(message('hello', { contextId: task.contextId }))
      .catch((e: unknown) => e);
    expect((joined as Error).message).toContain('unknown context');

    // The 0.3 spelling, from a 0.3 client: its own TaskNotFoundError.
    const legacyBob = await legacyClient(
      createA2aFetch({ token: bob.chainTo(agentKey.did, ['a2a:*']), holder: bob.me, agent: card }),
    );
    expect(await legacyBob.getTask({ id: task.id }).catch((e: unknown) => e)).toBeInstanceOf(LegacyTaskNotFoundError);

    // Listing shows each caller its own tasks only.
    const bobTask = (await bobClient.sendMessage(message('bob'))) as Task;
    const listed = await bobClient.listTasks(ListTasksRequest.fromJSON({}));
    expect(listed.tasks.map((t) => t.id)).toEqual([bobTask.id]);
    expect(listed.totalSize).toBe(1);
  });

  it('streams events as the agent sends them (message/stream, SendStreamingMessage), binding the task on the way', async () => {
    const o = orchestrator();
    const sdk = await client(o.me, o.chainTo(agentKey.did, ['a2a:message', 'a2a:task.get']));
    const events: StreamResponse[] = [];
    for await (const event of sdk.sendMessageStream(message('wait'))) {
      events.push(event);
      // The agent holds the task open until the first event has reached the client: a proxy that
      // buffered the stream would never deliver it, and this loop would never end.
      if (events.length === 1) agent.release();
    }
    expect(events.map((e) => e.payload?.$case)).toEqual(['task', 'statusUpdate']);
    const first = events[0]?.payload;
    const taskId = first?.$case === 'task' ? first.value.id : '';
    expect(replyOf(await sdk.getTask(getRequest(taskId)))).toBe('echo: wait');
    expect(proxy.audit.findLast((r) => r.method === 'SendStreamingMessage')).toMatchObject({ decision: 'allow' });

    const legacy = await legacyClient(
      createA2aFetch({ token: o.chainTo(agentKey.did, ['a2a:message']), holder: o.me, agent: card }),
    );
    const kinds: string[] = [];
    for await (const event of legacy.sendMessageStream(legacyMessage('wait'))) {
      kinds.push(event.kind);
      if (kinds.length === 1) agent.release();
    }
    expect(kinds).toEqual(['task', 'status-update']);
    expect(proxy.audit.findLast((r) => r.method === 'message/stream')).toMatchObject({ decision: 'allow' });
  });

  it("lets the creator, and only the creator, subscribe again to a task's events", async () => {
    const alice = orchestrator();
    const bob = orchestrator();
    const aliceClient = await client(alice.me, alice.chainTo(agentKey.did, ['a2a:*']));
    const bobClient = await client(bob.me, bob.chainTo(agentKey.did, ['a2a:*']));
    const stream = aliceClient.sendMessageStream(message('wait'));
    const first = (await stream.next()).value?.payload;
    const taskId = first?.$case === 'task' ? first.value.id : '';
    const subscribe = SubscribeToTaskRequest.fromJSON({ id: taskId });
    const refused = await bobClient
      .resubscribeTask(subscribe)
      .next()
      .catch((e: unknown) => e);
    expect((refused as Error).name).toBe('TaskNotFoundError');
    const again = aliceClient.resubscribeTask(subscribe);
    expect((await again.next()).value?.payload?.$case).toBe('task');
    agent.release();
    const rest: string[] = [];
    for await (const event of again) rest.push(event.payload?.$case ?? '');
    for await (const _ of stream);
    expect(rest).toEqual(['statusUpdate']);
    expect(proxy.audit.filter((r) => r.method === 'SubscribeToTask').map((r) => r.decision)).toEqual(['deny', 'allow']);
  });

  it("charges every message to the chain's budgets, and refuses one past them", async () => {
    const o = orchestrator(['a2a:*'], 5);
    // $0.10 a message; the slice handed to the agent has $0.15.
    const sdk = await client(o.me, o.chainTo(agentKey.did, ['a2a:message'], 0.15));
    await sdk.sendMessage(message('one'));
    const refused = await sdk.sendMessage(message('two')).catch((e: unknown) => e);
    expect(aipCode(refused)).toBe('aip_budget_exceeded');
    expect(proxy.audit.at(-1)).toMatchObject({ decision: 'deny', code: 'aip_budget_exceeded', status: 403 });
  });

  it('needs a2a:push.set for a message that asks the agent to call a URL', async () => {
    const o = orchestrator();
    const sdk = await client(o.me, o.chainTo(agentKey.did, ['a2a:message']));
    const refused = await sdk
      .sendMessage({
        ...message('call me back'),
        configuration: {
          acceptedOutputModes: [],
          taskPushNotificationConfig: {
            url: 'http://127.0.0.1:9/hook',
            id: '',
            taskId: '',
            token: '',
            tenant: '',
            authentication: undefined,
          },
          returnImmediately: false,
        },
      } as never)
      .catch((e: unknown) => e);
    expect(aipCode(refused)).toBe('aip_scope_insufficient');
    expect((refused as Error).message).toContain('a2a:push.set');
  });

  it('authorizes exactly what the agent will read: what two readers could read differently never reaches it', async () => {
    const alice = orchestrator();
    const aliceClient = await client(alice.me, alice.chainTo(agentKey.did, ['a2a:*']));
    const task = (await aliceClient.sendMessage(message('mine'))) as Task;
    const mallory = orchestrator();
    const chain = mallory.chainTo(agentKey.did, ['a2a:*']);
    const own = (await (await client(mallory.me, chain)).sendMessage(message('decoy'))) as Task;
    const post = createA2aFetch({ token: chain, holder: mallory.me, agent: card });
    const send = (body: unknown, method = 'POST') =>
      post(`${proxy.url}${A2A_PATH}`, {
        method,
        headers: { 'content-type': 'application/json', 'A2A-Version': '1.0' },
        ...(method === 'POST' ? { body: JSON.stringify(body) } : {}),
      });
    const calls = agent.calls.length;
    const sendTo = (fields: Record<string, unknown>) => ({
      jsonrpc: '2.0',
      id: 1,
      method: 'SendMessage',
      params: { message: { messageId: 'm', role: 'ROLE_USER', parts: [{ text: 'x' }], ...fields } },
    });
    for (const body of [
      // The SDK reads taskId first, a protobuf parser may read task_id: both spellings are refused.
      sendTo({ taskId: own.id, task_id: task.id }),
      sendTo({ TaskId: task.id }),
      sendTo({ taskId: 42 }),
      // A batch: A2A agents answer one request per call.
      [sendTo({}), { ...sendTo({}), id: 2 }],
    ]) {
      const res = await send(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(((await res.json()) as { error: { code: number } }).error.code).toBeLessThan(-32000);
    }
    expect((await send(undefined, 'GET')).status).toBe(405);
    expect(agent.calls.length).toBe(calls);
    expect(proxy.audit.slice(-5).every((r) => r.decision === 'deny')).toBe(true);
  });

  it('wants the proof of whoever delegated the chain: the chain alone, or signed by the agent, is refused', async () => {
    const o = orchestrator();
    const chain = o.chainTo(agentKey.did, ['a2a:message']);
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendMessage', params: message('x') });
    const headers = { 'content-type': 'application/json', 'A2A-Version': '1.0', 'X-AIP-Token': chain };
    const bare = await fetch(`${proxy.url}${A2A_PATH}`, { method: 'POST', headers, body });
    expect(bare.status).toBe(401);
    expect(aipCode({ data: ((await bare.json()) as { error: { data: unknown } }).error.data })).toBe(
      'aip_proof_invalid',
    );
    // The agent holds the chain, but the request is not its to make.
    const byAgent = createAipFetch({ token: chain, holder: agentKey, audience: agentKey.did });
    const res = await byAgent(`${proxy.url}${A2A_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(res.status).toBe(401);
  });
});
