// A browser MCP client on another origin, in headless Chromium (Debian's, driven by
// playwright-core): the official SDK client, bundled for the browser, calls aip-proxy with `[cors]`
// allowing the page's origin — the preflight is answered without a token, the session id and the
// challenge of a refusal are readable — while a page on an origin not allowed gets nothing.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PageResult } from '../fixtures/browser/mcp-page.js';
import { principals, type RunningProxy, startProxy } from '../fixtures/proxy.js';
import { startStatefulUpstream, type Upstream } from '../fixtures/upstreams.js';

const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available && process.env.CI === 'true') {
  throw new Error(`${CHROMIUM} is missing: CI must install Debian's chromium (see .ci/run)`);
}
const ENTRY = fileURLToPath(new URL('../fixtures/browser/mcp-page.ts', import.meta.url));
const p = principals();

/** Serves one page (the bundled client inline) on its own origin. */
async function servePage(script: string): Promise<{ origin: string; server: Server }> {
  const html = `<!doctype html><title>mcp page</title><script>${script.replace(/<\/script/gi, '<\\/script')}</script>`;
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const close = (server: Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

describe.skipIf(!available)('CORS: a browser MCP client on another origin', () => {
  let dir: string;
  let context: BrowserContext;
  let upstream: Upstream;
  let proxy: RunningProxy;
  let allowed: { origin: string; server: Server };
  let other: { origin: string; server: Server };

  beforeAll(async () => {
    const bundle = await build({
      entryPoints: [ENTRY],
      bundle: true,
      platform: 'browser',
      conditions: ['browser'],
      format: 'iife',
      target: 'es2022',
      write: false,
      logLevel: 'silent',
    });
    const script = bundle.outputFiles[0]?.text as string;
    allowed = await servePage(script);
    other = await servePage(script);
    upstream = await startStatefulUpstream();
    proxy = await startProxy(upstream.url, [p.operator.did], {}, { cors: { allowed_origins: [allowed.origin] } });
    dir = mkdtempSync(path.join(tmpdir(), 'aip-cors-browser-'));
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
    await proxy?.close({ graceMs: 100 });
    await upstream?.close();
    for (const page of [allowed, other]) if (page !== undefined) await close(page.server);
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  async function runFrom(origin: string): Promise<PageResult> {
    const page = await context.newPage();
    try {
      await page.goto(`${origin}/`);
      return await page.evaluate(
        ([url, token]) =>
          (globalThis as unknown as { aipMcp(url: string, token: string): Promise<PageResult> }).aipMcp(url, token),
        [`${proxy.url}/mcp`, p.token(['tool:search'])] as const,
      );
    } finally {
      await page.close();
    }
  }

  it('runs a session from an allowed origin: preflights answered without a token, headers readable', async () => {
    const before = upstream.log.http.length;
    const result = await runFrom(allowed.origin);
    expect(result.tools).toEqual(['search']);
    expect(result.text).toBe('results for from a browser');
    // The page could read the session id (the SDK sent it back, and ended the session with it).
    expect(result.sessionId).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(result.refused).toEqual({
      status: 401,
      challenge: expect.stringMatching(/^AIP realm="aip-proxy", error="aip_token_missing"/),
      requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    // No preflight ever reached the upstream: the proxy answered them.
    const methods = upstream.log.http.slice(before).map((r) => r.method);
    expect(methods).not.toContain('OPTIONS');
    expect(methods).toEqual(expect.arrayContaining(['POST', 'DELETE']));
  });

  it('gives a page on an origin not allowed nothing it can read', async () => {
    const before = upstream.log.http.length;
    await expect(runFrom(other.origin)).rejects.toThrow(/Failed to fetch/);
    expect(upstream.log.http.length).toBe(before);
  });
});
