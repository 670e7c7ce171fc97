// Relaying an upstream response to the client: SSE streams event by event (rewritten as they
// pass), JSON bodies that must be inspected read whole (capped), small bodies in one write, the
// rest streamed. The standalone GET streams open at any moment are tracked, so shutdown can end
// them cleanly while other responses finish.
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { createSseRewriter, type SseRewrite } from './sse.js';

/** The abort signal handed to undici for one upstream request (an EventEmitter is far cheaper than an AbortController). */
export class UpstreamAbort extends EventEmitter {
  aborted = false;
  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.emit('abort');
  }
}

/** Thrown by {@link readAll} for a body over its cap. */
export class ResponseTooLarge extends Error {}

/** A body read whole, refusing more than `limit` bytes. */
export async function readAll(body: AsyncIterable<Buffer>, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) throw new ResponseTooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/** Open standalone streams, to end on shutdown. */
export class StreamRegistry {
  readonly #ends = new Set<() => void>();
  add(end: () => void): () => void {
    this.#ends.add(end);
    return () => this.#ends.delete(end);
  }
  /** Ends every registered stream (their clients reconnect). */
  endAll(): void {
    for (const end of this.#ends) end();
  }
  get size(): number {
    return this.#ends.size;
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
  abort: UpstreamAbort;
  registry: StreamRegistry | undefined;
}): Promise<void> {
  const { body, res, abort } = options;
  const rewriter = createSseRewriter(options.rewrite);
  let ending = false;
  const closed = new Promise<void>((resolve) => res.once('close', resolve));
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
  });
  try {
    await closed;
    if (!res.writableFinished) abort.abort();
  } finally {
    unregister?.();
  }
}
