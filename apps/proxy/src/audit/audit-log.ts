// The audit trail: one JSON line per decision, each carrying the SHA-256 of the line before it
// (`prev`), so editing, dropping or reordering a line breaks the chain. Lines are bounded in size.
// A file log also records its own life — `start` (saying whether the run before ended cleanly),
// `stop`, `resume` after a torn last line, `gap` for lines it had to drop — and appends signed
// `checkpoint` lines whose latest copy also goes to an anchor file beside the log, so cutting lines
// off the end is detected. A write that fails (a full disk) leaves the process up: the log reports
// itself unhealthy, keeps what it could not write (bounded) and finishes the exact bytes once the
// disk accepts them again, so no line is ever torn by the proxy itself. Never contains a token.
import { hash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { writeAnchor } from './anchor.js';
import { type AuditKey, signCheckpoint } from './checkpoint.js';

/** One decision, as logged (DESIGN §5). */
export interface AuditRecord {
  time: string;
  request_id: string;
  /** `error` when the proxy or the upstream failed (see `cause`), not a policy decision. */
  decision: 'allow' | 'deny' | 'error';
  /** The AIP error code of a refusal or failure, `null` when allowed. */
  code: string | null;
  /** HTTP status the client got (or will get, for streams). */
  status: number;
  /** `POST /mcp` */
  http: string;
  /** JSON-RPC method (or `batch`), or the HTTP request line for plain requests. */
  method: string;
  /** The tool, prompt or resource named, if any (a list for batches). */
  tool: string | string[] | null;
  issuer: string | null;
  subject: string | null;
  /** Segment ids of the verified chain, root first. */
  chain: readonly string[];
  upstream_status: number | null;
  latency_ms: number;
  /** What failed, for `error` decisions (`ECONNREFUSED`, `headers timeout`, ...). */
  cause?: string;
}

/** Where audit lines go. */
export interface AuditLog {
  write(record: AuditRecord): void;
  /** The DID of the key that signs checkpoints, if this log writes any (pin it to verify the log). */
  readonly key?: string;
  /** False while lines cannot be written (the disk is full); they are kept and retried. */
  healthy(): boolean;
  close(): void;
}

/** Options of {@link openAuditLog}. */
export interface AuditLogOptions {
  /** Signs checkpoints; without it the file log writes none. */
  key?: AuditKey;
  /** Seconds between checkpoints. Default 10. */
  checkpointSeconds?: number;
  /** Lines kept while the file cannot be written (beyond them, lines are counted as lost). Default 100 000. */
  maxPending?: number;
  /** The clock (ms), for record times. */
  now?: () => number;
  /** The replica writing this chain (`[state] replica_id`), recorded in its `start` line. */
  replica?: string;
  /** The write call (fault injection in tests); `fs.writeSync` by default. */
  writeSync?: (fd: number, buffer: Buffer, offset: number, length: number) => number;
}

const MAX_STRING = 512;
const MAX_LIST = 32;

/** The SHA-256 of a line's UTF-8 bytes, base64url without padding: the `prev` of the line after it. */
export function lineHash(line: string): string {
  return hash('sha256', line, 'base64url');
}

/**
 * The line of `fields` chained to the line before it: `JSON.stringify({ ...fields, prev })`, without
 * copying `fields` (records carry no `prev` of their own; the hash is base64url, nothing to escape).
 */
export function chainedLine(fields: object, prev: string | null): string {
  if ('prev' in fields) return JSON.stringify({ ...fields, prev });
  const json = JSON.stringify(fields);
  const tail = prev === null ? '"prev":null}' : `"prev":"${prev}"}`;
  return json === '{}' ? `{${tail}` : `${json.slice(0, -1)},${tail}`;
}

/** `run`, scheduled at most once per event-loop turn however often the result is called. */
export function oncePerTurn(run: () => unknown): () => void {
  let scheduled = false;
  return () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      void run();
    });
  };
}

const clip = (value: string | null, max = MAX_STRING): string | null =>
  value === null || value.length <= max ? value : `${value.slice(0, max)}…`;

const fits = (value: string | null, max = MAX_STRING): boolean => value === null || value.length <= max;

