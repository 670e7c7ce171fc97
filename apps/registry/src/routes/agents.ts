// Agents: challenges, registration of signed profiles, lookup with vouches in and out, search.
import type { FastifyInstance } from 'fastify';
import type { RegistryContext, RoutesOptions } from '../context.js';
import { RegistryError } from '../errors.js';
import { didParam } from '../lib/did-param.js';
import { PROFILE_TYPE, parseProfile, verifyProfile } from '../profile.js';
import { parseRegistration, verifyRegistration } from '../registration.js';
import { AGENT_SUMMARY, DID, SERVED_VOUCH, SIGNED_OBJECT } from './schemas.js';

const AGENT = {
  ...AGENT_SUMMARY,
  required: [...AGENT_SUMMARY.required, 'profile', 'vouches_received', 'vouches_given', 'withheld'],
  properties: {
    ...AGENT_SUMMARY.properties,
    profile: { anyOf: [SIGNED_OBJECT, { type: 'null' }] },
    vouches_received: { type: 'array', items: SERVED_VOUCH },
    vouches_given: { type: 'array', items: SERVED_VOUCH },
    withheld: { type: 'integer', description: 'stored vouches left out because they no longer verify' },
  },
} as const;

/**
 * `POST /v1/challenges`, `POST /v1/agents`, `GET /v1/agents`, `GET /v1/agents/:did`.
 *
 * @example
 * ```ts
 * app.register(agentRoutes, { ctx });
 * ```
 */
export async function agentRoutes(app: FastifyInstance, { ctx }: RoutesOptions): Promise<void> {
  app.post<{ Body: { did?: unknown } }>(
    '/v1/challenges',
    {
      schema: {
        summary: 'a single-use, short-lived challenge for a challenge-response registration',
        tags: ['agents'],
        body: { type: 'object', properties: { did: DID }, required: ['did'] },
        response: {
          201: {
            description: 'sign it in an aip-registration/1 before expires_at',
            type: 'object',
            properties: { challenge: { type: 'string' }, did: { type: 'string' }, expires_at: { type: 'integer' } },
          },
        },
      },
    },
    async (request, reply) => {
      const did = request.body.did as string;
      if (!did.startsWith('did:key:')) throw new RegistryError('aip_request_invalid', 'did must be a did:key');
      didParam('did', did);
      return reply.status(201).send(await ctx.challenges.issue(did, ctx.now()));
    },
  );

  app.post<{ Body: Record<string, unknown> }>(
    '/v1/agents',
    {
      schema: {
        summary: 'register or update a signed agent profile (aip-profile/1)',
        description:
          'The body is the signed profile, or {"profile", "registration"} where registration is an aip-registration/1 answering a challenge (required when the registry is run with challenges required). A profile replaces the stored one only when its iat is later.',
        tags: ['agents'],
        body: SIGNED_OBJECT,
        response: {
          201: {
            description: 'stored; `replaced` is the id of the profile it superseded',
            type: 'object',
            properties: {
              id: { type: 'string' },
              did: { type: 'string' },
              status: { type: 'string', enum: ['accepted'] },
              replaced: { type: ['string', 'null'] },
            },
          },
        },
      },
    },
    async (request, reply) => reply.status(201).send(await register(ctx, request.body)),
  );

  app.get<{ Querystring: { q: string; limit: number } }>(
    '/v1/agents',
    {
      schema: {
        summary: 'search agents by name, description or DID (an empty query lists the newest profiles)',
        tags: ['agents'],
        querystring: {
          type: 'object',
          properties: {
            q: { type: 'string', maxLength: 200, default: '', description: 'text to look for' },
            limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
          },
        },
        response: {
          200: {
            description: 'matching agents, exact DID first, then names starting with the query',
            type: 'object',
            properties: { agents: { type: 'array', items: AGENT_SUMMARY } },
          },
        },
      },
    },
    async (request) => ({ agents: await ctx.agents.search(request.query.q, request.query.limit) }),
  );

  app.get<{ Params: { did: string }; Querystring: { limit: number } }>(
    '/v1/agents/:did',
    {
      schema: {
        summary: 'one agent: its profile and the vouches it received and gave (newest first)',
        tags: ['agents'],
        params: { type: 'object', properties: { did: DID }, required: ['did'] },
        querystring: {
          type: 'object',
          properties: { limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 } },
        },
        response: { 200: { description: 'the agent', ...AGENT } },
      },
    },
    async (request) => {
      const did = didParam('did', request.params.did);
      const agent = await ctx.agents.agent(did, request.query.limit);
      if (agent === undefined) throw new RegistryError('aip_agent_unknown', 'no agent with this DID is known here');
      return agent;
    },
  );
}

/** Structure first (no cryptography), then the identity's allowance, then signatures and the challenge. */
async function register(ctx: RegistryContext, body: Record<string, unknown>) {
  let profileValue: unknown = body;
  let registrationValue: unknown;
  if (body.type !== PROFILE_TYPE && 'profile' in body) {
    const extra = Object.keys(body).find((key) => key !== 'profile' && key !== 'registration');
    if (extra !== undefined) {
      throw new RegistryError('aip_profile_malformed', 'the body takes "profile" and "registration" only');
    }
    profileValue = body.profile;
    registrationValue = body.registration;
  }
  const profile = parseProfile(profileValue);
  if (registrationValue !== undefined) parseRegistration(registrationValue);
  else if (ctx.requireChallenge) {
    throw new RegistryError(
      'aip_challenge_required',
      'this registry requires a challenge-response registration (POST /v1/challenges first)',
    );
  }
  const nowMs = ctx.now() * 1000;
  await ctx.identityLimit?.check(profile.did, nowMs);
  const now = ctx.now();
  const verified = verifyProfile(profile, { now });
  if (registrationValue !== undefined) {
    const registration = verifyRegistration(registrationValue);
    if (registration.did !== profile.did || registration.profile !== verified.id) {
      throw new RegistryError('aip_registration_malformed', 'the registration names another agent or profile');
    }
    await ctx.challenges.consume(registration.challenge, registration.did, now);
  }
  await ctx.identityLimit?.take(profile.did, nowMs);
  const outcome = await ctx.log.publishProfile(verified, now);
  if (outcome.status === 'duplicate') {
    throw new RegistryError('aip_object_duplicate', 'this profile is already registered');
  }
  return { id: outcome.id, did: profile.did, status: 'accepted', replaced: outcome.replaced };
}
