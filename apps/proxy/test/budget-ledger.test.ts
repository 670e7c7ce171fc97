import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { costOf, openBudgetLedger } from '../src/index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'aip-ledger-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const meta = { subject: 'did:key:z6MkAgent', tools: ['search'], now: 1_764_000_000 };

describe('budget ledger', () => {
  it('prices scopes by their most specific pattern, else the default', () => {
    const pricing = {
      costs: new Map([
        ['tool:*', 0.01],
        ['tool:gpt.*', 0.2],
        ['tool:gpt.big', 0.5],
      ]),
      defaultCost: 0.001,
    };
    expect(costOf(pricing, ['tool:search'])).toBe(0.01);
    expect(costOf(pricing, ['tool:gpt.small'])).toBe(0.2);
    expect(costOf(pricing, ['tool:gpt.big'])).toBe(0.5);
    expect(costOf(pricing, ['prompt:x'])).toBe(0.001);
    expect(costOf(pricing, ['tool:search', 'tool:search', 'tool:gpt.big'])).toBe(0.52);
  });

  it('charges every segment of the chain and refuses, all or nothing, past any ceiling', () => {
    const ledger = openBudgetLedger(path.join(dir, 'ledger.db'));
    const root = { id: 'root', budget: 0.3 };
    const a = { id: 'link-a', budget: 0.2 };
    const b = { id: 'link-b', budget: 0.2 };
    expect(ledger.charge([root, a], 0.1, meta)).toMatchObject({ ok: true, cost: 0.1 });
    expect(ledger.charge([root, b], 0.1, meta)).toMatchObject({ ok: true });
    expect(ledger.charge([root, a], 0.1, meta)).toMatchObject({ ok: true });
    // The root's ceiling stops b even though b's own link has room left.
    expect(ledger.charge([root, b], 0.1, meta)).toEqual({
      ok: false,
      segment: 'root',
      spent: 0.3,
      budget: 0.3,
      cost: 0.1,
    });
    const spend = Object.fromEntries(ledger.report().map((s) => [s.id, s.spent_usd]));
    expect(spend).toEqual({ root: 0.3, 'link-a': 0.2, 'link-b': 0.1 });
    ledger.close();
  });

  it('keeps exact totals in micro-dollars (0.1 + 0.2 is 0.3)', () => {
    const ledger = openBudgetLedger(':memory:');
    ledger.charge([{ id: 'r', budget: 0.3 }], 0.1, meta);
    expect(ledger.charge([{ id: 'r', budget: 0.3 }], 0.2, meta)).toMatchObject({ ok: true });
    expect(ledger.report(['r'])[0]).toMatchObject({ spent_usd: 0.3, calls: 2, budget_usd: 0.3 });
    ledger.close();
  });

  it('refunds a charge exactly once', () => {
    const ledger = openBudgetLedger(':memory:');
    const charged = ledger.charge(
      [
        { id: 'r', budget: null },
        { id: 'l', budget: 1 },
      ],
      0.25,
      meta,
    );
    if (!charged.ok || charged.chargeId === undefined) throw new Error('expected a charge');
    ledger.refund(charged.chargeId);
    ledger.refund(charged.chargeId);
    expect(ledger.report(['r', 'l']).map((s) => [s.spent_usd, s.calls])).toEqual([
      [0, 0],
      [0, 0],
    ]);
    ledger.close();
  });

  it('is durable and shared: a second connection sees the spend and respects it', () => {
    const file = path.join(dir, 'shared.db');
    const first = openBudgetLedger(file);
    const second = openBudgetLedger(file);
    expect(first.charge([{ id: 'r', budget: 1 }], 0.6, meta)).toMatchObject({ ok: true });
    expect(second.charge([{ id: 'r', budget: 1 }], 0.6, meta)).toMatchObject({ ok: false, spent: 0.6 });
    first.close();
    second.close();
    const reopened = openBudgetLedger(file);
    expect(reopened.report(['r'])[0]?.spent_usd).toBe(0.6);
    reopened.close();
  });

  it('does not record zero-cost calls', () => {
    const ledger = openBudgetLedger(':memory:');
    expect(ledger.charge([{ id: 'r', budget: 0 }], 0, meta)).toEqual({ ok: true, chargeId: undefined, cost: 0 });
    expect(ledger.report()).toEqual([]);
    ledger.close();
  });
});
