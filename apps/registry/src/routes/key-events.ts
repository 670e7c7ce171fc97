// Key events (DESIGN §11): published like vouches (verified, charged to the signer, written through
// the registry log into the trust store), listed in arrival order for sync, and read back as an
// agent's lineage.
import { describeLineage, type KeyEventState, parseKeyEvent } from '@aip/identity';
import { verifyKeyEventObject } from '@aip/trust';
import type { FastifyInstance } from 'fastify';
import type { RoutesOptions } from '../context.js';
import { RegistryError } from '../errors.js';
import { didParam } from '../lib/did-param.js';
import { ACCEPTED, DID, SIGNED_OBJECT } from './schemas.js';

const MAX_PAGE = 1000;

const LINEAGE = {
  type: 'object',
  required: ['did', 'root', 'current', 'next_committed', 'frozen', 'keys', 'events'],
  properties: {
    did: { type: 'string' },
    root: { type: ['string', 'null'], description: 'the inception key; null when no inception is known' },
    current: { type: 'string', description: 'the key that signs for the identity now' },
    next_committed: { type: 'boolean', description: 'a next key is committed: the identity can rotate' },
    frozen: { type: 'boolean', description: 'a fork was seen: no further rotation is honoured' },
    keys: {
      type: 'array',
      items: {
        type: 'object',
        required: ['did', 'status'],
        properties: {
          did: { type: 'string' },
          status: { type: 'string', enum: ['current', 'rotated', 'revoked'] },
          established_at: { type: 'integer' },
          rotated_at: { type: 'integer' },
          revoked_at: { type: 'integer' },
          cause: { type: 'string', enum: ['revoked', 'duplicity'] },
          reason: { type: 'string' },
        },
      },
    },
    events: { type: 'array', items: SIGNED_OBJECT, description: 'the signed events naming its keys' },
  },
} as const;

/**
 * `POST /v1/key-events`, `GET /v1/key-events`, `GET /v1/agents/:did/lineage`.
 *
 * @example
 * ```ts
 * app.register(keyEventRoutes, { ctx });
 * ```
 */
export async function keyEventRoutes(app: FastifyInstance, { ctx }: RoutesOptions): Promise<void> {
  app.post<{ Body: unknown }>(
    '/v1/key-events',
    {
      schema: {
        summary: 'publish a signed key event (aip-key-event/1): an inception, a rotation or a key revocation',
        description:
          "Refused with a code when it is malformed (aip_key_event_malformed), forged or tampered with (aip_signature_invalid), issued in the future, or already stored. Whether its signer had the authority is the lineage's question: an event without it is kept as evidence and changes nothing.",
        tags: ['objects'],
        body: SIGNED_OBJECT,
        response: { 201: { description: 'stored', ...ACCEPTED } },
      },
    },
    async (request, reply) => {
      // The schema first (no cryptography), so the signer is known before anything is charged.
      const parsed = parseKeyEvent(request.body);
      const signer = parsed.event === 'revocation' ? parsed.signer : parsed.key;
      const nowMs = ctx.now() * 1000;
      ctx.identityLimit?.check(signer, nowMs);
      const verified = verifyKeyEventObject(request.body, { now: ctx.now() });
      ctx.identityLimit?.take(signer, nowMs);
      // Through the log: on replicas the shared database, which every replica's copy follows; the
      // replica that took it has it in its own copy before it answers.
      const outcome = await ctx.log.publishKeyEvent(verified, ctx.now());
      if (outcome.status === 'duplicate')
        throw new RegistryError('aip_object_duplicate', 'this key event is already stored');
      return reply.status(201).send({ id: verified.id, status: 'accepted' });
    },
  );

  app.get<{ Querystring: { after?: number; limit?: number } }>(
    '/v1/key-events',
    {
      schema: {
        summary: 'every stored key event in arrival order, a page at a time (what aip sync pulls)',
        tags: ['objects'],
        querystring: {
          type: 'object',
          properties: {
            after: { type: 'integer', minimum: 0, description: 'how many events were already read' },
            limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['events', 'next'],
            properties: {
              events: { type: 'array', items: SIGNED_OBJECT },
              next: { type: ['integer', 'null'], description: 'pass as `after` for the next page' },
            },
          },
        },
      },
    },
    async (request) => {
      const after = request.query.after ?? 0;
      const limit = request.query.limit ?? MAX_PAGE;
      const all = ctx.store.trust.keyEvents();
      const page = all.slice(after, after + limit);
      return { events: page.map((e) => e.event), next: after + page.length < all.length ? after + page.length : null };
    },
  );

  app.get<{ Params: { did: string } }>(
    '/v1/agents/:did/lineage',
    {
      schema: {
        summary: "an agent's lineage: its keys, which were rotated or revoked, and the events that say so",
        tags: ['agents'],
        params: { type: 'object', properties: { did: DID }, required: ['did'] },
        response: { 200: LINEAGE },
      },
    },
    async (request) =>
      lineageView(ctx.store.trust.keyState(), ctx.store.trust.keyEvents(), didParam('did', request.params.did)),
  );
}

/** The lineage of `did` as the API and the observatory show it, with the events that say so. */
function lineageView(
  state: KeyEventState,
  events: readonly { event: { key: string; prior?: string; signer?: string } }[],
  did: string,
) {
  const view = describeLineage(state, did);
  const keys = view.keys.map((key) => key.did);
  return {
    ...view,
    events: events
      .filter(({ event }) => keys.includes(event.key) || (event.prior !== undefined && keys.includes(event.prior)))
      .map(({ event }) => event),
  };
}
