import { signRequest } from '@aip/token';
import { describe, expect, it } from 'vitest';
import { proofStage } from '../../src/pipeline/stages/proof.js';
import { fakeContext, fakeWorld } from '../helpers/fake-context.js';

describe('stage proof', () => {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });

  function signed(world: ReturnType<typeof fakeWorld>, overrides: { path?: string; body?: string } = {}) {
    const token = world.token(['*']);
    const proof = signRequest(world.agent, {
      token,
      method: 'POST',
      path: overrides.path ?? '/mcp',
      body: overrides.body ?? body,
      audience: 'https://mcp.example.com',
      now: Math.floor(world.clock.nowMs() / 1000),
    });
    const ctx = fakeContext({ url: '/mcp', headers: { 'x-aip-proof': proof }, body });
    ctx.credential = { kind: 'aip', token };
    ctx.principal = world.principal(['*']);
    ctx.body = Buffer.from(body);
    return ctx;
  }

  it('checks a proof bound to this request without claiming it', async () => {
    const world = fakeWorld({ pop: { required: true } });
    const ctx = signed(world);
    expect(proofStage(world.services).run(ctx)).toBeUndefined();
    expect(ctx.proof?.replayKey).toMatch(/\./);
    // Not claimed: the same proof checks again (the meter stage claims it once admitted).
    expect(proofStage(world.services).run(signed(world))).toBeUndefined();
  });

  it('refuses a proof bound to another path or body, and a missing one when required', () => {
    const world = fakeWorld({ pop: { required: true } });
    const stage = proofStage(world.services);
    expect(stage.run(signed(world, { path: '/mcp/tools/delete' }))).toMatchObject({ code: 'aip_proof_invalid' });
    expect(stage.run(signed(world, { body: '{}' }))).toMatchObject({ code: 'aip_proof_invalid' });
    const bare = fakeContext({ body });
    bare.credential = { kind: 'aip', token: world.token(['*']) };
    bare.principal = world.principal(['*']);
    expect(stage.run(bare)).toMatchObject({ code: 'aip_proof_invalid', message: expect.stringContaining('required') });
  });

  it('checks a proof that is sent even when none is required, and a stale one on the injected clock', () => {
    const world = fakeWorld();
    const ctx = signed(world);
    world.clock.advance(61_000);
    expect(proofStage(world.services).run(ctx)).toMatchObject({
      code: 'aip_proof_invalid',
      message: 'proof is too old',
    });
  });

  it("on the A2A agent's endpoint, wants the delegator's signature and the agent's did:key as audience", () => {
    const world = fakeWorld({ pop: { required: true } });
    const stage = proofStage(world.services);
    const request = (audience: string) => {
      const token = world.token(['*']);
      const proof = signRequest(world.agent, {
        token,
        method: 'POST',
        path: '/a2a',
        body,
        audience,
        now: Math.floor(world.clock.nowMs() / 1000),
      });
      const ctx = fakeContext({ url: '/a2a', headers: { 'x-aip-proof': proof }, body });
      ctx.agent = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
      ctx.credential = { kind: 'aip', token };
      // The caller (here the token's holder signs, standing in for the delegator the A2A principal names).
      ctx.principal = world.principal(['*']);
      ctx.body = Buffer.from(body);
      return ctx;
    };
    expect(stage.run(request('did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK'))).toBeUndefined();
    expect(stage.run(request('https://mcp.example.com'))).toMatchObject({
      code: 'aip_proof_invalid',
      message: expect.stringContaining('another resource'),
    });
  });
});
