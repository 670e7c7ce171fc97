// did:web issuers resolved through web-did-resolver over real HTTPS: a local server with a
// certificate made for the test (trusted by this process's default HTTPS agent only).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDidWebKeys, generateIdentity } from '../src/index.js';

const issuer = generateIdentity();
const openssl = spawnSync('openssl', ['version']).status === 0;
let server: https.Server;
let dir: string;
let host: string;
let previousCa: https.AgentOptions['ca'];
const served = new Map<string, unknown>();
let requests = 0;

const didOf = (suffix = '') => `did:web:${encodeURIComponent(host)}${suffix}`;
const documentFor = (did: string, key = issuer) => ({
  '@context': ['https://www.w3.org/ns/did/v1'],
  id: did,
  verificationMethod: [
    { id: `${did}#key-1`, type: 'Multikey', controller: did, publicKeyMultibase: key.publicKeyMultibase },
  ],
  assertionMethod: [`${did}#key-1`],
});

describe.skipIf(!openssl)('did:web issuer keys', () => {
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'aip-did-web-'));
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
    const cert = readFileSync(path.join(dir, 'cert.pem'));
    server = https.createServer({ cert, key: readFileSync(path.join(dir, 'key.pem')) }, (req, res) => {
      requests++;
      const body = served.get(req.url ?? '');
      if (body === undefined) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    host = `localhost:${(server.address() as AddressInfo).port}`;
    // web-did-resolver fetches with cross-fetch (node-fetch), which uses the default HTTPS agent.
    previousCa = https.globalAgent.options.ca;
    https.globalAgent.options.ca = cert;
  });

  afterAll(async () => {
    https.globalAgent.options.ca = previousCa;
    await new Promise((resolve) => server?.close(resolve));
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('resolves the key a domain publishes at /.well-known/did.json, and at a path', async () => {
    served.set('/.well-known/did.json', documentFor(didOf()));
    served.set('/agents/scout/did.json', documentFor(didOf(':agents:scout')));
    const keys = createDidWebKeys();
    expect(await keys.resolve(didOf())).toEqual(issuer.publicKey);
    expect(keys.keyOf(didOf())).toEqual(issuer.publicKey);
    expect(await keys.resolve(didOf(':agents:scout'))).toEqual(issuer.publicKey);
  });

  it('answers from its cache until the entry expires, then fetches again', async () => {
    let clock = 1_000_000;
    served.set('/.well-known/did.json', documentFor(didOf()));
    const keys = createDidWebKeys({ ttlSeconds: 60, now: () => clock });
    const before = requests;
    await Promise.all([keys.resolve(didOf()), keys.resolve(didOf())]);
    await keys.resolve(didOf());
    expect(requests - before).toBe(1);
    clock += 61_000;
    expect(keys.keyOf(didOf())).toBeUndefined();
    const rotated = generateIdentity();
    served.set('/.well-known/did.json', documentFor(didOf(), rotated));
    expect(await keys.resolve(didOf())).toEqual(rotated.publicKey);
    expect(requests - before).toBe(2);
  });

  it('refuses a document for another DID, one without an acceptable key, a missing one, and non-did:web ids', async () => {
    const keys = createDidWebKeys();
    served.set('/other/did.json', documentFor(didOf(':elsewhere')));
    served.set('/bad/did.json', { ...documentFor(didOf(':bad')), verificationMethod: [] });
    for (const did of [didOf(':other'), didOf(':bad'), didOf(':missing'), 'did:key:z6Mk', 'did:web:a b']) {
      await expect(keys.resolve(did)).rejects.toMatchObject({ code: 'aip_identity_unresolvable' });
    }
    expect(keys.keyOf(didOf(':other'))).toBeUndefined();
  });

  it('remembers a failure for a while instead of fetching again for every bad token', async () => {
    let clock = 5_000_000;
    const keys = createDidWebKeys({ failureTtlSeconds: 30, now: () => clock });
    const before = requests;
    await expect(keys.resolve(didOf(':nobody'))).rejects.toMatchObject({ code: 'aip_identity_unresolvable' });
    await expect(keys.resolve(didOf(':nobody'))).rejects.toMatchObject({ code: 'aip_identity_unresolvable' });
    expect(requests - before).toBe(1);
    clock += 31_000;
    await expect(keys.resolve(didOf(':nobody'))).rejects.toMatchObject({ code: 'aip_identity_unresolvable' });
    expect(requests - before).toBe(2);
  });
});
