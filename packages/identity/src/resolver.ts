// DID resolution through did-resolver + key-did-resolver, failures returned as data.
import {
  type DIDDocument,
  type DIDResolutionResult,
  type DIDResolver,
  Resolver,
  type ResolverRegistry,
} from 'did-resolver';
import { IdentityError } from './errors.js';
import { decodeMultibaseKey } from './lib/multikey.js';

const MAX_DID_LENGTH = 2048;
let defaultResolver: Resolver | undefined;

// key-did-resolver (and the curve code it brings) loads on the first resolution, not at import:
// most users of this package never resolve through it, and the CLI starts faster without it.
let keyResolver: Promise<DIDResolver> | undefined;
const resolveDidKey: DIDResolver = async (...args) => {
  keyResolver ??= import('key-did-resolver').then(({ getResolver }) => getResolver().key as DIDResolver);
  return (await keyResolver)(...args);
};

/**
 * A did-resolver `Resolver` that knows `did:key`, plus any extra methods given.
 *
 * @example
 * ```ts
 * const resolver = createDidResolver();
 * const { didDocument } = await resolver.resolve('did:key:z6Mk...');
 * ```
 */
export function createDidResolver(extra: ResolverRegistry = {}): Resolver {
  return new Resolver({ key: resolveDidKey, ...extra });
}

/**
 * Resolves a DID to its DID document. Never throws for a bad DID: the failure is in
 * `didResolutionMetadata.error`, as did-resolver does it.
 *
 * @example
 * ```ts
 * const result = await resolveDid('did:key:z6Mk...');
 * if (result.didResolutionMetadata.error) console.error(result.didResolutionMetadata.error);
 * ```
 */
export async function resolveDid(did: string, resolver?: Resolver): Promise<DIDResolutionResult> {
  if (typeof did !== 'string') throw new TypeError('did must be a string');
  // Method decoders (base58) are quadratic in the input: refuse absurd lengths up front.
  if (did.length > MAX_DID_LENGTH) {
    return {
      didResolutionMetadata: { error: 'invalidDid', message: `DID longer than ${MAX_DID_LENGTH} characters` },
      didDocument: null,
      didDocumentMetadata: {},
    };
  }
  defaultResolver ??= createDidResolver();
  return (resolver ?? defaultResolver).resolve(did);
}

/**
 * The Ed25519 public key a DID document publishes for authentication, found by resolving the DID
 * (the slow, general path; `publicKeyFromDidKey` is the fast one for did:key). The key must pass
 * the strict policy. Throws `IdentityError`.
 *
 * @example
 * ```ts
 * const publicKey = await resolvePublicKey('did:key:z6Mk...');
 * ```
 */
export async function resolvePublicKey(did: string, resolver?: Resolver): Promise<Uint8Array> {
  const result = await resolveDid(did, resolver);
  const error = result.didResolutionMetadata.error;
  if (error !== undefined || result.didDocument === null) {
    throw new IdentityError('aip_identity_unresolvable', `cannot resolve DID (${error ?? 'no document'})`);
  }
  return publicKeyOfDocument(result.didDocument);
}

/** The first Ed25519 verification method of a DID document, under the strict key policy. */
export function publicKeyOfDocument(document: DIDDocument): Uint8Array {
  for (const method of document.verificationMethod ?? []) {
    if (method.type === 'Ed25519VerificationKey2018' && method.publicKeyBase58 !== undefined) {
      return decodeMultibaseKey(`z${method.publicKeyBase58}`, 'raw-or-multicodec');
    }
    if ((method.type === 'Ed25519VerificationKey2020' || method.type === 'Multikey') && method.publicKeyMultibase) {
      return decodeMultibaseKey(method.publicKeyMultibase, 'raw-or-multicodec');
    }
  }
  throw new IdentityError('aip_identity_unresolvable', 'DID document has no Ed25519 verification method');
}
