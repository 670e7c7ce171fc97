import { AgentCard } from '@a2a-js/sdk';
import { isLegacyAgentCard, parseLegacyAgentCard } from '@a2a-js/sdk/compat/v0_3/client';
import { generateIdentity } from '@aip/identity';
import { describe, expect, it } from 'vitest';
import {
  AIP_EXTENSION_URI,
  type AipAgentIdentity,
  agentIdentityOf,
  aipExtension,
  publishAipIdentity,
} from '../src/index.js';

const agent = generateIdentity();
const operator = generateIdentity();
const identity: AipAgentIdentity = { did: agent.did, proofRequired: true, trustedIssuers: [operator.did] };
const rewrite = { from: 'http://127.0.0.1:4000', to: 'https://agent.example' };

// What @a2a-js/sdk 1.x serves for A2A-Version: 1.0 (protobuf JSON)...
const v1Card = {
  name: 'researcher',
  description: 'finds things',
  supportedInterfaces: [
    { url: 'http://127.0.0.1:4000/a2a/jsonrpc', protocolBinding: 'JSONRPC', tenant: '', protocolVersion: '1.0' },
    { url: 'http://127.0.0.1:4000/a2a/rest', protocolBinding: 'HTTP+JSON', tenant: '', protocolVersion: '1.0' },
  ],
  version: '1.0.0',
  capabilities: {
    streaming: true,
    extensions: [{ uri: 'https://example.com/ext/other', description: 'another extension', required: true }],
  },
  securitySchemes: {},
  securityRequirements: [],
  defaultInputModes: ['text/plain'],
  defaultOutputModes: ['text/plain'],
  skills: [{ id: 'search', name: 'search', description: 'search', tags: [] }],
  signatures: [{ protected: 'e30', signature: 'c2ln' }],
};
// ...and for a 0.3 client (no A2A-Version header).
const v03Card = {
  name: 'researcher',
  description: 'finds things',
  version: '1.0.0',
  url: 'http://127.0.0.1:4000/a2a/jsonrpc',
  preferredTransport: 'JSONRPC',
  protocolVersion: '0.3',
  additionalInterfaces: [{ url: 'http://127.0.0.1:4000/a2a/rest', transport: 'HTTP+JSON' }],
  capabilities: { streaming: true },
  defaultInputModes: ['text/plain'],
  defaultOutputModes: ['text/plain'],
  skills: [{ id: 'search', name: 'search', description: 'search', tags: [] }],
};

describe('publishAipIdentity: an A2A 1.0 card', () => {
  const { card, changed } = publishAipIdentity(v1Card, { identity, rewrite });

  it('reads back, through the SDK, with the AIP extension and a required aip API-key scheme', () => {
    expect(changed).toBe(true);
    const parsed = AgentCard.fromJSON(card);
    const extension = parsed.capabilities?.extensions.find((e) => e.uri === AIP_EXTENSION_URI);
    expect(extension).toMatchObject({ required: true, params: { did: agent.did, proofRequired: true } });
    expect(parsed.capabilities?.extensions.map((e) => e.uri)).toEqual([
      'https://example.com/ext/other',
      AIP_EXTENSION_URI,
    ]);
    expect(parsed.securitySchemes.aip?.scheme).toEqual({
      $case: 'apiKeySecurityScheme',
      value: { location: 'header', name: 'X-AIP-Token', description: expect.stringContaining('X-AIP-Proof') },
    });
    expect(parsed.securityRequirements).toEqual([{ schemes: { aip: { list: [] } } }]);
    // What the SDK writes back is what was published: no part of it is lost or reinterpreted.
    const written = AgentCard.toJSON(parsed) as Record<string, unknown>;
    for (const key of ['capabilities', 'securitySchemes', 'securityRequirements'])
      expect(written[key]).toEqual(card[key]);
  });

  it("keeps only the JSON-RPC interfaces, at the proxy's public URL, and drops signatures that no longer cover it", () => {
    expect(card.supportedInterfaces).toEqual([
      { url: 'https://agent.example/a2a/jsonrpc', protocolBinding: 'JSONRPC', tenant: '', protocolVersion: '1.0' },
    ]);
    expect(card.signatures).toBeUndefined();
    expect(agentIdentityOf(card)).toEqual(identity);
  });

  it('adds aip to every existing security requirement', () => {
    const withBearer = { ...v1Card, securityRequirements: [{ schemes: { bearer: { list: ['read'] } } }] };
    expect(publishAipIdentity(withBearer, { identity }).card.securityRequirements).toEqual([
      { schemes: { bearer: { list: ['read'] }, aip: {} } },
    ]);
  });

  it('replaces an extension entry with the same URI (the configured identity wins)', () => {
    const stale = { ...v1Card, capabilities: { extensions: [aipExtension({ ...identity, did: operator.did })] } };
    const published = publishAipIdentity(stale, { identity }).card;
    expect(agentIdentityOf(published)?.did).toBe(agent.did);
    expect((published.capabilities as { extensions: unknown[] }).extensions).toHaveLength(1);
  });

  it('leaves a card that already says all of it untouched, signatures included', () => {
    const once = publishAipIdentity(v1Card, { identity, rewrite }).card;
    const signed = { ...once, signatures: [{ protected: 'e30', signature: 'c2ln' }] };
    const again = publishAipIdentity(signed, { identity, rewrite });
    expect(again.changed).toBe(false);
    expect(again.card).toEqual(signed);
  });
});

