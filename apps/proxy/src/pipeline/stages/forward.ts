// Stage 9, forward: the request as it was authorized goes upstream — the canonical target (the
// session parameter carrying the upstream's own id), the canonical body (resource URIs as
// authorized), the header policy of forward-headers.ts, and to an A2A agent the chain delegated
// to it — and the response comes back through the rewriter (sealed ids, and the protocol's
// answers: filtered lists, bound tasks, published cards). A pending charge is settled as the
// outcome becomes known. While no byte of a response has been sent, any failure is answered with a
// JSON error; every outcome is audited, failures as `error` with their cause.
import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher, Pool } from 'undici';
import { unixSeconds } from '../../clock.js';
import type { ProxyLogger } from '../../logger.js';
import type { Principal } from '../../principal.js';
import { refusal } from '../../refusal.js';
import type { RequestPlan } from '../../request/request-plan.js';
import { formatTarget } from '../../request/target.js';
import { StoreUnavailableError } from '../../state/store-unavailable.js';
import { a2aAnswers } from '../../upstream/a2a-answers.js';
import { auditHeader, clientHeaders, upstreamHeaders } from '../../upstream/forward-headers.js';
import { mcpAnswers } from '../../upstream/mcp-answers.js';
import { relayStream, type StreamRegistry } from '../../upstream/relay.js';
import { createResponseRewriter } from '../../upstream/response-rewriter.js';
import { callUpstream, ResponseTooLarge, type UpstreamResponse } from '../../upstream/upstream-call.js';
import type { RequestContext } from '../context.js';
import type { ProxyServices } from '../services.js';
import { ANSWERED, type Stage } from '../stage.js';

const MAX_INSPECTED_RESPONSE = 32 * 1024 * 1024;
const SMALL_BODY = 64 * 1024;
// Errors raised before a connection to the upstream existed: the request was certainly not delivered.
const CONNECT_ERRORS = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);

export interface ForwardDeps
  extends Pick<ProxyServices, 'clock' | 'config' | 'policy' | 'respond' | 'seal' | 'tasks' | 'ledger' | 'agentCards'> {
  /** Upstream failures are logged with their cause. */
  logger?: ProxyLogger;
  pool: Pool;
  upstreamOrigin: URL;
  /** Added to every upstream request (the stdio bridge's secret). */
  extraHeaders: Record<string, string>;
  /** The URL clients reach the proxy at. */
  publicBase: () => string;
  /** Standalone streams, ended on shutdown. */
  streams: StreamRegistry;
  /** A relayed stream opened (+1) or closed (-1): metrics. */
  streaming?: (delta: 1 | -1) => void;
}

function upstreamTarget(ctx: RequestContext): string {
  const target = ctx.target as NonNullable<RequestContext['target']>;
  const session = ctx.session;
  const query =
    session === undefined || session.channel === 'header'
      ? target.query
      : target.query.map(([name, value]) => [name, name === session.channel ? session.upstreamId : value] as const);
  return formatTarget(target.path, query);
}

// A long-lived stream lasts only while its credential would still be accepted: not past the
// chain's expiry, nothing in it revoked, the revocation list still usable.
function credentialHolds(principal: Principal, d: Pick<ForwardDeps, 'clock' | 'policy'>): boolean {
  const now = unixSeconds(d.clock);
  const revocations = d.policy().revocations;
  if (revocations?.unusable() !== undefined) return false;
  for (const link of principal.chain) {
    if (link.exp <= now) return false;
    if (revocations?.isRevoked({ id: link.id, jti: link.jti, signer: link.iss, subject: link.sub }) === true)
      return false;
  }
  return true;
}

const isEventStream = (headers: IncomingHttpHeaders) =>
  /^text\/event-stream/i.test(String(headers['content-type'] ?? ''));

// A response whose body is inspected (a list to filter, a task to bind, a card to publish).
const inspected = (plan: RequestPlan, headers: IncomingHttpHeaders) =>
  (plan.lists || plan.createsTask || plan.card) && /json/i.test(String(headers['content-type'] ?? ''));

