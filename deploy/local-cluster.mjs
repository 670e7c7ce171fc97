#!/usr/bin/env node
// A local cluster of several machines on loopback (DESIGN §9), to try replicas out and for the
// end-to-end tests: PostgreSQL and Redis (the Debian binaries, data in a temporary directory),
// two `aip registry serve` replicas on them, and two `aip-proxy` replicas sharing them in front of
// one MCP upstream. Prints one JSON line describing it on stdout once everything listens, then
// runs until SIGINT or SIGTERM, when it stops every process and removes its directory.
//
//   node deploy/local-cluster.mjs --upstream http://127.0.0.1:3000 --trust-key did:key:z6Mk...
//
// Options: --upstream URL (required), --trust-key KEY (repeatable, at least one), --audience ID
// (the one audience both proxies answer to, as replicas behind one name do; default
// `aip-local-cluster`), --dir DIR (kept afterwards; default a temporary directory, removed), --aip
// CMD and --aip-proxy CMD (default the repository's build). PostgreSQL refuses to run as root: as root, it runs as the `postgres` user.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
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
import { parseArgs } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));
const usage =
  'usage: local-cluster.mjs --upstream URL --trust-key KEY [--trust-key KEY]... [--audience ID] [--dir DIR] [--aip CMD] [--aip-proxy CMD]';

function fail(message) {
  process.stderr.write(`local-cluster: ${message}\n`);
  process.exit(2);
}

let options;
try {
  options = parseArgs({
    options: {
      upstream: { type: 'string' },
      'trust-key': { type: 'string', multiple: true },
      audience: { type: 'string', default: 'aip-local-cluster' },
      dir: { type: 'string' },
      aip: { type: 'string' },
      'aip-proxy': { type: 'string' },
      help: { type: 'boolean' },
    },
  }).values;
} catch (error) {
  fail(`${error.message}\n${usage}`);
}
if (options.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}
if (options.upstream === undefined) fail(`--upstream is required\n${usage}`);
if (options['trust-key'] === undefined) fail(`at least one --trust-key is required\n${usage}`);

// A command: the repository's built entry point run by this Node, or what the caller named.
const command = (given, built) => (given === undefined ? [process.execPath, path.join(here, built)] : [given]);
const aip = command(options.aip, '../apps/cli/bin/aip.js');
const aipProxy = command(options['aip-proxy'], '../apps/proxy/bin/aip-proxy.js');

const postgresBin = (() => {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root)
    ? readdirSync(root)
        .filter((name) => /^\d+$/.test(name) && existsSync(path.join(root, name, 'bin', 'postgres')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  return majors.length === 0 ? undefined : path.join(root, majors[0], 'bin');
})();
const redisBin = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((file) => existsSync(file));
if (postgresBin === undefined) fail('PostgreSQL is not installed (apt-get install postgresql)');
if (redisBin === undefined) fail('Redis is not installed (apt-get install redis-server)');

const keepDir = options.dir !== undefined;
const dir = keepDir ? path.resolve(options.dir) : mkdtempSync(path.join(tmpdir(), 'aip-cluster-'));
mkdirSync(dir, { recursive: true });
// The postgres user must be able to reach its data directory inside.
if (process.getuid?.() === 0 && !keepDir) chmodSync(dir, 0o711);
const children = [];
let pgData;
let stopping = false;

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// Starts a process and resolves with the first match of `ready` in its output (stdout or stderr).
function start(name, argv, ready, options = {}) {
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  children.push({ name, child });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${name} did not start within 30 s: ${output.slice(-2000)}`)),
      30_000,
    );
    const read = (chunk) => {
      output = (output + chunk.toString()).slice(-64 * 1024);
      const match = ready.exec(output);
      if (match !== null) {
        clearTimeout(timer);
        resolve(match);
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (!stopping) reject(new Error(`${name} exited (${code ?? signal}): ${output.slice(-2000)}`));
    });
  });
}

const asRoot = process.getuid?.() === 0;
const asPostgres = (file, args) => (asRoot ? ['runuser', '-u', 'postgres', '--', file, ...args] : [file, ...args]);

async function startPostgres() {
  const home = path.join(dir, 'postgres');
  mkdirSync(home, { mode: 0o700 });
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
    chownSync(home, uid, gid);
  }
  chmodSync(home, 0o700);
  pgData = path.join(home, 'data');
  const [initFile, ...initArgs] = asPostgres(path.join(postgresBin, 'initdb'), [
    '-D',
    pgData,
    '-U',
    'postgres',
    '--auth=trust',
    '-E',
    'UTF8',
    '--locale=C',
  ]);
  execFileSync(initFile, initArgs, { stdio: 'pipe' });
  const port = await freePort();
  await start(
    'postgres',
    asPostgres(path.join(postgresBin, 'postgres'), [
      '-D',
      pgData,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `unix_socket_directories=${home}`,
    ]),
    /ready to accept connections/,
  );
  const [createFile, ...createArgs] = asPostgres(path.join(postgresBin, 'createdb'), [
    '-h',
    '127.0.0.1',
    '-p',
    String(port),
    '-U',
    'postgres',
    'aip',
  ]);
  execFileSync(createFile, createArgs, { stdio: 'pipe' });
  return `postgresql://postgres@127.0.0.1:${port}/aip`;
}

async function startRedis() {
  const home = path.join(dir, 'redis');
  mkdirSync(home, { mode: 0o700 });
  const port = await freePort();
  await start(
    'redis',
    [
      redisBin,
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      home,
      '--save',
      '',
      '--appendonly',
      'no',
      '--maxmemory-policy',
      'noeviction',
    ],
    /Ready to accept connections/,
  );
  return `redis://127.0.0.1:${port}`;
}

async function startRegistry(name, postgres, redis) {
  const [, url] = await start(
    `registry ${name}`,
    [
      ...aip,
      'registry',
      'serve',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--postgres',
      postgres,
      '--redis',
      redis,
      '--json',
    ],
    /"url":"(http:[^"]+)"/,
  );
  return url;
}

