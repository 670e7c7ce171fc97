// Stage 8, meter: what an admitted request costs, taken in this order — its proof claimed (a
// replayed proof is refused before it costs anything else), every rate bucket that applies (one
// per JSON-RPC message for the grant and the issuer, one per call for each tool's pattern), a
// stream slot for a long-lived stream (a GET stream, a subscriptions/listen), and its price
// charged to every segment of the chain as a pending charge, all or nothing. With a proof and
// limits both, the claim and the buckets are one call of the store (one round trip when shared).

import { unixSeconds } from '../../clock.js';
import type { Principal } from '../../principal.js';
import { isRefusal, type Refusal, refusal } from '../../refusal.js';
import type { RequestPlan } from '../../request/request-plan.js';
import type { BucketVerdict } from '../../state/bucket-store.js';
import { costOf } from '../../state/budget-ledger.js';
import type { ClaimVerdict } from '../../state/replay-claims.js';
import type { RequestContext } from '../context.js';
import type { ProxyServices } from '../services.js';
import type { Stage, StageResult } from '../stage.js';

function claimRefusal(verdict: Exclude<ClaimVerdict, 'fresh'>): Refusal {
  return verdict === 'replayed'
    ? refusal('aip_proof_invalid', 'proof was already used')
    : refusal('aip_proof_invalid', 'proof cannot be accepted now (too many live proofs)');
}

export function meterStage(
  s: Pick<ProxyServices, 'clock' | 'config' | 'replay' | 'meter' | 'admission' | 'limiter' | 'ledger'>,
): Stage {
  // A stream slot, then the budget charge (the last of the costs).
  function streamAndCharge(
    ctx: RequestContext,
    plan: RequestPlan,
    principal: Principal,
    scopes: string[],
    now: number,
  ) {
    if (plan.stream) {
      const release = s.admission.enterStream(principal.grant);
      if (typeof release === 'string') return refusal('aip_rate_limited', release, { 'retry-after': '1' });
      ctx.cleanups.push(release);
    }
    const pricing = s.config().budget;
    if (s.ledger === undefined || pricing === undefined || principal.kind !== 'aip') return undefined;
    const cost = costOf(pricing, scopes);
    if (cost === 0) return undefined;
    return s.ledger
      .charge(
        ctx.id,
        principal.chain.map((link) => ({ id: link.id, budget: link.budget_usd })),
        cost,
        { subject: principal.subject, tools: plan.names, now },
      )
      .then((charged): StageResult => {
        if (!charged.ok) {
          const where = charged.segment === principal.chain[0]?.id ? 'the root token' : 'a delegation link';
          return refusal(
            'aip_budget_exceeded',
            `this call costs $${charged.cost}; ${where} has $${charged.spent} of its $${charged.budget} spent`,
          );
        }
        ctx.charged = charged.charged;
        return undefined;
      });
  }

  // The proof's claim and the rate buckets, in one call of the store when both apply.
  async function claimAndTake(
    ctx: RequestContext,
    principal: Principal,
    scopes: string[],
    messages: number,
    limited: boolean,
    now: number,
  ): Promise<BucketVerdict | Refusal> {
    const proof = ctx.proof;
    if (proof === undefined) return s.limiter.take(principal, scopes, messages, s.clock.nowMs());
    // Each grant may hold only its share of the store (delegates share their grant's).
    const claim = { key: proof.replayKey, holder: principal.grant, expiresAt: proof.replayUntil, now };
    if (limited) {
      const needs = s.limiter.needs(principal, scopes, messages);
      const verdict = await s.meter.claimAndTake(claim, needs, s.clock.nowMs());
      return verdict.claim === 'fresh' ? verdict.rate : claimRefusal(verdict.claim);
    }
    const verdict = await s.replay.claim(claim.key, claim.holder, claim.expiresAt, claim.now);
    return verdict === 'fresh' ? { ok: true } : claimRefusal(verdict);
  }

  return {
    name: 'meter',
    run(ctx) {
      const { plan, principal } = ctx;
      if (plan === undefined || principal === undefined) return refusal('aip_internal', 'meter before authorize');
      const now = unixSeconds(s.clock);
      const scopes: string[] = [];
      for (const op of plan.operations) if (op.kind === 'scoped') scopes.push(op.scope);
      const messages = ctx.parsed?.kind === 'jsonrpc' ? ctx.parsed.messages.length : 1;
      const limits = s.config().rate_limit;
      const limited =
        limits.principal_per_minute !== undefined ||
        limits.issuer_per_minute !== undefined ||
        limits.tool_per_minute.size > 0;
      if (ctx.proof === undefined && !limited) return streamAndCharge(ctx, plan, principal, scopes, now);
      return claimAndTake(ctx, principal, scopes, messages, limited, now).then((rate) => {
        if (isRefusal(rate)) return rate;
        if (!rate.ok)
          return refusal(
            'aip_rate_limited',
            `rate limit reached (${rate.reason}); retry in ${rate.retryAfterSeconds}s`,
            { 'retry-after': String(rate.retryAfterSeconds) },
          );
        return streamAndCharge(ctx, plan, principal, scopes, now);
      });
    },
  };
}
