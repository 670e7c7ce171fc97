// OAuth 2.1 resource-server mode (`[oauth]`): Bearer JWTs from one authorization server, checked
// against its JWKS (signature, issuer, audience, expiry), their scopes mapped onto AIP scopes so
// OAuth clients and AIP agents go through the same authorization.
import { isValidScope, TokenError, type TokenErrorCode } from '@aip/token';
import { createRemoteJWKSet, errors, jwtVerify } from 'jose';
import type { ProxyConfig } from './config/sections.js';

type OAuthConfig = NonNullable<ProxyConfig['oauth']>;

import type { Principal } from './principal.js';

// Asymmetric algorithms only: an HMAC "signature" keyed with a public key proves nothing.
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
const MAX_JWT_LENGTH = 16 * 1024;

export interface OAuthVerifier {
  verify(token: string, now: number): Promise<Principal>;
}

function fail(code: TokenErrorCode, message: string): TokenError {
  return new TokenError(code, message);
}

export function createOAuthVerifier(config: OAuthConfig): OAuthVerifier {
  const jwks = createRemoteJWKSet(config.jwks_uri, {
    cooldownDuration: 30_000,
    cacheMaxAge: 600_000,
    timeoutDuration: 5000,
  });

  function mapScopes(claim: unknown): string[] {
    const granted =
      typeof claim === 'string'
        ? claim.split(' ').filter((s) => s !== '')
        : Array.isArray(claim)
          ? claim.filter((s): s is string => typeof s === 'string')
          : [];
    const out = new Set<string>();
    for (const scope of granted) {
      const mapped = config.scope_map.get(scope);
      if (mapped !== undefined) for (const s of mapped) out.add(s);
      else if (isValidScope(scope)) out.add(scope);
    }
    return [...out];
  }

  return {
    async verify(token, now) {
      if (token.length > MAX_JWT_LENGTH) throw fail('aip_token_malformed', 'bearer token too long');
      try {
        const { payload } = await jwtVerify(token, jwks, {
          issuer: config.issuer,
          audience: config.audience,
          algorithms: ALGORITHMS,
          currentDate: new Date(now * 1000),
          clockTolerance: 30,
        });
        if (typeof payload.sub !== 'string' || payload.sub === '' || !/^[\x21-\x7e]+$/.test(payload.sub))
          throw fail('aip_token_malformed', 'bearer token has no usable sub');
        const scope = mapScopes(payload.scope ?? payload.scp);
        if (scope.length === 0) throw fail('aip_scope_insufficient', 'bearer token grants no AIP scope');
        return {
          kind: 'oauth',
          issuer: config.issuer,
          subject: payload.sub,
          grant: `oauth ${payload.sub}`,
          scope,
          chain: [],
          subjectKey: undefined,
          warnings: [],
        };
      } catch (err) {
        if (err instanceof TokenError) throw err;
        if (err instanceof errors.JWTExpired) throw fail('aip_token_expired', 'bearer token expired');
        if (err instanceof errors.JWTClaimValidationFailed) {
          if (err.claim === 'aud')
            throw fail('aip_audience_mismatch', 'bearer token is not intended for this resource');
          if (err.claim === 'iss') throw fail('aip_issuer_untrusted', 'bearer token is from another issuer');
          if (err.claim === 'nbf' || err.claim === 'iat')
            throw fail('aip_token_expired', 'bearer token is not valid yet');
          throw fail('aip_token_malformed', `bearer token claim ${err.claim} is invalid`);
        }
        if (err instanceof errors.JWSSignatureVerificationFailed || err instanceof errors.JWKSNoMatchingKey) {
          throw fail('aip_signature_invalid', 'bearer token signature does not verify');
        }
        // Key-set failures (and network errors, which are not JOSE errors) mean the keys are unknown.
        if (
          err instanceof errors.JWKSTimeout ||
          err instanceof errors.JWKSInvalid ||
          !(err instanceof errors.JOSEError)
        ) {
          throw fail('aip_identity_unresolvable', 'the authorization server keys are unavailable');
        }
        throw fail('aip_token_malformed', 'bearer token is not a valid JWT');
      }
    },
  };
}
