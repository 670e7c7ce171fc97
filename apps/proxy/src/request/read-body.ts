// Reading a request body whole, refusing more than the configured cap without buffering it.
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';

/** Thrown when a body is over the cap. */
export class BodyTooLarge extends Error {}

/**
 * The whole of `stream`, in memory, as long as it stays within `limit` bytes: at the first byte
 * past it, `overLimit` decides what becomes of the rest (discard it, or destroy the stream) and
 * gives the error to reject with. A stream that errors, or closes before its end, rejects.
 */
export function readWhole(stream: Readable, limit: number, overLimit: () => Error): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        reject(overLimit());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onClose = () => {
      cleanup();
      reject(Object.assign(new Error('the body ended early'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    };
    const cleanup = () => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('close', onClose);
    };
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.on('close', onClose);
  });
}

/** The complete body, or `BodyTooLarge` as soon as it passes `limit` bytes (or says it will). */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new BodyTooLarge());
  return readWhole(req, limit, () => {
    req.resume(); // discard the rest; the response says why
    return new BodyTooLarge();
  });
}
