// Stage 4, body: the principal takes one of its in-flight slots (and a stream slot for a GET
// stream), and must have room left in its rate buckets, before any of its work is done; then the
// body is read (capped), decoded to the one text every upstream reads alike and parsed once into
// JSON-RPC, nesting bounded before parsing.
import type { IncomingMessage } from 'node:http';
import { isRefusal, refusal } from '../../refusal.js';
import { parseBody } from '../../request/json-rpc-body.js';
import { BodyTooLarge, readBody } from '../../request/read-body.js';
import type { ProxyServices } from '../services.js';
import type { Stage } from '../stage.js';

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

// A refusal before a body was read closes the connection: the proxy does not read (and discard)
// a body it refused.
const UNREAD = { connection: 'close' };

export function bodyStage(s: Pick<ProxyServices, 'clock' | 'config' | 'admission' | 'limiter'>): Stage {
  return {
    name: 'body',
    async run(ctx) {
      const config = s.config();
      const method = ctx.req.method ?? 'GET';
      const target = ctx.target;
      const principal = ctx.principal;
      if (target === undefined || principal === undefined)
        return refusal('aip_internal', 'body read before authentication');
      const stream = method === 'GET' && config.proxy.mcp_paths.includes(target.path);
      const body = hasBody(ctx.req);
      const unread = body ? UNREAD : {};
      const release = s.admission.enter(principal.grant, stream);
      if (typeof release === 'string') return refusal('aip_rate_limited', release, { 'retry-after': '1', ...unread });
      ctx.cleanups.push(release);
      const now = s.clock.nowMs();
      const limits = config.rate_limit;
      const limited = limits.principal_per_minute !== undefined || limits.issuer_per_minute !== undefined;
      const rate = limited ? await s.limiter.admits(principal, now) : undefined;
      if (rate !== undefined && !rate.ok)
        return refusal('aip_rate_limited', `rate limit reached (${rate.reason}); retry in ${rate.retryAfterSeconds}s`, {
          'retry-after': String(rate.retryAfterSeconds),
          ...unread,
        });
      if (!body) {
        ctx.parsed = { kind: 'empty' };
        return undefined;
      }
      if (method === 'GET' || method === 'HEAD')
        return refusal('aip_request_invalid', `a ${method} request cannot carry a body`, UNREAD);
      const declared = Number(ctx.req.headers['content-length']);
      if (Number.isInteger(declared) && declared > config.proxy.max_body_bytes)
        return refusal(
          'aip_request_too_large',
          `request bodies are limited to ${config.proxy.max_body_bytes} bytes`,
          UNREAD,
        );
      // The bytes are paid for before they are read (a chunked body pays as it turns out).
      if (Number.isInteger(declared)) {
        const bytes = await s.limiter.takeBytes(principal, declared, now);
        if (!bytes.ok)
          return refusal('aip_rate_limited', `rate limit reached (${bytes.reason})`, {
            'retry-after': String(bytes.retryAfterSeconds),
            ...UNREAD,
          });
      }
      try {
        ctx.body = await readBody(ctx.req, config.proxy.max_body_bytes);
      } catch (err) {
        if (err instanceof BodyTooLarge)
          return refusal(
            'aip_request_too_large',
            `request bodies are limited to ${config.proxy.max_body_bytes} bytes`,
            UNREAD,
          );
        throw err;
      }
      if (!Number.isInteger(declared)) await s.limiter.takeBytes(principal, ctx.body.length, now);
      const parsed = parseBody(ctx.req.headers, ctx.body, config.proxy.max_json_depth);
      if (isRefusal(parsed)) return parsed;
      ctx.parsed = parsed;
      return undefined;
    },
  };
}
