// The budget ledger on PostgreSQL (`[state] postgres_url`, DESIGN §9), shared by every replica:
// charges and deliveries made in one turn of the event loop go in one call of a server-side
// function (postgres-ledger-schema): one round trip and one transaction, each charge all or
// nothing on its own. The pg client is loaded only when this ledger is.
// A database that cannot be reached fails the call with `StoreUnavailableError` (the request is
// refused 503, fail closed); a charge committed just before the connection broke stays pending and
// becomes `unknown`, still charged, like one left by a killed proxy.
import type { Pool, PoolClient } from 'pg';
import type { BudgetLedger, ChargeRecord, ChargeState, SegmentSpend } from './budget-ledger.js';
import { LEDGER_SCHEMA, LEDGER_SCHEMA_LOCK } from './postgres-ledger-schema.js';
import { describeFailure, StoreUnavailableError } from './store-unavailable.js';

const MICROS = 1_000_000;
const toMicros = (usd: number) => Math.round(usd * MICROS);

interface SegmentRow {
  id: string;
  budget_micros: string | null;
  spent_micros: string;
  calls: string;
  subject: string | null;
  last_at: string | null;
}

interface ChargeRow {
  request_id: string;
  at: string;
  subject: string;
  tools: string[];
  chain: string[];
  cost_micros: string;
  state: ChargeState;
}

const toSpend = (row: SegmentRow): SegmentSpend => ({
  id: row.id,
  budget_usd: row.budget_micros === null ? null : Number(row.budget_micros) / MICROS,
  spent_usd: Number(row.spent_micros) / MICROS,
  calls: Number(row.calls),
  subject: row.subject,
  last_at: row.last_at === null ? null : Number(row.last_at),
});

const BATCH = 256;
const CHARGE_BATCH = 64;

interface BatchRow {
  idx: number;
  ok: boolean;
  charged: boolean;
  segment: string | null;
  spent: string | null;
  budget: string | null;
}
const SEGMENT_COLUMNS = 'id, budget_micros, spent_micros, calls, subject, last_at';
const CHARGE_COLUMNS = 'request_id, at, subject, tools, chain, cost_micros, state';

/**
 * Opens the ledger at `url`, creating its tables and functions if needed. Rejects (with the
 * driver's error, which the caller describes without the URL) when the database cannot be used.
 *
 * @example
 * ```ts
 * const ledger = await openPostgresLedger('postgresql://aip@db.internal/aip');
 * await ledger.charge(requestId, [{ id: root.id, budget: 5 }], 0.01, { subject, tools: ['search'], now });
 * ```
 */
