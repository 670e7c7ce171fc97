// The anchor file beside an audit log (`<log>.anchor`): the latest checkpoint line, replaced
// atomically. The log must contain that line; a log cut short of it has lost lines.
import { renameSync, writeFileSync } from 'node:fs';

/** The anchor file of a log. */
export function anchorFileOf(logFile: string): string {
  return `${logFile}.anchor`;
}

/** Replaces the anchor of `logFile` with `line` (temp file + rename). */
export function writeAnchor(logFile: string, line: string): void {
  const anchor = anchorFileOf(logFile);
  const temp = `${anchor}.tmp`;
  writeFileSync(temp, `${line}\n`, { mode: 0o600 });
  renameSync(temp, anchor);
}
