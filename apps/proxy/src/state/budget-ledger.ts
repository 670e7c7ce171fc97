// The budget ledger (`[budget]`): what each call costs, charged atomically against every segment
// of the caller's chain, so subagents fanned out from one token cannot together spend more than it
// allows. A charge is made before the request is forwarded and stays `pending` until the outcome
// is known: `delivered` once the upstream answered (or may have acted), `refunded` when it provably
// never got the request. A charge still pending after its deadline (the proxy was killed) becomes
// `unknown` and stays charged, so a budget is never exceeded and every charge can be reconciled
// with the audit log by its request id. Durable (SQLite, WAL), exact (integer micro-dollars),
// shared by every proxy process that opens the same file; idempotent on the request id.
import { scopeMatches } from '@aip/token';
import Database from 'better-sqlite3';
import type { ProxyConfig } from '../config/sections.js';

const MICROS = 1_000_000;
const toMicros = (usd: number) => Math.round(usd * MICROS);

/** One chain segment as the ledger sees it. */
export interface LedgerSegment {
  id: string;
  /** Ceiling in USD, `null` for none. */
  budget: number | null;
}

export type ChargeResult =
  | { ok: true; charged: boolean; cost: number }
  | { ok: false; segment: string; spent: number; budget: number; cost: number };

/** What became of a charge. */
export type ChargeState = 'pending' | 'delivered' | 'refunded' | 'unknown';

/** Spend of one segment. */
export interface SegmentSpend {
  id: string;
  budget_usd: number | null;
  spent_usd: number;
  calls: number;
  subject: string | null;
  last_at: number | null;
}

/** One charge, for reconciliation. */
export interface ChargeRecord {
  request_id: string;
  at: number;
  subject: string;
  tools: string[];
  chain: string[];
  cost_usd: number;
  state: ChargeState;
}

/**
 * The cost in USD of a request's scopes: each scope priced by its most specific matching pattern,
 * else the default.
 *
 * @example
 * ```ts
 * costOf({ costs: new Map([['tool:*', 0.01], ['tool:gpt', 0.5]]), default_cost: 0 }, ['tool:gpt']); // 0.5
 * ```
 */
export function costOf(
  pricing: Pick<NonNullable<ProxyConfig['budget']>, 'costs' | 'default_cost'>,
  scopes: readonly string[],
): number {
  let total = 0;
  for (const scope of scopes) {
    let best: string | undefined;
    for (const pattern of pricing.costs.keys())
      if (scopeMatches(pattern, scope) && (best === undefined || pattern.length > best.length)) best = pattern;
    total += toMicros(best === undefined ? pricing.default_cost : (pricing.costs.get(best) as number));
  }
  return total / MICROS;
}

