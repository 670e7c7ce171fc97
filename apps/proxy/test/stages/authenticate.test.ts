import { generateIdentity } from '@aip/identity';
import { issueToken } from '@aip/token';
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
});
