// Stage 7, authorize: what the request asks the upstream to do, read from the path and the body
// together (see request-plan.ts), every scoped operation checked against the principal's scope —
// one denied message refuses a whole batch, the refusal naming every scope missing — every task it
// refers to checked to be its own (the answer for another's task is the protocol's answer for an
// unknown one), and no A2A context it joins another's.
import { taskNotFound } from '@aip/a2a';
import type { JsonRpcId } from '@aip/mcp';
import { scopeAllows } from '@aip/token';
import { unixSeconds } from '../../clock.js';
import { INVALID_PARAMS, insufficientScope, isRefusal, type Refusal, refusal, rpcRefusal } from '../../refusal.js';
import { planRequest, type RequestPlan } from '../../request/request-plan.js';
import { a2aContextKey, a2aTaskKey } from '../../state/task-bindings.js';
import type { ProxyServices } from '../services.js';
import type { Stage } from '../stage.js';

// The refusal for a request naming a task that is not the caller's — the same answer as for a task
// that does not exist — or an A2A context another caller joined; `undefined` when all are its own.
async function notTheirs(
  plan: RequestPlan,
  me: string,
  now: number,
  tasks: ProxyServices['tasks'],
): Promise<((id: JsonRpcId) => Refusal) | undefined> {
  const a2a = plan.protocol === 'a2a';
  const owners = await Promise.all(plan.taskIds.map((id) => tasks.owner(a2a ? a2aTaskKey(id) : id, now)));
  if (owners.some((owner) => owner !== me)) {
    if (!a2a) return (id) => rpcRefusal(id, INVALID_PARAMS, 'Invalid params: unknown task');
    const error = taskNotFound();
    return (id) => rpcRefusal(id, error.code, error.message, error.data);
  }
  // A context nobody joined yet is the caller's to start (A2A clients may choose their own ids).
  const contexts = await Promise.all(plan.contextIds.map((id) => tasks.owner(a2aContextKey(id), now)));
  if (contexts.some((owner) => owner !== undefined && owner !== me))
    return (id) => rpcRefusal(id, INVALID_PARAMS, 'Invalid params: unknown context');
  return undefined;
}

export function authorizeStage(s: Pick<ProxyServices, 'clock' | 'config' | 'tasks'>): Stage {
  return {
    name: 'authorize',
    run(ctx) {
      const { target, principal, parsed } = ctx;
      if (target === undefined || principal === undefined || parsed === undefined)
        return refusal('aip_internal', 'authorize before the body was read');
      const config = s.config();
      const plan = planRequest(ctx.req.method ?? 'GET', target, parsed, config.proxy.mcp_paths, config.a2a?.paths);
      if (isRefusal(plan)) return plan;
      ctx.method = plan.method;
      ctx.names = plan.names;
      let missing: Set<string> | undefined;
      for (const op of plan.operations)
        if (op.kind === 'scoped' && !scopeAllows(principal.scope, op.scope)) {
          missing ??= new Set();
          if (missing.size < 32) missing.add(op.scope);
        }
      if (missing !== undefined) return insufficientScope([...missing]);
      if (plan.taskIds.length === 0 && plan.contextIds.length === 0) {
        ctx.plan = plan;
        return undefined;
      }
      const me = ctx.binding;
      if (me === undefined) return refusal('aip_internal', 'tasks checked before the proof');
      const first = parsed.kind === 'jsonrpc' && !parsed.batch ? parsed.messages[0] : undefined;
      return notTheirs(plan, me, unixSeconds(s.clock), s.tasks).then((refused) => {
        if (refused !== undefined) return refused(first !== undefined && 'id' in first ? first.id : null);
        ctx.plan = plan;
        return undefined;
      });
    },
  };
}
