// JSON schemas shared by the routes: fastify validates requests and serializes responses with
// them, and the OpenAPI document is built from them.

export const DID = {
  type: 'string',
  minLength: 1,
  maxLength: 200,
  description: 'an agent: did:key (aip:key and bare z... keys are accepted too)',
} as const;

export const SIGNED_OBJECT = {
  type: 'object',
  additionalProperties: true,
  description: 'a signed object, exactly as its signer produced it',
} as const;

export const TRUST_RESULT_PROPERTIES = {
  score: { type: 'number', description: 'path trust T in [0, 1], 6 decimal places; 0 without a chain' },
  corroboration: { type: 'integer', description: 'vertex-disjoint chains of at most 4 hops (greedy, capped at 8)' },
  hops: { type: 'integer', description: 'vouches on the evidence path' },
  path: { type: 'array', items: { type: 'string' }, description: 'DIDs from root to target inclusive' },
} as const;

export const AGENT_SUMMARY = {
  type: 'object',
  required: ['did', 'name', 'description', 'endpoints', 'platform', 'vouches_in', 'vouches_out'],
  properties: {
    did: { type: 'string' },
    name: { type: ['string', 'null'] },
    description: { type: 'string' },
    endpoints: { type: 'array', items: { type: 'string' } },
    platform: {
      type: ['string', 'null'],
      description: 'a platform account the agent claims (e.g. github/myrepo): self-asserted, never verified',
    },
    vouches_in: { type: 'integer' },
    vouches_out: { type: 'integer' },
  },
} as const;

export const SERVED_VOUCH = {
  type: 'object',
  required: ['id', 'revoked', 'vouch'],
  properties: { id: { type: 'string' }, revoked: { type: 'boolean' }, vouch: SIGNED_OBJECT },
} as const;

export const ACCEPTED = {
  type: 'object',
  required: ['id', 'status'],
  properties: {
    id: { type: 'string', description: 'the object id: base64url SHA-256 of its canonical JSON' },
    status: { type: 'string', enum: ['accepted'] },
  },
} as const;