// How much of a response's body is read whole before it is answered: a body to inspect up to its
// cap, a small one (declared up to 64 KiB) in one write; an event stream or a larger body is relayed
// as it comes.
function wholeBodyCap(plan: RequestPlan, headers: IncomingHttpHeaders): number | undefined {
  if (isEventStream(headers)) return undefined;
  if (inspected(plan, headers)) return MAX_INSPECTED_RESPONSE;
  const length = Number(headers['content-length']);
  return Number.isInteger(length) && length <= SMALL_BODY ? SMALL_BODY : undefined;
}

export function forwardStage(d: ForwardDeps): Stage {
  async function settle(ctx: RequestContext, outcome: 'delivered' | 'refunded'): Promise<void> {
    if (!ctx.charged || d.ledger === undefined) return;
    ctx.charged = false;
    // A ledger that cannot be reached now leaves the charge pending: it becomes `unknown` and stays
    // charged (never over budget), and the request's own outcome is not turned into a failure.
    await d.ledger.settle(ctx.id, outcome).catch((err: unknown) => {
      d.logger?.warn('budget charge left pending (the ledger did not answer)', {
        request_id: ctx.id,
        cause: err instanceof StoreUnavailableError ? err.message : 'ledger error',
      });
    });
  }

  // The client went away: audited as such (499), with the upstream's status if it had answered.
  function gone(ctx: RequestContext, upstreamStatus?: number): typeof ANSWERED {
    d.respond.audit(ctx, {
      decision: 'allow',
      code: null,
      status: 499,
      ...(upstreamStatus === undefined ? {} : { upstream_status: upstreamStatus }),
      cause: 'the client went away',
    });
    return ANSWERED;
  }

  return {
    name: 'forward',
    async run(ctx) {
      const { plan, principal } = ctx;
      if (plan === undefined || principal === undefined) return refusal('aip_internal', 'forward before authorize');
      const config = d.config();
      const { req, res } = ctx;
      const body = plan.body ?? ctx.body;
      const call = callUpstream(
        d.pool,
        {
          method: req.method as Dispatcher.HttpMethod,
          path: upstreamTarget(ctx),
          headers: upstreamHeaders(req.headers, {
            principal,
            requestId: ctx.id,
            proven: ctx.proof !== undefined,
            sessionId: ctx.session?.upstreamId,
            lastEventId: ctx.lastEventId,
            forwarded: config.proxy.forwarded_headers,
            peer: ctx.peer,
            publicBase: d.publicBase(),
            oauth: config.oauth !== undefined,
            // The chain is the agent's: delegated to it, for it to present onwards.
            delegation: ctx.agent !== undefined && principal.kind === 'aip' ? ctx.credential?.token : undefined,
            extra: d.extraHeaders,
          }),
          body: body.length > 0 ? body : null,
          headersTimeout: config.proxy.upstream_timeout_seconds * 1000,
          bodyTimeout: plan.stream ? 0 : config.proxy.upstream_body_timeout_seconds * 1000,
        },
        // A HEAD answer has no body: its headers (Content-Length included) go back as they are.
        (_status, headers) => (req.method === 'HEAD' ? undefined : wholeBodyCap(plan, headers)),
      );
      res.on('close', () => {
        if (!res.writableFinished) call.abort();
      });
      let response: UpstreamResponse;
      try {
        response = await call.response;
      } catch (err) {
        const cause = (err as { code?: string }).code ?? 'unknown';
        // Only a connection that never opened proves the request was not delivered (and so not
        // paid for); a timeout or reset may come after the server acted on it.
        await settle(ctx, CONNECT_ERRORS.has(cause) ? 'refunded' : 'delivered');
        if (call.aborted) return gone(ctx);
        const timeout = cause === 'UND_ERR_HEADERS_TIMEOUT';
        const status = timeout ? 504 : 502;
        if (!res.headersSent) {
          const code = timeout ? 'aip_upstream_timeout' : 'aip_upstream_unavailable';
          const message = timeout
            ? 'the upstream server did not answer in time'
            : CONNECT_ERRORS.has(cause)
              ? 'the upstream server is unavailable'
              : 'the upstream server failed to answer';
          d.respond.error(ctx, status, code, message, { 'x-aip-audit': auditHeader(principal, code) });
        }
        d.respond.audit(ctx, {
          decision: 'error',
          code: timeout ? 'aip_upstream_timeout' : 'aip_upstream_unavailable',
          status,
          cause,
        });
        d.logger?.warn('upstream failed', { request_id: ctx.id, cause, status });
        return ANSWERED;
      }
      await settle(ctx, 'delivered');
      const status = response.statusCode;
      if (call.aborted || res.destroyed) {
        // The client left (while the body arrived, or while the charge settled): nobody to answer,
        // nothing more to read.
        response.stream?.destroy();
        return gone(ctx, status);
      }

      const now = unixSeconds(d.clock);
      const binding = ctx.binding ?? '';
      const rewriter = createResponseRewriter({
        principal,
        binding,
        seal: d.seal,
        now,
        upstreamOrigin: d.upstreamOrigin,
        answers: () => {
          const bindings = { principal, binding, tasks: d.tasks, now, ttlSeconds: config.session.ttl_seconds };
          return plan.protocol === 'a2a'
            ? a2aAnswers({ ...bindings, plan, publishCard: d.agentCards.publish })
            : mcpAnswers(bindings);
        },
      });
      const headers = rewriter.headers(response.headers);
      const auditValue = auditHeader(principal);
      const allowed = () => d.respond.audit(ctx, { decision: 'allow', code: null, status, upstream_status: status });

      const { stream } = response;
      if (stream !== undefined && isEventStream(headers)) {
        const out = clientHeaders(headers, true);
        out['x-aip-audit'] = auditValue;
        res.writeHead(status, out);
        res.flushHeaders();
        allowed();
        d.streaming?.(1);
        try {
          await relayStream({
            body: stream,
            res,
            rewrite: (event) => rewriter.event(event),
            abort: call,
            registry: plan.stream ? d.streams : undefined,
            valid: () => credentialHolds(principal, d),
          });
        } finally {
          d.streaming?.(-1);
        }
        return ANSWERED;
      }
      if (stream === undefined) {
        const inspect = inspected(plan, headers);
        if (response.body === undefined) {
          const err = response.bodyError;
          const tooLarge = err instanceof ResponseTooLarge;
          const message = tooLarge
            ? `the upstream's response is larger than ${inspect ? MAX_INSPECTED_RESPONSE : SMALL_BODY} bytes`
            : 'the upstream server closed the response early';
          d.respond.error(ctx, 502, 'aip_upstream_unavailable', message, {
            'x-aip-audit': auditHeader(principal, 'aip_upstream_unavailable'),
          });
          d.respond.audit(ctx, {
            decision: 'error',
            code: 'aip_upstream_unavailable',
            status: 502,
            upstream_status: status,
            cause: tooLarge ? 'response too large' : ((err as { code?: string } | undefined)?.code ?? 'closed early'),
          });
          return ANSWERED;
        }
        const buffered = response.body;
        const filtered = inspect ? await rewriter.json(buffered.toString('utf8')) : undefined;
        if (inspect && filtered === undefined) {
          // A list the proxy cannot read cannot be filtered: it is not forwarded.
          d.respond.sendJson(
            ctx,
            502,
            {
              error: {
                code: 'aip_upstream_unavailable',
                message: "the upstream's response could not be read to filter it",
              },
            },
            { 'x-aip-audit': auditHeader(principal, 'aip_upstream_unavailable') },
          );
          d.respond.audit(ctx, {
            decision: 'error',
            code: 'aip_upstream_unavailable',
            status: 502,
            upstream_status: status,
            cause: 'unreadable list response',
          });
          return ANSWERED;
        }
        const out = filtered === undefined ? buffered : Buffer.from(filtered);
        const outHeaders = clientHeaders(headers, true);
        outHeaders['content-length'] = out.length;
        outHeaders['x-aip-audit'] = auditValue;
        res.writeHead(status, outHeaders);
        res.end(out);
        allowed();
        return ANSWERED;
      }
      const outHeaders = clientHeaders(headers, false);
      outHeaders['x-aip-audit'] = auditValue;
      res.writeHead(status, outHeaders);
      allowed();
      await new Promise<void>((resolve) => {
        stream.on('error', () => {
          res.destroy();
          resolve();
        });
        res.once('close', () => {
          if (!res.writableFinished) call.abort();
          resolve();
        });
        stream.pipe(res);
      });
      return ANSWERED;
    },
  };
}