/** A record cut to size: caller-controlled strings and lists are bounded, so every line is small. */
export function boundRecord(record: AuditRecord): AuditRecord {
  // Nearly every record is within bounds already: it is then logged as it is.
  if (
    fits(record.request_id, 128) &&
    fits(record.code, 64) &&
    fits(record.http) &&
    fits(record.method, 256) &&
    (record.tool === null ||
      (typeof record.tool === 'string'
        ? fits(record.tool)
        : record.tool.length <= MAX_LIST && record.tool.every((t) => fits(t)))) &&
    fits(record.issuer, 256) &&
    fits(record.subject, 256) &&
    record.chain.length <= MAX_LIST &&
    (record.cause === undefined || fits(record.cause, 256))
  )
    return record;
  const tool =
    record.tool === null || typeof record.tool === 'string'
      ? clip(record.tool)
      : record.tool.slice(0, MAX_LIST).map((t) => clip(t) as string);
  return {
    ...record,
    request_id: clip(record.request_id, 128) as string,
    code: clip(record.code, 64),
    http: clip(record.http) as string,
    method: clip(record.method, 256) as string,
    tool,
    issuer: clip(record.issuer, 256),
    subject: clip(record.subject, 256),
    chain: record.chain.slice(0, MAX_LIST),
    ...(record.cause === undefined ? {} : { cause: clip(record.cause, 256) as string }),
  };
}

// The file's tail: the last complete line (if the file ends with a newline) or the torn text after
// the last newline. Reads backwards in chunks, however long the line.
function readTail(fd: number): { last: string | undefined; torn: string | undefined } {
  const size = fstatSync(fd).size;
  if (size === 0) return { last: undefined, torn: undefined };
  const chunks: Buffer[] = [];
  let position = size;
  let endsWithNewline: boolean | undefined;
  while (position > 0) {
    const length = Math.min(position, 64 * 1024);
    position -= length;
    const chunk = Buffer.alloc(length);
    readSync(fd, chunk, 0, length, position);
    if (endsWithNewline === undefined) endsWithNewline = chunk[length - 1] === 0x0a;
    chunks.unshift(chunk);
    const text = Buffer.concat(chunks);
    const body = endsWithNewline ? text.subarray(0, text.length - 1) : text;
    const newline = body.lastIndexOf(0x0a);
    if (newline >= 0 || position === 0) {
      const line = body.subarray(newline + 1).toString('utf8');
      return endsWithNewline ? { last: line, torn: undefined } : { last: undefined, torn: line };
    }
  }
  return { last: undefined, torn: undefined };
}

/**
 * Opens the audit log: appends to `file` (continuing its hash chain), or writes to stdout.
 *
 * @example
 * ```ts
 * const log = openAuditLog('audit.jsonl', { key: loadAuditKey('audit.jsonl.key') });
 * log.write(record);
 * ```
 */
