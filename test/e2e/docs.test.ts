// The documentation stays true: the README's two set-up commands are what CI runs, every relative
// link in the READMEs points at a file that exists, every package README has its example, API and
// error codes, and the shell commands of the root README's quick starts run as written.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const PACKAGE_READMES = [
  'packages/identity/README.md',
  'packages/token/README.md',
  'packages/trust/README.md',
  'packages/mcp/README.md',
  'packages/a2a/README.md',
  'apps/proxy/README.md',
  'apps/registry/README.md',
  'apps/cli/README.md',
];

/** The lines of the first ```sh block under "## Set up". */
function setUpCommands(readme: string): string[] {
  const section = readme.slice(readme.indexOf('\n## Set up\n'));
  const block = /```sh\n([\s\S]*?)```/.exec(section);
  return block === null ? [] : (block[1] as string).split('\n').filter((line) => line !== '');
}

describe('README set-up', () => {
  const commands = setUpCommands(read('README.md'));

  it('is two commands: install + build + aip demo, then the whole test suite', () => {
    expect(commands).toEqual([
      'npx -y pnpm@10 install && npx -y pnpm@10 build && node apps/cli/dist/main.js demo',
      'npx -y pnpm@10 test',
    ]);
  });

  it('is what CI runs, as written', () => {
    const ci = read('.ci/run');
    const reader = ci.split('\n').find((line) => line.startsWith('mapfile -t setup'));
    if (reader === undefined) throw new Error('.ci/run does not read the set-up commands from the README');
    const extracted = spawnSync('bash', ['-c', `${reader}\nprintf '%s\\n' "\${setup[@]}"`], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(extracted.status).toBe(0);
    expect(extracted.stdout.split('\n').filter((line) => line !== '')).toEqual(commands);
    for (const i of [0, 1]) expect(ci).toContain(`bash -euo pipefail -c "\${setup[${i}]}"`);
  });
});

describe('READMEs', () => {
  const files = ['README.md', 'examples/README.md', ...PACKAGE_READMES];

  it.each(files)('%s: every relative link resolves', (file) => {
    const text = read(file);
    const links = [...text.matchAll(/\]\(([^)\s]+)\)/g)]
      .map((m) => m[1] as string)
      .filter((href) => !/^[a-z]+:/i.test(href) && !href.startsWith('#'));
    for (const href of links) {
      const target = path.join(ROOT, path.dirname(file), href.split('#')[0] as string);
      expect(existsSync(target), `${file} links to ${href}`).toBe(true);
    }
  });

  it('the root README links every package README', () => {
    const text = read('README.md');
    for (const file of PACKAGE_READMES) expect(text).toContain(`](${file})`);
  });

  it.each(PACKAGE_READMES)('%s: purpose, runnable example, API and error codes', (file) => {
    const text = read(file);
    const headings = [...text.matchAll(/^##+ (.+)$/gm)].map((m) => m[1] as string);
    expect(text.split('\n')[0]).toMatch(/^# @aip\//);
    expect(
      headings.some((h) => /example|run it|in code/i.test(h)),
      `${file}: an example`,
    ).toBe(true);
    expect(
      headings.some((h) => /^(API|Commands)\b/.test(h)),
      `${file}: the API`,
    ).toBe(true);
    expect(
      headings.some((h) => /error/i.test(h)),
      `${file}: error codes`,
    ).toBe(true);
    expect(text).toMatch(/```(ts|sh|console)\n/);
  });
});

describe('the aip connect entries in the READMEs', () => {
  const CLIENTS = {
    'claude-desktop': 'Claude Desktop',
    'claude-code': 'Claude Code',
    cursor: 'Cursor',
    vscode: 'VS Code',
    inspector: 'MCP Inspector',
  };
  const AIP = path.join(ROOT, 'apps/cli/dist/main.js');

  /** The first JSON block under `### heading`. */
  function entryIn(readme: string, heading: string): unknown {
    const at = readme.indexOf(`\n### ${heading}\n`);
    expect(at, heading).toBeGreaterThan(0);
    return JSON.parse((/```json\n([\s\S]*?)```/.exec(readme.slice(at)) as RegExpExecArray)[1] as string);
  }

  it.each(['README.md', 'apps/cli/README.md'])('%s shows what --print-config prints, for every client', (file) => {
    const home = mkdtempSync(path.join(tmpdir(), 'aip-entries-'));
    try {
      for (const [client, heading] of Object.entries(CLIENTS)) {
        const run = spawnSync(
          process.execPath,
          [
            AIP,
            'connect',
            '--print-config',
            client,
            'https://mcp.example.com/mcp',
            '--token-file',
            path.join(home, 'mcp-token'),
          ],
          { encoding: 'utf8', env: { ...process.env, AIP_HOME: home } },
        );
        expect(run.status, run.stderr).toBe(0);
        // The documented machine: node in /usr/local/bin, aip installed with npm -g, home /home/me.
        const printed = run.stdout
          .replaceAll(process.execPath, '/usr/local/bin/node')
          .replaceAll(AIP, '/usr/local/lib/node_modules/@aip/cli/dist/main.js')
          .replaceAll(home, '/home/me/.aip');
        expect(entryIn(read(file), heading), `${file}: ${heading}`).toEqual(JSON.parse(printed));
      }
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

/** The quick starts' shell blocks, in order: `sh` blocks whole, the `$ ` lines of `console` blocks. */
function quickStartScripts(readme: string): { title: string; lines: string[] }[] {
  const start = readme.indexOf('\n## Quick starts\n');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const scripts: { title: string; lines: string[] }[] = [];
  for (const part of section.split('\n### ').slice(1)) {
    const title = part.slice(0, part.indexOf('\n'));
    const lines: string[] = [];
    for (const [, kind, body] of part.matchAll(/```(sh|console)\n([\s\S]*?)```/g)) {
      const blockLines = (body as string).split('\n').filter((line) => line !== '');
      if (kind === 'sh') lines.push(...blockLines);
      else lines.push(...blockLines.filter((line) => line.startsWith('$ ')).map((line) => line.slice(2)));
    }
    if (lines.length > 0) scripts.push({ title, lines });
  }
  return scripts;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** `aip` and `aip-proxy` as the packages' `bin` fields name them, for a PATH. */
function binShims(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const app of readdirSync(path.join(ROOT, 'apps'))) {
    const manifest = path.join(ROOT, 'apps', app, 'package.json');
    if (!existsSync(manifest)) continue;
    const bins = (JSON.parse(readFileSync(manifest, 'utf8')).bin ?? {}) as Record<string, string>;
    for (const [name, file] of Object.entries(bins)) {
      const shim = path.join(dir, name);
      writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" "${path.join(ROOT, 'apps', app, file)}" "$@"\n`);
      chmodSync(shim, 0o755);
    }
  }
}

describe('the quick starts', () => {
  const scripts = quickStartScripts(read('README.md'));

  it('are shell commands a reader can run, with no placeholder left to fill in', () => {
    expect(scripts.map((s) => s.title)).toEqual([
      'Mint an identity',
      'Delegate to a subagent',
      'Put aip-proxy in front of an MCP server',
      'Connect any MCP client',
      'Vouch and query trust',
      'Publish and discover vouches through a registry',
    ]);
    for (const { lines } of scripts) {
      for (const line of lines) expect(line, line).not.toMatch(/z6Mk\w*\.\.\.|<[a-z ]+>/);
    }
  });

  it('run as written, one after the other, in a scratch $HOME', async () => {
    const work = mkdtempSync(path.join(tmpdir(), 'aip-docs-'));
    try {
      const home = path.join(work, 'home');
      const cwd = path.join(work, 'cwd');
      mkdirSync(home);
      mkdirSync(cwd);
      binShims(path.join(work, 'bin'));
      // Fixed ports in the README (3000, 8080, 8470) become free ones, as a reader whose ports are taken would do.
      const ports = new Map([
        ['3000', String(await freePort())],
        ['8080', String(await freePort())],
        ['8470', String(await freePort())],
      ]);
      const localize = (line: string) => line.replace(/\b(3000|8080|8470)\b/g, (port) => ports.get(port) as string);
      const script = [
        'set -euo pipefail',
        // Job control gives each server its own process group, so the whole group stops at the end.
        'set -m',
        'trap \'for job in $(jobs -p); do kill -- -"$job" 2>/dev/null || true; done\' EXIT',
        // A backgrounded server: wait for its port before the next command, as a reader would.
        'wait_for() { for _ in $(seq 1 300); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; echo "nothing listens on $1" >&2; return 1; }',
        `cp ${JSON.stringify(path.join(ROOT, 'README.md'))} ${JSON.stringify(cwd)}/README.md`,
        ...scripts.flatMap(({ title, lines }) => {
          const body = lines.map(localize);
          // Commands on examples/ run from the repository root, the rest in a scratch folder.
          const dir = body.some((line) => line.includes(' -C examples ')) ? ROOT : cwd;
          return [
            `echo "== ${title}"`,
            `cd ${JSON.stringify(dir)}`,
            ...body.flatMap((line) => {
              const port = /&\s*(#.*)?$/.test(line) ? /--port (\d+)|PORT=(\d+)/.exec(line) : null;
              return port === null ? [line] : [line, `wait_for ${port[1] ?? port[2]}`];
            }),
          ];
        }),
        // What the proxy quick start promises: a token without its holder's proof is refused.
        `TOKEN="$TOKEN" "${process.execPath}" -e 'fetch("http://127.0.0.1:${ports.get('8080')}/mcp", { method: "POST", headers: { "x-aip-token": process.env.TOKEN, "content-type": "application/json", accept: "application/json, text/event-stream" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }) }).then((r) => console.log("no proof:", r.status))'`,
      ].join('\n');
      const run = spawnSync('bash', ['-c', script], {
        cwd,
        encoding: 'utf8',
        timeout: 240_000,
        env: {
          ...process.env,
          HOME: home,
          AIP_HOME: undefined,
          AIP_PASSPHRASE: undefined,
          PATH: `${path.join(work, 'bin')}:${process.env.PATH}`,
        },
      });
      expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
      expect(run.stdout).toContain('Created identity "operator"');
      expect(run.stdout).toMatch(/^valid: signed by did:key:z6Mk/m);
      expect(run.stdout).toMatch(
        /"valid":true,"issuer":"did:key:z6Mk\w+","subject":"did:key:z6Mk\w+","scope":\["tool:search"\]/,
      );
      expect(run.stdout).toContain('"score":0.576,"corroboration":1,"hops":2');
      expect(run.stdout).toMatch(/^score 0\.576 in scope tool:search/m);
      expect(run.stdout).toMatch(/4 objects from http:\/\/127\.0\.0\.1:\d+: 4 new/);
      expect(run.stdout).toContain('no proof: 401');
      // aip connect printed a Claude Desktop entry, then relayed a call signed with the identity.
      expect(run.stdout).toMatch(/"mcpServers": \{\n {4}"aip": \{\n {6}"command": "\//);
      expect(run.stdout).toContain(
        '"id":2,"result":{"content":[{"type":"text","text":"Agents should carry their own identity',
      );
      expect(existsSync(path.join(home, '.aip-scout', 'identity.json'))).toBe(true);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 300_000);
});
