import { generateIdentity } from '@aip/identity';
import { delegate, issueToken } from '@aip/token';
import { describe, expect, it } from 'vitest';
import { authenticateStage } from '../../src/pipeline/stages/authenticate.js';
import { fakeContext, fakeWorld } from '../helpers/fake-context.js';

describe('stage authenticate', () => {
  it('verifies an AIP token into the principal, its grant the root token', async () => {
    const world = fakeWorld();
    const ctx = fakeContext();
    ctx.credential = { kind: 'aip', token: world.token(['tool:search']) };
    expect(await authenticateStage(world.services).run(ctx)).toBeUndefined();
    expect(ctx.principal).toMatchObject({
      kind: 'aip',
      issuer: world.operator.did,
      subject: world.agent.did,
      scope: ['tool:search'],
      grant: ctx.principal?.chain[0]?.id,
    });
  });

  it('refuses with the token layer code, on the injected clock, and counts the failure against the address', async () => {
    const world = fakeWorld({ rate_limit: { unauthenticated_per_minute: 2 } });
    const stage = authenticateStage(world.services);
    const token = world.token(['tool:search'], { ttl: 60 });
    world.clock.advance(61_000);
    const expired = fakeContext();
    expired.credential = { kind: 'aip', token };
    expect(await stage.run(expired)).toMatchObject({ code: 'aip_token_expired' });
    const stranger = fakeContext();
    stranger.credential = {
      kind: 'aip',
      token: issueToken(generateIdentity(), { sub: world.agent.did, scope: ['*'] }),
    };
    expect(await stage.run(stranger)).toMatchObject({ code: 'aip_issuer_untrusted' });
    expect(world.services.limiter.admitsAnonymous('127.0.0.1', world.clock.nowMs())).toBe(false);
  });

  it('refuses bearer tokens outside OAuth mode', async () => {
    const world = fakeWorld();
    const ctx = fakeContext();
    ctx.credential = { kind: 'bearer', token: 'eyJ.x.y' };
    expect(await authenticateStage(world.services).run(ctx)).toMatchObject({ code: 'aip_token_missing' });
  });

  describe('on the A2A agent endpoint', () => {
    function a2aWorld() {
      const agent = generateIdentity();
      const world = fakeWorld({ a2a: { agent_did: agent.did, paths: ['/a2a'] } });
      const orchestrator = generateIdentity();
      const now = Math.floor(world.clock.nowMs() / 1000);
      const grant = issueToken(world.operator, { sub: orchestrator.did, scope: ['a2a:*'], maxDepth: 1, now });
      return { world, agent, orchestrator, grant, now };
    }

    it("takes a chain delegated to the agent; the caller is whoever delegated it, with the agent's slice", async () => {
      const { world, agent, orchestrator, grant, now } = a2aWorld();
      const ctx = fakeContext({ url: '/a2a' });
      ctx.agent = agent.did;
      ctx.credential = {
        kind: 'aip',
        token: delegate(grant, orchestrator, { to: agent.did, scope: ['a2a:message'], context: 'research', now }),
      };
      expect(await authenticateStage(world.services).run(ctx)).toBeUndefined();
      expect(ctx.principal).toMatchObject({
        issuer: world.operator.did,
        subject: orchestrator.did,
        scope: ['a2a:message'],
        grant: ctx.principal?.chain[0]?.id,
      });
      expect(ctx.principal?.subjectKey).toEqual(orchestrator.publicKey);
    });

    it('refuses a chain delegated to another agent, or one the caller holds itself (401 audience)', async () => {
      const { world, agent, orchestrator, grant, now } = a2aWorld();
      const stage = authenticateStage(world.services);
      for (const token of [
        delegate(grant, orchestrator, { to: generateIdentity().did, scope: ['a2a:message'], context: 'x', now }),
        grant,
      ]) {
        const ctx = fakeContext({ url: '/a2a' });
        ctx.agent = agent.did;
        ctx.credential = { kind: 'aip', token };
        expect(await stage.run(ctx)).toMatchObject({
          code: 'aip_audience_mismatch',
          message: expect.stringContaining(agent.did),
        });
      }
    });

    it("holds a token's aud to the agent's did:key", async () => {
      const { world, agent, now } = a2aWorld();
      const stage = authenticateStage(world.services);
      const forAgent = fakeContext({ url: '/a2a' });
      forAgent.agent = agent.did;
      forAgent.credential = {
        kind: 'aip',
        token: issueToken(world.operator, { sub: agent.did, scope: ['a2a:*'], aud: agent.did, now }),
      };
      expect(await stage.run(forAgent)).toBeUndefined();
      expect(forAgent.principal?.subject).toBe(world.operator.did);
      const forProxy = fakeContext({ url: '/a2a' });
      forProxy.agent = agent.did;
      forProxy.credential = {
        kind: 'aip',
        token: issueToken(world.operator, { sub: agent.did, scope: ['a2a:*'], aud: 'https://mcp.example.com', now }),
      };
      expect(await stage.run(forProxy)).toMatchObject({ code: 'aip_audience_mismatch' });
    });
  });
});