export async function openPostgresLedger(
  url: string,
  options: {
    maxConnections?: number;
    /** Create the tables and functions when missing (default); false opens an existing ledger to read. */
    create?: boolean;
  } = {},
): Promise<BudgetLedger> {
  const { default: pg } = await import('pg');
  const pool: Pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 16,
    connectionTimeoutMillis: 2000,
    idleTimeoutMillis: 30_000,
  });
  // An idle connection the server closed (a restart) is dropped; the next call opens another.
  pool.on('error', () => undefined);
  let client: PoolClient | undefined;
  try {
    client = await pool.connect();
    if (options.create === false) await client.query('SELECT 1 FROM aip_budget_segments LIMIT 0');
    else {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [LEDGER_SCHEMA_LOCK]);
      await client.query(LEDGER_SCHEMA);
      await client.query('COMMIT');
    }
    client.release();
  } catch (err) {
    client?.release(true);
    await pool.end().catch(() => undefined);
    throw err;
  }

  // `name`: a statement each connection prepares once (the hot path: charge and deliver).
  async function query<R>(text: string, values: unknown[], name?: string): Promise<R[]> {
    try {
      return (await pool.query(name === undefined ? { text, values } : { name, text, values })).rows as R[];
    } catch (err) {
      throw new StoreUnavailableError('postgres', describeFailure(err), { cause: err });
    }
  }

  // What waits for the next call: the charges and the deliveries made in one turn of the event
  // loop go in one call (`aip_budget_step`, at most CHARGE_BATCH charges and BATCH deliveries),
  // each charge all or nothing on its own; each caller gets its own answer.
  const charging: {
    charge: Record<string, unknown>;
    resolve: (row: BatchRow) => void;
    reject: (err: unknown) => void;
  }[] = [];
  const delivering: { id: string; done: (err?: unknown) => void }[] = [];
  let scheduled = false;
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(flush);
  };
  const flush = () => {
    scheduled = false;
    const charges = charging.splice(0, CHARGE_BATCH);
    const deliveries = delivering.splice(0, BATCH);
    if (charging.length > 0 || delivering.length > 0) schedule();
    query<BatchRow>(
      'SELECT * FROM aip_budget_step($1, $2)',
      [deliveries.map((d) => d.id), JSON.stringify(charges.map((c) => c.charge))],
      'aip_budget_step',
    ).then(
      (rows) => {
        for (const d of deliveries) d.done();
        for (const [i, c] of charges.entries()) {
          const row = rows.find((r) => r.idx === i + 1);
          if (row === undefined) c.reject(new StoreUnavailableError('postgres', 'no answer for a charge'));
          else c.resolve(row);
        }
      },
      (err: unknown) => {
        for (const d of deliveries) d.done(err);
        for (const c of charges) c.reject(err);
      },
    );
  };

  return {
    async charge(requestId, chain, cost, meta) {
      const micros = toMicros(cost);
      if (micros === 0 || chain.length === 0) return { ok: true, charged: false, cost: 0 };
      const row = await new Promise<BatchRow>((resolve, reject) => {
        schedule();
        charging.push({
          charge: {
            r: requestId,
            ids: chain.map((s) => s.id),
            budgets: chain.map((s) => (s.budget === null ? null : toMicros(s.budget))),
            cost: micros,
            subject: meta.subject,
            tools: meta.tools,
            now: meta.now,
          },
          resolve,
          reject,
        });
      });
      if (row.ok) return { ok: true, charged: row.charged, cost: micros / MICROS };
      return {
        ok: false,
        segment: row.segment as string,
        spent: Number(row.spent) / MICROS,
        budget: Number(row.budget) / MICROS,
        cost: micros / MICROS,
      };
    },
    async settle(requestId, outcome) {
      if (outcome === 'refunded') {
        await query('SELECT aip_budget_settle($1, $2)', [requestId, outcome]);
        return;
      }
      await new Promise<void>((resolve, reject) => {
        schedule();
        delivering.push({ id: requestId, done: (err) => (err === undefined ? resolve() : reject(err)) });
      });
    },
    async expire(olderThan) {
      const rows = await query<{ n: string }>('SELECT aip_budget_expire($1) AS n', [olderThan]);
      return Number(rows[0]?.n ?? 0);
    },
    async report(ids) {
      const rows =
        ids === undefined
          ? await query<SegmentRow>(
              `SELECT ${SEGMENT_COLUMNS} FROM aip_budget_segments ORDER BY last_at DESC NULLS LAST, id LIMIT 1000`,
              [],
            )
          : await query<SegmentRow>(
              `SELECT ${SEGMENT_COLUMNS} FROM aip_budget_segments s JOIN unnest($1::text[]) WITH ORDINALITY AS u(id, n) USING (id) ORDER BY u.n`,
              [ids],
            );
      return rows.map(toSpend);
    },
    async charges(state, limit = 1000) {
      const rows =
        state === undefined
          ? await query<ChargeRow>(`SELECT ${CHARGE_COLUMNS} FROM aip_budget_charges ORDER BY seq DESC LIMIT $1`, [
              limit,
            ])
          : await query<ChargeRow>(
              `SELECT ${CHARGE_COLUMNS} FROM aip_budget_charges WHERE state = $1 ORDER BY seq DESC LIMIT $2`,
              [state, limit],
            );
      return rows.map(
        (r): ChargeRecord => ({
          request_id: r.request_id,
          at: Number(r.at),
          subject: r.subject,
          tools: r.tools,
          chain: r.chain,
          cost_usd: Number(r.cost_micros) / MICROS,
          state: r.state,
        }),
      );
    },
    async close() {
      while (delivering.length > 0 || charging.length > 0) await new Promise((resolve) => setImmediate(resolve));
      await pool.end();
    },
  };
}
