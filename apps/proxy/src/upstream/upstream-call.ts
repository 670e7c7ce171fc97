// One request to the upstream, dispatched to undici's pool directly rather than through its
// request API (no async resource, no abort-signal listeners, no stream for a body read whole): a
// response the caller wants whole — a small body, a list to filter — is collected as it arrives,
// within a cap; only a response relayed as it comes (SSE, a large body) becomes a Readable, with
// backpressure. The client going away aborts the call, at any point.
import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';

/** The reason a body read whole was refused: it is larger than the cap. */
export class ResponseTooLarge extends Error {}

/** The error a call aborted by {@link UpstreamCall.abort} ends with. */
export class UpstreamAborted extends Error {
  readonly code = 'UND_ERR_ABORTED';
}

/** An upstream response, once its headers are in (and, for a body read whole, its body). */
export interface UpstreamResponse {
  statusCode: number;
  headers: IncomingHttpHeaders;
  /** The whole body, when the caller asked for it whole and it arrived. */
  body?: Buffer;
  /** Why a body asked for whole did not arrive (over the cap, closed early, timed out, aborted). */
  bodyError?: Error;
  /** The body as it comes, otherwise. */
  stream?: Readable;
}

/** One call in flight. */
export interface UpstreamCall {
  /** Resolves with the response; rejects when it failed before any header arrived. */
  readonly response: Promise<UpstreamResponse>;
  /** Ends the call (and its stream, if any); nothing once the response is complete. */
  abort(): void;
  /** The call was aborted by {@link abort}. */
  readonly aborted: boolean;
}

// Response headers as Node's IncomingHttpHeaders: lowercased names, repeated ones as lists
// (what undici's request API would give). Names are own properties only: `constructor` or
// `__proto__` from an upstream are headers like any other.
function headersOf(raw: Buffer[]): IncomingHttpHeaders {
  const headers: Record<string, string | string[]> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as Buffer).toString('latin1').toLowerCase();
    const value = (raw[i + 1] as Buffer).toString('latin1');
    const seen = Object.hasOwn(headers, name) ? headers[name] : undefined;
    if (Array.isArray(seen)) {
      seen.push(value);
      continue;
    }
    const next = seen === undefined ? value : [seen, value];
    if (name === '__proto__')
      Object.defineProperty(headers, name, { value: next, enumerable: true, configurable: true, writable: true });
    else headers[name] = next;
  }
  return headers as IncomingHttpHeaders;
}

const ignore = () => {};

/**
 * Sends `options` to `pool`. `wholeBody` is asked once the headers are in: a cap in bytes to read
 * the body whole, or `undefined` to stream it.
 *
 * @example
 * ```ts
 * const call = callUpstream(pool, { method: 'POST', path: '/mcp', headers, body }, () => 64 * 1024);
 * res.on('close', () => call.abort());
 * const { statusCode, body } = await call.response;
 * ```
 */
export function callUpstream(
  pool: Dispatcher,
  options: Dispatcher.DispatchOptions,
  wholeBody: (statusCode: number, headers: IncomingHttpHeaders) => number | undefined,
): UpstreamCall {
  let resolve!: (response: UpstreamResponse) => void;
  let reject!: (err: Error) => void;
  const response = new Promise<UpstreamResponse>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  let abortRequest: ((err: Error) => void) | undefined;
  let settled = false; // the response promise has settled
  let complete = false; // the upstream's response is over (ended or failed)
  let statusCode = 0;
  let headers: IncomingHttpHeaders = {};
  let cap: number | undefined;
  let chunks: Buffer[] = [];
  let size = 0;
  let stream: Readable | undefined;

  const settle = (value: UpstreamResponse) => {
    if (settled) return;
    settled = true;
    resolve(value);
  };

  const handler: Dispatcher.DispatchHandler = {
    onConnect(abort) {
      abortRequest = abort;
      if (call.aborted) abort(new UpstreamAborted('the client went away'));
    },
    onHeaders(status, raw, resume) {
      if (status < 200) return true; // 1xx: the final response follows
      statusCode = status;
      headers = headersOf(raw);
      cap = wholeBody(status, headers);
      if (cap !== undefined) return true;
      // The reader attaches its own listeners when it gets to the stream; an error before then
      // (the client gone, the upstream reset while a charge settles) must not go unhandled.
      stream = new Readable({
        read: () => resume(),
        destroy: (err, callback) => {
          // The reader stopped before the end: the upstream's response is not read any further.
          if (!complete) {
            complete = true;
            abortRequest?.(err ?? new UpstreamAborted('the response stream was closed'));
          }
          callback(err);
        },
      });
      stream.on('error', ignore);
      settle({ statusCode, headers, stream });
      return true;
    },
    onData(chunk) {
      if (stream !== undefined) return stream.push(chunk);
      size += chunk.length;
      if (size > (cap as number)) {
        chunks = [];
        abortRequest?.(new ResponseTooLarge(`the upstream's response is larger than ${cap} bytes`));
        return false;
      }
      chunks.push(chunk);
      return true;
    },
    onComplete() {
      complete = true;
      abortRequest = undefined;
      if (stream !== undefined) stream.push(null);
      else settle({ statusCode, headers, body: Buffer.concat(chunks, size) });
    },
    onError(err) {
      complete = true;
      abortRequest = undefined;
      if (stream !== undefined) stream.destroy(err);
      else if (statusCode !== 0) settle({ statusCode, headers, bodyError: err });
      else if (!settled) {
        settled = true;
        reject(err);
      }
    },
  };
  // A plain data property, not a getter: an object literal with a getter gets a hidden class of its
  // own per call, which the garbage collector then has to carry.
  const call = {
    response,
    aborted: false,
    abort() {
      if (call.aborted || complete) return;
      call.aborted = true;
      const reason = new UpstreamAborted('the client went away');
      if (stream !== undefined) stream.destroy(reason);
      else abortRequest?.(reason);
    },
  };
  pool.dispatch(options, handler);
  return call;
}
