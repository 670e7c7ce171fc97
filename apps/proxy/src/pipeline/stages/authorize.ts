// Stage 7, authorize: what the request asks the upstream to do, read from the path and the body
// together (see request-plan.ts), every scoped operation checked against the principal's scope —
// one denied message refuses a whole batch, the refusal naming every scope missing — and every task
// it refers to checked to be its own.
import { scopeAllows } from '@aip/token';
import { unixSeconds } from '../../clock.js';
import { INVALID_PARAMS, insufficientScope, isRefusal, refusal, rpcRefusal } from '../../refusal.js';
import { planRequest } from '../../request/request-plan.js';
import type { ProxyServices } from '../services.js';
import type { Stage } from '../stage.js';

export function authorizeStage(s: Pick<ProxyServices, 'clock' | 'config' | 'tasks'>): Stage {
  return {
    name: 'authorize',
    async run(ctx) {
      const { target, principal, parsed } = ctx;
      if (target === undefined || principal === undefined || parsed === undefined)
        return refusal('aip_internal', 'authorize before the body was read');
      const plan = planRequest(ctx.req.method ?? 'GET', target, parsed, s.config().proxy.mcp_paths);
      if (isRefusal(plan)) return plan;
      ctx.method = plan.method;
      ctx.names = plan.names;
      const missing = new Set<string>();
      for (const op of plan.operations)
        if (op.kind === 'scoped' && !scopeAllows(principal.scope, op.scope) && missing.size < 32) missing.add(op.scope);
      if (missing.size > 0) return insufficientScope([...missing]);
      if (plan.taskIds.length > 0) {
        const me = ctx.binding;
        if (me === undefined) return refusal('aip_internal', 'tasks checked before the proof');
        const now = unixSeconds(s.clock);
        const owners = await Promise.all(plan.taskIds.map((id) => s.tasks.owner(id, now)));
        // The same answer for a task that does not exist and one that is someone else's.
        if (owners.some((owner) => owner !== me)) {
          const first = parsed.kind === 'jsonrpc' && !parsed.batch ? parsed.messages[0] : undefined;
          const id = first !== undefined && 'id' in first ? first.id : null;
          return rpcRefusal(id, INVALID_PARAMS, 'Invalid params: unknown task');
        }
      }
      ctx.plan = plan;
      return undefined;
    },
  };
}
