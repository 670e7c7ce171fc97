// Every example in examples/ runs, as a user runs it, and tells the story it claims to.
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { describe, expect, it } from 'vitest';

const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));

function run(file: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', file], {
    cwd: EXAMPLES,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('examples', () => {
  it('signed-tool-calls.ts: signed calls succeed, out-of-scope and unsigned ones are refused', () => {
    const { status, stdout, stderr } = run('signed-tool-calls.ts');
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(stdout).toContain('tools this agent may use: search');
    expect(stdout).toContain('search -> A proof of possession binds a request to its holder.');
    expect(stdout).toContain('delete -> refused (aip_scope_insufficient)');
    expect(stdout).toContain('the token without proofs -> refused (aip_proof_invalid)');
  });

  it('delegation.ts: two subagents, two slices, budgets and no widening', () => {
    const { status, stdout, stderr } = run('delegation.ts');
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(stdout.trim().split('\n').slice(2)).toEqual([
      'researcher search -> ok: Delegated authority must only ever narrow.',
      'researcher summarize -> refused (aip_scope_insufficient)',
      'writer summarize -> ok: 3 notes about agent identity',
      'writer search -> refused (aip_scope_insufficient)',
      'writer summarize -> refused (aip_budget_exceeded)',
      'researcher tries to delegate tool:* -> refused (aip_scope_insufficient)',
    ]);
  });

  it('a2a-delegation.ts: an orchestrator delegates to an A2A agent, which calls an MCP tool with that chain; one audit log shows the hops', () => {
    const { status, stdout, stderr } = run('a2a-delegation.ts');
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines.slice(0, 3)).toEqual([
      'the card names the agent: researcher',
      'orchestrator -> researcher (A2A): Delegated authority must only ever narrow.',
      'researcher summarize -> refused (aip_scope_insufficient)',
    ]);
    const root = /grant (\S{6})/.exec(stdout)?.[1];
    const link = /link (\S{6})/.exec(stdout)?.[1];
    expect(lines.slice(6, 9)).toEqual([
      `  allow tools/call search: issuer operator, subject researcher, chain ${root} -> ${link}`,
      `  allow SendMessage a2a:message: issuer operator, subject orchestrator, chain ${root} -> ${link}`,
      `  deny tools/call summarize: issuer operator, subject researcher, chain ${root} -> ${link}`,
    ]);
    expect(stdout).toContain('audit chain verifies: true');
  });

  it('registry-sync.ts: publish, a forgery refused, sync and the same score offline', () => {
    const { status, stdout, stderr } = run('registry-sync.ts');
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(stdout).toMatch(/^alice: profile accepted, vouch for did:key:z6Mk\w+\.\.\. accepted$/m);
    expect(stdout).toMatch(/^bob: profile accepted, vouch for did:key:z6Mk\w+\.\.\. accepted$/m);
    expect(stdout).toContain('forged vouch: refused (aip_signature_invalid)');
    expect(stdout).toContain('sync: 4 objects, 4 accepted, 0 rejected');
    expect(stdout).toContain('alice -> carol offline: score 0.576, 2 hops');
    expect(stdout).toContain('same answer as the registry: true');
  });

  it('mcp-server.ts: an ordinary MCP server on $PORT that the official client can use', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise((resolve) => probe.close(resolve));
    const server = spawn(process.execPath, ['--import', 'tsx', 'mcp-server.ts'], {
      cwd: EXAMPLES,
      env: { ...process.env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const banner = await new Promise<string>((resolve, reject) => {
        server.stdout.setEncoding('utf8').once('data', resolve);
        server.once('exit', (code) => reject(new Error(`exited ${code}`)));
      });
      expect(banner).toContain(`notes MCP server on http://127.0.0.1:${port}/mcp`);
      const client = new Client({ name: 'examples-test', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`)));
      expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual(['search', 'summarize']);
      const result = await client.callTool({ name: 'search', arguments: { q: 'narrow' } });
      expect(result.content).toEqual([{ type: 'text', text: 'Delegated authority must only ever narrow.' }]);
      await client.close();
    } finally {
      server.kill('SIGTERM');
    }
  });
});
