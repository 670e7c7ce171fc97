// The AIP identity of an A2A agent in its agent card (A2A §4.4 agent card, §4.6 extensions): an
// entry of `capabilities.extensions` whose `params.did` is the agent's did:key, and a security
// scheme `aip` (an API key in the X-AIP-Token header) that every interaction requires. Reads and
// writes both card shapes: A2A 1.0 (protobuf JSON: `supportedInterfaces`, `securitySchemes` of
// `{ apiKeySecurityScheme }`, `securityRequirements`) and A2A 0.3 (`url`, `additionalInterfaces`,
// OpenAPI-style `securitySchemes`, `security`).
import { didKeyFromId } from '@aip/identity';
import { PROOF_HEADER } from '@aip/token';
import { record } from './lib/fields.js';

/** The extension's URI (its `uri` in `capabilities.extensions`): the section of this package's README that specifies it. */
export const AIP_EXTENSION_URI =
  'https://github.com/aip-project/aip/blob/main/packages/a2a/README.md#the-agent-card-extension';

/** The name of the security scheme a card declares for AIP. */
export const AIP_SECURITY_SCHEME = 'aip';

/** The header carrying the delegation chain. */
export const AIP_TOKEN_HEADER = 'X-AIP-Token';

/** What a card says about the agent's AIP identity (the extension's `params`). */
export interface AipAgentIdentity {
  /**
   * The agent's did:key. A chain presented to the agent is delegated to it (its last `sub` names
   * this key) and every proof names it as audience.
   */
  did: string;
  /** Every request must carry a proof of possession, signed by whoever delegated to the agent. */
  proofRequired: boolean;
  /** Root issuers the agent accepts (it may admit others through its trust graph). */
  trustedIssuers: string[];
}

const DESCRIPTION =
  'AIP: each request carries a delegation chain to this agent (X-AIP-Token) and a proof signed by its delegator (X-AIP-Proof)';

/**
 * The extension entry of `capabilities.extensions` for `identity`.
 *
 * @example
 * ```ts
 * aipExtension({ did: agent.did, proofRequired: true, trustedIssuers: [operator.did] });
 * // { uri: AIP_EXTENSION_URI, description: '...', required: true, params: { did, tokenHeader: 'X-AIP-Token', ... } }
 * ```
 */
export function aipExtension(identity: AipAgentIdentity): Record<string, unknown> {
  return {
    uri: AIP_EXTENSION_URI,
    description: DESCRIPTION,
    required: true,
    params: {
      did: identity.did,
      tokenHeader: AIP_TOKEN_HEADER,
      proofHeader: PROOF_HEADER,
      proofRequired: identity.proofRequired,
      trustedIssuers: [...identity.trustedIssuers],
    },
  };
}

/**
 * The AIP identity a card publishes, from either shape; `undefined` when it names none or names a
 * `did` that is not an Ed25519 key.
 *
 * @example
 * ```ts
 * const card = await (await fetch('https://agent.example/.well-known/agent-card.json')).json();
 * agentIdentityOf(card)?.did; // 'did:key:z6Mk...'
 * ```
 */
export function agentIdentityOf(card: unknown): AipAgentIdentity | undefined {
  const extensions = record(record(card)?.capabilities)?.extensions;
  if (!Array.isArray(extensions)) return undefined;
  const params = record(extensions.map(record).find((e) => e?.uri === AIP_EXTENSION_URI)?.params);
  if (params === undefined || typeof params.did !== 'string' || !params.did.startsWith('did:key:')) return undefined;
  let did: string;
  try {
    did = didKeyFromId(params.did);
  } catch {
    return undefined;
  }
  const issuers = Array.isArray(params.trustedIssuers) ? params.trustedIssuers : [];
  return {
    did,
    proofRequired: params.proofRequired === true,
    trustedIssuers: issuers.filter((i): i is string => typeof i === 'string'),
  };
}

/** Options of {@link publishAipIdentity}. */
export interface PublishOptions {
  identity: AipAgentIdentity;
  /**
   * Interface URLs on `from` (the agent's own origin, behind a proxy) become `to` (the proxy's
   * public URL) followed by their path.
   */
  rewrite?: { from: string; to: string };
}

const JSON_RPC = 'JSONRPC';

function clone(value: unknown): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
}

function rewriteUrl(url: unknown, rewrite: PublishOptions['rewrite']): unknown {
  if (typeof url !== 'string' || rewrite === undefined) return url;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  if (parsed.origin !== new URL(rewrite.from).origin) return url;
  return `${rewrite.to.replace(/\/+$/, '')}${parsed.pathname}${parsed.search}`;
}

