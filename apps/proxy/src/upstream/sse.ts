// A streaming Server-Sent Events rewriter: splits the upstream stream into events as they arrive,
// hands each to a rewrite function and writes it on immediately. Events it does not change are
// passed through byte for byte; nothing is held back beyond the current, incomplete event.
import { Transform, type TransformCallback } from 'node:stream';

/** One parsed SSE event. */
export interface SseEvent {
  event: string | undefined;
  id: string | undefined;
  data: string;
}

/** Returns the new data for an event, or `undefined` to keep it unchanged. */
export type SseRewrite = (event: SseEvent) => string | undefined;

const MAX_EVENT = 16 * 1024 * 1024;

function parseEvent(block: string): SseEvent {
  let event: string | undefined;
  let id: string | undefined;
  const data: string[] = [];
  for (const line of block.split(/\r\n|\r|\n/)) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
    else if (field === 'id') id = value;
  }
  return { event, id, data: data.join('\n') };
}

// Rewrites only the data lines of an event block, keeping every other field and comment in place.
function replaceData(block: string, data: string): string {
  const eol = /\r\n|\r|\n/.exec(block)?.[0] ?? '\n';
  const lines = block.split(/\r\n|\r|\n/);
  const out: string[] = [];
  let written = false;
  for (const line of lines) {
    if (line === 'data' || line.startsWith('data:')) {
      if (!written) for (const d of data.split('\n')) out.push(`data: ${d}`);
      written = true;
    } else {
      out.push(line);
    }
  }
  return out.join(eol);
}

/**
 * A Transform that applies `rewrite` to every complete event of an SSE byte stream. Linear in the
 * stream: a chunk is only searched for an event boundary (with three characters of overlap), and
 * the text held back is joined once, when its event completes.
 *
 * @example
 * ```ts
 * pipeline(upstreamBody, createSseRewriter((e) => (e.event === 'endpoint' ? '/message' : undefined)), res);
 * ```
 */
export function createSseRewriter(rewrite: SseRewrite): Transform {
  const decoder = new TextDecoder();
  // Text received since the last complete event, kept as chunks until a boundary shows up.
  let parts: string[] = [];
  let size = 0;
  let tail = '';

  // Splits `pending` into complete events (rewritten) and the incomplete rest.
  function drain(pending: string, final: boolean): { out: string; rest: string } {
    // Events end at a blank line; accept CRLF, CR and LF line endings (a CR directly followed by
    // LF is one CRLF, never two line endings).
    const boundary = /(\r\n|\n|\r(?!\n))(\r\n|\n|\r(?!\n))/g;
    let out = '';
    let start = 0;
    let match = boundary.exec(pending);
    while (match !== null) {
      // A lone CR at the very end may be the first half of CRLF: wait for the next chunk.
      if (!final && match.index + match[0].length === pending.length && pending.endsWith('\r')) break;
      const end = match.index + match[0].length;
      const block = pending.slice(start, match.index);
      const event = parseEvent(block);
      const data = event.data === '' && event.event === undefined ? undefined : rewrite(event);
      out += data === undefined ? pending.slice(start, end) : `${replaceData(block, data)}${match[0]}`;
      start = end;
      match = boundary.exec(pending);
    }
    const rest = pending.slice(start);
    return final ? { out: out + rest, rest: '' } : { out, rest };
  }

  function accept(text: string, final: boolean): string {
    const window = tail + text;
    if (!final && !/(\r\n|\n|\r(?!\n))(\r\n|\n|\r(?!\n))/.test(window)) {
      parts.push(text);
      size += text.length;
      tail = window.slice(-3);
      return '';
    }
    parts.push(text);
    const { out, rest } = drain(parts.join(''), final);
    parts = rest === '' ? [] : [rest];
    size = rest.length;
    tail = rest.slice(-3);
    return out;
  }

  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      const out = accept(decoder.decode(chunk, { stream: true }), false);
      if (size > MAX_EVENT) {
        callback(new Error('SSE event too large'));
        return;
      }
      callback(null, out === '' ? undefined : out);
    },
    flush(callback: TransformCallback) {
      const out = accept(decoder.decode(), true);
      callback(null, out === '' ? undefined : out);
    },
  });
}
