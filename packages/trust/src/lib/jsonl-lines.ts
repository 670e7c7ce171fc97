// Splits a byte stream into JSONL lines without ever buffering more than one bounded line: an
// over-long line is reported (as `null`) and skipped up to the next newline.
import { MAX_LINE_BYTES } from '../trust-object.js';

const decoder = new TextDecoder('utf-8', { fatal: true });

/** A line's text, or `null` when it is too long or not UTF-8; `bytes` counts input consumed. */
export interface RawLine {
  text: string | null;
  bytes: number;
}

export async function* splitLines(
  input: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
): AsyncGenerator<RawLine> {
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let oversize = false;
  const finish = (tail: Uint8Array): RawLine => {
    const bytes = pendingBytes + tail.length + 1;
    let text: string | null = null;
    if (!oversize && pendingBytes + tail.length <= MAX_LINE_BYTES) {
      const whole = pending.length === 0 ? tail : Buffer.concat([...pending, tail]);
      try {
        text = decoder.decode(whole);
      } catch {
        text = null;
      }
    }
    pending = [];
    pendingBytes = 0;
    oversize = false;
    return { text, bytes };
  };
  for await (const chunk of input) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let start = 0;
    for (;;) {
      const newline = bytes.indexOf(10, start);
      if (newline === -1) break;
      yield finish(bytes.subarray(start, newline));
      start = newline + 1;
    }
    const rest = bytes.subarray(start);
    if (rest.length === 0) continue;
    if (oversize || pendingBytes + rest.length > MAX_LINE_BYTES) {
      oversize = true;
      pendingBytes += rest.length;
      pending = [];
    } else {
      pending.push(Uint8Array.from(rest));
      pendingBytes += rest.length;
    }
  }
  if (pendingBytes > 0 || oversize) {
    const last = finish(new Uint8Array(0));
    yield { text: last.text, bytes: last.bytes - 1 };
  }
}
