import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AuditRecord, openAuditLog, verifyAuditLog } from '../src/index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'aip-audit-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const record = (n: number): AuditRecord => ({
  time: new Date(n * 1000).toISOString(),
  request_id: `r${n}`,
  decision: 'allow',
  code: null,
  status: 200,
  http: 'POST /mcp',
  method: 'tools/call',
  tool: 'search',
  issuer: 'did:key:a',
  subject: 'did:key:b',
  chain: ['c'],
  upstream_status: 200,
  latency_ms: 1,
});

describe('audit log', () => {
  it('chains lines and continues the chain across restarts', async () => {
    const file = path.join(dir, 'audit.jsonl');
    const first = openAuditLog(file);
    first.write(record(1));
    first.write(record(2));
    first.close();
    const second = openAuditLog(file);
    second.write(record(3));
    second.close();
    const text = await readFile(file, 'utf8');
    expect(text.trim().split('\n')).toHaveLength(3);
    expect(JSON.parse(text.split('\n')[0] as string).prev).toBeNull();
    expect(verifyAuditLog(text)).toEqual({ ok: true, lines: 3 });
  });

  it('reports the first line that breaks the chain: edited, dropped, reordered or garbage', async () => {
    const file = path.join(dir, 'audit.jsonl');
    const log = openAuditLog(file);
    for (let i = 1; i <= 4; i++) log.write(record(i));
    log.close();
    const lines = (await readFile(file, 'utf8')).trim().split('\n');
    const edited = [...lines];
    edited[1] = (edited[1] as string).replace('"search"', '"delete"');
    expect(verifyAuditLog(edited.join('\n'))).toMatchObject({ ok: false, brokenLine: 3 });
    expect(verifyAuditLog([lines[0], lines[2], lines[3]].join('\n'))).toMatchObject({ ok: false, brokenLine: 2 });
    expect(verifyAuditLog([lines[1], lines[0]].join('\n'))).toMatchObject({ ok: false, brokenLine: 1 });
    expect(verifyAuditLog(`${lines[0]}\nnot json\n`)).toMatchObject({
      ok: false,
      brokenLine: 2,
      reason: 'not valid JSON',
    });
  });
});
