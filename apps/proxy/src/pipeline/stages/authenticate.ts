// Stage 3, authenticate: the credential verified — an AIP token by @aip/token (structure, issuer
// from trust_keys or the trust gate, signatures, revocation per segment and key, time,
// attenuation, audience), a Bearer JWT against the authorization server's keys — into the
// principal. On the A2A agent's endpoint the audience is the agent's did:key, the chain must be
// delegated to it, and the caller is whoever delegated it. A revocation list that cannot be
// trusted refuses everyone; a failure counts against the client address.
import { TokenError } from '@aip/token';
import { unixSeconds } from '../../clock.js';
import { a2aPrincipalOf, principalOf } from '../../principal.js';
import { refusal } from '../../refusal.js';
import type { RequestContext } from '../context.js';
import type { ProxyServices } from '../services.js';
import type { Stage } from '../stage.js';

export function authenticateStage(
  s: Pick<ProxyServices, 'clock' | 'policy' | 'oauth' | 'audience' | 'limiter'>,
): Stage {
  const failed = (ctx: RequestContext, err: unknown) => {
    if (!(err instanceof TokenError)) throw err;
    s.limiter.chargeAnonymous(ctx.peer, s.clock.nowMs());
    return refusal(err.code, err.message);
  };
  return {
    name: 'authenticate',
    run(ctx) {
      const policy = s.policy();
      const unusable = policy.revocations?.unusable();
      if (unusable !== undefined)
        return refusal('aip_key_revoked', `${unusable}: refusing every request until it is fixed`);
      const credential = ctx.credential;
      if (credential === undefined) return refusal('aip_token_missing', 'no credential');
      if (credential.kind === 'bearer') {
        if (s.oauth === undefined) {
          s.limiter.chargeAnonymous(ctx.peer, s.clock.nowMs());
          return refusal(
            'aip_token_missing',
            'this bearer token is not an AIP token, and this proxy accepts no other: send an AIP token (X-AIP-Token, or Authorization: AIP or Bearer)',
          );
        }
        return s.oauth.verify(credential.token, unixSeconds(s.clock)).then(
          (principal) => {
            ctx.principal = principal;
            return undefined;
          },
          (err: unknown) => failed(ctx, err),
        );
      }
      if (policy.verifier === undefined) return refusal('aip_issuer_untrusted', 'this proxy trusts no AIP issuers');
      try {
        const verified = policy.verifier.verify(credential.token, {
          now: unixSeconds(s.clock),
          audience: ctx.agent ?? s.audience(),
        });
        if (ctx.agent === undefined) {
          ctx.principal = principalOf(verified);
          return undefined;
        }
        const caller = a2aPrincipalOf(verified, ctx.agent);
        if (caller === undefined) {
          s.limiter.chargeAnonymous(ctx.peer, s.clock.nowMs());
          return refusal(
            'aip_audience_mismatch',
            `the chain is delegated to ${verified.subject.slice(0, 120)}, not to this agent (${ctx.agent})`,
          );
        }
        ctx.principal = caller;
        return undefined;
      } catch (err) {
        return failed(ctx, err);
      }
    },
  };
}
