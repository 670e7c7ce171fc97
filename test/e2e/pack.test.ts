// The packages as npm users get them: every publishable package packed by pnpm (which rewrites
// workspace: and catalog: specifiers; its prepack builds first), the tarballs installed with npm
// into a fresh project, then used the ways a consumer would — ESM import, TypeScript with
// `nodenext` and with `bundler` resolution, require(), and the installed `aip` and `aip-proxy` bins.
//
// better-sqlite3's install script is skipped and the addon the workspace already compiled (same
// version, forced by an override) is copied in: compiling it from source takes minutes on CI's two
// cores and tests node-gyp, not these packages. AIP_PACK_TEST_COMPILE=1 runs the real install script.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PUBLISHED = [
  'packages/identity',
  'packages/token',
  'packages/trust',
  'packages/mcp',
  'packages/a2a',
  'apps/proxy',
  'apps/registry',
  'apps/cli',
];
const COMPILE = process.env.AIP_PACK_TEST_COMPILE === '1';

let work: string;
let tarballs: string;
let project: string;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Run {
  const result = spawnSync(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    encoding: 'utf8',
    timeout: 600_000,
    maxBuffer: 64 << 20,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function must(result: Run, what: string): Run {
  if (result.status !== 0) throw new Error(`${what} exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
  return result;
}

/** pnpm as this test was started (pnpm test), or the README's `npx -y pnpm@10`. */
function pnpm(args: string[], cwd: string): Run {
  const execPath = process.env.npm_execpath;
  if (execPath !== undefined && /pnpm/.test(execPath)) return run(process.execPath, [execPath, ...args], { cwd });
  return run('npx', ['-y', 'pnpm@10', ...args], { cwd });
}

function tarballOf(dir: string): string {
  const manifest = JSON.parse(readFileSync(path.join(ROOT, dir, 'package.json'), 'utf8'));
  return path.join(tarballs, `${manifest.name.replace('@', '').replace('/', '-')}-${manifest.version}.tgz`);
}

/** The workspace's better-sqlite3 (the version every package's range resolves to here). */
function workspaceSqlite(): { dir: string; version: string } {
  const require = createRequire(path.join(ROOT, 'packages/trust/package.json'));
  const manifest = require.resolve('better-sqlite3/package.json');
  return { dir: path.dirname(manifest), version: JSON.parse(readFileSync(manifest, 'utf8')).version };
}

/** Node in the consumer project. */
function node(args: string[], env?: NodeJS.ProcessEnv): Run {
  return run(process.execPath, args, { cwd: project, ...(env === undefined ? {} : { env }) });
}

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'aip-pack-'));
  tarballs = path.join(work, 'tarballs');
  project = path.join(work, 'consumer');
  mkdirSync(tarballs);
  mkdirSync(project);
  for (const dir of PUBLISHED)
    must(pnpm(['pack', '--pack-destination', tarballs], path.join(ROOT, dir)), `pack ${dir}`);
  const sqlite = workspaceSqlite();
  writeFileSync(
    path.join(project, 'package.json'),
    JSON.stringify({
      name: 'aip-consumer',
      private: true,
      type: 'module',
      overrides: { 'better-sqlite3': sqlite.version },
    }),
  );
  must(
    run(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        '--loglevel=error',
        ...(COMPILE ? [] : ['--ignore-scripts']),
        ...PUBLISHED.map(tarballOf),
        '@types/node@^20.19',
      ],
      { cwd: project },
    ),
    'npm install',
  );
  if (!COMPILE) {
    const release = path.join(project, 'node_modules/better-sqlite3/build/Release');
    mkdirSync(release, { recursive: true });
    copyFileSync(path.join(sqlite.dir, 'build/Release/better_sqlite3.node'), path.join(release, 'better_sqlite3.node'));
  }
}, 900_000);

afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

describe('the packed tarballs', () => {
  it.each(PUBLISHED)('%s: a manifest npm can install, a LICENSE, and a README readable on its own', (dir) => {
    const tarball = tarballOf(dir);
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n');
    expect(files).toEqual(expect.arrayContaining(['package/LICENSE', 'package/README.md', 'package/package.json']));
    expect(files.some((file) => file.startsWith('package/dist/') && file.endsWith('.js'))).toBe(true);
    const manifest = JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }));
    const specifiers = Object.values({ ...manifest.dependencies, ...manifest.devDependencies }) as string[];
    expect(specifiers.filter((spec) => /^(workspace|catalog):/.test(spec))).toEqual([]);
    expect(manifest).toMatchObject({
      license: 'Apache-2.0',
      publishConfig: { access: 'public' },
      repository: { type: 'git', directory: dir },
      homepage: expect.stringMatching(/^https:\/\//),
      bugs: { url: expect.stringMatching(/^https:\/\//) },
    });
    const license = execFileSync('tar', ['-xzOf', tarball, 'package/LICENSE'], { encoding: 'utf8' });
    expect(license).toMatch(/^Apache License\s+Version 2\.0, January 2004/);
    // A README inside a tarball has no repository around it: relative links must stay inside it.
    const readme = execFileSync('tar', ['-xzOf', tarball, 'package/README.md'], { encoding: 'utf8' });
    const relative = [...readme.matchAll(/\]\(([^)\s]+)\)/g)]
      .map((match) => match[1] as string)
      .filter((href) => !/^[a-z]+:/i.test(href) && !href.startsWith('#'));
    for (const href of relative) expect(files, `README links to ${href}`).toContain(`package/${href.split('#')[0]}`);
    expect(readme).not.toMatch(/\.\.\/shared|shared\/vectors/);
  });

  it('are refused by npm pack from a package folder, which would publish workspace: and catalog: verbatim', () => {
    const refused = run('npm', ['pack', '--dry-run'], { cwd: path.join(ROOT, 'packages/token') });
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain('pnpm-only specifiers');
    expect(refused.stderr).toContain('dependencies.@aip/identity: "workspace:*"');
  });
});

describe('installed with npm', () => {
  it('holds exactly one better-sqlite3 and one copy of each AIP package', () => {
    const listed = must(run('npm', ['ls', '--all', '--parseable'], { cwd: project }), 'npm ls').stdout.split('\n');
    const copies = (name: string) =>
      listed.filter((line) => line.endsWith(`${path.sep}node_modules${path.sep}${name}`));
    expect(copies('better-sqlite3')).toHaveLength(1);
    for (const dir of PUBLISHED) {
      const { name } = JSON.parse(readFileSync(path.join(ROOT, dir, 'package.json'), 'utf8'));
      expect(copies(name.replace('/', path.sep)), name).toHaveLength(1);
    }
  });

  it('imports every entry as ESM and works: sign, verify, store a vouch in SQLite', () => {
    const script = `
      import { generateIdentity, verifyJson, signJson, publicKeyFromId, decodeBase64Url } from '@aip/identity';
      import { saveIdentity, loadIdentity } from '@aip/identity/node';
      import { AipError } from '@aip/identity/errors';
      import { issueToken, verifyToken } from '@aip/token';
      import { createVouch, openTrustStore, verifyVouch } from '@aip/trust';
      import { createAipFetch } from '@aip/mcp';
      import { createA2aFetch } from '@aip/a2a';
      import { createProxy } from '@aip/proxy';
      import { buildApp } from '@aip/registry';
      import { runCli } from '@aip/cli';
      const a = generateIdentity(), b = generateIdentity();
      const sig = decodeBase64Url(signJson(a, 'x/1', { n: 1 }));
      if (!verifyJson(sig, 'x/1', { n: 1 }, publicKeyFromId(a.did))) throw new Error('signature');
      const token = issueToken(a, { sub: b.did, scope: ['tool:search'] });
      if (verifyToken(token, { trustedKeys: [a.did] }).subject !== b.did) throw new Error('token');
      const store = openTrustStore({ path: ':memory:' });
      const outcome = store.add({ kind: 'vouch', ...verifyVouch(createVouch(a, { subject: b.did, scope: 'tool:search' })) });
      store.close();
      const home = process.argv[1];
      await saveIdentity(a, { home });
      if ((await loadIdentity({ home })).identity.did !== a.did) throw new Error('key store');
      for (const f of [createAipFetch, createA2aFetch, createProxy, buildApp, runCli]) if (typeof f !== 'function') throw new Error('export');
      if (!(new AipError('x', 'y') instanceof Error)) throw new Error('errors');
      console.log(outcome.status);
    `;
    const result = node(['--input-type=module', '-e', script, path.join(work, 'esm-home')]);
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('accepted');
  });

  it('require()s every entry (Node >= 20.19 loads ES modules synchronously)', () => {
    const script = `
      const entries = ['@aip/identity', '@aip/identity/node', '@aip/identity/errors', '@aip/token', '@aip/trust',
        '@aip/mcp', '@aip/a2a', '@aip/proxy', '@aip/registry', '@aip/cli'];
      const loaded = entries.map((entry) => Object.keys(require(entry)).length);
      const { generateIdentity } = require('@aip/identity');
      const { issueToken } = require('@aip/token');
      const me = generateIdentity();
      console.log(loaded.every((n) => n > 0), issueToken(me, { sub: me.did, scope: ['*'] }).split('.').length);
    `;
    const result = node(['--disable-warning=ExperimentalWarning', '-e', script]);
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('true 3');
  });

  it.each([
    ['nodenext', { module: 'nodenext', moduleResolution: 'nodenext' }],
    ['bundler', { module: 'esnext', moduleResolution: 'bundler' }],
  ])('type-checks a consumer with moduleResolution %s, library types included', (name, options) => {
    const dir = path.join(project, `ts-${name}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, 'consumer.ts'),
      `import { generateIdentity, type Identity } from '@aip/identity';
import { loadIdentity, type StoredIdentityInfo } from '@aip/identity/node';
import { AipError, type IdentityErrorCode } from '@aip/identity/errors';
import { issueToken, verifyToken, type VerifiedToken } from '@aip/token';
import { openTrustStore, type TrustStore, type TrustErrorCode } from '@aip/trust';
import { createAipFetch, operationOf } from '@aip/mcp';
import { a2aCallOf, type AipAgentIdentity } from '@aip/a2a';
import { createProxy, type ProxyConfig } from '@aip/proxy';
import { buildApp, openRegistryStore } from '@aip/registry';
import { runCli } from '@aip/cli';

const me: Identity = generateIdentity();
const verified: VerifiedToken = verifyToken(issueToken(me, { sub: me.did, scope: ['tool:a'] }), { trustedKeys: [me.did] });
const store: TrustStore = openTrustStore({ path: ':memory:' });
const counts: ReturnType<TrustStore['counts']> = store.counts();
const code: TrustErrorCode | IdentityErrorCode = 'aip_store_unavailable';
const info: Promise<{ info: StoredIdentityInfo }> = loadIdentity();
export const used = [verified, counts, code, info, AipError, createAipFetch, operationOf, a2aCallOf, createProxy, buildApp, openRegistryStore, runCli];
export type Config = ProxyConfig;
export type Agent = AipAgentIdentity;
`,
    );
    writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          ...options,
          target: 'es2022',
          strict: true,
          noEmit: true,
          // The libraries' declaration files are checked too: a type they import must resolve.
          skipLibCheck: false,
          types: ['node'],
        },
        files: ['consumer.ts'],
      }),
    );
    const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc');
    const result = run(process.execPath, [tsc, '-p', dir], { cwd: dir });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('runs the installed bins: aip --help, aip init, aip whoami, aip-proxy --help', () => {
    const bin = (name: string) => path.join(project, 'node_modules', '.bin', name);
    expect(readdirSync(path.join(project, 'node_modules', '.bin'))).toEqual(
      expect.arrayContaining(['aip', 'aip-proxy']),
    );
    const env = { AIP_HOME: path.join(work, 'bin-home') };
    const help = run(bin('aip'), ['--help'], { cwd: project, env });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: aip');
    const init = run(bin('aip'), ['init', '--name', 'packed', '--json'], { cwd: project, env });
    expect(init.stderr).toBe('');
    expect(JSON.parse(init.stdout)).toMatchObject({ name: 'packed', did: expect.stringMatching(/^did:key:z6Mk/) });
    expect(existsSync(path.join(work, 'bin-home', 'identity.json'))).toBe(true);
    const whoami = run(bin('aip'), ['whoami', '--json'], { cwd: project, env });
    expect(JSON.parse(whoami.stdout).name).toBe('packed');
    const proxyHelp = run(bin('aip-proxy'), ['--help'], { cwd: project, env });
    expect(proxyHelp.status).toBe(0);
    expect(proxyHelp.stdout).toContain('--upstream');
  });
});
