// The audit trail: one JSON line per decision, each carrying the SHA-256 of the line before it
// (`prev`), so editing, dropping or reordering any line breaks the chain. Never contains a token.
import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { encodeBase64Url, sha256 } from '@aip/identity';

/** One decision, as logged (DESIGN §5). */
export interface AuditRecord {
  time: string;
  request_id: string;
  decision: 'allow' | 'deny';
  /** The AIP error code of a denial, `null` when allowed. */
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
  chain: string[];
  upstream_status: number | null;
  latency_ms: number;
}

/** Where audit lines go. */
export interface AuditLog {
  write(record: AuditRecord): void;
  close(): void;
}

const encoder = new TextEncoder();

function lineHash(line: string): string {
  return encodeBase64Url(sha256(encoder.encode(line)));
}

// The last complete line of a file, read from its end.
function lastLine(fd: number): string | undefined {
  const size = fstatSync(fd).size;
  if (size === 0) return undefined;
  const length = Math.min(size, 1024 * 1024);
  const buffer = Buffer.alloc(length);
  readSync(fd, buffer, 0, length, size - length);
  const text = buffer.toString('utf8').replace(/\n+$/, '');
  const start = text.lastIndexOf('\n');
  return text.slice(start + 1) || undefined;
}

/**
 * Opens the audit log: appends to `file` (continuing its hash chain), or writes to stdout.
 *
 * @example
 * ```ts
 * const log = openAuditLog('audit.jsonl');
 * log.write(record);
 * ```
 */
export function openAuditLog(file?: string): AuditLog {
  if (file === undefined) {
    let prev: string | null = null;
    return {
      write(record) {
        const line = JSON.stringify({ ...record, prev });
        prev = lineHash(line);
        process.stdout.write(`${line}\n`);
      },
      close() {},
    };
  }
  const fd = openSync(file, 'a+', 0o600);
  const last = lastLine(fd);
  let prev: string | null = last === undefined ? null : lineHash(last);
  let open = true;
  // Lines are chained immediately and appended in batches, one synchronous write per turn of
  // the event loop: ordered, whole lines only, and one syscall for many decisions under load.
  let pending = '';
  const flush = () => {
    if (pending === '' || !open) return;
    const text = pending;
    pending = '';
    writeSync(fd, text);
  };
  return {
    write(record) {
      if (!open) return;
      const line = JSON.stringify({ ...record, prev });
      prev = lineHash(line);
      if (pending === '') setImmediate(flush);
      pending += `${line}\n`;
    },
    close() {
      flush();
      if (open) closeSync(fd);
      open = false;
    },
  };
}

/** The outcome of {@link verifyAuditLog}. */
export type AuditVerification =
  | { ok: true; lines: number }
  | { ok: false; lines: number; brokenLine: number; reason: string };

/**
 * Checks the hash chain of an audit log's text. Reports the first line (1-based) that is not
 * valid JSON or whose `prev` is not the hash of the line before it.
 *
 * @example
 * ```ts
 * verifyAuditLog(fs.readFileSync('audit.jsonl', 'utf8')); // { ok: true, lines: 1200 }
 * ```
 */
export function verifyAuditLog(text: string): AuditVerification {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  let prev: string | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    let record: { prev?: unknown };
    try {
      record = JSON.parse(line);
    } catch {
      return { ok: false, lines: lines.length, brokenLine: i + 1, reason: 'not valid JSON' };
    }
    if (typeof record !== 'object' || record === null || record.prev !== prev) {
      return {
        ok: false,
        lines: lines.length,
        brokenLine: i + 1,
        reason: i === 0 ? 'the first line must have prev null' : 'prev does not match the hash of the line before',
      };
    }
    prev = lineHash(line);
  }
  return { ok: true, lines: lines.length };
}
