// Stage 4, body: the principal takes one of its in-flight slots, and must have room left in its
// rate buckets, before any of its work is done; then the
// body is read (capped), decoded to the one text every upstream reads alike and parsed once into
// JSON-RPC, nesting bounded before parsing.
import type { IncomingMessage } from 'node:http';
import type { Principal } from '../../principal.js';
import { isRefusal, refusal } from '../../refusal.js';
import { parseBody } from '../../request/json-rpc-body.js';
import { BodyTooLarge, readBody } from '../../request/read-body.js';
import type { RequestContext } from '../context.js';
import type { ProxyServices } from '../services.js';
import type { Stage, StageResult } from '../stage.js';

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

export function bodyStage(s: Pick<ProxyServices, 'clock' | 'config' | 'admission' | 'limiter'>): Stage {
  // The body itself, once the principal was admitted: capped, paid for, read and parsed.
  async function read(ctx: RequestContext, principal: Principal, now: number, declared: number): Promise<StageResult> {
    const config = s.config();
    // A body of unknown length (chunked) may be as long as the grant may still send.
    const allowance = Number.isInteger(declared)
      ? config.proxy.max_body_bytes
      : Math.min(config.proxy.max_body_bytes, s.limiter.bytesAvailable(principal, now));
    try {
      ctx.body = await readBody(ctx.req, allowance);
    } catch (err) {
      if (!(err instanceof BodyTooLarge)) throw err;
      if (allowance < config.proxy.max_body_bytes)
        return refusal('aip_rate_limited', 'rate limit reached (body bytes)', { 'retry-after': '60' });
      return refusal('aip_request_too_large', `request bodies are limited to ${config.proxy.max_body_bytes} bytes`);
    }
    if (!Number.isInteger(declared)) s.limiter.takeBytes(principal, ctx.body.length, now);
    ctx.bodyRead = true;
    const parsed = parseBody(ctx.req.headers, ctx.body, config.proxy.max_json_depth);
    if (isRefusal(parsed)) return parsed;
    ctx.parsed = parsed;
    return undefined;
  }

  // What is decided before a byte of the body is read.
  function admit(ctx: RequestContext, principal: Principal, now: number): StageResult | Promise<StageResult> {
    const config = s.config();
    const method = ctx.req.method ?? 'GET';
    if (!hasBody(ctx.req)) {
      ctx.parsed = { kind: 'empty' };
      return undefined;
    }
    if (method === 'GET' || method === 'HEAD')
      return refusal('aip_request_invalid', `a ${method} request cannot carry a body`);
    const declared = Number(ctx.req.headers['content-length']);
    if (Number.isInteger(declared) && declared > config.proxy.max_body_bytes)
      return refusal('aip_request_too_large', `request bodies are limited to ${config.proxy.max_body_bytes} bytes`);
    // The bytes are paid for before they are read (a chunked body pays as it turns out).
    if (Number.isInteger(declared)) {
      const bytes = s.limiter.takeBytes(principal, declared, now);
      if (!bytes.ok)
        return refusal('aip_rate_limited', `rate limit reached (${bytes.reason})`, {
          'retry-after': String(bytes.retryAfterSeconds),
        });
    }
    return read(ctx, principal, now, declared);
  }

  return {
    name: 'body',
    run(ctx) {
      const principal = ctx.principal;
      if (ctx.target === undefined || principal === undefined)
        return refusal('aip_internal', 'body read before authentication');
      const release = s.admission.enter(principal.grant);
      if (typeof release === 'string') return refusal('aip_rate_limited', release, { 'retry-after': '1' });
      ctx.cleanups.push(release);
      const now = s.clock.nowMs();
      const limits = s.config().rate_limit;
      if (limits.principal_per_minute === undefined && limits.issuer_per_minute === undefined)
        return admit(ctx, principal, now);
      return s.limiter.admits(principal, now).then((rate) =>
        rate.ok
          ? admit(ctx, principal, now)
          : refusal('aip_rate_limited', `rate limit reached (${rate.reason}); retry in ${rate.retryAfterSeconds}s`, {
              'retry-after': String(rate.retryAfterSeconds),
            }),
      );
    },
  };
}
