/// <reference lib="dom" />
// The Trust Observatory in a real headless Chromium (Debian's, driven by playwright-core): the
// graph renders and responds to zoom, pan and selection, search finds an agent, the score explorer
// draws the evidence path, and user-supplied text stays text. Screenshots go to test-artifacts/.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInception, createKeyRevocation, createRotation, generateIdentity, type Identity } from '@aip/identity';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningRegistry, startRegistry } from '../src/index.js';
import { NOW } from './helpers.js';
import { type Network, publishNetwork } from './network-fixture.js';

const CHROMIUM = '/usr/bin/chromium';
const POLL = { timeout: 10_000 };
const ARTIFACTS = fileURLToPath(new URL('../test-artifacts/', import.meta.url));
const available = existsSync(CHROMIUM);
if (!available && process.env.CI === 'true') {
  throw new Error(`${CHROMIUM} is missing: CI must install Debian's chromium (see .ci/run)`);
}

let registry: RunningRegistry;
let network: Network;
let context: BrowserContext;
let page: Page;
let dir: string;
const consoleErrors: string[] = [];

describe.skipIf(!available)('Trust Observatory in headless Chromium', () => {
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'aip-observatory-'));
    registry = await startRegistry({ db: path.join(dir, 'registry.db'), port: 0, now: () => NOW });
    network = await publishNetwork(registry.app);
    context = await chromium.launchPersistentContext(path.join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-quic',
      ],
      viewport: { width: 1440, height: 960 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (err) => consoleErrors.push(err.message));
    // Content-Security-Policy violations and failed loads are reported as console errors.
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    await page.goto(`${registry.url}/`);
    await page.waitForSelector('body[data-ready="true"]');
    await page.waitForSelector('#graph[data-settled="true"]', { timeout: 20_000 });
    mkdirSync(ARTIFACTS, { recursive: true });
  });

  afterAll(async () => {
    await context?.close();
    await registry?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('shows totals, growth and a rendered trust graph', async () => {
    expect(await page.textContent('[data-testid=stat-agents]')).toBe('27');
    expect(await page.textContent('[data-testid=stat-vouches]')).toBe('35');
    expect(await page.locator('[data-testid=growth] svg rect').count()).toBe(30);
    const canvas = page.locator('[data-testid=graph]');
    expect(Number(await canvas.getAttribute('data-nodes'))).toBe(27);
    expect(Number(await canvas.getAttribute('data-edges'))).toBe(35);
    // Something was drawn: the canvas holds many non-transparent pixels.
    const painted = await page.evaluate(() => {
      const c = document.getElementById('graph') as HTMLCanvasElement;
      const data = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data ?? new Uint8ClampedArray();
      let n = 0;
      for (let i = 3; i < data.length; i += 4) if ((data[i] as number) > 0) n++;
      return n;
    });
    expect(painted).toBeGreaterThan(5000);
    await page.screenshot({ path: path.join(ARTIFACTS, 'observatory.png'), fullPage: true });
  });

  it('zooms with the wheel and pans by dragging', async () => {
    const canvas = page.locator('[data-testid=graph]');
    const box = await canvas.boundingBox();
    if (box === null) throw new Error('no canvas');
    const zoom = Number(await canvas.getAttribute('data-zoom'));
    await page.mouse.move(box.x + 20, box.y + 20);
    await page.mouse.wheel(0, -400);
    await expect.poll(async () => Number(await canvas.getAttribute('data-zoom')), POLL).toBeGreaterThan(zoom * 1.5);
    const pan = await canvas.getAttribute('data-pan');
    await page.mouse.move(box.x + 15, box.y + 15);
    await page.mouse.down();
    await page.mouse.move(box.x + 115, box.y + 75, { steps: 5 });
    await page.mouse.up();
    expect(await canvas.getAttribute('data-pan')).not.toBe(pan);
    await page.click('#graph-fit');
  });

  it('finds an agent by name and shows its vouches; the graph selects it', async () => {
    await page.fill('[data-testid=search]', 'carto');
    await page.press('[data-testid=search]', 'Enter');
    const result = page.locator('[data-testid=results] button').first();
    await expect.poll(() => result.textContent(), POLL).toContain('cartographer');
    await result.click();
    const agent = page.locator('[data-testid=agent]');
    await expect.poll(() => agent.locator('h2').textContent(), POLL).toBe('cartographer');
    const did = (network.agents.get('cartographer') as { did: string }).did;
    expect(await agent.locator('.did').first().textContent()).toBe(did);
    expect(await agent.textContent()).toContain('Vouches received');
    expect(await agent.textContent()).toContain('atlas');
    // A platform claim is shown, and shown as what it is.
    expect(await agent.locator('.platform').textContent()).toBe('github/cartographer-agent self-asserted, unverified');
    expect(await page.getAttribute('[data-testid=graph]', 'data-selected')).toBe(did);
  });

  it("shows an agent's key lineage: a leaked key revoked by the recovery key, and its successor", async () => {
    const cartographer = network.agents.get('cartographer') as Identity;
    const recovery = generateIdentity();
    const inception = createInception(cartographer, { next: recovery.publicKey, now: NOW - 300 });
    const events = [
      inception,
      createKeyRevocation(recovery, { key: cartographer.did, reason: 'key leaked', now: NOW - 200 }),
      createRotation(recovery, { established: inception, next: generateIdentity().publicKey, now: NOW - 100 }),
    ];
    for (const event of events) {
      const res = await registry.app.inject({ method: 'POST', url: '/v1/key-events', payload: event });
      expect(res.statusCode).toBe(201);
    }
    await page.fill('[data-testid=search]', 'carto');
    await page.press('[data-testid=search]', 'Enter');
    await page.locator('[data-testid=results] button').first().click();
    const lineage = page.locator('[data-testid=lineage]');
    await expect.poll(() => lineage.locator('li').count(), POLL).toBe(2);
    const keys = lineage.locator('li');
    expect(await keys.nth(0).getAttribute('data-status')).toBe('revoked');
    expect(await keys.nth(0).getAttribute('title')).toBe(cartographer.did);
    expect(await keys.nth(0).textContent()).toContain('key leaked');
    expect(await keys.nth(1).getAttribute('data-status')).toBe('current');
    expect(await keys.nth(1).getAttribute('title')).toBe(recovery.did);
    expect(await lineage.locator('.next').textContent()).toContain('A next key is committed');
    await page.screenshot({ path: path.join(ARTIFACTS, 'observatory-lineage.png'), fullPage: true });
  });

  it('selects an agent by clicking it on the canvas', async () => {
    const did = (network.agents.get('atlas') as { did: string }).did;
    // Where the view draws the agent; the test then clicks there like a user.
    const point = await page.evaluate((target) => {
      const { graph } = (
        window as unknown as {
          observatory: { graph: { screenPositionOf(did: string): { x: number; y: number } | null } };
        }
      ).observatory;
      const at = graph.screenPositionOf(target);
      const rect = (document.getElementById('graph') as HTMLCanvasElement).getBoundingClientRect();
      return at === null ? null : { x: rect.left + at.x, y: rect.top + at.y };
    }, did);
    if (point === null) throw new Error('atlas is not drawn');
    await page.mouse.click(point.x, point.y);
    await expect.poll(() => page.getAttribute('[data-testid=graph]', 'data-selected'), POLL).toBe(did);
    await expect.poll(() => page.locator('[data-testid=agent] h2').textContent(), POLL).toBe('atlas');
  });

  it('explains a score: value, corroboration and the evidence path drawn on the graph', async () => {
    await page.fill('[data-testid=explore-from]', 'atlas');
    await page.fill('[data-testid=explore-to]', 'juror');
    await page.fill('[data-testid=explore-scope]', 'tool:search');
    await page.click('[data-testid=explore]');
    const score = page.locator('[data-testid=score]');
    await expect.poll(() => score.textContent(), POLL).not.toBe(null);
    const atlas = (network.agents.get('atlas') as { did: string }).did;
    const juror = (network.agents.get('juror') as { did: string }).did;
    const expected = await (
      await fetch(`${registry.url}/v1/trust/path?from=${atlas}&to=${juror}&scope=tool:search`)
    ).json();
    expect(expected.score).toBeGreaterThan(0);
    expect(await score.textContent()).toBe(expected.score.toFixed(3));
    expect(await page.textContent('[data-testid=corroboration]')).toBe(String(expected.corroboration));
    const steps = await page.locator('[data-testid=path] li > a').allTextContents();
    expect(steps).toEqual(['atlas', 'beacon', 'juror']);
    expect(await page.getAttribute('[data-testid=graph]', 'data-path')).toBe(String(expected.hops));
    await page.screenshot({ path: path.join(ARTIFACTS, 'observatory-path.png'), fullPage: true });
  });

  it('shows user-supplied text as text, never as markup', async () => {
    await page.fill('[data-testid=search]', 'img');
    await page.press('[data-testid=search]', 'Enter');
    const result = page.locator('[data-testid=results] button').first();
    await expect.poll(() => result.textContent(), POLL).toContain('<img src=x onerror="window.__xss=1">');
    await result.click();
    await expect
      .poll(() => page.locator('[data-testid=agent] h2').textContent())
      .toBe('<img src=x onerror="window.__xss=1">');
    expect(await page.locator('[data-testid=agent]').textContent()).toContain('<script>window.__xss=2</script>');
    expect(
      await page.locator('[data-testid=agent] img, [data-testid=agent] script, [data-testid=results] img').count(),
    ).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
  });

  it('ran without script errors or Content-Security-Policy violations', () => {
    expect(consoleErrors).toEqual([]);
  });
});