describe('publishAipIdentity: an A2A 0.3 card', () => {
  const { card } = publishAipIdentity(v03Card, { identity, rewrite });

  it('reads back through the SDK v0.3 parser with the extension and the scheme', () => {
    expect(isLegacyAgentCard(card)).toBe(true);
    const parsed = parseLegacyAgentCard(card as never);
    expect(parsed.capabilities?.extensions.find((e) => e.uri === AIP_EXTENSION_URI)?.params).toMatchObject({
      did: agent.did,
    });
    expect(parsed.securitySchemes.aip?.scheme?.$case).toBe('apiKeySecurityScheme');
    expect(parsed.securityRequirements).toEqual([{ schemes: { aip: { list: [] } } }]);
  });

  it("points the main url at the proxy and keeps only JSON-RPC interfaces (0.3's OpenAPI-style scheme)", () => {
    expect(card.url).toBe('https://agent.example/a2a/jsonrpc');
    expect(card.additionalInterfaces).toEqual([]);
    expect(card.securitySchemes).toEqual({
      aip: { type: 'apiKey', in: 'header', name: 'X-AIP-Token', description: expect.any(String) },
    });
    expect(card.security).toEqual([{ aip: [] }]);
  });

  it('promotes a JSON-RPC interface when the preferred transport is another', () => {
    const rest = {
      ...v03Card,
      url: 'http://127.0.0.1:4000/a2a/rest',
      preferredTransport: 'HTTP+JSON',
      additionalInterfaces: [{ url: 'http://127.0.0.1:4000/a2a/jsonrpc', transport: 'JSONRPC' }],
    };
    expect(publishAipIdentity(rest, { identity, rewrite }).card).toMatchObject({
      url: 'https://agent.example/a2a/jsonrpc',
      preferredTransport: 'JSONRPC',
    });
  });

  it('leaves URLs on other origins as they are', () => {
    expect(
      publishAipIdentity({ ...v03Card, url: 'https://elsewhere.example/a2a' }, { identity, rewrite }).card.url,
    ).toBe('https://elsewhere.example/a2a');
  });
});

describe('agentIdentityOf', () => {
  it('finds nothing in a card without the extension, or with a did that is no key', () => {
    expect(agentIdentityOf(v1Card)).toBeUndefined();
    expect(agentIdentityOf(null)).toBeUndefined();
    const bad = { capabilities: { extensions: [{ uri: AIP_EXTENSION_URI, params: { did: 'did:web:example.com' } }] } };
    expect(agentIdentityOf(bad)).toBeUndefined();
    const broken = { capabilities: { extensions: [{ uri: AIP_EXTENSION_URI, params: { did: 'did:key:z6MkNOPE' } }] } };
    expect(agentIdentityOf(broken)).toBeUndefined();
  });

  it('refuses to publish into something that is not a card', () => {
    expect(() => publishAipIdentity([], { identity })).toThrow(TypeError);
  });
});
