import { describe, expect, it } from 'vitest';
import type { RequestContext } from '../../src/pipeline/context.js';
import { bodyStage } from '../../src/pipeline/stages/body.js';
import type { Principal } from '../../src/principal.js';
import { parseTarget } from '../../src/request/target.js';
import { fakeContext, fakeWorld } from '../helpers/fake-context.js';

const principals = new WeakMap<object, Principal>();

// Every request of a world comes from the same principal (one grant).
function prepared(world: ReturnType<typeof fakeWorld>, request: Parameters<typeof fakeContext>[0]): RequestContext {
  const ctx = fakeContext(request);
  const target = parseTarget(request?.url ?? '/mcp');
  if (target.ok) ctx.target = target.target;
  let principal = principals.get(world);
  if (principal === undefined) {
    principal = world.principal(['*']);
    principals.set(world, principal);
  }
  ctx.principal = principal;
  return ctx;
}

describe('stage body', () => {
  it('reads and parses a JSON-RPC body once, holding a slot of the grant until the exchange ends', async () => {
    const world = fakeWorld();
    const ctx = prepared(world, { body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }) });
    expect(await bodyStage(world.services).run(ctx)).toBeUndefined();
    expect(ctx.parsed).toMatchObject({ kind: 'jsonrpc', batch: false });
    expect(world.services.admission.inFlight()).toEqual({ requests: 1, streams: 0 });
    for (const cleanup of ctx.cleanups) cleanup();
    expect(world.services.admission.inFlight()).toEqual({ requests: 0, streams: 0 });
  });

  it("refuses a grant's request beyond its in-flight slots before reading anything", async () => {
    const world = fakeWorld({ rate_limit: { max_concurrent: 1 } });
    const stage = bodyStage(world.services);
    expect(await stage.run(prepared(world, { method: 'GET', url: '/mcp' }))).toBeUndefined();
    expect(await stage.run(prepared(world, { body: '{}' }))).toMatchObject({ code: 'aip_rate_limited' });
    expect(world.services.admission.inFlight()).toEqual({ requests: 1, streams: 0 });
  });

  it('refuses oversized, nested, ambiguous and GET bodies', async () => {
    const world = fakeWorld({ proxy: { max_body_bytes: 2048, max_json_depth: 8 } });
    const stage = bodyStage(world.services);
    expect(await stage.run(prepared(world, { body: 'x'.repeat(4096) }))).toMatchObject({
      code: 'aip_request_too_large',
    });
    expect(await stage.run(prepared(world, { body: `${'['.repeat(9)}${']'.repeat(9)}` }))).toMatchObject({
      code: 'aip_request_invalid',
    });
    expect(
      await stage.run(prepared(world, { body: '{"jsonrpc":"2.0","id":1,"method":"ping","method":"tools/call"}' })),
    ).toMatchObject({ rpc: { code: -32600 } });
    expect(await stage.run(prepared(world, { method: 'GET', body: '{}' }))).toMatchObject({
      code: 'aip_request_invalid',
    });
  });
});
