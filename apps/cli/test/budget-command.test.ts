import path from 'node:path';
import { generateIdentity } from '@aip/identity';
import { openBudgetLedger } from '@aip/proxy';
import { decodeToken, delegate, issueToken } from '@aip/token';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killChildren, runAip, tempDir } from './run-aip.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('aip-budget-cli-'));
});
afterAll(async () => {
  killChildren();
  await cleanup();
});

describe('aip budget show', () => {
  it("shows each segment's spend, for the whole ledger or one token's chain", async () => {
    const operator = generateIdentity();
    const agent = generateIdentity();
    const helper = generateIdentity();
    const root = issueToken(operator, { sub: agent.did, scope: ['tool:search'], budgetUsd: 2, maxDepth: 1 });
    const chain = delegate(root, agent, { to: helper.did, scope: ['tool:search'], budgetUsd: 0.5, context: 'x' });
    const [rootSeg, link] = decodeToken(chain);
    const file = path.join(dir, 'ledger.db');
    const ledger = openBudgetLedger(file);
    const segments = [
      { id: rootSeg?.id as string, budget: 2 },
      { id: link?.id as string, budget: 0.5 },
    ];
    for (let i = 0; i < 3; i++)
      await ledger.charge(`r${i}`, segments, 0.1, { subject: helper.did, tools: ['search'], now: 1_764_000_000 + i });
    await ledger.charge('r-other', [{ id: 'other', budget: null }], 1, {
      subject: 'did:key:z6MkOther',
      tools: ['x'],
      now: 1_764_000_010,
    });
    await ledger.close();

    const mine = await runAip(['budget', 'show', chain, '--ledger', file, '--json']);
    expect(mine.code).toBe(0);
    expect(
      JSON.parse(mine.stdout).segments.map(
        (s: { id: string; spent_usd: number; budget_usd: number; calls: number }) => [
          s.id,
          s.spent_usd,
          s.budget_usd,
          s.calls,
        ],
      ),
    ).toEqual([
      [rootSeg?.id, 0.3, 2, 3],
      [link?.id, 0.3, 0.5, 3],
    ]);
    const all = await runAip(['budget', 'show', '--ledger', file, '--json']);
    expect(JSON.parse(all.stdout).segments).toHaveLength(3);
    const text = await runAip(['budget', 'show', '--ledger', file]);
    expect(text.stdout).toContain('$0.3');
    expect((await runAip(['budget', 'show', '--ledger', path.join(dir, 'none.db')])).code).toBe(2);
  });

  it('takes one ledger, and names an unreachable PostgreSQL one without its password', async () => {
    const both = await runAip(['budget', 'show', '--ledger', 'x.db', '--postgres', 'postgresql://db/aip']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--ledger FILE or --postgres URL');
    expect((await runAip(['budget', 'show'])).code).toBe(2);
    const down = await runAip(['budget', 'show', '--postgres', 'postgresql://aip:hunter2@127.0.0.1:1/aip', '--json']);
    expect(down.code).toBe(2);
    const said = `${down.stdout}${down.stderr}`;
    expect(said).toContain('cannot read the ledger at postgresql://aip:***@127.0.0.1:1/aip (ECONNREFUSED)');
    expect(said).not.toContain('hunter2');
  });
});
