import { promises as fs } from 'node:fs';
import path from 'node:path';
import { anchorFileOf, loadAuditKey, openAuditLog } from '@aip/proxy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killChildren, runAip, tempDir } from './run-aip.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('aip-audit-cli-'));
});
afterAll(async () => {
  killChildren();
  await cleanup();
});

async function writeLog(file: string, n: number): Promise<void> {
  const log = openAuditLog(file, { key: loadAuditKey(`${file}.key`), replica: 'replica-1' });
  for (let i = 0; i < n; i++) {
    log.write({
      time: new Date(i * 1000).toISOString(),
      request_id: `r${i}`,
      decision: 'allow',
      code: null,
      status: 200,
      http: 'POST /mcp',
      method: 'tools/call',
      tool: 'search',
      issuer: 'did:key:a',
      subject: 'did:key:b',
      chain: [],
      upstream_status: 200,
      latency_ms: 1,
    });
  }
  log.close();
}

describe('aip audit verify', () => {
  it('reports an intact log with exit 0: chain, signed checkpoint, anchor reached', async () => {
    const file = path.join(dir, 'ok.jsonl');
    await writeLog(file, 5);
    const key = loadAuditKey(`${file}.key`).identity.did;
    const result = await runAip(['audit', 'verify', file, '--key', key, '--json']);
    expect(result.code).toBe(0);
    // start, five decisions, stop, the final checkpoint.
    expect(JSON.parse(result.stdout)).toEqual({
      valid: true,
      lines: 8,
      checkpoints: 1,
      key,
      pinned: true,
      anchored: true,
      torn: [],
      replicas: ['replica-1'],
      notes: [],
    });
    expect((await runAip(['audit', 'verify', file])).stdout).toMatch(
      /^intact: 8 line\(s\).*anchor reached, written by replica-1\n {2}warning: NOT verified against a pinned key.*pass --key/,
    );
  });

  it('reports the first broken line of an edited log with exit 1', async () => {
    const file = path.join(dir, 'edited.jsonl');
    await writeLog(file, 5);
    const lines = (await fs.readFile(file, 'utf8')).trim().split('\n');
    lines[3] = (lines[3] as string).replace('"allow"', '"deny"');
    await fs.writeFile(file, `${lines.join('\n')}\n`);
    const result = await runAip(['audit', 'verify', file, '--json']);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ valid: false, lines: 8, broken_line: 5 });
    expect((await runAip(['audit', 'verify', file])).stdout).toMatch(/^broken at line 5 of 8/);
  });

  it('detects lines cut off the end through the anchor beside the log', async () => {
    const file = path.join(dir, 'cut.jsonl');
    await writeLog(file, 5);
    const lines = (await fs.readFile(file, 'utf8')).trim().split('\n');
    await fs.writeFile(file, `${lines.slice(0, 4).join('\n')}\n`);
    const result = await runAip(['audit', 'verify', file, '--json']);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({
      valid: false,
      reason: expect.stringContaining('cut off the end'),
    });
    await fs.rm(anchorFileOf(file));
    expect((await runAip(['audit', 'verify', file])).stdout).toMatch(/no anchor/);
  });

  it('exits 2 for a missing file', async () => {
    expect((await runAip(['audit', 'verify', path.join(dir, 'nope.jsonl')])).code).toBe(2);
  });
});
