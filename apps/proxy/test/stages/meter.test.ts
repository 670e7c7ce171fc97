import { describe, expect, it } from 'vitest';
import type { RequestContext } from '../../src/pipeline/context.js';
import { meterStage } from '../../src/pipeline/stages/meter.js';
import type { Principal } from '../../src/principal.js';
import { openBudgetLedger } from '../../src/state/budget-ledger.js';
import { fakeContext, fakeWorld } from '../helpers/fake-context.js';

const principals = new Map<object, Principal>();

// Every request of a world comes from the same principal (one grant).
function admitted(world: ReturnType<typeof fakeWorld>, scope: string[], tools: string[], id = 'req-1'): RequestContext {
  const ctx = { ...fakeContext(), id } as RequestContext;
  let principal = principals.get(world);
  if (principal === undefined) {
    principal = world.principal(scope);
    principals.set(world, principal);
  }
  ctx.principal = principal;
  ctx.plan = {
    protocol: 'mcp',
    operations: tools.map((name) => ({ kind: 'scoped' as const, method: 'tools/call', scope: `tool:${name}`, name })),
    method: 'tools/call',
    names: tools,
    taskIds: [],
    contextIds: [],
    lists: false,
    createsTask: false,
    card: false,
    stream: false,
    body: undefined,
  };
  return ctx;
}

describe('stage meter', () => {
  it('claims a proof once: a replay is refused before it costs anything else', async () => {
    const world = fakeWorld({ rate_limit: { principal_per_minute: 10 } });
    const stage = meterStage(world.services);
    const proof = {
      claims: {} as never,
      replayKey: 'holder.jti-1',
      replayUntil: Math.floor(world.clock.nowMs() / 1000) + 60,
    };
    const first = admitted(world, ['tool:search'], ['search']);
    first.proof = proof;
    expect(await stage.run(first)).toBeUndefined();
    const again = admitted(world, ['tool:search'], ['search']);
    again.proof = proof;
    expect(await stage.run(again)).toMatchObject({ code: 'aip_proof_invalid', message: 'proof was already used' });
  });

  it('takes every rate bucket at once or none, with Retry-After', async () => {
    const world = fakeWorld({ rate_limit: { principal_per_minute: 3, tool_per_minute: { 'tool:slow': 1 } } });
    const stage = meterStage(world.services);
    expect(await stage.run(admitted(world, ['*'], ['slow']))).toBeUndefined();
    expect(await stage.run(admitted(world, ['*'], ['slow']))).toMatchObject({
      code: 'aip_rate_limited',
      headers: { 'retry-after': '60' },
    });
    // The refused call took nothing from the principal's bucket: two more fit.
    expect(await stage.run(admitted(world, ['*'], ['search']))).toBeUndefined();
    expect(await stage.run(admitted(world, ['*'], ['search']))).toBeUndefined();
    expect(await stage.run(admitted(world, ['*'], ['search']))).toMatchObject({ code: 'aip_rate_limited' });
  });

  it('with a proof and limits both, claims and takes in one call: a replay takes nothing, a limited proof is spent', async () => {
    const world = fakeWorld({ rate_limit: { principal_per_minute: 2 } });
    const calls: string[] = [];
    const meter = world.services.meter;
    const stage = meterStage({
      ...world.services,
      meter: {
        claimAndTake(claim, needs, nowMs) {
          calls.push(`${claim.key} ${needs.map((n) => `${n.key.split(' ')[0]}:${n.need}`).join(',')}`);
          return meter.claimAndTake(claim, needs, nowMs);
        },
      },
    });
    const until = Math.floor(world.clock.nowMs() / 1000) + 60;
    const signed = (jti: string) => {
      const ctx = admitted(world, ['tool:search'], ['search']);
      ctx.proof = { claims: {} as never, replayKey: jti, replayUntil: until };
      return ctx;
    };
    expect(await stage.run(signed('j1'))).toBeUndefined();
    expect(await stage.run(signed('j1'))).toMatchObject({
      code: 'aip_proof_invalid',
      message: 'proof was already used',
    });
    expect(await stage.run(signed('j2'))).toBeUndefined();
    expect(await stage.run(signed('j3'))).toMatchObject({ code: 'aip_rate_limited' });
    // j3 was claimed although the limit refused it: it cannot be sent again once the bucket refills.
    world.clock.advance(30_000);
    expect(await stage.run(signed('j3'))).toMatchObject({ code: 'aip_proof_invalid' });
    expect(await stage.run(signed('j4'))).toBeUndefined();
    expect(calls).toEqual(['j1 g:1', 'j1 g:1', 'j2 g:1', 'j3 g:1', 'j3 g:1', 'j4 g:1']);
  });

  it('charges a pending charge to every link, refusing past a ceiling', async () => {
    const world = fakeWorld({ budget: { ledger: ':memory:', costs: { 'tool:*': 0.4 } } });
    const ledger = openBudgetLedger(':memory:');
    world.services.ledger = ledger;
    const stage = meterStage(world.services);
    const ctx = admitted(world, ['*'], ['search'], 'r-1');
    // The fake world's token has no budget: give the root a ceiling of $0.5 through the chain.
    const principal = ctx.principal as NonNullable<typeof ctx.principal>;
    const [root, ...links] = principal.chain;
    ctx.principal = { ...principal, chain: [{ ...(root as NonNullable<typeof root>), budget_usd: 0.5 }, ...links] };
    expect(await stage.run(ctx)).toBeUndefined();
    expect(ctx.charged).toBe(true);
    expect((await ledger.charges('pending'))[0]).toMatchObject({ request_id: 'r-1', cost_usd: 0.4 });
    const second = admitted(world, ['*'], ['search'], 'r-2');
    if (ctx.principal !== undefined) second.principal = ctx.principal;
    expect(await stage.run(second)).toMatchObject({ code: 'aip_budget_exceeded' });
    await ledger.close();
  });
});

describe('stage meter, streams', () => {
  it('takes a stream slot for a long-lived stream, beyond the request slot', async () => {
    const world = fakeWorld({ rate_limit: { max_streams: 1 } });
    const stage = meterStage(world.services);
    const stream = () => {
      const ctx = admitted(world, ['*'], []);
      ctx.plan = { ...(ctx.plan as NonNullable<RequestContext['plan']>), stream: true, method: 'subscriptions/listen' };
      return ctx;
    };
    const first = stream();
    expect(await stage.run(first)).toBeUndefined();
    expect(await stage.run(stream())).toMatchObject({
      code: 'aip_rate_limited',
      message: 'too many open streams for this principal',
    });
    for (const cleanup of first.cleanups) cleanup();
    expect(await stage.run(stream())).toBeUndefined();
  });
});
