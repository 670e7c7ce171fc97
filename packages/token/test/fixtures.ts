// Hand-written fixtures: fixed identities, a fixed clock, and a raw JWS minter that signs any
// header and payload bytes, so tests can build tokens no well-behaved issuer would produce.
import { encodeBase64Url, type Identity, identityFromSecretKey } from '@aip/identity';

export const NOW = 1_764_000_000;

export function fixedIdentity(n: number): Identity {
  return identityFromSecretKey(new Uint8Array(32).fill(n));
}

export const issuer = fixedIdentity(1);
export const orchestrator = fixedIdentity(2);
export const worker = fixedIdentity(3);
export const helper = fixedIdentity(4);
export const stranger = fixedIdentity(9);

const enc = new TextEncoder();

export function b64(text: string | Uint8Array): string {
  return encodeBase64Url(typeof text === 'string' ? enc.encode(text) : text);
}

/** Signs arbitrary header and payload text (or objects, serialized with JSON.stringify). */
export function rawJws(header: string | object, payload: string | object, signer: Identity): string {
  const h = b64(typeof header === 'string' ? header : JSON.stringify(header));
  const p = b64(typeof payload === 'string' ? payload : JSON.stringify(payload));
  return `${h}.${p}.${b64(signer.sign(enc.encode(`${h}.${p}`)))}`;
}

export const TOKEN_HEADER = { alg: 'EdDSA', typ: 'aip+jwt' };
export const LINK_HEADER = { alg: 'EdDSA', typ: 'aip-dlg+jwt' };

export function rootClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: issuer.did,
    sub: orchestrator.did,
    scope: ['tool:search', 'tool:fetch'],
    budget_usd: 5,
    max_depth: 3,
    iat: NOW - 60,
    exp: NOW + 3000,
    jti: 'root-1',
    ...overrides,
  };
}

export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code ?? `threw ${(err as Error).name}`;
  }
  return undefined;
}
