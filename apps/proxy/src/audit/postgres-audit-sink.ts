// The audit trail in PostgreSQL (`[logging] sink = "postgres"`, DESIGN §9): each replica appends
// its own hash chain — the exact lines the file log would write, `start` (naming the replica) and
// `stop` included — to one table keyed by (replica, seq). Lines are written in batches, in order,
// one statement per batch; while the database cannot take them the sink reports itself unhealthy
// (so `on_failure = "refuse"` refuses requests), keeps what it could not write (bounded, counting
// what it had to drop in a `gap` line) and writes it once the database is back. Two replicas with
// one replica id would collide on the key: ids must be unique. No signed checkpoints: the chain
// shows an edited or removed line, not lines cut off the end (the file log's anchor does that).
import type { Pool } from 'pg';
import { type AuditLog, type AuditRecord, boundRecord, chainedLine, lineHash, oncePerTurn } from './audit-log.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS aip_audit (
  replica text NOT NULL,
  seq bigint NOT NULL,
  line text NOT NULL,
  PRIMARY KEY (replica, seq)
)`;

const BATCH = 500;

/** Options of {@link openPostgresAuditSink}. */
export interface PostgresAuditOptions {
  /** This replica's id: its chain's key. */
  replica: string;
  /** The clock (ms), for record times. */
  now?: () => number;
  /** Lines kept while the database cannot take them. Default 100 000. */
  maxPending?: number;
}

/** The audit sink with a way to wait until every line is written (tests, shutdown). */
export interface PostgresAuditSink extends AuditLog {
  /** Resolves once every line so far is in the database (or the sink is failing). */
  drained(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens the sink on `url`, continuing this replica's chain. Rejects (with the driver's error) when
 * the database cannot be used.
 *
 * @example
 * ```ts
 * const auditLog = await openPostgresAuditSink(config.state.postgres_url, { replica: 'proxy-eu-1' });
 * ```
 */
export async function openPostgresAuditSink(url: string, options: PostgresAuditOptions): Promise<PostgresAuditSink> {
  const { default: pg } = await import('pg');
  const pool: Pool = new pg.Pool({ connectionString: url, max: 2, connectionTimeoutMillis: 2000 });
  pool.on('error', () => undefined);
  const now = options.now ?? Date.now;
  const maxPending = options.maxPending ?? 100_000;
  let last: { seq: string; line: string } | undefined;
  try {
    await pool.query(SCHEMA);
    last = (
      await pool.query<{ seq: string; line: string }>(
        'SELECT seq, line FROM aip_audit WHERE replica = $1 ORDER BY seq DESC LIMIT 1',
        [options.replica],
      )
    ).rows[0];
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }

  let seq = last === undefined ? 0 : Number(last.seq);
  let prev: string | null = last === undefined ? null : lineHash(last.line);
  const pending: { seq: number; line: string }[] = [];
  let lost = 0;
  let failing = false;
  let writing: Promise<void> | undefined;
  let open = true;

  const append = (fields: object) => {
    const line = chainedLine(fields, prev);
    prev = lineHash(line);
    pending.push({ seq: ++seq, line });
  };

  // One batch at a time, in order; the next starts when this one is in.
  const flush = (): Promise<void> => {
    if (writing !== undefined) return writing;
    if (pending.length === 0) return Promise.resolve();
    const batch = pending.slice(0, BATCH);
    writing = pool
      .query(
        'INSERT INTO aip_audit (replica, seq, line) SELECT $1, s, l FROM unnest($2::bigint[], $3::text[]) AS u(s, l)',
        [options.replica, batch.map((b) => b.seq), batch.map((b) => b.line)],
      )
      .then(
        () => {
          pending.splice(0, batch.length);
          failing = false;
        },
        () => {
          failing = true;
        },
      )
      .finally(() => {
        writing = undefined;
      })
      .then(() => (!failing && pending.length > 0 ? flush() : undefined));
    return writing;
  };
  const schedule = oncePerTurn(flush);
  const retry = setInterval(() => {
    if (failing) void flush();
  }, 1000);
  retry.unref();

  let cleanEnd = last === undefined;
  if (last !== undefined) {
    try {
      cleanEnd = (JSON.parse(last.line) as { type?: unknown }).type === 'stop';
    } catch {
      cleanEnd = false;
    }
  }
  append({
    type: 'start',
    time: new Date(now()).toISOString(),
    pid: process.pid,
    replica: options.replica,
    ...(cleanEnd
      ? {}
      : { note: 'the previous run did not stop cleanly: decisions of its last moments may be missing' }),
  });
  await flush();
  if (failing) {
    clearInterval(retry);
    await pool.end().catch(() => undefined);
    throw new Error('cannot write the audit chain');
  }

  return {
    write(record: AuditRecord) {
      if (!open) return;
      if (pending.length >= maxPending) {
        lost++;
        return;
      }
      if (lost > 0) {
        append({ type: 'gap', time: new Date(now()).toISOString(), lost, reason: 'the database could not be written' });
        lost = 0;
      }
      append(boundRecord(record));
      schedule();
    },
    healthy: () => !failing,
    async drained() {
      while (pending.length > 0 && !failing) await flush();
    },
    async close() {
      if (!open) return;
      open = false;
      clearInterval(retry);
      append({ type: 'stop', time: new Date(now()).toISOString() });
      while (pending.length > 0 && !failing) await flush();
      await pool.end().catch(() => undefined);
    },
  };
}

/**
 * One replica's chain as the text of a log file (for `verifyAuditLog`), and the replicas present.
 *
 * @example
 * ```ts
 * verifyAuditLog(await readPostgresAudit(url, 'proxy-eu-1'));
 * ```
 */
export async function readPostgresAudit(url: string, replica: string): Promise<string> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    const rows = (
      await client.query<{ line: string }>('SELECT line FROM aip_audit WHERE replica = $1 ORDER BY seq', [replica])
    ).rows;
    return rows.map((r) => `${r.line}\n`).join('');
  } finally {
    await client.end();
  }
}
