// Relaying an upstream response to the client: SSE streams event by event (rewritten as they
// pass), and bodies read whole within a cap (readAll). The standalone GET streams open at any
// moment are tracked, so shutdown can end them cleanly while other responses finish.
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { readWhole } from '../request/read-body.js';
import { createSseRewriter, type SseRewrite } from './sse.js';
import { ResponseTooLarge } from './upstream-call.js';

/**
 * A body read whole, refusing more than `limit` bytes (the rest is not read: the stream is
 * destroyed). Rejects with the stream's error, or a premature-close error when it ends early.
 */
export function readAll(body: Readable, limit: number): Promise<Buffer> {
  return readWhole(body, limit, () => {
    body.destroy();
    return new ResponseTooLarge();
  });
}

// How often open streams are asked whether their credential still holds.
const CHECK_INTERVAL_MS = 5000;

/**
 * Open long-lived streams: ended on shutdown, and whenever their credential stops holding (it
 * expired, or something in its chain was revoked) — checked every few seconds while any is open.
 */
export class StreamRegistry {
  readonly #streams = new Map<() => void, () => boolean>();
  #timer: NodeJS.Timeout | undefined;

  /** Registers a stream's `end`, and `valid` (asked periodically); returns the unregistration. */
  add(end: () => void, valid: () => boolean = () => true): () => void {
    this.#streams.set(end, valid);
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => this.#check(), CHECK_INTERVAL_MS);
      this.#timer.unref();
    }
    return () => {
      this.#streams.delete(end);
      if (this.#streams.size === 0 && this.#timer !== undefined) {
        clearInterval(this.#timer);
        this.#timer = undefined;
      }
    };
  }

  #check(): void {
    for (const [end, valid] of this.#streams) if (!valid()) end();
  }

  /** Ends every registered stream (their clients reconnect). */
  endAll(): void {
    for (const end of this.#streams.keys()) end();
  }

  get size(): number {
    return this.#streams.size;
  }
}

/**
 * Relays one event stream until either side ends it. `standalone` streams (a GET stream) are
 * ended cleanly by {@link StreamRegistry.endAll}: the events already received are delivered, then
 * the stream closes normally.
 */
export async function relayStream(options: {
  body: Readable;
  res: ServerResponse;
  rewrite: SseRewrite;
  /** Ends the upstream's side. */
  abort: { abort(): void };
  registry: StreamRegistry | undefined;
  /** For a registered stream: does its credential still hold? */
  valid?: () => boolean;
}): Promise<void> {
  const { body, res, abort } = options;
  const rewriter = createSseRewriter(options.rewrite);
  let ending = false;
  const closed = res.destroyed ? Promise.resolve() : new Promise<void>((resolve) => res.once('close', resolve));
  body.on('error', () => {
    if (!ending) res.destroy();
  });
  rewriter.on('error', () => res.destroy());
  body.pipe(rewriter).pipe(res);
  const unregister = options.registry?.add(() => {
    ending = true;
    body.unpipe(rewriter);
    rewriter.end();
    abort.abort();
  }, options.valid);
  try {
    await closed;
    if (!res.writableFinished) abort.abort();
  } finally {
    unregister?.();
  }
}
