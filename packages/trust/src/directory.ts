// The read side a directory of agents (the registry, a mirror) needs from a trust store: the
// append sequence of stored objects, an agent's vouches and counts, and network-wide figures. The
// store's schema stays private (CONVENTIONS 15): this is the whole contract, asynchronous so a
// store shared by several processes (PostgreSQL, DESIGN §9) can implement it too.

/** One stored object at its place in the store's append sequence. */
export interface TrustChange {
  /** Position in the sequence: increasing in arrival order, never reused. */
  seq: number;
  kind: 'vouch' | 'revocation';
  id: string;
  /** The signed object's canonical text, exactly as stored. */
  canonical: string;
}

/** A stored vouch as a directory lists it: its stored text, for the caller to verify. */
export interface ListedVouch {
  id: string;
  /** The signed vouch's canonical text, exactly as stored (never trust it unverified). */
  canonical: string;
  revoked: boolean;
}

/** A page of an agent's vouches, newest first. */
export interface VouchPage {
  vouches: ListedVouch[];
  /** Pass as `before` for the next page; undefined when there is none. */
  next: number | undefined;
}

/** Which of an agent's vouches: made for it, or made by it. */
export type VouchDirection = 'received' | 'given';

/** Active (unrevoked) vouches of one agent. */
export interface AgentStats {
  vouchesIn: number;
  vouchesOut: number;
}

/** An active vouch between two agents, for drawing. */
export interface VouchEdge {
  id: string;
  voucher: string;
  subject: string;
  scope: string;
  weight: number;
}

/** Store-wide totals at a time. */
export interface TrustTotals {
  /** Distinct agents named by a stored vouch or revocation. */
  agents: number;
  vouches: number;
  /** Unrevoked and unexpired at the time asked. */
  activeVouches: number;
  revocations: number;
}

/** How many objects were issued per UTC day (by their signed `iat`). */
export interface IssuedPerDay {
  /** Vouches issued before the first day asked for. */
  vouchesBefore: number;
  /** `[day, count]`, day = Unix days (`iat / 86400`), only days with objects. */
  vouches: [day: number, count: number][];
  revocations: [day: number, count: number][];
}

/**
 * What a directory of agents reads from a trust store. Every method answers from the store's
 * committed state at the time of the call.
 */
export interface TrustDirectory {
  /**
   * Up to `limit` stored objects after position `after` (0: from the beginning), in arrival order.
   * A revocation the store dropped (a foreign one that arrived before its vouch) leaves a gap.
   */
  changesSince(after: number, limit: number): Promise<TrustChange[]>;
  /** The newest position of the sequence (0 when empty). */
  latestChange(): Promise<number>;
  /** `did`'s vouches received or given, newest first, `limit` at a time (`before`: a page's `next`). */
  vouchesOf(
    did: string,
    options: { direction: VouchDirection; limit: number; before?: number | undefined },
  ): Promise<VouchPage>;
  /** Active vouch counts of `did`; undefined when no stored object names it. */
  agentStats(did: string): Promise<AgentStats | undefined>;
  /** Up to `limit` agents by active vouches received, most first (ties by a fixed hash of the DID). */
  mostVouched(limit: number): Promise<string[]>;
  /** How many agents stored objects name. */
  agentCount(): Promise<number>;
  /** Up to `limit` known DIDs starting with `prefix`, in order. */
  agentsWithPrefix(prefix: string, limit: number): Promise<string[]>;
  /** Known DIDs in order, `limit` at a time after `after` (a page's last DID). */
  listAgents(options: { after?: string | undefined; limit: number }): Promise<string[]>;
  /** How many of `dids` a stored object names. */
  countKnown(dids: readonly string[]): Promise<number>;
  /**
   * Up to `limit` agents linked to `did` by an active vouch, either way, strongest vouch first
   * (weight, then newest); an agent linked by several vouches appears once per vouch.
   */
  neighbours(did: string, limit: number): Promise<string[]>;
  /**
   * The vouches among `dids` (both ends in the set) that are active at `now` and, when `scope` is
   * given, count for it (`patternCovers` of `@aip/token`), oldest first.
   */
  vouchesAmong(dids: readonly string[], options: { now: number; scope?: string }): Promise<VouchEdge[]>;
  /** Totals, vouches active at `now` counted apart. */
  totals(now: number): Promise<TrustTotals>;
  /** Up to `limit` scopes by vouches active at `now`, busiest first (ties by scope). */
  busiestScopes(options: { now: number; limit: number }): Promise<{ scope: string; vouches: number }[]>;
  /** Vouches and revocations issued per day from `since` (Unix seconds, rounded down to its day). */
  issuedPerDay(since: number): Promise<IssuedPerDay>;
}
