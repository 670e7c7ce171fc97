// Read-side views of agents for the API and the observatory: one agent with its vouches in and
// out, and search over profiles and known DIDs.
import { AipError } from '@aip/identity';
import { type AgentStats, type TrustDirectory, type Vouch, type VouchPage, verifyVouch } from '@aip/trust';
import { type Profile, verifyProfile } from './profile.js';
import type { RegistryStore } from './registry-store.js';

/** A vouch as the registry serves it: the signed object, its id and whether it was revoked. */
export interface ServedVouch {
  id: string;
  revoked: boolean;
  vouch: Vouch;
}

/** An agent summary (search results, graph nodes). */
export interface AgentSummary {
  did: string;
  /** The profile's name, or null for an agent known only from vouches. */
  name: string | null;
  description: string;
  endpoints: string[];
  /** A platform account the agent claims in its profile (`github/myrepo`): self-asserted, unverified. */
  platform: string | null;
  /** Active (unrevoked) vouches for the agent and by it. */
  vouches_in: number;
  vouches_out: number;
}

/** One agent in full. */
export interface AgentView extends AgentSummary {
  /** The signed profile, or null. */
  profile: Profile | null;
  /** Newest first, at most the requested number. */
  vouches_received: ServedVouch[];
  vouches_given: ServedVouch[];
  /** Stored vouches left out because they no longer verify (the database was altered). */
  withheld: number;
}

/**
 * What the API and the observatory show of agents: the registry's profiles and the trust store's
 * directory (never its tables).
 *
 * @example
 * ```ts
 * const views = new AgentViews(store);
 * await views.search('scout', 20);
 * ```
 */
export class AgentViews {
  readonly #store: RegistryStore;
  readonly #directory: TrustDirectory;

  constructor(store: RegistryStore) {
    if (store.directory === undefined) throw new TypeError('agent views need a store with a feed');
    this.#store = store;
    this.#directory = store.directory;
  }

  /**
   * One agent: its profile, counts and the newest `limit` vouches it received and gave. Undefined
   * when the registry knows neither a profile nor a vouch of it.
   *
   * @example
   * ```ts
   * const agent = await views.agent(did, 50);
   * ```
   */
  async agent(did: string, limit: number): Promise<AgentView | undefined> {
    const profile = this.profile(did);
    const stats = await this.#directory.agentStats(did);
    if (profile === undefined && stats === undefined) return undefined;
    let withheld = 0;
    // What is served is re-verified (as of its issue time, so expired vouches still show): a
    // database altered behind the registry's back yields fewer vouches, never a forged one.
    const served = (page: VouchPage): ServedVouch[] =>
      page.vouches.flatMap((listed) => {
        const vouch = authentic(listed.id, listed.canonical);
        if (vouch === undefined) {
          withheld++;
          return [];
        }
        return [{ id: listed.id, revoked: listed.revoked, vouch }];
      });
    const [received, given] =
      stats === undefined
        ? [[], []]
        : [
            served(await this.#directory.vouchesOf(did, { direction: 'received', limit })),
            served(await this.#directory.vouchesOf(did, { direction: 'given', limit })),
          ];
    return {
      ...summaryOf(did, profile, stats),
      profile: profile ?? null,
      vouches_received: received,
      vouches_given: given,
      withheld,
    };
  }

  /**
   * Agents whose name or description contains `query` (case-insensitive), or whose DID is or
   * starts with it; an empty query lists the newest profiles.
   *
   * @example
   * ```ts
   * (await views.search('search', 10)).map((a) => a.name);
   * ```
   */
  async search(query: string, limit: number): Promise<AgentSummary[]> {
    const q = query.trim();
    let dids: string[];
    if (q === '') dids = this.#store.profileDids(limit);
    else {
      dids = this.#store.searchProfiles(q, limit);
      if (dids.length < limit && q.startsWith('did:key:z') && q.length >= 12) {
        for (const did of await this.#directory.agentsWithPrefix(q, limit - dids.length)) {
          if (!dids.includes(did)) dids.push(did);
        }
      }
    }
    return Promise.all(dids.map((did) => this.summary(did, this.profile(did))));
  }

  /**
   * The stored profile of `did` if it still verifies (as of its issue time) under its stored id.
   *
   * @example
   * ```ts
   * views.profile(did)?.name;
   * ```
   */
  profile(did: string): Profile | undefined {
    try {
      const stored = this.#store.getProfile(did);
      if (stored === undefined) return undefined;
      const verified = verifyProfile(stored.profile, { now: stored.profile.iat });
      return verified.id === stored.id ? verified.profile : undefined;
    } catch (err) {
      if (err instanceof AipError || err instanceof SyntaxError) return undefined;
      throw err;
    }
  }

  /**
   * The summary of one agent (its profile's fields and active vouch counts).
   *
   * @example
   * ```ts
   * (await views.summary(did)).vouches_in;
   * ```
   */
  async summary(did: string, profile?: Profile): Promise<AgentSummary> {
    return summaryOf(did, profile, await this.#directory.agentStats(did));
  }
}

function summaryOf(did: string, profile: Profile | undefined, stats: AgentStats | undefined): AgentSummary {
  return {
    did,
    name: profile?.name ?? null,
    description: profile?.description ?? '',
    endpoints: profile?.endpoints ?? [],
    platform: profile?.platform ?? null,
    vouches_in: stats?.vouchesIn ?? 0,
    vouches_out: stats?.vouchesOut ?? 0,
  };
}

/** The stored vouch if it still verifies and still has the id it is stored under. */
function authentic(id: string, text: string): Vouch | undefined {
  try {
    const value = JSON.parse(text) as { iat?: unknown };
    const verified = verifyVouch(value, { now: typeof value.iat === 'number' ? value.iat : 0 });
    return verified.id === id ? verified.vouch : undefined;
  } catch (err) {
    if (err instanceof AipError || err instanceof SyntaxError) return undefined;
    throw err;
  }
}
