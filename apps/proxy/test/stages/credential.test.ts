import { describe, expect, it } from 'vitest';
import { credentialStage } from '../../src/pipeline/stages/credential.js';
import { fakeContext, fakeWorld } from '../helpers/fake-context.js';

describe('stage credential', () => {
  it('takes the token from X-AIP-Token, Authorization: AIP or Authorization: Bearer', () => {
    const stage = credentialStage(fakeWorld().services);
    for (const [headers, expected] of [
      [{ 'x-aip-token': ' t1 ' }, { kind: 'aip', token: 't1' }],
      [{ authorization: 'AIP t2' }, { kind: 'aip', token: 't2' }],
      [{ authorization: 'Bearer t3' }, { kind: 'bearer', token: 't3' }],
      [
        { 'x-aip-token': 't4', authorization: 'Bearer upstream-own' },
        { kind: 'aip', token: 't4' },
      ],
    ] as const) {
      const ctx = fakeContext({ headers });
      expect(stage.run(ctx)).toBeUndefined();
      expect(ctx.credential).toEqual(expected);
    }
  });

  it('takes an AIP token sent as Authorization: Bearer as an AIP token, an OAuth JWT as bearer', () => {
    const world = fakeWorld();
    const stage = credentialStage(world.services);
    const token = world.token(['tool:search']);
    const other = world.token(['tool:delete']);
    const jwt = `${Buffer.from('{"alg":"RS256","typ":"at+jwt"}').toString('base64url')}.e30.c2ln`;
    for (const [headers, expected] of [
      [{ authorization: `Bearer ${token}` }, { kind: 'aip', token }],
      [
        { authorization: `bearer ${token}`, 'x-aip-token': token },
        { kind: 'aip', token },
      ],
      [{ authorization: `Bearer ${jwt}` }, { kind: 'bearer', token: jwt }],
    ] as const) {
      const ctx = fakeContext({ headers });
      expect(stage.run(ctx)).toBeUndefined();
      expect(ctx.credential).toEqual(expected);
    }
    // The same rules as X-AIP-Token: two different AIP tokens are one too many.
    expect(
      stage.run(fakeContext({ headers: { authorization: `Bearer ${other}`, 'x-aip-token': token } })),
    ).toMatchObject({ code: 'aip_token_malformed' });
  });

  it('refuses a missing credential with 401 and two different AIP tokens as malformed', () => {
    const stage = credentialStage(fakeWorld().services);
    expect(stage.run(fakeContext())).toMatchObject({ code: 'aip_token_missing' });
    expect(stage.run(fakeContext({ headers: { 'x-aip-token': 'a', authorization: 'AIP b' } }))).toMatchObject({
      code: 'aip_token_malformed',
    });
  });

  it('limits requests without a credential per client address, before looking at anything', () => {
    const world = fakeWorld({ rate_limit: { unauthenticated_per_minute: 3 } });
    const stage = credentialStage(world.services);
    for (let i = 0; i < 3; i++) expect(stage.run(fakeContext())).toMatchObject({ code: 'aip_token_missing' });
    expect(stage.run(fakeContext({ headers: { 'x-aip-token': 'valid-looking' } }))).toMatchObject({
      code: 'aip_rate_limited',
    });
    // Another address is not affected; the first recovers as its bucket refills.
    expect(stage.run(fakeContext({ remoteAddress: '10.0.0.2' }))).toMatchObject({ code: 'aip_token_missing' });
    world.clock.advance(21_000);
    expect(stage.run(fakeContext({ headers: { 'x-aip-token': 'x' } }))).toBeUndefined();
  });
});
