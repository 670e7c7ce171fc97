// Stage 2, credential: what the request presents — `X-AIP-Token`, `Authorization: AIP <token>`,
// `Authorization: Bearer <token>` when the value is shaped like an AIP token (its JWS header names
// typ aip+jwt: how many clients send a token), or (in OAuth mode) `Authorization: Bearer <jwt>`.
// Two different AIP tokens are refused. Requests without a valid credential are limited per client
// address before anything is verified.

import { looksLikeAipToken } from '@aip/token';
import { refusal } from '../../refusal.js';
import type { Credential } from '../context.js';
import type { ProxyServices } from '../services.js';
import type { Stage } from '../stage.js';

function credentialOf(headers: NodeJS.Dict<string | string[]>, oauth: boolean): Credential | undefined | 'ambiguous' {
  const direct = headers['x-aip-token'];
  const auth = headers.authorization;
  if (Array.isArray(direct) || Array.isArray(auth)) return 'ambiguous';
  const match = typeof auth === 'string' ? /^(AIP|Bearer)\s+(\S+)\s*$/i.exec(auth) : null;
  const token = match?.[2];
  const fromAuth: Credential | undefined =
    match === null || token === undefined
      ? undefined
      : {
          kind: (match[1] as string).toLowerCase() === 'aip' || looksLikeAipToken(token) ? 'aip' : 'bearer',
          token,
        };
  if (typeof direct === 'string' && direct.trim() !== '') {
    if (fromAuth?.kind === 'aip' && fromAuth.token !== direct.trim()) return 'ambiguous';
    // In OAuth mode a Bearer token is a credential of the proxy's too: two of them is one too many.
    if (oauth && fromAuth?.kind === 'bearer') return 'ambiguous';
    return { kind: 'aip', token: direct.trim() };
  }
  return fromAuth;
}

export function credentialStage(s: Pick<ProxyServices, 'clock' | 'limiter' | 'oauth'>): Stage {
  return {
    name: 'credential',
    run(ctx) {
      if (!s.limiter.admitsAnonymous(ctx.peer, s.clock.nowMs()))
        return refusal('aip_rate_limited', 'too many requests without a valid credential from this address', {
          'retry-after': '10',
        });
      const credential = credentialOf(ctx.req.headers, s.oauth !== undefined);
      if (credential === 'ambiguous') {
        s.limiter.chargeAnonymous(ctx.peer, s.clock.nowMs());
        return refusal('aip_token_malformed', 'the request carries more than one credential');
      }
      if (credential === undefined) {
        s.limiter.chargeAnonymous(ctx.peer, s.clock.nowMs());
        return refusal('aip_token_missing', 'an AIP token is required (X-AIP-Token, or Authorization: AIP or Bearer)');
      }
      ctx.credential = credential;
      return undefined;
    },
  };
}