export function openAuditLog(file?: string, options: AuditLogOptions = {}): AuditLog {
  const now = options.now ?? Date.now;
  if (file === undefined) {
    let prev: string | null = null;
    return {
      write(record) {
        const line = chainedLine(boundRecord(record), prev);
        prev = lineHash(line);
        process.stdout.write(`${line}\n`);
      },
      healthy: () => true,
      close() {},
    };
  }

  const fd = openSync(file, 'a+', 0o600);
  const tail = readTail(fd);
  let prev: string | null = null;
  // Lines not yet on disk, in order: the buffers (each holding `lines` of them), then the text
  // appended since the last flush (`queued`, `queuedLines` lines).
  const pending: { buffer: Buffer; lines: number }[] = [];
  let queued = '';
  let queuedLines = 0;
  let pendingLines = 0;
  let offset = 0; // bytes of pending[0] already on disk
  let lost = 0;
  let failing: string | undefined;
  let open = true;
  let dirty = false;
  let lastCheckpoint: string | undefined;
  const maxPending = options.maxPending ?? 100_000;
  const write = options.writeSync ?? writeSync;

  const append = (fields: object) => {
    const line = chainedLine(fields, prev);
    prev = lineHash(line);
    dirty = true;
    queued += `${line}\n`;
    queuedLines++;
    pendingLines++;
    return line;
  };

  // Writes what is pending in one call (the lines of a burst together), resuming a partly written
  // buffer at the exact byte it stopped at.
  const flush = () => {
    if (queuedLines > 0) {
      pending.push({ buffer: Buffer.from(queued), lines: queuedLines });
      queued = '';
      queuedLines = 0;
    }
    if (pending.length > 1) {
      const first = pending[0] as { buffer: Buffer; lines: number };
      const parts = pending.map((p) => p.buffer);
      parts[0] = first.buffer.subarray(offset);
      const merged = { buffer: Buffer.concat(parts), lines: pendingLines };
      pending.length = 0;
      pending.push(merged);
      offset = 0;
    }
    while (open && pending.length > 0) {
      const { buffer, lines } = pending[0] as { buffer: Buffer; lines: number };
      try {
        offset += write(fd, buffer, offset, buffer.length - offset);
      } catch (err) {
        failing = (err as NodeJS.ErrnoException).code ?? 'write failed';
        return;
      }
      if (offset === buffer.length) {
        pending.shift();
        pendingLines -= lines;
        offset = 0;
      }
    }
    if (failing !== undefined && pending.length === 0) {
      failing = undefined;
      if (lost > 0) {
        append({ type: 'gap', time: new Date(now()).toISOString(), lost, reason: 'the log could not be written' });
        lost = 0;
        flush();
      }
    }
  };
  const schedule = oncePerTurn(flush);

  // Continue the chain: after a torn tail, close it off and say so; note an unclean end.
  const startedAt = new Date(now()).toISOString();
  if (tail.torn !== undefined) {
    pending.push({ buffer: Buffer.from('\n'), lines: 0 });
    prev = lineHash(tail.torn);
    append({
      type: 'resume',
      time: startedAt,
      torn_bytes: Buffer.byteLength(tail.torn),
      reason: 'the last line was torn',
    });
  } else if (tail.last !== undefined) {
    prev = lineHash(tail.last);
  }
  let cleanEnd = tail.last === undefined && tail.torn === undefined;
  if (tail.last !== undefined) {
    try {
      const last = JSON.parse(tail.last) as { type?: unknown; final?: unknown };
      cleanEnd = last.type === 'stop' || (last.type === 'checkpoint' && last.final === true);
    } catch {
      cleanEnd = false;
    }
  }
  append({
    type: 'start',
    time: startedAt,
    pid: process.pid,
    ...(options.replica === undefined ? {} : { replica: options.replica }),
    ...(cleanEnd
      ? {}
      : { note: 'the previous run did not stop cleanly: decisions of its last moments may be missing' }),
  });
  flush();

  const checkpoint = (final = false) => {
    if (options.key === undefined || !dirty || failing !== undefined) return;
    dirty = false;
    const fields = { time: new Date(now()).toISOString(), head: prev as string, ...(final ? { final } : {}) };
    const line = append(signCheckpoint(options.key, fields));
    dirty = false;
    flush();
    if (failing === undefined && line !== lastCheckpoint) {
      lastCheckpoint = line;
      try {
        writeAnchor(file, line);
      } catch {
        // The anchor is a copy of what the log holds; the next checkpoint rewrites it.
      }
    }
  };
  const timer =
    options.key === undefined ? undefined : setInterval(() => checkpoint(), (options.checkpointSeconds ?? 10) * 1000);
  timer?.unref();
  const retry = setInterval(() => {
    if (failing !== undefined) flush();
  }, 1000);
  retry.unref();

  return {
    ...(options.key === undefined ? {} : { key: options.key.identity.did }),
    write(record) {
      if (!open) return;
      if (failing !== undefined && pendingLines >= maxPending) {
        lost++;
        return;
      }
      append(boundRecord(record));
      if (failing === undefined) schedule();
    },
    healthy: () => failing === undefined,
    close() {
      if (!open) return;
      if (timer !== undefined) clearInterval(timer);
      clearInterval(retry);
      append({ type: 'stop', time: new Date(now()).toISOString() });
      checkpoint(true);
      flush();
      open = false;
      closeSync(fd);
    },
  };
}
