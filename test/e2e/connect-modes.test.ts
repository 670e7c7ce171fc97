// `aip connect` beyond one stdio session: a 15-second session on 5-second tokens that
// --token-command renews (an `aip token delegate` from a parent token), the loopback HTTP mode
// with the SDK's HTTP client, and --print-config: every client's entry parsed and the command it
// names run as that client would run it.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { generateIdentity } from '@aip/identity';
import { issueToken } from '@aip/token';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AIP_BIN, agentHome, bridgeCommand, bridgeTools } from '../fixtures/connect.js';
import { principals, type RunningProxy, startProxy } from '../fixtures/proxy.js';
import { startStatefulUpstream } from '../fixtures/upstreams.js';

const p = principals();
const children: ChildProcess[] = [];
// MCP Inspector's CLI mode (the inspector's launcher needs Node 22; its CLI package runs here).
const INSPECTOR_CLI = path.join(
  path.dirname(createRequire(import.meta.url).resolve('@modelcontextprotocol/inspector-cli/package.json')),
  'build/cli.js',
);

/** Runs MCP Inspector in CLI mode; resolves to its exit code and output. */
function inspector(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [INSPECTOR_CLI, '--cli', ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
}
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

function text(result: unknown): string {
  return ((result as { content: { text: string }[] }).content[0] as { text: string }).text;
}

/** Starts `aip connect ...` in the background; resolves with what it printed once `ready` matched. */
function background(args: string[], env: Record<string, string>, ready: RegExp) {
  const child = spawn(process.execPath, [AIP_BIN, 'connect', ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  const started = new Promise<RegExpExecArray>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = ready.exec(stderr);
      if (match !== null) resolve(match);
    });
    child.on('exit', (code) => reject(new Error(`aip connect exited with ${code}: ${stderr}`)));
  });
  // Awaited only by tests that need it to start.
  started.catch(() => undefined);
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { child, started, exited, stderr: () => stderr };
}

