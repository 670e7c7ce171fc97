// The deployment files start the command line this test starts: the systemd unit's ExecStart and
// the image's ENTRYPOINT + CMD are the same argv, and that argv — with the repository's build in
// place of /opt/aip-proxy and a test configuration in place of /etc/aip/proxy.toml — starts a proxy
// that serves, reloads on SIGHUP and stops cleanly on SIGTERM.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { principals } from '../fixtures/proxy.js';
import { startPlainUpstream, type Upstream } from '../fixtures/upstreams.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const p = principals();

async function unitArgv(): Promise<string[]> {
  const unit = await readFile(path.join(root, 'deploy/aip-proxy.service'), 'utf8');
  const line = /^ExecStart=(.+)$/m.exec(unit)?.[1] as string;
  return line.trim().split(/\s+/);
}

async function imageArgv(): Promise<{ argv: string[]; env: Record<string, string> }> {
  const file = await readFile(path.join(root, 'deploy/aip-proxy.Dockerfile'), 'utf8');
  const json = (instruction: string) =>
    JSON.parse(new RegExp(`^${instruction} (\\[.+\\])$`, 'm').exec(file)?.[1] as string) as string[];
  const env = Object.fromEntries(
    [...String(/^ENV (.+)$/m.exec(file)?.[1]).matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1] as string, m[2] as string]),
  );
  return { argv: [...json('ENTRYPOINT'), ...json('CMD')], env };
}

describe('the deployment files', () => {
  let upstream: Upstream;
  let dir: string;
  beforeAll(async () => {
    upstream = await startPlainUpstream();
    dir = await mkdtemp(path.join(tmpdir(), 'aip-deploy-'));
  });
  afterAll(async () => {
    await upstream.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('start the same command line', async () => {
    const unit = await unitArgv();
    const image = await imageArgv();
    expect(unit[0]).toBe('/usr/bin/node');
    expect(image.argv[0]).toBe('node');
    expect(unit.slice(1)).toEqual(image.argv.slice(1));
    expect(image.env).toMatchObject({ AIP_PROXY_HOST: '0.0.0.0', AIP_PROXY_PORT: '8080' });
  });

  it('whose proxy serves, reloads on SIGHUP and stops cleanly on SIGTERM', async () => {
    const config = path.join(dir, 'proxy.toml');
    await writeFile(
      config,
      `[proxy]\nupstream = "${upstream.url}"\ntrust_keys = ["${p.operator.did}"]\n[pop]\nrequired = false\n`,
    );
    const { argv, env } = await imageArgv();
    const args = argv
      .slice(1)
      .map((a) => a.replace('/opt/aip-proxy', path.join(root, 'apps/proxy')).replace('/etc/aip/proxy.toml', config));
    // Tests bind loopback on a free port; everything else as the image sets it.
    const child = spawn(process.execPath, args, {
      env: { ...process.env, ...env, AIP_PROXY_HOST: '127.0.0.1', AIP_PROXY_PORT: '0' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr?.on('data', (d: Buffer) => {
        stderr += d.toString();
        const listening = /"url":"(http:[^"]+)",[^\n]*"msg":"listening"/.exec(stderr);
        if (listening !== null) resolve(listening[1] as string);
      });
      void exited.then((code) => reject(new Error(`exited ${code}: ${stderr}`)));
    });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const call = await fetch(`${url}/mcp/tools/search`, {
      method: 'POST',
      headers: { 'x-aip-token': p.token(['tool:search']) },
      body: '{}',
    });
    expect(call.status).toBe(200);
    await writeFile(
      config,
      `[proxy]\nupstream = "${upstream.url}"\ntrust_keys = ["${p.operator.did}"]\n[pop]\nrequired = true\n`,
    );
    child.kill('SIGHUP');
    await expect.poll(() => stderr).toContain('configuration reloaded');
    const unsigned = await fetch(`${url}/mcp/tools/search`, {
      method: 'POST',
      headers: { 'x-aip-token': p.token(['tool:search']) },
      body: '{}',
    });
    expect(unsigned.status).toBe(401);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toContain('"msg":"stopped"');
  });
});
