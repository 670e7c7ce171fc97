// What an A2A agent's answers carry that the proxy acts on (one request per call, so the method
// says what): the tasks and contexts a message send's result or streamed events name, bound to the
// caller before the caller sees them; a task list reduced to the caller's own tasks; an extended
// agent card published with the AIP identity, as the public one is.
import { filterTaskList, listedTaskIds, resultReferences } from '@aip/a2a';
import type { Principal } from '../principal.js';
import type { RequestPlan } from '../request/request-plan.js';
import { a2aContextKey, a2aTaskKey, type TaskBindings } from '../state/task-bindings.js';
import type { AnswerRules } from './response-rewriter.js';

/**
 * The rules for the A2A agent's answers to `plan`, asked by `principal`.
 *
 * @example
 * ```ts
 * createResponseRewriter({ ..., answers: () => a2aAnswers({ principal, binding, plan, tasks, now, ttlSeconds, publishCard }) });
 * ```
 */
export function a2aAnswers(deps: {
  principal: Principal;
  /** What the caller's tasks are bound to (see principalKey). */
  binding: string;
  plan: Pick<RequestPlan, 'createsTask' | 'lists' | 'card'>;
  tasks: TaskBindings;
  /** Unix seconds. */
  now: number;
  ttlSeconds: number;
  /** An agent card as the proxy publishes it (`changed`: it differs from the agent's). */
  publishCard: (card: unknown) => { card: Record<string, unknown>; changed: boolean };
}): AnswerRules {
  const me = deps.binding;
  const { plan, tasks, now, ttlSeconds } = deps;
  return {
    // Every answer of these methods names what must be acted on: each is read.
    mayCarry: () => plan.createsTask || plan.lists || plan.card,
    async apply(message) {
      if (!('result' in message)) return false;
      if (plan.createsTask) {
        const refs = resultReferences(message.result);
        await Promise.all([
          ...refs.taskIds.map((id) => tasks.bind(a2aTaskKey(id), me, now, ttlSeconds)),
          ...refs.contextIds.map((id) => tasks.bind(a2aContextKey(id), me, now, ttlSeconds)),
        ]);
        return false;
      }
      if (plan.lists) {
        const ids = listedTaskIds(message.result);
        const owners = await Promise.all(ids.map((id) => tasks.owner(a2aTaskKey(id), now)));
        const mine = new Set(ids.filter((_, i) => owners[i] === me));
        return filterTaskList(message.result, (id) => mine.has(id)) > 0;
      }
      if (plan.card && typeof message.result === 'object' && message.result !== null) {
        const published = deps.publishCard(message.result);
        if (published.changed) message.result = published.card;
        return published.changed;
      }
      return false;
    },
  };
}
