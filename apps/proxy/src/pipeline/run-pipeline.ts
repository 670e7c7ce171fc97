// Runs a request through the stages in order: the first refusal is answered and audited, a stage
// that answered ends the walk; whatever happens, the context's cleanups run at the end. A failure
// inside the proxy is answered 500 `aip_internal` (never a stack trace) and audited as an error; a
// shared store that cannot answer, 503 `aip_stores_unavailable`.

import { isRefusal, refusal } from '../refusal.js';
import { StoreUnavailableError } from '../state/store-unavailable.js';
import type { RequestContext } from './context.js';
import type { Responder } from './respond.js';
import { ANSWERED, type Stage } from './stage.js';

/**
 * Walks `ctx` through `stages`.
 *
 * @example
 * ```ts
 * await runPipeline([metadata, credential, authenticate, body, proof, session, authorize, meter, forward], ctx, respond);
 * ```
 */
export async function runPipeline(stages: readonly Stage[], ctx: RequestContext, respond: Responder): Promise<void> {
  try {
    for (const stage of stages) {
      // Most stages answer synchronously: wait only for the ones that return a promise.
      const pending = stage.run(ctx);
      const result = pending instanceof Promise ? await pending : pending;
      if (result === undefined) continue;
      if (result === ANSWERED) return;
      if (isRefusal(result)) respond.refuse(ctx, result);
      return;
    }
  } catch (err) {
    // A shared store that cannot answer fails closed, with its own code (clients may retry).
    if (err instanceof StoreUnavailableError && !ctx.res.headersSent)
      respond.refuse(ctx, refusal('aip_stores_unavailable', err.message, { 'retry-after': '1' }));
    else if (!ctx.res.headersSent) respond.refuse(ctx, refusal('aip_internal', 'internal proxy error'));
    else {
      ctx.res.destroy();
      respond.audit(ctx, {
        decision: 'error',
        code: 'aip_internal',
        status: ctx.res.statusCode,
        cause: 'failed mid-response',
      });
    }
  } finally {
    for (const cleanup of ctx.cleanups.splice(0)) cleanup();
  }
}
