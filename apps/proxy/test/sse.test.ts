import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { createSseRewriter } from '../src/sse.js';

async function run(
  chunks: string[],
  rewrite: (data: string) => string | undefined = (data) => (data === 'x' ? 'y' : undefined),
) {
  const source = Readable.from(chunks.map((c) => Buffer.from(c)));
  return text(source.pipe(createSseRewriter((e) => rewrite(e.data))));
}

describe('SSE rewriter', () => {
  it('passes events it does not change through byte for byte', async () => {
    const input = ['event: message\nid: 1\ndata: {"a":1}\n\n', ': keep-alive\n\n', 'retry: 500\ndata: z\r\n\r\n'];
    expect(await run(input)).toBe(input.join(''));
  });

  it('rewrites only the data of a changed event, keeping its other fields', async () => {
    expect(await run(['event: e\nid: 9\ndata: x\n\n'])).toBe('event: e\nid: 9\ndata: y\n\n');
  });

  it('reassembles events split across chunks, including a CRLF split in two', async () => {
    expect(await run(['eve', 'nt: e\r', '\ndata: x\r\n\r', '\ndata: q\n', '\n'])).toBe(
      'event: e\r\ndata: y\r\n\r\ndata: q\n\n',
    );
  });

  it('emits each event as soon as it is complete', async () => {
    const rewriter = createSseRewriter(() => undefined);
    const out: string[] = [];
    rewriter.on('data', (d: Buffer) => out.push(d.toString()));
    rewriter.write('data: 1\n\ndata: 2');
    await new Promise((r) => setImmediate(r));
    expect(out.join('')).toBe('data: 1\n\n');
    rewriter.end('\n\n');
    await new Promise((r) => rewriter.on('end', r));
    expect(out.join('')).toBe('data: 1\n\ndata: 2\n\n');
  });

  it('handles multi-line data and flushes a trailing partial event at the end', async () => {
    expect(
      await run(['data: x\ndata: more\n\n', 'data: tail'], (d) => (d === 'x\nmore' ? 'one\ntwo' : undefined)),
    ).toBe('data: one\ndata: two\n\ndata: tail');
  });
});

describe('SSE rewriter on large events', () => {
  it('handles a 15 MiB event arriving in 16 KiB chunks in linear time', async () => {
    const big = `data: ${'x'.repeat(15 * 1024 * 1024)}\r\nid: 1\r\n\r\n`;
    const chunks: Buffer[] = [];
    for (let i = 0; i < big.length; i += 16 * 1024) chunks.push(Buffer.from(big.slice(i, i + 16 * 1024)));
    const started = performance.now();
    const out = await text(Readable.from(chunks).pipe(createSseRewriter(() => undefined)));
    expect(out.length).toBe(big.length);
    // A quadratic rescan took seconds here; a linear pass takes well under one.
    expect(performance.now() - started).toBeLessThan(1500);
  });
});
