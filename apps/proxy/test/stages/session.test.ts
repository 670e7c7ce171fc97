import { describe, expect, it } from 'vitest';
import { sessionStage } from '../../src/pipeline/stages/session.js';
import { principalKey } from '../../src/principal.js';
import { parseTarget } from '../../src/request/target.js';
import type { SessionSeal } from '../../src/state/session-seal.js';
import { fakeContext, fakeWorld } from '../helpers/fake-context.js';

describe('stage session', () => {
  const world = fakeWorld();
  const me = world.principal(['*']);
  const now = Math.floor(world.clock.nowMs() / 1000);
  const seal = world.services.seal as SessionSeal;
  const mine = seal.seal('session', 'upstream-1', principalKey(me, false), now);

  function ctxFor(url: string, headers: Record<string, string> = {}, principal = me) {
    const ctx = fakeContext({ url, headers });
    const target = parseTarget(url);
    if (target.ok) ctx.target = target.target;
    ctx.principal = principal;
    ctx.binding = principalKey(principal, false);
    return ctx;
  }

  it("opens the principal's sealed id from the header or any legacy query spelling", () => {
    const stage = sessionStage(world.services);
    for (const ctx of [
      ctxFor('/mcp', { 'mcp-session-id': mine }),
      ctxFor(`/message?sessionId=${mine}`),
      ctxFor(`/messages/?session_id=${mine}`),
      ctxFor(`/message?SessionID=${mine}`),
    ]) {
      expect(stage.run(ctx)).toBeUndefined();
      expect(ctx.session?.upstreamId).toBe('upstream-1');
    }
  });

  it('refuses a request that names its session twice, whatever the channels', () => {
    const stage = sessionStage(world.services);
    expect(stage.run(ctxFor(`/message?sessionId=${mine}`, { 'mcp-session-id': mine }))).toMatchObject({
      code: 'aip_request_invalid',
    });
    expect(stage.run(ctxFor(`/message?sessionId=${mine}&session_id=${mine}`))).toMatchObject({
      code: 'aip_request_invalid',
    });
  });

  it('refuses another principal (403), and ids it cannot vouch for (404): raw, forged or expired', () => {
    const stage = sessionStage(world.services);
    const other = world.principal(['*']); // another credential of the same agent: unproven, another binding
    expect(stage.run(ctxFor('/mcp', { 'mcp-session-id': mine }, other))).toMatchObject({
      code: 'aip_session_forbidden',
    });
    expect(stage.run(ctxFor('/mcp', { 'mcp-session-id': 'upstream-1' }))).toMatchObject({
      code: 'aip_session_unknown',
    });
    expect(stage.run(ctxFor('/mcp', { 'mcp-session-id': `${mine.slice(0, -2)}AA` }))).toMatchObject({
      code: 'aip_session_unknown',
    });
    const old = seal.seal('session', 'upstream-0', principalKey(me, false), now - 86_401);
    expect(stage.run(ctxFor('/mcp', { 'mcp-session-id': old }))).toMatchObject({ code: 'aip_session_unknown' });
  });

  it('opens a sealed Last-Event-ID; a session id does not pass for an event id', () => {
    const stage = sessionStage(world.services);
    const event = seal.seal('event', 'stream-1_7', principalKey(me, false), now);
    const ctx = ctxFor('/mcp', { 'mcp-session-id': mine, 'last-event-id': event });
    expect(stage.run(ctx)).toBeUndefined();
    expect(ctx.lastEventId).toBe('stream-1_7');
    expect(stage.run(ctxFor('/mcp', { 'mcp-session-id': mine, 'last-event-id': mine }))).toMatchObject({
      code: 'aip_session_unknown',
    });
  });
});
