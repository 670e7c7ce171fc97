// Read-side views of agents for the API and the observatory: one agent with its vouches in and
// out, and search over profiles and known DIDs.
import { AipError } from '@aip/identity';
import { type Vouch, verifyVouch } from '@aip/trust';
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

const LIKE_SPECIAL = /[\\%_]/g;

/**
 * Queries over a registry store that shape what the API and the observatory show.
 *
 * @example
 * ```ts
 * const views = new AgentViews(store);
 * views.search('scout', 20);
 * ```
 */
export class AgentViews {
  readonly #store: RegistryStore;
  readonly #sql;

  constructor(store: RegistryStore) {
    this.#store = store;
    const db = store.database;
    this.#sql = {
      agentIdx: db.prepare('SELECT idx FROM agents WHERE did = ?').pluck(),
      degrees: db.prepare('SELECT vouches_in, vouches_out FROM registry_degrees WHERE agent = ?'),
      received: db.prepare(
        'SELECT id, object, revoked_at IS NOT NULL AS revoked FROM vouches WHERE subject = ? ORDER BY seq DESC LIMIT ?',
      ),
      given: db.prepare(
        'SELECT id, object, revoked_at IS NOT NULL AS revoked FROM vouches WHERE voucher = ? ORDER BY seq DESC LIMIT ?',
      ),
      search: db.prepare(
        `SELECT did FROM registry_profiles
         WHERE name LIKE @contains ESCAPE '\\' OR description LIKE @contains ESCAPE '\\' OR did = @exact
         ORDER BY (did = @exact) DESC, (name LIKE @prefix ESCAPE '\\') DESC, name COLLATE NOCASE, did LIMIT @limit`,
      ),
      recent: db.prepare('SELECT did FROM registry_profiles ORDER BY seq DESC LIMIT ?').pluck(),
      didPrefix: db
        .prepare("SELECT did FROM agents WHERE did >= @prefix AND did < @prefix || '~' ORDER BY did LIMIT @limit")
        .pluck(),
    };
  }

  /**
   * One agent: its profile, counts and the newest `limit` vouches it received and gave. Undefined
   * when the registry knows neither a profile nor a vouch of it.
   *
   * @example
   * ```ts
   * const agent = views.agent(did, 50);
   * ```
   */
  agent(did: string, limit: number): AgentView | undefined {
    const profile = this.profile(did);
    const idx = this.#sql.agentIdx.get(did) as number | undefined;
    if (profile === undefined && idx === undefined) return undefined;
    let withheld = 0;
    // What is served is re-verified (as of its issue time, so expired vouches still show): a
    // database altered behind the registry's back yields fewer vouches, never a forged one.
    const served = (rows: unknown[]): ServedVouch[] =>
      (rows as { id: string; object: string; revoked: number }[]).flatMap((row) => {
        const vouch = authentic(row.id, row.object);
        if (vouch === undefined) {
          withheld++;
          return [];
        }
        return [{ id: row.id, revoked: row.revoked === 1, vouch }];
      });
    const vouchesReceived = idx === undefined ? [] : served(this.#sql.received.all(idx, limit));
    const vouchesGiven = idx === undefined ? [] : served(this.#sql.given.all(idx, limit));
    return {
      ...this.summary(did, profile),
      profile: profile ?? null,
      vouches_received: vouchesReceived,
      vouches_given: vouchesGiven,
      withheld,
    };
  }

  /**
   * Agents whose name or description contains `query` (case-insensitive), or whose DID is or
   * starts with it; an empty query lists the newest profiles.
   *
   * @example
   * ```ts
   * views.search('search', 10).map((a) => a.name);
   * ```
   */
  search(query: string, limit: number): AgentSummary[] {
    const q = query.trim();
    let dids: string[];
    if (q === '') dids = this.#sql.recent.all(limit) as string[];
    else {
      const escaped = q.replace(LIKE_SPECIAL, (c) => `\\${c}`);
      dids = (
        this.#sql.search.all({ contains: `%${escaped}%`, exact: q, prefix: `${escaped}%`, limit }) as { did: string }[]
      ).map((r) => r.did);
      if (dids.length < limit && q.startsWith('did:key:z') && q.length >= 12) {
        for (const did of this.#sql.didPrefix.all({ prefix: q, limit: limit - dids.length }) as string[]) {
          if (!dids.includes(did)) dids.push(did);
        }
      }
    }
    return dids.map((did) => this.summary(did, this.profile(did)));
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
   * views.summary(did).vouches_in;
   * ```
   */
  summary(did: string, profile?: Profile): AgentSummary {
    const idx = this.#sql.agentIdx.get(did) as number | undefined;
    const degrees =
      idx === undefined
        ? undefined
        : (this.#sql.degrees.get(idx) as { vouches_in: number; vouches_out: number } | undefined);
    return {
      did,
      name: profile?.name ?? null,
      description: profile?.description ?? '',
      endpoints: profile?.endpoints ?? [],
      platform: profile?.platform ?? null,
      vouches_in: degrees?.vouches_in ?? 0,
      vouches_out: degrees?.vouches_out ?? 0,
    };
  }
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
