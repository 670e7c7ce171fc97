// Stage 5, proof: with proofs required (or sent), `X-AIP-Proof` must be signed by the caller — the
// token's final holder, or on the A2A agent's endpoint whoever delegated the chain to the agent —
// and bound to this token, the audience, the method, the request target as sent and the exact
// body, and be fresh. It is not claimed yet: only a request the proxy admits claims its proof
// (stage meter), so refused requests cannot fill the replay store. The stage also settles what
// the request is bound to: the caller's DID when proven, else the exact credential.
import { checkProof, TokenError } from '@aip/token';
import { unixSeconds } from '../../clock.js';
import { principalKey } from '../../principal.js';
import { refusal } from '../../refusal.js';
import type { ProxyServices } from '../services.js';
import type { Stage } from '../stage.js';

export function proofStage(s: Pick<ProxyServices, 'clock' | 'config' | 'audience' | 'policy'>): Stage {
  return {
    name: 'proof',
    run(ctx) {
      const { principal, credential } = ctx;
      if (principal === undefined || credential === undefined)
        return refusal('aip_internal', 'proof before authentication');
      const config = s.config();
      const sent = ctx.req.headers['x-aip-proof'];
      if (principal.kind !== 'aip' || (sent === undefined && !config.pop.required)) {
        ctx.binding = principalKey(principal, false);
        return undefined;
      }
      if (Array.isArray(sent)) return refusal('aip_proof_invalid', 'the request carries more than one proof');
      if (principal.subjectKey === undefined)
        return refusal(
          'aip_proof_invalid',
          'the token holder is not a self-certifying identity and cannot sign requests',
        );
      try {
        ctx.proof = checkProof(sent, {
          token: credential.token,
          method: ctx.req.method ?? 'GET',
          path: ctx.req.url ?? '/',
          body: ctx.body,
          audience: ctx.agent ?? s.audience(),
          holderKey: principal.subjectKey,
          now: unixSeconds(s.clock),
          maxAge: config.pop.max_age_seconds,
          // A proof by a revoked key, or by a rotated-away key since its rotation (DESIGN §11).
          keyState: () => s.policy().keyEvents?.state(),
        });
        ctx.binding = principalKey(principal, true);
        return undefined;
      } catch (err) {
        if (err instanceof TokenError) return refusal(err.code, err.message);
        throw err;
      }
    },
  };
}
