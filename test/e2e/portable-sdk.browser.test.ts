// The SDK's root entries (@aip/identity, @aip/token, @aip/mcp) bundled by esbuild for the browser,
// with nothing marked external, and run in headless Chromium (Debian's, driven by playwright-core):
// a chain made on Node verifies there, is delegated further, a proof is signed and sent through
// createAipFetch, and every Ed25519 vector gets the answer Node's native path gives.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundle, expectSameAsNode, makeScenario } from '../fixtures/portable/node-side.js';
import type { runScenario, Scenario, ScenarioResult } from '../fixtures/portable/scenario.js';

const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available && process.env.CI === 'true') {
  throw new Error(`${CHROMIUM} is missing: CI must install Debian's chromium (see .ci/run)`);
}

let dir: string;
let context: BrowserContext;

describe.skipIf(!available)('the portable SDK in headless Chromium', () => {
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'aip-sdk-browser-'));
    context = await chromium.launchPersistentContext(path.join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 60_000);
  afterAll(async () => {
    await context?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('bundles without any node:* module and stays small', async () => {
    const { bytes, gzipped } = await bundle('browser-entry.ts', 'iife');
    console.info(`[aip] browser bundle of identity + token + mcp: ${bytes} bytes, ${gzipped} gzipped`);
    expect(gzipped).toBeLessThan(40_000);
  });

  it('verifies a Node-made chain, delegates, signs a proof, and answers every vector as Node does', async () => {
    const { code } = await bundle('browser-entry.ts', 'iife');
    const page = context.pages()[0] ?? (await context.newPage());
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.setContent('<!doctype html><title>aip</title>');
    await page.addScriptTag({ content: code });
    const scenario = makeScenario();
    const result = await page.evaluate(
      (input: Scenario) =>
        (globalThis as unknown as { aipScenario: typeof runScenario }).aipScenario(input) as Promise<ScenarioResult>,
      scenario,
    );
    expect(errors).toEqual([]);
    expectSameAsNode(scenario, result);
  }, 60_000);
});