// Only the JSON-RPC binding is authorized as A2A: other interfaces are left out of the card.
function interfaces(list: unknown, bindingKey: string, rewrite: PublishOptions['rewrite']): unknown[] | undefined {
  if (!Array.isArray(list)) return undefined;
  return list
    .map(record)
    .filter((entry): entry is Record<string, unknown> => entry !== undefined && entry[bindingKey] === JSON_RPC)
    .map((entry) => ({ ...entry, url: rewriteUrl(entry.url, rewrite) }));
}

function isLegacyCard(card: Record<string, unknown>): boolean {
  return typeof card.url === 'string' || typeof card.protocolVersion === 'string';
}

function securityScheme(legacy: boolean): Record<string, unknown> {
  const description = `AIP delegation chain to this agent; with ${PROOF_HEADER}, a proof signed by its delegator (${AIP_EXTENSION_URI})`;
  return legacy
    ? { type: 'apiKey', in: 'header', name: AIP_TOKEN_HEADER, description }
    : { apiKeySecurityScheme: { location: 'header', name: AIP_TOKEN_HEADER, description } };
}

// Every way to satisfy the card's requirements now also needs AIP (or AIP alone when it had none).
function requirements(list: unknown, legacy: boolean): unknown[] {
  const aip = legacy ? { [AIP_SECURITY_SCHEME]: [] } : { schemes: { [AIP_SECURITY_SCHEME]: {} } };
  const existing = Array.isArray(list) ? list.map(record).filter((r) => r !== undefined) : [];
  if (existing.length === 0) return [aip];
  return existing.map((r) =>
    legacy ? { ...r, ...aip } : { ...r, schemes: { ...record(r.schemes), [AIP_SECURITY_SCHEME]: {} } },
  );
}

/**
 * The card an agent behind AIP publishes: the AIP extension in `capabilities.extensions` (any
 * earlier entry with its URI replaced), the `aip` security scheme required by every security
 * requirement, only JSON-RPC interfaces, their URLs rewritten when `rewrite` says so. When that
 * changes the card, its `signatures` are dropped (they would no longer verify); `changed` says
 * whether it did.
 *
 * @example
 * ```ts
 * const { card } = publishAipIdentity(upstreamCard, {
 *   identity: { did: agentDid, proofRequired: true, trustedIssuers: [operator.did] },
 *   rewrite: { from: 'http://127.0.0.1:4000', to: 'https://agent.example' },
 * });
 * ```
 */
export function publishAipIdentity(
  card: unknown,
  options: PublishOptions,
): { card: Record<string, unknown>; changed: boolean } {
  const source = record(card);
  if (source === undefined) throw new TypeError('an agent card is a JSON object');
  const out = clone(source);
  const legacy = isLegacyCard(out);
  const { rewrite } = options;

  const supported = interfaces(out.supportedInterfaces, 'protocolBinding', rewrite);
  if (supported !== undefined) out.supportedInterfaces = supported;
  if (legacy) {
    const additional = interfaces(out.additionalInterfaces, 'transport', rewrite);
    if (additional !== undefined) out.additionalInterfaces = additional;
    const preferred = out.preferredTransport;
    if (preferred !== undefined && preferred !== JSON_RPC) {
      const jsonRpc = record(additional?.[0]);
      if (jsonRpc !== undefined) {
        out.url = jsonRpc.url;
        out.preferredTransport = JSON_RPC;
      }
    } else {
      out.url = rewriteUrl(out.url, rewrite);
    }
  }

  const capabilities = record(out.capabilities) ?? {};
  const extensions = Array.isArray(capabilities.extensions) ? capabilities.extensions : [];
  capabilities.extensions = [
    ...extensions.filter((e) => record(e)?.uri !== AIP_EXTENSION_URI),
    aipExtension(options.identity),
  ];
  out.capabilities = capabilities;
  out.securitySchemes = { ...record(out.securitySchemes), [AIP_SECURITY_SCHEME]: securityScheme(legacy) };
  if (legacy) out.security = requirements(out.security, true);
  else out.securityRequirements = requirements(out.securityRequirements, false);

  // Signatures cover the card as the agent wrote it: a card that changed is published without them.
  delete out.signatures;
  const unsigned = clone(source);
  delete unsigned.signatures;
  const changed = JSON.stringify(out) !== JSON.stringify(unsigned);
  return { card: changed ? out : clone(source), changed };
}
