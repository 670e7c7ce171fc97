// A progress bar for long operations, drawn on stderr only when it is a terminal (and not --json).
import type { OutputOptions } from './output.js';

export interface ProgressBar {
  update(done: number, total: number | undefined, detail: string): void;
  finish(): void;
}

const WIDTH = 28;
const INTERVAL_MS = 100;

/** A bar on a TTY; a no-op otherwise (pipes and CI logs stay clean). */
export function progressBar(options: OutputOptions, label: string): ProgressBar {
  const stream = process.stderr;
  if (options.json || !stream.isTTY) return { update() {}, finish() {} };
  let last = 0;
  let drawn = false;
  return {
    update(done, total, detail) {
      const now = Date.now();
      if (now - last < INTERVAL_MS && (total === undefined || done < total)) return;
      last = now;
      const fraction = total === undefined || total === 0 ? 0 : Math.min(1, done / total);
      const filled = Math.round(fraction * WIDTH);
      const bar = `${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}`;
      const percent = total === undefined ? '' : ` ${Math.floor(fraction * 100)}%`;
      stream.write(`\r${label} [${bar}]${percent} ${detail}\u001b[K`);
      drawn = true;
    },
    finish() {
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}
