import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { createSseRewriter } from '../src/upstream/sse.js';

async function run(
  chunks: string[],
  rewrite: (data: string) => string | undefined = (data) => (data === 'x' ? 'y' : undefined),
) {
  const source = Readable.from(chunks.map((c) => Buffer.from(c)));
  return text(
    source.pipe(
      createSseRewriter((e) => {
        const data = rewrite(e.data);
        return data === undefined ? undefined : { data };
      }),
    ),
  );
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
  it('reassembles a 15 MiB event arriving in 16 KiB chunks', async () => {
    const big = `data: ${'x'.repeat(15 * 1024 * 1024)}\r\nid: 1\r\n\r\n`;
    const chunks: Buffer[] = [];
    for (let i = 0; i < big.length; i += 16 * 1024) chunks.push(Buffer.from(big.slice(i, i + 16 * 1024)));
    const out = await text(Readable.from(chunks).pipe(createSseRewriter(() => undefined)));
    expect(out).toBe(big);
  });
});

describe('SSE rewriter with ids and asynchronous rewrites', () => {
  it('rewrites ids and data, keeping events in order even when a rewrite takes its time', async () => {
    const source = Readable.from([Buffer.from('id: 1\ndata: a\n\nid: 2\ndata: b\n\n: note\n\n')]);
    const out = await text(
      source.pipe(
        createSseRewriter(async (e) => {
          if (e.id === '1') await new Promise((r) => setTimeout(r, 20));
          return { id: `sealed-${e.id}`, data: e.data.toUpperCase() };
        }),
      ),
    );
    expect(out).toBe('id: sealed-1\ndata: A\n\nid: sealed-2\ndata: B\n\n: note\n\n');
  });
});
