import { appendFile, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chainedLine } from '../src/audit/audit-log.js';
import { type AuditRecord, anchorFileOf, loadAuditKey, openAuditLog, verifyAuditLog } from '../src/index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'aip-audit-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const record = (n: number, extra: Partial<AuditRecord> = {}): AuditRecord => ({
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
  ...extra,
});

const tick = () => new Promise((r) => setImmediate(r));

function writeLog(file: string, count: number, start = 0): void {
  const log = openAuditLog(file, { key: loadAuditKey(`${file}.key`) });
  for (let i = start; i < start + count; i++) log.write(record(i));
  log.close();
}

describe('audit log', () => {
  it('writes a line exactly as JSON.stringify of the record followed by prev', () => {
    const cause = { ...record(1, { decision: 'error', code: 'aip_upstream_unavailable' }), cause: 'x"\u2028\n' };
    for (const fields of [record(1), cause, { type: 'stop', time: 't' }, {}, { prev: 'kept in place', a: 1 }])
      for (const prev of [null, 'abc_-DEF012'])
        expect(chainedLine(fields, prev)).toBe(JSON.stringify({ ...fields, prev }));
  });

  it('chains lines across restarts, between start and stop records, sealed by signed checkpoints', async () => {
    const file = path.join(dir, 'audit.jsonl');
    writeLog(file, 2);
    writeLog(file, 3, 2);
    const text = await readFile(file, 'utf8');
    const key = loadAuditKey(`${file}.key`).identity.did;
    const result = verifyAuditLog(text, { key, anchor: await readFile(anchorFileOf(file), 'utf8') });
    expect(result).toMatchObject({ ok: true, checkpoints: 2, key, anchored: true, torn: [], notes: [] });
    const types = text
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { type?: string }).type ?? 'decision');
    expect(types).toEqual([
      'start',
      'decision',
      'decision',
      'stop',
      'checkpoint',
      'start',
      'decision',
      'decision',
      'decision',
      'stop',
      'checkpoint',
    ]);
  });

  it('detects lines cut off the end through the anchor, and a checkpoint signed by another key', async () => {
    const file = path.join(dir, 'audit.jsonl');
    writeLog(file, 5);
    const text = await readFile(file, 'utf8');
    const anchor = await readFile(anchorFileOf(file), 'utf8');
    const kept = `${text.trim().split('\n').slice(0, 4).join('\n')}\n`;
    expect(verifyAuditLog(kept)).toMatchObject({ ok: true });
    expect(verifyAuditLog(kept, { anchor })).toMatchObject({
      ok: false,
      reason: expect.stringContaining('cut off the end'),
    });
    const other = loadAuditKey(path.join(dir, 'other.key')).identity.did;
    expect(verifyAuditLog(text, { key: other })).toMatchObject({
      ok: false,
      reason: 'the checkpoint is signed by another key',
    });
  });

  it('refuses a log continued with another key after it was cut; a pinned key also catches a wholly re-signed one', async () => {
    const file = path.join(dir, 'audit.jsonl');
    writeLog(file, 2);
    writeLog(file, 2, 2);
    const key = loadAuditKey(`${file}.key`).identity.did;
    const lines = (await readFile(file, 'utf8')).trim().split('\n');
    // Cut the second run's decisions, then continue the log with a key of the attacker's.
    await writeFile(file, `${lines.slice(0, 6).join('\n')}\n`);
    openAuditLog(file, { key: loadAuditKey(path.join(dir, 'attacker.key')) }).close();
    expect(verifyAuditLog(await readFile(file, 'utf8'))).toMatchObject({
      ok: false,
      reason: expect.stringContaining('another key'),
    });
    // A log re-signed from its first line on shows no key change: only pinning the key catches it.
    const resigned = path.join(dir, 'resigned.jsonl');
    const forged = openAuditLog(resigned, { key: loadAuditKey(path.join(dir, 'attacker.key')) });
    forged.write(record(1));
    forged.close();
    const text = await readFile(resigned, 'utf8');
    expect(verifyAuditLog(text)).toMatchObject({ ok: true, pinned: false });
    expect(verifyAuditLog(text, { key })).toMatchObject({ ok: false, pinned: true });
  });

  it('reports the first line that breaks the chain', async () => {
    const file = path.join(dir, 'audit.jsonl');
    writeLog(file, 4);
    const lines = (await readFile(file, 'utf8')).trim().split('\n');
    lines[2] = (lines[2] as string).replace('"allow"', '"deny"');
    expect(verifyAuditLog(`${lines.join('\n')}\n`)).toMatchObject({ ok: false, brokenLine: 4 });
  });

  it('closes off a torn last line on restart with a fresh line that keeps the chain verifiable, and says the run ended uncleanly', async () => {
    const file = path.join(dir, 'audit.jsonl');
    writeLog(file, 2);
    await appendFile(file, '{"time":"2026-01-01T00:00:00Z","request_id":"torn"'); // killed mid-write
    writeLog(file, 2, 10);
    const result = verifyAuditLog(await readFile(file, 'utf8'));
    expect(result).toMatchObject({ ok: true, torn: [6] });
    expect(result.notes.join('\n')).toContain('did not stop cleanly');
  });

  it('bounds every line, however large the caller-controlled fields, and restarts after one', async () => {
    const file = path.join(dir, 'audit.jsonl');
    const log = openAuditLog(file);
    log.write(
      record(1, {
        http: `POST /${'x'.repeat(1_500_000)}`,
        tool: Array.from({ length: 5000 }, (_, i) => `t${i}`.repeat(100)),
      }),
    );
    log.close();
    const lines = (await readFile(file, 'utf8')).trim().split('\n');
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThan(32 * 1024);
    writeLog(file, 1, 5);
    expect(verifyAuditLog(await readFile(file, 'utf8'))).toMatchObject({ ok: true });
  });

  it('stays up when the disk is full, reports itself unhealthy, and finishes the exact bytes once it can write again', async () => {
    const file = path.join(dir, 'audit.jsonl');
    const { writeSync } = await import('node:fs');
    let disk: 'ok' | 'last bytes' | 'full' = 'ok';
    const log = openAuditLog(file, {
      writeSync: (fd, buffer, offset, length) => {
        if (disk === 'ok') return writeSync(fd, buffer, offset, length);
        if (disk === 'last bytes') {
          disk = 'full';
          return writeSync(fd, buffer, offset, Math.min(length, 7)); // a short write, mid-line
        }
        throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
      },
    });
    log.write(record(1));
    await tick();
    disk = 'last bytes';
    log.write(record(2));
    log.write(record(3));
    await tick();
    expect(log.healthy()).toBe(false);
    disk = 'ok';
    await new Promise((r) => setTimeout(r, 1200));
    expect(log.healthy()).toBe(true);
    log.close();
    expect(verifyAuditLog(await readFile(file, 'utf8'))).toMatchObject({ ok: true, lines: 5, torn: [] });
  });

  it('counts what it had to drop while failing and says so once it recovers', async () => {
    const file = path.join(dir, 'audit.jsonl');
    let failing = false;
    const { writeSync } = await import('node:fs');
    const log = openAuditLog(file, {
      maxPending: 2,
      writeSync: (fd, buffer, offset, length) => {
        if (failing) {
          const err = new Error('no space') as NodeJS.ErrnoException;
          err.code = 'ENOSPC';
          throw err;
        }
        return writeSync(fd, buffer, offset, length);
      },
    });
    failing = true;
    log.write(record(0));
    await tick();
    expect(log.healthy()).toBe(false);
    for (let i = 1; i < 6; i++) log.write(record(i));
    failing = false;
    await new Promise((r) => setTimeout(r, 1200));
    expect(log.healthy()).toBe(true);
    log.close();
    const result = verifyAuditLog(await readFile(file, 'utf8'));
    expect(result).toMatchObject({ ok: true });
    expect(result.notes.join('\n')).toMatch(/line\(s\) were lost/);
  });

  it('refuses a key file that is not one, and never replaces an existing key', async () => {
    const file = path.join(dir, 'a.key');
    await writeFile(file, 'not json');
    expect(() => loadAuditKey(file)).toThrow(/not an audit key file/);
    await truncate(file, 0);
    await rm(file);
    const first = loadAuditKey(file).identity.did;
    expect(loadAuditKey(file).identity.did).toBe(first);
  });
});
