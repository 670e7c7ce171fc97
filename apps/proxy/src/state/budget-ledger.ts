// The budget ledger (`[budget]`): what each call costs, charged atomically against every segment
// of the caller's chain, so subagents fanned out from one token cannot together spend more than
// it allows. Durable (SQLite, WAL), exact (integer micro-dollars), shared by every proxy process
// that opens the same file.

import { scopeMatches } from '@aip/token';
import Database from 'better-sqlite3';
import type { BudgetConfig } from './config-features.js';

const MICROS = 1_000_000;
const toMicros = (usd: number) => Math.round(usd * MICROS);

/** One chain segment as the ledger sees it. */
export interface LedgerSegment {
  id: string;
  /** Ceiling in USD, `null` for none. */
  budget: number | null;
}

export type ChargeResult =
  | { ok: true; chargeId: number | undefined; cost: number }
  | { ok: false; segment: string; spent: number; budget: number; cost: number };

/** Spend of one segment. */
export interface SegmentSpend {
  id: string;
  budget_usd: number | null;
  spent_usd: number;
  calls: number;
  subject: string | null;
  last_at: number | null;
}

/**
 * The cost in USD of a request's scopes: each scope priced by its most specific matching pattern,
 * else the default.
 *
 * @example
 * ```ts
 * costOf({ costs: new Map([['tool:*', 0.01], ['tool:gpt', 0.5]]), defaultCost: 0 }, ['tool:gpt']); // 0.5
 * ```
 */
export function costOf(pricing: Pick<BudgetConfig, 'costs' | 'defaultCost'>, scopes: readonly string[]): number {
  let total = 0;
  for (const scope of scopes) {
    let best: string | undefined;
    for (const pattern of pricing.costs.keys())
      if (scopeMatches(pattern, scope) && (best === undefined || pattern.length > best.length)) best = pattern;
    total += toMicros(best === undefined ? pricing.defaultCost : (pricing.costs.get(best) as number));
  }
  return total / MICROS;
}

export interface BudgetLedger {
  /** Charges `cost` to every segment, all or nothing. */
  charge(
    chain: readonly LedgerSegment[],
    cost: number,
    meta: { subject: string; tools: readonly string[]; now: number },
  ): ChargeResult;
  /** Undoes a charge (the call never reached the server). */
  refund(chargeId: number): void;
  /** Spend per segment, most recent first; `ids` narrows it to those segments. */
  report(ids?: readonly string[]): SegmentSpend[];
  close(): void;
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

/**
 * Opens (creating if needed) the ledger at `path` (`:memory:` for tests).
 *
 * @example
 * ```ts
 * const ledger = openBudgetLedger('budget.db');
 * ledger.charge(verified.chain.map((l) => ({ id: l.id, budget: l.budget_usd })), 0.01, { subject, tools: ['search'], now });
 * ```
 */
export function openBudgetLedger(path: string): BudgetLedger {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);
  const sql = {
    ensure: db.prepare(
      'INSERT INTO segments (id, budget_micros, subject) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING',
    ),
    spent: db.prepare('SELECT spent_micros, budget_micros FROM segments WHERE id = ?'),
    add: db.prepare('UPDATE segments SET spent_micros = spent_micros + ?, calls = calls + ?, last_at = ? WHERE id = ?'),
    insertCharge: db.prepare('INSERT INTO charges (at, subject, tools, chain, cost_micros) VALUES (?, ?, ?, ?, ?)'),
    charge: db.prepare('SELECT chain, cost_micros, refunded FROM charges WHERE id = ?'),
    markRefunded: db.prepare('UPDATE charges SET refunded = 1 WHERE id = ?'),
    all: db.prepare(
      'SELECT id, budget_micros, spent_micros, calls, subject, last_at FROM segments ORDER BY last_at DESC, id LIMIT 1000',
    ),
    one: db.prepare('SELECT id, budget_micros, spent_micros, calls, subject, last_at FROM segments WHERE id = ?'),
  };

  // BEGIN IMMEDIATE: the check and the charge happen under one write lock, across processes too.
  const charge = db.transaction(
    (
      chain: readonly LedgerSegment[],
      micros: number,
      meta: { subject: string; tools: readonly string[]; now: number },
    ): ChargeResult => {
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
      const info = sql.insertCharge.run(
        meta.now,
        meta.subject,
        JSON.stringify(meta.tools),
        JSON.stringify(chain.map((s) => s.id)),
        micros,
      );
      return { ok: true, chargeId: Number(info.lastInsertRowid), cost: micros / MICROS };
    },
  );

  const refund = db.transaction((chargeId: number) => {
    const row = sql.charge.get(chargeId) as { chain: string; cost_micros: number; refunded: number } | undefined;
    if (row === undefined || row.refunded === 1) return;
    for (const id of JSON.parse(row.chain) as string[]) sql.add.run(-row.cost_micros, -1, null, id);
    sql.markRefunded.run(chargeId);
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
    charge(chain, cost, meta) {
      const micros = toMicros(cost);
      if (micros === 0 || chain.length === 0) return { ok: true, chargeId: undefined, cost: 0 };
      return charge.immediate(chain, micros, meta);
    },
    refund(chargeId) {
      refund.immediate(chargeId);
    },
    report(ids) {
      const rows = (
        ids === undefined ? sql.all.all() : ids.map((id) => sql.one.get(id)).filter((r) => r !== undefined)
      ) as Parameters<typeof toSpend>[0][];
      return rows.map(toSpend);
    },
    close() {
      db.close();
    },
  };
}
