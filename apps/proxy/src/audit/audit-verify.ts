// Verifying an audit log: the hash chain line by line, every checkpoint's signature (by a pinned
// key when one is given), torn lines only where the log itself closed them off, and — with its
// anchor — that the log still reaches the last checkpoint it anchored (nothing cut off the end).
import { encodeBase64Url, sha256 } from '@aip/identity';
import { checkCheckpoint } from './checkpoint.js';

/** Options of {@link verifyAuditLog}. */
export interface AuditVerifyOptions {
  /** The key checkpoints must be signed by (any key form). Without it, the log's own key is reported. */
  key?: string;
  /** The anchor file's text (the latest checkpoint line). */
  anchor?: string;
}

interface Findings {
  lines: number;
  /** The checkpoints were checked against a key given by the caller (not the one the log names). */
  pinned: boolean;
  checkpoints: number;
  /** The key that signed the checkpoints. */
  key: string | undefined;
  /** True when the anchor was found in the log; undefined without an anchor. */
  anchored: boolean | undefined;
  /** 1-based numbers of torn lines the log closed off itself. */
  torn: number[];
  /** The replicas that wrote the chain, as their `start` lines name them (in order, once each). */
  replicas: string[];
  /** Things a reader should know: unclean ends, lost lines, lines after the last checkpoint. */
  notes: string[];
}

/** The outcome of {@link verifyAuditLog}. */
export type AuditVerification =
  | ({ ok: true } & Findings)
  | ({ ok: false; brokenLine: number; reason: string } & Findings);

const encoder = new TextEncoder();
const lineHash = (line: string) => encodeBase64Url(sha256(encoder.encode(line)));

function parse(line: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(line) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Checks an audit log's text. Reports the first line (1-based) that breaks the chain or whose
 * checkpoint does not verify, and what a reader should know about the rest.
 *
 * @example
 * ```ts
 * verifyAuditLog(fs.readFileSync('audit.jsonl', 'utf8'), { key: 'did:key:z6Mk...', anchor: fs.readFileSync('audit.jsonl.anchor', 'utf8') });
 * ```
 */
export function verifyAuditLog(text: string, options: AuditVerifyOptions = {}): AuditVerification {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const found: Findings = {
    lines: lines.length,
    pinned: options.key !== undefined,
    checkpoints: 0,
    key: undefined,
    anchored: undefined,
    torn: [],
    replicas: [],
    notes: [],
  };
  const broken = (line: number, reason: string): AuditVerification => ({
    ok: false,
    brokenLine: line,
    reason,
    ...found,
  });
  const anchorLine = options.anchor?.replace(/\n+$/, '');
  let prev: string | null = null;
  let sinceCheckpoint = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const record = parse(line);
    if (record === undefined) {
      const next = parse(lines[i + 1] ?? '');
      if (next?.type === 'resume' && next.prev === lineHash(line)) {
        found.torn.push(i + 1);
        prev = lineHash(line);
        continue;
      }
      return broken(i + 1, 'not valid JSON');
    }
    if (record.prev !== prev)
      return broken(
        i + 1,
        i === 0 ? 'the first line must have prev null' : 'prev does not match the hash of the line before',
      );
    if (record.type === 'checkpoint') {
      const reason = checkCheckpoint(record, options.key);
      if (reason !== undefined) return broken(i + 1, reason);
      if (record.head !== prev) return broken(i + 1, 'the checkpoint head is not the hash of the line before');
      // One log, one key: a checkpoint by another key is what a rewrite re-signed would look like.
      if (found.key !== undefined && found.key !== record.key)
        return broken(i + 1, 'a checkpoint is signed by another key than the ones before it');
      found.key = record.key as string;
      found.checkpoints++;
      sinceCheckpoint = 0;
      if (anchorLine !== undefined && line === anchorLine) found.anchored = true;
    } else {
      sinceCheckpoint++;
      if (record.type === 'start' && typeof record.replica === 'string' && !found.replicas.includes(record.replica))
        found.replicas.push(record.replica);
      if (record.type === 'start' && typeof record.note === 'string') found.notes.push(`line ${i + 1}: ${record.note}`);
      if (record.type === 'gap')
        found.notes.push(`line ${i + 1}: ${String(record.lost)} line(s) were lost (${String(record.reason)})`);
    }
    prev = lineHash(line);
  }
  if (anchorLine !== undefined && found.anchored !== true) {
    const anchor = parse(anchorLine);
    const reason = anchor === undefined ? 'not a checkpoint' : checkCheckpoint(anchor, options.key);
    if (reason !== undefined) return broken(lines.length, `the anchor is invalid: ${reason}`);
    found.anchored = false;
    return broken(lines.length, 'the log does not contain its anchored checkpoint: lines were cut off the end');
  }
  if (found.checkpoints > 0 && sinceCheckpoint > 0)
    found.notes.push(`${sinceCheckpoint} line(s) after the last checkpoint are not signed yet`);
  return { ok: true, ...found };
}