describe('aip connect modes', () => {
  const events: string[] = [];
  let upstream: Awaited<ReturnType<typeof startStatefulUpstream>>;
  let proxy: RunningProxy;
  let home: Awaited<ReturnType<typeof agentHome>>;
  let tokenFile: string;

  beforeAll(async () => {
    upstream = await startStatefulUpstream(bridgeTools(events));
    proxy = await startProxy(upstream.url, [p.operator.did], {}, { pop: { required: true } });
    home = await agentHome(p.agent, 'modes');
    tokenFile = path.join(home.home, 'token');
    writeFileSync(tokenFile, p.token(['tool:search', 'tool:steps']));
  });
  afterAll(async () => {
    await proxy.close({ graceMs: 100 });
    await upstream.close();
    home.cleanup();
  });

  it('outlives 5-second tokens: --token-command delegates a new one from a parent token before each expires', async () => {
    // A worker holds a parent token it may delegate once; the bridge's identity gets 5-second slices.
    const worker = generateIdentity();
    const workerHome = await agentHome(worker, 'worker');
    try {
      const parentFile = path.join(workerHome.home, 'parent');
      writeFileSync(
        parentFile,
        issueToken(p.operator, { sub: worker.did, scope: ['tool:search'], ttl: 600, maxDepth: 1 }),
      );
      const command = [
        `AIP_HOME='${workerHome.home}'`,
        `'${process.execPath}' '${AIP_BIN}' token delegate - --to '${p.agent.did}'`,
        `--scope tool:search --ttl 5 --context 'bridge session' < '${parentFile}'`,
      ].join(' ');
      const transport = new StdioClientTransport(
        bridgeCommand([`${proxy.url}/mcp`, '--token-command', command], home.home),
      );
      let stderr = '';
      transport.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const client = new Client({ name: 'long-session', version: '1.0.0' });
      await client.connect(transport);
      const before = upstream.log.http.length;
      const started = Date.now();
      let calls = 0;
      while (Date.now() - started < 15_000) {
        expect(text(await client.callTool({ name: 'search', arguments: { q: `call ${calls}` } }))).toBe(
          `results for call ${calls}`,
        );
        calls++;
        await new Promise((r) => setTimeout(r, 250));
      }
      // Every call went through, on one session, with chains the worker delegated one after another.
      const chains = new Set(
        upstream.log.http
          .slice(before)
          .filter((r) => r.method === 'POST')
          .map((r) => String(r.headers['x-aip-chain'])),
      );
      expect(chains.size).toBeGreaterThanOrEqual(3);
      for (const chain of chains) expect(chain.split(',')).toHaveLength(2);
      expect(new Set(upstream.log.http.slice(before).map((r) => r.headers['mcp-session-id'])).size).toBe(1);
      expect(stderr).toMatch(/renewed the token from --token-command \(valid until/);
      await client.close();
    } finally {
      workerHome.cleanup();
    }
  }, 60_000);

  it('serves the SDK HTTP client on loopback, with its local secret, and refuses it without', async () => {
    const secretFile = path.join(home.home, 'bridge.secret');
    const bridge = background(
      [`${proxy.url}/mcp`, '--token-file', tokenFile, '--listen', '127.0.0.1:0', '--secret-file', secretFile],
      { AIP_HOME: home.home },
      /serving (http:\/\/127\.0\.0\.1:\d+\/mcp) for/,
    );
    const url = new URL((await bridge.started)[1] as string);
    const secret = readFileSync(secretFile, 'utf8').trim();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const client = new Client({ name: 'http-client', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(url, {
      requestInit: { headers: { authorization: `Bearer ${secret}` } },
    });
    await client.connect(transport);
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['search', 'steps']);
    expect(text(await client.callTool({ name: 'search', arguments: { q: 'over http' } }))).toBe(
      'results for over http',
    );
    const progress: number[] = [];
    await client.callTool({ name: 'steps', arguments: { steps: 2 } }, undefined, {
      onprogress: (n) => progress.push(n.progress),
    });
    expect(progress).toEqual([1, 2]);
    const refused = await client.callTool({ name: 'delete', arguments: { path: '/' } }).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(McpError);
    expect((refused as McpError).message).toContain('aip_scope_insufficient: the token does not allow tool:delete');
    await transport.terminateSession();
    await client.close();

    // MCP Inspector in CLI mode, pointed at the bridge's URL with the secret as its header.
    const listed = await inspector([
      url.href,
      '--transport',
      'http',
      '--header',
      `Authorization: Bearer ${secret}`,
      '--method',
      'tools/list',
    ]);
    expect(listed.code, listed.stderr).toBe(0);
    expect((JSON.parse(listed.stdout) as { tools: { name: string }[] }).tools.map((t) => t.name)).toEqual([
      'search',
      'steps',
    ]);
    const called = await inspector([
      url.href,
      '--transport',
      'http',
      '--header',
      `Authorization: Bearer ${secret}`,
      '--method',
      'tools/call',
      '--tool-name',
      'search',
      '--tool-arg',
      'q=inspected',
    ]);
    expect(called.code, called.stderr).toBe(0);
    expect(JSON.parse(called.stdout)).toMatchObject({ content: [{ type: 'text', text: 'results for inspected' }] });

    // Without the secret: nothing reaches the server.
    const before = upstream.log.http.length;
    const stranger = new Client({ name: 'stranger', version: '1.0.0' });
    await expect(stranger.connect(new StreamableHTTPClientTransport(url))).rejects.toThrow(
      'aip connect needs its local secret',
    );
    expect(upstream.log.http.length).toBe(before);
    bridge.child.kill('SIGTERM');
    expect(await bridge.exited).toBe(0);
  });

  it('refuses to listen on anything but loopback', async () => {
    const bridge = background(
      [`${proxy.url}/mcp`, '--token-file', tokenFile, '--listen', '0.0.0.0:0'],
      { AIP_HOME: home.home },
      /$^/,
    );
    expect(await bridge.exited).toBe(2);
    expect(bridge.stderr()).toContain('--listen 0.0.0.0: the bridge holds your token, so it listens on loopback only');
  });

  for (const clientName of ['claude-desktop', 'claude-code', 'cursor', 'vscode', 'inspector'] as const) {
    it(`prints the ${clientName} entry, whose command runs as a working MCP server`, async () => {
      const printed = background(
        ['--print-config', clientName, `${proxy.url}/mcp`, '--token-file', path.relative(process.cwd(), tokenFile)],
        { AIP_HOME: home.home },
        /put this in/,
      );
      let stdout = '';
      printed.child.stdout?.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
      });
      expect(await printed.exited).toBe(0);
      const snippet = JSON.parse(stdout) as {
        mcpServers?: Record<string, Launch>;
        servers?: Record<string, Launch>;
      };
      const entry = (clientName === 'vscode' ? snippet.servers : snippet.mcpServers)?.aip as Launch;
      expect(entry.command).toBe(process.execPath);
      expect(path.isAbsolute(entry.args[0] as string) && existsSync(entry.args[0] as string)).toBe(true);
      expect(entry.args).toContain(tokenFile);
      expect(entry.env).toEqual({ AIP_HOME: home.home });
      // Run it as the client would: that command, those arguments, that environment (and a PATH).
      const transport = new StdioClientTransport({
        command: entry.command,
        args: entry.args,
        env: { ...entry.env, PATH: process.env.PATH ?? '' },
        stderr: 'pipe',
      });
      const client = new Client({ name: clientName, version: '1.0.0' });
      await client.connect(transport);
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['search', 'steps']);
      await client.close();
      if (clientName === 'inspector') {
        // And MCP Inspector itself, in CLI mode, given the file as its --config.
        const file = path.join(home.home, 'inspector.json');
        writeFileSync(file, stdout);
        const run = await inspector(['--config', file, '--server', 'aip', '--method', 'tools/list'], {
          HOME: home.home,
        });
        expect(run.code, run.stderr).toBe(0);
        expect((JSON.parse(run.stdout) as { tools: { name: string }[] }).tools.map((t) => t.name)).toEqual([
          'search',
          'steps',
        ]);
      }
    });
  }
});

interface Launch {
  type?: string;
  command: string;
  args: string[];
  env: Record<string, string>;
}
