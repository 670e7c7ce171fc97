// TrustDirectory over the SQLite store: the tables of schema.ts and directory-schema.ts, read in
// prepared statements. The only SQL about agents and their vouches that leaves the store's write
// path; callers see the TrustDirectory interface.
import { coveringPatterns } from '@aip/token';
import type Database from 'better-sqlite3';
import { assertScope } from '../assert-scope.js';
import type {
  AgentStats,
  IssuedPerDay,
  TrustChange,
  TrustDirectory,
  TrustTotals,
  VouchDirection,
  VouchEdge,
  VouchPage,
} from '../directory.js';
import { CHANGE_VOUCH } from './directory-schema.js';

const DAY = 86_400;

function assertLimit(limit: number): void {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError('limit must be a positive integer');
}

export class SqliteTrustDirectory implements TrustDirectory {
  readonly #sql;

  constructor(db: Database.Database) {
    const count = (sql: string) => db.prepare(sql).pluck();
    this.#sql = {
      changes: db.prepare(
        `SELECT c.seq AS seq, c.kind AS kind, coalesce(v.id, r.id) AS id, coalesce(v.object, r.object) AS object
         FROM changes c
         LEFT JOIN vouches v ON c.kind = 1 AND v.seq = c.ref
         LEFT JOIN revocations r ON c.kind = 2 AND r.seq = c.ref
         WHERE c.seq > ? ORDER BY c.seq LIMIT ?`,
      ),
      latestChange: count('SELECT coalesce(max(seq), 0) FROM changes'),
      agentIdx: db.prepare('SELECT idx FROM agents WHERE did = ?').pluck(),
      received: db.prepare(
        `SELECT seq, id, object, revoked_at IS NOT NULL AS revoked FROM vouches
         WHERE subject = ? AND seq < ? ORDER BY seq DESC LIMIT ?`,
      ),
      given: db.prepare(
        `SELECT seq, id, object, revoked_at IS NOT NULL AS revoked FROM vouches
         WHERE voucher = ? AND seq < ? ORDER BY seq DESC LIMIT ?`,
      ),
      stats: db.prepare(
        `SELECT coalesce(d.vouches_in, 0) AS vouchesIn, coalesce(d.vouches_out, 0) AS vouchesOut
         FROM agents a LEFT JOIN agent_degrees d ON d.agent = a.idx WHERE a.did = ?`,
      ),
      mostVouched: db
        .prepare(
          `SELECT a.did FROM agent_degrees d JOIN agents a ON a.idx = d.agent
           WHERE d.vouches_in > 0 ORDER BY d.vouches_in DESC, a.tiekey LIMIT ?`,
        )
        .pluck(),
      withPrefix: db
        .prepare("SELECT did FROM agents WHERE did >= @prefix AND did < @prefix || '~' ORDER BY did LIMIT @limit")
        .pluck(),
      list: db.prepare('SELECT did FROM agents WHERE did > ? ORDER BY did LIMIT ?').pluck(),
      countKnown: count('SELECT count(*) FROM agents WHERE did IN (SELECT value FROM json_each(?))'),
      idxsOf: db.prepare('SELECT idx FROM agents WHERE did IN (SELECT value FROM json_each(?))').pluck(),
      neighbours: db
        .prepare(
          `SELECT a.did FROM vouches v
           JOIN agents a ON a.idx = CASE WHEN v.voucher = @agent THEN v.subject ELSE v.voucher END
           WHERE (v.voucher = @agent OR v.subject = @agent) AND v.revoked_at IS NULL
           ORDER BY v.weight DESC, v.seq DESC LIMIT @limit`,
        )
        .pluck(),
      among: db.prepare(
        `SELECT v.id AS id, a.did AS voucher, b.did AS subject, s.scope AS scope, v.weight AS weight
         FROM vouches v JOIN agents a ON a.idx = v.voucher JOIN agents b ON b.idx = v.subject
         JOIN scopes s ON s.idx = v.scope
         WHERE v.voucher IN (SELECT value FROM json_each(@nodes)) AND v.subject IN (SELECT value FROM json_each(@nodes))
           AND v.revoked_at IS NULL AND (v.exp IS NULL OR v.exp > @now)
           AND (@scopes IS NULL OR s.scope IN (SELECT value FROM json_each(@scopes)))
         ORDER BY v.seq`,
      ),
      agents: count('SELECT count(*) FROM agents'),
      vouches: count('SELECT count(*) FROM vouches'),
      active: count('SELECT count(*) FROM vouches WHERE revoked_at IS NULL AND (exp IS NULL OR exp > ?)'),
      revocations: count('SELECT count(*) FROM revocations'),
      scopes: db.prepare(
        `SELECT s.scope AS scope, count(*) AS vouches FROM vouches v JOIN scopes s ON s.idx = v.scope
         WHERE v.revoked_at IS NULL AND (v.exp IS NULL OR v.exp > @now)
         GROUP BY v.scope ORDER BY vouches DESC, s.scope LIMIT @limit`,
      ),
      vouchesBefore: count('SELECT count(*) FROM vouches WHERE iat < ?'),
      vouchDays: db.prepare(`SELECT iat / ${DAY} AS day, count(*) AS n FROM vouches WHERE iat >= ? GROUP BY day`).raw(),
      revocationDays: db
        .prepare(`SELECT iat / ${DAY} AS day, count(*) AS n FROM revocations WHERE iat >= ? GROUP BY day`)
        .raw(),
    };
  }

  async changesSince(after: number, limit: number): Promise<TrustChange[]> {
    assertLimit(limit);
    const rows = this.#sql.changes.all(after, limit) as { seq: number; kind: number; id: string; object: string }[];
    return rows.map((r) => ({
      seq: r.seq,
      kind: r.kind === CHANGE_VOUCH ? 'vouch' : 'revocation',
      id: r.id,
      canonical: r.object,
    }));
  }

  async latestChange(): Promise<number> {
    return Number(this.#sql.latestChange.get());
  }

  async vouchesOf(
    did: string,
    options: { direction: VouchDirection; limit: number; before?: number | undefined },
  ): Promise<VouchPage> {
    assertLimit(options.limit);
    const idx = this.#sql.agentIdx.get(did) as number | undefined;
    if (idx === undefined) return { vouches: [], next: undefined };
    const statement = options.direction === 'received' ? this.#sql.received : this.#sql.given;
    const rows = statement.all(idx, options.before ?? Number.MAX_SAFE_INTEGER, options.limit + 1) as {
      seq: number;
      id: string;
      object: string;
      revoked: number;
    }[];
    const page = rows.slice(0, options.limit);
    return {
      vouches: page.map((r) => ({ id: r.id, canonical: r.object, revoked: r.revoked === 1 })),
      next: rows.length > options.limit ? page[page.length - 1]?.seq : undefined,
    };
  }

  async agentStats(did: string): Promise<AgentStats | undefined> {
    return this.#sql.stats.get(did) as AgentStats | undefined;
  }

  async mostVouched(limit: number): Promise<string[]> {
    return this.#sql.mostVouched.all(limit) as string[];
  }

  async agentCount(): Promise<number> {
    return Number(this.#sql.agents.get());
  }

  async agentsWithPrefix(prefix: string, limit: number): Promise<string[]> {
    return this.#sql.withPrefix.all({ prefix, limit }) as string[];
  }

  async listAgents(options: { after?: string | undefined; limit: number }): Promise<string[]> {
    return this.#sql.list.all(options.after ?? '', options.limit) as string[];
  }

  async countKnown(dids: readonly string[]): Promise<number> {
    return dids.length === 0 ? 0 : Number(this.#sql.countKnown.get(JSON.stringify(dids)));
  }

  async neighbours(did: string, limit: number): Promise<string[]> {
    const agent = this.#sql.agentIdx.get(did) as number | undefined;
    return agent === undefined ? [] : (this.#sql.neighbours.all({ agent, limit }) as string[]);
  }

  async vouchesAmong(dids: readonly string[], options: { now: number; scope?: string }): Promise<VouchEdge[]> {
    if (options.scope !== undefined) assertScope(options.scope);
    const nodes = this.#sql.idxsOf.all(JSON.stringify(dids)) as number[];
    if (nodes.length === 0) return [];
    const scopes = options.scope === undefined ? null : JSON.stringify(coveringPatterns(options.scope));
    return this.#sql.among.all({ nodes: JSON.stringify(nodes), now: options.now, scopes }) as VouchEdge[];
  }

  async totals(now: number): Promise<TrustTotals> {
    return {
      agents: Number(this.#sql.agents.get()),
      vouches: Number(this.#sql.vouches.get()),
      activeVouches: Number(this.#sql.active.get(now)),
      revocations: Number(this.#sql.revocations.get()),
    };
  }

  async busiestScopes(options: { now: number; limit: number }): Promise<{ scope: string; vouches: number }[]> {
    return this.#sql.scopes.all({ now: options.now, limit: options.limit }) as { scope: string; vouches: number }[];
  }

  async issuedPerDay(since: number): Promise<IssuedPerDay> {
    return {
      vouchesBefore: Number(this.#sql.vouchesBefore.get(since)),
      vouches: this.#sql.vouchDays.all(since) as [number, number][],
      revocations: this.#sql.revocationDays.all(since) as [number, number][],
    };
  }
}
