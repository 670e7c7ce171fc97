// A streaming Server-Sent Events rewriter: splits the upstream stream into events as they arrive,
// hands each to a rewrite function (which may take its time: events stay in order) and writes it
// on at once. Events it does not change pass through byte for byte; nothing is held back beyond
// the current, incomplete event.
import { Transform, type TransformCallback } from 'node:stream';

/** One parsed SSE event. */
export interface SseEvent {
  event: string | undefined;
  id: string | undefined;
  data: string;
}

/** New values for an event's fields; `undefined` (or a field left out) keeps it. */
export interface SseChange {
  data?: string;
  id?: string;
  /** Leave the event out altogether. */
  drop?: boolean;
}

export type SseRewrite = (event: SseEvent) => SseChange | undefined | Promise<SseChange | undefined>;

const MAX_EVENT = 16 * 1024 * 1024;
const LINE = /\r\n|\r|\n/;
const BOUNDARY_SOURCE = '(\\r\\n|\\n|\\r(?!\\n))(\\r\\n|\\n|\\r(?!\\n))';

function parseEvent(block: string): SseEvent {
  let event: string | undefined;
  let id: string | undefined;
  const data: string[] = [];
  for (const line of block.split(LINE)) {
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

// Rewrites the data and id lines of an event block, keeping every other field and comment in place.
function applyChange(block: string, change: SseChange): string {
  const eol = LINE.exec(block)?.[0] ?? '\n';
  const out: string[] = [];
  let dataWritten = false;
  for (const line of block.split(LINE)) {
    if (change.data !== undefined && (line === 'data' || line.startsWith('data:'))) {
      if (!dataWritten) for (const d of change.data.split('\n')) out.push(`data: ${d}`);
      dataWritten = true;
    } else if (change.id !== undefined && (line === 'id' || line.startsWith('id:'))) {
      out.push(`id: ${change.id}`);
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
 * pipeline(upstreamBody, createSseRewriter((e) => (e.event === 'endpoint' ? { data: '/message' } : undefined)), res);
 * ```
 */
export function createSseRewriter(rewrite: SseRewrite): Transform {
  const decoder = new TextDecoder();
  // Text received since the last complete event, kept as chunks until a boundary shows up.
  let parts: string[] = [];
  let size = 0;
  let tail = '';

  // Splits `pending` into complete events (each rewritten) and the incomplete rest.
  function drain(pending: string, final: boolean): { out: (string | Promise<string>)[]; rest: string } {
    // Events end at a blank line; accept CRLF, CR and LF line endings (a CR directly followed by
    // LF is one CRLF, never two line endings).
    const boundary = new RegExp(BOUNDARY_SOURCE, 'g');
    const out: (string | Promise<string>)[] = [];
    let start = 0;
    let match = boundary.exec(pending);
    while (match !== null) {
      // A lone CR at the very end may be the first half of CRLF: wait for the next chunk.
      if (!final && match.index + match[0].length === pending.length && pending.endsWith('\r')) break;
      const end = match.index + match[0].length;
      const block = pending.slice(start, match.index);
      const whole = pending.slice(start, end);
      const separator = match[0];
      const event = parseEvent(block);
      const change =
        event.data === '' && event.event === undefined && event.id === undefined ? undefined : rewrite(event);
      const render = (c: SseChange | undefined) =>
        c === undefined ? whole : c.drop === true ? '' : `${applyChange(block, c)}${separator}`;
      out.push(change instanceof Promise ? change.then(render) : render(change));
      start = end;
      match = boundary.exec(pending);
    }
    const rest = pending.slice(start);
    if (final && rest !== '') out.push(rest);
    return { out, rest: final ? '' : rest };
  }

  function accept(text: string, final: boolean): (string | Promise<string>)[] {
    const window = tail + text;
    if (!final && !new RegExp(BOUNDARY_SOURCE).test(window)) {
      parts.push(text);
      size += text.length;
      tail = window.slice(-3);
      return [];
    }
    parts.push(text);
    const { out, rest } = drain(parts.join(''), final);
    parts = rest === '' ? [] : [rest];
    size = rest.length;
    tail = rest.slice(-3);
    return out;
  }

  function emit(out: (string | Promise<string>)[], callback: TransformCallback): void {
    if (out.every((p) => typeof p === 'string')) {
      const text = (out as string[]).join('');
      callback(null, text === '' ? undefined : text);
      return;
    }
    Promise.all(out).then(
      (texts) => callback(null, texts.join('') || undefined),
      (err: Error) => callback(err),
    );
  }

  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      const out = accept(decoder.decode(chunk, { stream: true }), false);
      if (size > MAX_EVENT) {
        callback(new Error('SSE event too large'));
        return;
      }
      emit(out, callback);
    },
    flush(callback: TransformCallback) {
      emit(accept(decoder.decode(), true), callback);
    },
  });
}
