// A small, readable agent network for the observatory tests: named agents with profiles, vouches
// in a few scopes (a hub, chains, a revocation), published through the real API.
import { generateIdentity, type Identity } from '@aip/identity';
import { createRevocation, createVouch, vouchId } from '@aip/trust';
import type { FastifyInstance } from 'fastify';
import { createProfile } from '../src/index.js';
import { NOW } from './helpers.js';

const NAMES = [
  'atlas',
  'beacon',
  'cartographer',
  'dispatcher',
  'echo',
  'forager',
  'gatekeeper',
  'harbor',
  'indexer',
  'juror',
  'keeper',
  'lumen',
  'mariner',
  'navigator',
  'oracle',
  'pilot',
  'quartermaster',
  'relay',
  'sentinel',
  'tracker',
  'umpire',
  'vanguard',
  'warden',
  'xenon',
  'yardmaster',
  'zephyr',
];

export interface Network {
  agents: Map<string, Identity>;
  /** An agent whose profile name is markup, to check it is shown as text. */
  mallory: Identity;
}

/** Publishes the network into `app`; returns the identities by name. */
export async function publishNetwork(app: FastifyInstance): Promise<Network> {
  const agents = new Map(NAMES.map((name) => [name, generateIdentity()]));
  const mallory = generateIdentity();
  const at = (i: number) => NOW - (NAMES.length - i) * 86_400;
  const send = async (url: string, payload: unknown) => {
    const res = await app.inject({ method: 'POST', url, payload: payload as object });
    if (res.statusCode !== 201) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
  };
  let i = 0;
  for (const [name, identity] of agents) {
    await send(
      '/v1/agents',
      createProfile(identity, {
        name,
        description: `${name} agent: ${i % 2 === 0 ? 'searches and summarises' : 'runs github tools'}`,
        endpoints: [`https://${name}.agents.example/mcp`],
        ...(name === 'cartographer' ? { platform: 'github/cartographer-agent' } : {}),
        now: at(i++),
      }),
    );
  }
  await send(
    '/v1/agents',
    createProfile(mallory, {
      name: '<img src=x onerror="window.__xss=1">',
      description: '<script>window.__xss=2</script>',
      now: NOW,
    }),
  );
  const list = [...agents.values()];
  const vouch = async (
    from: Identity,
    to: Identity,
    scope: string,
    weight: number,
    day: number,
    statement?: string,
  ) => {
    const v = createVouch(from, {
      subject: to.did,
      scope,
      weight,
      now: at(day),
      ...(statement === undefined ? {} : { statement }),
    });
    await send('/v1/vouches', v);
    return v;
  };
  // atlas is a hub; chains fan out from it; github tools form a second cluster.
  for (let j = 1; j < 9; j++) await vouch(list[0] as Identity, list[j] as Identity, 'tool:search', 0.9 - j * 0.05, j);
  for (let j = 1; j < 9; j++)
    await vouch(list[j] as Identity, list[j + 8] as Identity, j % 2 === 0 ? 'tool:*' : 'tool:search', 0.8, j + 8);
  for (let j = 9; j < 17; j++)
    await vouch(list[j] as Identity, list[(j + 5) % 26] as Identity, 'tool:github.*', 0.7, j);
  for (let j = 17; j < 26; j++)
    await vouch(list[j] as Identity, list[j - 16] as Identity, '*', 0.6, j, 'worked well together');
  await vouch(list[2] as Identity, list[0] as Identity, 'tool:search', 1, 20, '<b>reliable</b>');
  await vouch(list[0] as Identity, mallory, '*', 0.3, 24);
  const revoked = await vouch(list[3] as Identity, list[25] as Identity, '*', 0.5, 22);
  await send('/v1/revocations', createRevocation(list[3] as Identity, vouchId(revoked), { now: NOW }));
  return { agents, mallory };
}
