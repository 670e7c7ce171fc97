import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { killChildren, runAip } from './run-aip.js';

afterAll(() => killChildren());

describe('aip demo', () => {
  it('runs the whole story, every step as expected, and cleans up after itself (--json)', async () => {
    const started = performance.now();
    const result = await runAip(['demo', '--json']);
    expect(performance.now() - started).toBeLessThan(30_000);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.ok).toBe(true);
    expect(report.steps.map((s: { expected: string; outcome: string; ok: boolean }) => [s.outcome, s.ok])).toEqual([
      ['200', true],
      ['403 aip_scope_insufficient', true],
      ['401 aip_token_expired', true],
      ['401 aip_proof_invalid', true],
      ['200, 200, 403 aip_budget_exceeded', true],
    ]);
    expect(report.trust).toMatchObject({
      score: 0.576,
      hops: 2,
      corroboration: 1,
      path: [report.identities.operator, report.identities.orchestrator, report.identities.scout],
    });
    expect(report.audit.intact).toBe(true);
    expect(
      report.audit.lines
        .filter((l: { decision: string }) => l.decision === 'deny')
        .map((l: { code: string }) => l.code),
    ).toEqual(['aip_scope_insufficient', 'aip_token_expired', 'aip_proof_invalid', 'aip_budget_exceeded']);
    expect(report.cleanedUp).toBe(true);
    expect(report.seconds).toBeLessThan(30);
    // Nothing is left listening.
    await expect(fetch(report.proxy)).rejects.toThrow();
    await expect(fetch(report.server)).rejects.toThrow();
  });

  it('prints a readable story without colour codes when not on a terminal', async () => {
    const result = await runAip(['demo']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Step 5.');
    expect(result.stdout).toContain('403 aip_budget_exceeded');
    expect(result.stdout).toContain('hash chain intact');
    expect(result.stdout).toContain('All steps turned out as expected.');
    expect(result.stdout).not.toContain('\u001b[');
    const removed = /servers stopped, (\S+) removed/.exec(result.stdout)?.[1] as string;
    expect(existsSync(removed)).toBe(false);
  });
});