/** The ledger; every method is asynchronous, so a shared (networked) ledger can stand in. */
export interface BudgetLedger {
  /**
   * Charges `cost` to every segment, all or nothing, as a pending charge keyed by `requestId`.
   * Charging the same request id again changes nothing and answers as the first charge did.
   */
  charge(
    requestId: string,
    chain: readonly LedgerSegment[],
    cost: number,
    meta: { subject: string; tools: readonly string[]; now: number },
  ): Promise<ChargeResult>;
  /** Settles a pending charge: kept (`delivered`) or given back (`refunded`). Idempotent. */
  settle(requestId: string, outcome: 'delivered' | 'refunded'): Promise<void>;
  /** Marks charges pending since before `olderThan` (Unix seconds) as `unknown`; returns how many. */
  expire(olderThan: number): Promise<number>;
  /** Spend per segment, most recent first; `ids` narrows it to those segments. */
  report(ids?: readonly string[]): Promise<SegmentSpend[]>;
  /** Charges by state (`unknown` ones are what a reconciliation looks at). */
  charges(state?: ChargeState, limit?: number): Promise<ChargeRecord[]>;
  close(): Promise<void>;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS segments (
  id TEXT PRIMARY KEY,
  budget_micros INTEGER,
  spent_micros INTEGER NOT NULL DEFAULT 0,
  calls INTEGER NOT NULL DEFAULT 0,
  subject TEXT,
  last_at INTEGER
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS charges (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  subject TEXT NOT NULL,
  tools TEXT NOT NULL,
  chain TEXT NOT NULL,
  cost_micros INTEGER NOT NULL,
  refunded INTEGER NOT NULL DEFAULT 0
);
`;

// Version 2: charges carry their request id and state.
const MIGRATIONS = [
  `ALTER TABLE charges ADD COLUMN request_id TEXT;
   ALTER TABLE charges ADD COLUMN state TEXT NOT NULL DEFAULT 'delivered';
   UPDATE charges SET state = 'refunded' WHERE refunded = 1;
   CREATE UNIQUE INDEX IF NOT EXISTS charges_request ON charges (request_id);
   CREATE INDEX IF NOT EXISTS charges_pending ON charges (state, at) WHERE state = 'pending';`,
];

/**
 * Opens (creating if needed) the SQLite ledger at `path` (`:memory:` for tests). Throws when the
 * file cannot be opened (a missing directory, no permission), naming the cause.
 *
 * @example
 * ```ts
 * const ledger = openBudgetLedger('budget.db');
 * await ledger.charge(requestId, verified.chain.map((l) => ({ id: l.id, budget: l.budget_usd })), 0.01, { subject, tools: ['search'], now });
 * ```
 */
export function openBudgetLedger(path: string): BudgetLedger {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    for (let v = version; v < MIGRATIONS.length; v++) db.exec(MIGRATIONS[v] as string);
    db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
  const sql = {
    ensure: db.prepare(
      'INSERT INTO segments (id, budget_micros, subject) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING',
    ),
    spent: db.prepare('SELECT spent_micros, budget_micros FROM segments WHERE id = ?'),
    add: db.prepare(
      'UPDATE segments SET spent_micros = spent_micros + ?, calls = calls + ?, last_at = coalesce(?, last_at) WHERE id = ?',
    ),
    insertCharge: db.prepare(
      "INSERT INTO charges (request_id, at, subject, tools, chain, cost_micros, state) VALUES (?, ?, ?, ?, ?, ?, 'pending')",
    ),
    byRequest: db.prepare('SELECT chain, cost_micros, state FROM charges WHERE request_id = ?'),
    setState: db.prepare('UPDATE charges SET state = ?, refunded = ? WHERE request_id = ?'),
    expire: db.prepare("UPDATE charges SET state = 'unknown' WHERE state = 'pending' AND at < ?"),
    all: db.prepare(
      'SELECT id, budget_micros, spent_micros, calls, subject, last_at FROM segments ORDER BY last_at DESC, id LIMIT 1000',
    ),
    one: db.prepare('SELECT id, budget_micros, spent_micros, calls, subject, last_at FROM segments WHERE id = ?'),
    chargesAll: db.prepare(
      'SELECT request_id, at, subject, tools, chain, cost_micros, state FROM charges ORDER BY id DESC LIMIT ?',
    ),
    chargesIn: db.prepare(
      'SELECT request_id, at, subject, tools, chain, cost_micros, state FROM charges WHERE state = ? ORDER BY id DESC LIMIT ?',
    ),
  };

  // BEGIN IMMEDIATE: the check and the charge happen under one write lock, across processes too.
  const charge = db.transaction(
    (
      requestId: string,
      chain: readonly LedgerSegment[],
      micros: number,
      meta: { subject: string; tools: readonly string[]; now: number },
    ): ChargeResult => {
      const known = sql.byRequest.get(requestId) as { state: ChargeState } | undefined;
      if (known !== undefined) return { ok: true, charged: known.state !== 'refunded', cost: micros / MICROS };
      for (const segment of chain) {
        sql.ensure.run(segment.id, segment.budget === null ? null : toMicros(segment.budget), meta.subject);
        const row = sql.spent.get(segment.id) as { spent_micros: number; budget_micros: number | null };
        if (row.budget_micros !== null && row.spent_micros + micros > row.budget_micros) {
          return {
            ok: false,
            segment: segment.id,
            spent: row.spent_micros / MICROS,
            budget: row.budget_micros / MICROS,
            cost: micros / MICROS,
          };
        }
      }
      for (const segment of chain) sql.add.run(micros, 1, meta.now, segment.id);
      sql.insertCharge.run(
        requestId,
        meta.now,
        meta.subject,
        JSON.stringify(meta.tools),
        JSON.stringify(chain.map((s) => s.id)),
        micros,
      );
      return { ok: true, charged: true, cost: micros / MICROS };
    },
  );

  const settle = db.transaction((requestId: string, outcome: 'delivered' | 'refunded') => {
    const row = sql.byRequest.get(requestId) as { chain: string; cost_micros: number; state: ChargeState } | undefined;
    if (row === undefined || (row.state !== 'pending' && row.state !== 'unknown')) return;
    if (outcome === 'refunded')
      for (const id of JSON.parse(row.chain) as string[]) sql.add.run(-row.cost_micros, -1, null, id);
    sql.setState.run(outcome, outcome === 'refunded' ? 1 : 0, requestId);
  });

  const toSpend = (row: {
    id: string;
    budget_micros: number | null;
    spent_micros: number;
    calls: number;
    subject: string | null;
    last_at: number | null;
  }): SegmentSpend => ({
    id: row.id,
    budget_usd: row.budget_micros === null ? null : row.budget_micros / MICROS,
    spent_usd: row.spent_micros / MICROS,
    calls: row.calls,
    subject: row.subject,
    last_at: row.last_at,
  });

  return {
    charge(requestId, chain, cost, meta) {
      const micros = toMicros(cost);
      if (micros === 0 || chain.length === 0) return Promise.resolve({ ok: true, charged: false, cost: 0 });
      return Promise.resolve(charge.immediate(requestId, chain, micros, meta));
    },
    settle(requestId, outcome) {
      settle.immediate(requestId, outcome);
      return Promise.resolve();
    },
    expire(olderThan) {
      return Promise.resolve(Number(sql.expire.run(olderThan).changes));
    },
    report(ids) {
      const rows = (
        ids === undefined ? sql.all.all() : ids.map((id) => sql.one.get(id)).filter((r) => r !== undefined)
      ) as Parameters<typeof toSpend>[0][];
      return Promise.resolve(rows.map(toSpend));
    },
    charges(state, limit = 1000) {
      const rows = (state === undefined ? sql.chargesAll.all(limit) : sql.chargesIn.all(state, limit)) as {
        request_id: string | null;
        at: number;
        subject: string;
        tools: string;
        chain: string;
        cost_micros: number;
        state: ChargeState;
      }[];
      return Promise.resolve(
        rows.map((r) => ({
          request_id: r.request_id ?? '',
          at: r.at,
          subject: r.subject,
          tools: JSON.parse(r.tools) as string[],
          chain: JSON.parse(r.chain) as string[],
          cost_usd: r.cost_micros / MICROS,
          state: r.state,
        })),
      );
    },
    close() {
      db.close();
      return Promise.resolve();
    },
  };
}