async function startProxy(name, { postgres, redis, secretFile }) {
  const toml = [
    '[proxy]',
    `upstream = ${JSON.stringify(options.upstream)}`,
    'host = "127.0.0.1"',
    'port = 0',
    `trust_keys = ${JSON.stringify(options['trust-key'])}`,
    `audience = ${JSON.stringify(options.audience)}`,
    '',
    '[pop]',
    'required = true',
    '',
    '[state]',
    `redis_url = ${JSON.stringify(redis)}`,
    `postgres_url = ${JSON.stringify(postgres)}`,
    `session_secret_file = ${JSON.stringify(secretFile)}`,
    `replica_id = ${JSON.stringify(`proxy-${name}`)}`,
    '',
    '[logging]',
    `log_file = ${JSON.stringify(path.join(dir, `proxy-${name}.audit.jsonl`))}`,
    '',
  ].join('\n');
  const file = path.join(dir, `proxy-${name}.toml`);
  writeFileSync(file, toml, { mode: 0o600 });
  const [, url] = await start(
    `proxy ${name}`,
    [...aipProxy, '--config', file],
    /"url":"(http:[^"]+)",[^\n]*"msg":"listening"/,
  );
  return url;
}

async function stopAll() {
  if (stopping) return;
  stopping = true;
  // The replicas first, then the stores they use.
  for (const { child } of [...children].reverse()) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // PostgreSQL's fast shutdown is SIGINT to the postmaster itself (runuser passes none on).
    const lock = pgData === undefined ? undefined : path.join(pgData, 'postmaster.pid');
    if (children.find((c) => c.child === child)?.name === 'postgres' && lock !== undefined && existsSync(lock)) {
      try {
        process.kill(Number(readFileSync(lock, 'utf8').split('\n')[0]), 'SIGINT');
      } catch {
        child.kill('SIGTERM');
      }
    } else child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
  if (!keepDir) rmSync(dir, { recursive: true, force: true });
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    stopAll().then(() => process.exit(0));
  });
}

try {
  const [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
  const secretFile = path.join(dir, 'session.secret');
  writeFileSync(secretFile, randomBytes(32), { mode: 0o600 });
  // The first registry creates the shared schema; the second joins it.
  const registryA = await startRegistry('a', postgres, redis);
  const registryB = await startRegistry('b', postgres, redis);
  const proxyA = await startProxy('a', { postgres, redis, secretFile });
  const proxyB = await startProxy('b', { postgres, redis, secretFile });
  const cluster = {
    postgres,
    redis,
    registries: [registryA, registryB],
    proxies: [proxyA, proxyB],
    audience: options.audience,
    dir,
  };
  process.stdout.write(`${JSON.stringify(cluster)}\n`);
  process.stderr.write(
    [
      'local cluster up (Ctrl-C stops it and removes its data):',
      `  PostgreSQL  ${postgres}`,
      `  Redis       ${redis}`,
      `  registries  ${registryA}  ${registryB}`,
      `  proxies     ${proxyA}  ${proxyB}  (proofs required, audience ${options.audience}, in front of ${options.upstream})`,
      '',
    ].join('\n'),
  );
} catch (error) {
  process.stderr.write(`local-cluster: ${error.message}\n`);
  await stopAll();
  process.exit(1);
}
