// Reading command input: files or stdin ("-"), streamed for hashing or read whole with a cap.
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import type { Readable } from 'node:stream';
import { CliError } from './cli-error.js';

function open(file: string | undefined, what: string): Readable {
  if (file === undefined || file === '-') {
    if (process.stdin.isTTY) throw new CliError('aip_usage', `no ${what}: give a FILE or pipe it on stdin`);
    return process.stdin;
  }
  return createReadStream(file);
}

/** SHA-256 and size of a file or stdin, streamed (any size). */
export async function hashInput(file: string | undefined, what: string): Promise<{ sha256: Uint8Array; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of open(file, what)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: new Uint8Array(hash.digest()), size };
}

/** The whole content of a file or stdin, refusing more than `limit` bytes. */
export async function readInput(file: string | undefined, what: string, limit: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of open(file, what)) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new CliError('aip_input_unreadable', `${what} is larger than ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

/** A small file read whole (e.g. a signature), refusing more than `limit` bytes. */
export async function readSmallFile(file: string, what: string, limit: number): Promise<string> {
  const stat = await fs.stat(file);
  if (stat.size > limit) throw new CliError('aip_input_unreadable', `${what} ${file} is larger than ${limit} bytes`);
  return fs.readFile(file, 'utf8');
}

/** A token given as an argument, or read from stdin when the argument is "-" or missing. */
export async function readTokenArgument(value: string | undefined): Promise<string> {
  if (value !== undefined && value !== '-') return value.trim();
  return new TextDecoder().decode(await readInput(undefined, 'token', 64 * 1024)).trim();
}
