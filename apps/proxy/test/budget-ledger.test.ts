import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { costOf, openBudgetLedger } from '../src/index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'aip-ledger-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const meta = { subject: 'did:key:z6MkAgent', tools: ['search'], now: 1_764_000_000 };
let n = 0;
const rid = () => `req-${++n}`;

describe('budget ledger', () => {
  it('prices scopes by their most specific pattern, else the default', () => {
    const pricing = {
      costs: new Map([
        ['tool:*', 0.01],
        ['tool:gpt.*', 0.2],
        ['tool:gpt.big', 0.5],
      ]),
      default_cost: 0.001,
    };
    expect(costOf(pricing, ['tool:search'])).toBe(0.01);
    expect(costOf(pricing, ['tool:gpt.small'])).toBe(0.2);
    expect(costOf(pricing, ['tool:gpt.big'])).toBe(0.5);
    expect(costOf(pricing, ['prompt:x'])).toBe(0.001);
    expect(costOf(pricing, ['tool:search', 'tool:search', 'tool:gpt.big'])).toBe(0.52);
  });

  it('charges every segment of the chain and refuses, all or nothing, past any ceiling', async () => {
    const ledger = openBudgetLedger(path.join(dir, 'ledger.db'));
    const root = { id: 'root', budget: 0.3 };
    const a = { id: 'link-a', budget: 0.2 };
    const b = { id: 'link-b', budget: 0.2 };
    expect(await ledger.charge(rid(), [root, a], 0.1, meta)).toMatchObject({ ok: true, charged: true, cost: 0.1 });
    expect(await ledger.charge(rid(), [root, b], 0.1, meta)).toMatchObject({ ok: true });
    expect(await ledger.charge(rid(), [root, a], 0.1, meta)).toMatchObject({ ok: true });
    // The root's ceiling stops b even though b's own link has room left.
    expect(await ledger.charge(rid(), [root, b], 0.1, meta)).toEqual({
      ok: false,
      segment: 'root',
      spent: 0.3,
      budget: 0.3,
      cost: 0.1,
    });
    const spend = Object.fromEntries((await ledger.report()).map((s) => [s.id, s.spent_usd]));
    expect(spend).toEqual({ root: 0.3, 'link-a': 0.2, 'link-b': 0.1 });
    await ledger.close();
  });

  it('keeps exact totals in micro-dollars (0.1 + 0.2 is 0.3)', async () => {
    const ledger = openBudgetLedger(':memory:');
    await ledger.charge(rid(), [{ id: 'r', budget: 0.3 }], 0.1, meta);
    expect(await ledger.charge(rid(), [{ id: 'r', budget: 0.3 }], 0.2, meta)).toMatchObject({ ok: true });
    expect((await ledger.report(['r']))[0]).toMatchObject({ spent_usd: 0.3, calls: 2, budget_usd: 0.3 });
    await ledger.close();
  });

  it('charges a request id once, however often it is charged', async () => {
    const ledger = openBudgetLedger(':memory:');
    const chain = [{ id: 'r', budget: 1 }];
    for (let i = 0; i < 3; i++)
      expect(await ledger.charge('same', chain, 0.25, meta)).toMatchObject({ ok: true, charged: true });
    expect((await ledger.report(['r']))[0]).toMatchObject({ spent_usd: 0.25, calls: 1 });
    await ledger.close();
  });

  it('keeps a charge pending until it is settled: delivered keeps it, refunded gives it back exactly once', async () => {
    const ledger = openBudgetLedger(':memory:');
    const chain = [
      { id: 'r', budget: null },
      { id: 'l', budget: 1 },
    ];
    await ledger.charge('kept', chain, 0.25, meta);
    await ledger.charge('back', chain, 0.25, meta);
    expect((await ledger.charges('pending')).map((c) => c.request_id).sort()).toEqual(['back', 'kept']);
    await ledger.settle('kept', 'delivered');
    await ledger.settle('back', 'refunded');
    await ledger.settle('back', 'refunded');
    await ledger.settle('kept', 'refunded'); // a delivered charge is never given back
    expect((await ledger.report(['r', 'l'])).map((s) => [s.spent_usd, s.calls])).toEqual([
      [0.25, 1],
      [0.25, 1],
    ]);
    expect(Object.fromEntries((await ledger.charges()).map((c) => [c.request_id, c.state]))).toEqual({
      kept: 'delivered',
      back: 'refunded',
    });
    await ledger.close();
  });

  it('marks charges left pending by a dead proxy as unknown, still charged', async () => {
    const file = path.join(dir, 'crashed.db');
    const before = openBudgetLedger(file);
    await before.charge('in-flight', [{ id: 'r', budget: 1 }], 0.5, { ...meta, now: 1000 });
    // (the process dies here: no settle)
    const after = openBudgetLedger(file);
    expect(await after.expire(2000)).toBe(1);
    expect(await after.charges('unknown')).toMatchObject([
      { request_id: 'in-flight', cost_usd: 0.5, state: 'unknown' },
    ]);
    expect((await after.report(['r']))[0]?.spent_usd).toBe(0.5);
    await before.close();
    await after.close();
  });

  it('is durable and shared: a second connection sees the spend and respects it', async () => {
    const file = path.join(dir, 'shared.db');
    const first = openBudgetLedger(file);
    const second = openBudgetLedger(file);
    expect(await first.charge(rid(), [{ id: 'r', budget: 1 }], 0.6, meta)).toMatchObject({ ok: true });
    expect(await second.charge(rid(), [{ id: 'r', budget: 1 }], 0.6, meta)).toMatchObject({ ok: false, spent: 0.6 });
    await first.close();
    await second.close();
    const reopened = openBudgetLedger(file);
    expect((await reopened.report(['r']))[0]?.spent_usd).toBe(0.6);
    await reopened.close();
  });

  it('migrates a ledger written before charges had states', async () => {
    const file = path.join(dir, 'old.db');
    const old = new Database(file);
    old.exec(`CREATE TABLE segments (id TEXT PRIMARY KEY, budget_micros INTEGER, spent_micros INTEGER NOT NULL DEFAULT 0,
      calls INTEGER NOT NULL DEFAULT 0, subject TEXT, last_at INTEGER) WITHOUT ROWID;
      CREATE TABLE charges (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, subject TEXT NOT NULL, tools TEXT NOT NULL,
      chain TEXT NOT NULL, cost_micros INTEGER NOT NULL, refunded INTEGER NOT NULL DEFAULT 0);
      INSERT INTO segments VALUES ('r', 1000000, 300000, 2, 's', 1);
      INSERT INTO charges (at, subject, tools, chain, cost_micros, refunded) VALUES (1, 's', '[]', '["r"]', 300000, 0), (1, 's', '[]', '["r"]', 100000, 1);`);
    old.close();
    const ledger = openBudgetLedger(file);
    expect((await ledger.charges()).map((c) => c.state).sort()).toEqual(['delivered', 'refunded']);
    expect(await ledger.charge(rid(), [{ id: 'r', budget: 1 }], 0.8, meta)).toMatchObject({ ok: false, spent: 0.3 });
    await ledger.close();
  });

  it('does not record zero-cost calls', async () => {
    const ledger = openBudgetLedger(':memory:');
    expect(await ledger.charge(rid(), [{ id: 'r', budget: 0 }], 0, meta)).toEqual({
      ok: true,
      charged: false,
      cost: 0,
    });
    expect(await ledger.report()).toEqual([]);
    await ledger.close();
  });
});
