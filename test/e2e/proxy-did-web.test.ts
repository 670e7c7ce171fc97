// aip-proxy trusting a domain-anchored issuer (`--trust-did-web`, DESIGN §11): the real binary
// resolves the issuer's key from its DID document over real HTTPS (a local server with a
// certificate made for the test, trusted by the proxy process through NODE_EXTRA_CA_CERTS), admits
// the tokens that key signed as that did:web, and never fetches a did:web it was not told to trust.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { issueToken } from '@aip/token';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, principals } from '../fixtures/proxy.js';
import { startPlainUpstream, type Upstream } from '../fixtures/upstreams.js';

const BIN = fileURLToPath(new URL('../../apps/proxy/dist/main.js', import.meta.url));
const openssl = spawnSync('openssl', ['version']).status === 0;
const p = principals();

describe.skipIf(!openssl)('aip-proxy with a did:web issuer', () => {
  let dir: string;
  let server: https.Server;
  let upstream: Upstream;
  let proxy: ChildProcess;
  let url: string;
  let did: string;
  const fetched: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'aip-proxy-did-web-'));
    const made = spawnSync('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost',
      '-keyout',
      path.join(dir, 'key.pem'),
      '-out',
      path.join(dir, 'cert.pem'),
    ]);
    if (made.status !== 0) throw new Error(`openssl failed: ${made.stderr}`);
    server = https.createServer(
      { cert: readFileSync(path.join(dir, 'cert.pem')), key: readFileSync(path.join(dir, 'key.pem')) },
      (req, res) => {
        fetched.push(req.url ?? '');
        if (req.url !== '/.well-known/did.json') {
          res.writeHead(404).end();
          return;
        }
        res.writeHead(200, { 'content-type': 'application/did+json' }).end(
          JSON.stringify({
            '@context': ['https://www.w3.org/ns/did/v1'],
            id: did,
            verificationMethod: [
              {
                id: `${did}#key-1`,
                type: 'Multikey',
                controller: did,
                publicKeyMultibase: p.operator.publicKeyMultibase,
              },
            ],
            assertionMethod: [`${did}#key-1`],
          }),
        );
      },
    );
    await new Promise<void>((resolve) => server.listen(0, 'localhost', resolve));
    did = `did:web:localhost%3A${(server.address() as AddressInfo).port}`;
    upstream = await startPlainUpstream();
    proxy = spawn(
      process.execPath,
      [
        BIN,
        '--upstream',
        upstream.url,
        '--port',
        '0',
        '--trust-did-web',
        did,
        '--log-file',
        path.join(dir, 'audit.jsonl'),
      ],
      { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NODE_EXTRA_CA_CERTS: path.join(dir, 'cert.pem') } },
    );
    let stderr = '';
    url = await new Promise<string>((resolve, reject) => {
      proxy.stderr?.on('data', (d: Buffer) => {
        stderr += d.toString();
        const match = /"url":"(http:[^"]+)",[^\n]*"msg":"listening"/.exec(stderr);
        if (match !== null) resolve(match[1] as string);
      });
      proxy.once('exit', (code) => reject(new Error(`aip-proxy exited with ${code}: ${stderr}`)));
    });
  });

  afterAll(async () => {
    if (proxy !== undefined && proxy.exitCode === null) proxy.kill('SIGKILL');
    await upstream?.close();
    await new Promise((resolve) => server?.close(resolve));
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  const call = (token: string) =>
    fetch(`${url}/mcp/tools/search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-aip-token': token },
      body: JSON.stringify({ q: 'did:web' }),
    });

  it('admits a token the published key signed as the did:web, once it is resolved', async () => {
    const token = issueToken(p.operator, { sub: p.agent.did, scope: ['tool:search'], issuerDid: did });
    await expect.poll(async () => (await call(token)).status, { timeout: 10_000 }).toBe(200);
    expect(fetched).toContain('/.well-known/did.json');
    expect(upstream.log.http.at(-1)?.headers['x-aip-issuer']).toBe(did);
  });

  it('refuses a token another key signed in its name', async () => {
    const forged = issueToken(p.stranger, { sub: p.agent.did, scope: ['tool:search'], issuerDid: did });
    const res = await call(forged);
    expect(res.status).toBe(401);
    expect((await errorOf(res)).code).toBe('aip_signature_invalid');
  });

  it('never resolves a did:web it was not told to trust', async () => {
    const before = fetched.length;
    const other = `${did}:agents:other`;
    const res = await call(issueToken(p.operator, { sub: p.agent.did, scope: ['tool:search'], issuerDid: other }));
    expect(res.status).toBe(401);
    expect((await errorOf(res)).code).toBe('aip_identity_unresolvable');
    expect(fetched.length).toBe(before);
  });
});
