// The SDK's root entries bundled by esbuild as a Cloudflare module worker and run in workerd
// through Miniflare: without Node compatibility (noble everywhere) and with `nodejs_compat` (where
// node:crypto is used only if it passes the RFC 8032 self-test); the same answers as Node either way.
import { Miniflare } from 'miniflare';
import { afterEach, describe, it } from 'vitest';
import { bundle, expectSameAsNode, makeScenario } from '../fixtures/portable/node-side.js';
import type { ScenarioResult } from '../fixtures/portable/scenario.js';

let worker: Miniflare | undefined;

afterEach(async () => {
  await worker?.dispose();
  worker = undefined;
});

async function runInWorkerd(compatibilityFlags: string[]) {
  const { code } = await bundle('worker-entry.ts', 'esm');
  worker = new Miniflare({ modules: true, script: code, compatibilityDate: '2025-09-01', compatibilityFlags });
  const scenario = makeScenario();
  const response = await worker.dispatchFetch('http://worker.test/', {
    method: 'POST',
    body: JSON.stringify(scenario),
  });
  const result = (await response.json()) as ScenarioResult & { error?: string };
  if (result.error !== undefined) throw new Error(`the worker failed: ${result.error}`);
  return { scenario, result };
}

describe('the portable SDK in workerd (Miniflare)', () => {
  it('runs the whole scenario with no Node built-in at all', async () => {
    const { scenario, result } = await runInWorkerd([]);
    expectSameAsNode(scenario, result);
  }, 60_000);

  it('gives the same answers with nodejs_compat', async () => {
    const { scenario, result } = await runInWorkerd(['nodejs_compat']);
    expectSameAsNode(scenario, result, false);
  }, 60_000);
});
