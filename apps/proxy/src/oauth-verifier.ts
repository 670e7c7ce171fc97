// OAuth 2.1 resource-server mode (`[oauth]`): Bearer JWTs from one authorization server, checked
// against its JWKS (signature, issuer, audience, expiry), their scopes mapped onto AIP scopes so
// OAuth clients and AIP agents go through the same authorization. The audience is this resource:
// any identifier the proxy advertises (RFC 9728 `resource`, from the public URL, with or without an
// MCP endpoint's path), or `oauth.audience`. A token that maps to no AIP scope still authenticates
// (it may initialize and list, and is refused everything scoped with a step-up challenge).
import { TokenError, type TokenErrorCode } from '@aip/token';
import { createRemoteJWKSet, errors, jwtVerify } from 'jose';
import type { ProxyConfig } from './config/sections.js';
import { aipScopesOf, grantedOAuthScopes } from './oauth-scopes.js';
import type { Principal } from './principal.js';

type OAuthConfig = NonNullable<ProxyConfig['oauth']>;

// Asymmetric algorithms only: an HMAC "signature" keyed with a public key proves nothing.
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
const MAX_JWT_LENGTH = 16 * 1024;

export interface OAuthVerifier {
  verify(token: string, now: number): Promise<Principal>;
}

function fail(code: TokenErrorCode, message: string): TokenError {
  return new TokenError(code, message);
}

/**
 * The verifier of `[oauth]`. `audiences()` names this resource (read per token: the public URL
 * may be reloaded); `oauth.audience`, when set, is accepted too.
 *
 * @example
 * ```ts
 * const oauth = createOAuthVerifier(config.oauth, () => resourceIdentifiers(publicBase(), config.proxy.mcp_paths));
 * const principal = await oauth.verify(jwt, Math.floor(Date.now() / 1000));
 * ```
 */
export function createOAuthVerifier(config: OAuthConfig, audiences: () => readonly string[] = () => []): OAuthVerifier {
  const jwks = createRemoteJWKSet(config.jwks_uri, {
    cooldownDuration: 30_000,
    cacheMaxAge: 600_000,
    timeoutDuration: 5000,
  });

  return {
    async verify(token, now) {
      if (token.length > MAX_JWT_LENGTH) throw fail('aip_token_malformed', 'bearer token too long');
      try {
        const accepted = [...audiences(), ...(config.audience === undefined ? [] : [config.audience])];
        const { payload } = await jwtVerify(token, jwks, {
          issuer: config.issuer,
          audience: accepted,
          algorithms: ALGORITHMS,
          currentDate: new Date(now * 1000),
          clockTolerance: 30,
        });
        if (typeof payload.sub !== 'string' || payload.sub === '' || !/^[\x21-\x7e]+$/.test(payload.sub))
          throw fail('aip_token_malformed', 'bearer token has no usable sub');
        const oauthScope = grantedOAuthScopes(payload.scope ?? payload.scp);
        return {
          kind: 'oauth',
          issuer: config.issuer,
          subject: payload.sub,
          grant: `oauth ${payload.sub}`,
          scope: aipScopesOf(oauthScope, config.scope_map),
          oauthScope,
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
