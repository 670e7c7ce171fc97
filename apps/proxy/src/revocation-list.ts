// The revocation list (`[revocation] file`): segment ids, `jti:<id>` entries and keys, one per
// line, re-read when the file changes. With `fail_closed`, a list that is stale (older than
// max_age_seconds) or unreadable refuses every request instead of silently allowing them.
import { readFileSync, statSync } from 'node:fs';
import { didKeyFromId } from '@aip/identity';
import type { RevocationQuery } from '@aip/token';
import type { RevocationConfig } from './config-features.js';

export interface RevocationList {
  /** True when the segment, its jti, its signer or its subject is revoked. */
  isRevoked(query: RevocationQuery): boolean;
  /** Why every request must be refused right now (stale or unreadable list, fail-closed), if so. */
  unusable(): string | undefined;
  /** Re-reads the file now (SIGHUP). */
  reload(): void;
}

const SEGMENT_ID = /^[A-Za-z0-9_-]{43}$/;
const CHECK_INTERVAL_MS = 1000;

interface Entries {
  ids: Set<string>;
  jtis: Set<string>;
  keys: Set<string>;
}

export function parseRevocations(text: string): Entries {
  const entries: Entries = { ids: new Set(), jtis: new Set(), keys: new Set() };
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    if (line.startsWith('jti:')) entries.jtis.add(line.slice(4));
    else if (SEGMENT_ID.test(line)) entries.ids.add(line);
    else {
      try {
        entries.keys.add(didKeyFromId(line));
      } catch {
        throw new Error(`line ${i + 1} is neither a segment id, a jti: entry nor a key`);
      }
    }
  });
  return entries;
}

export function createRevocationList(
  config: RevocationConfig,
  file: string,
  nowMs: () => number = Date.now,
): RevocationList {
  let entries: Entries = { ids: new Set(), jtis: new Set(), keys: new Set() };
  let loadedMtime = -1;
  let fileMtime = 0;
  let error: string | undefined;
  let lastCheck = 0;
  const normalized = new Map<string, string | null>();

  function load(force: boolean): void {
    lastCheck = nowMs();
    try {
      const stat = statSync(file);
      fileMtime = stat.mtimeMs;
      if (!force && stat.mtimeMs === loadedMtime) return;
      entries = parseRevocations(readFileSync(file, 'utf8'));
      loadedMtime = stat.mtimeMs;
      error = undefined;
    } catch (err) {
      // Keep the last good list; whether requests go on depends on fail_closed.
      error = `revocation list ${file} is unusable (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
    }
  }

  function refresh(): void {
    if (nowMs() - lastCheck >= CHECK_INTERVAL_MS) load(false);
  }

  function keyOf(id: string): string | null {
    let did = normalized.get(id);
    if (did === undefined) {
      try {
        did = didKeyFromId(id);
      } catch {
        did = null;
      }
      if (normalized.size > 10_000) normalized.clear();
      normalized.set(id, did);
    }
    return did;
  }

  load(true);
  return {
    isRevoked(query) {
      refresh();
      if (entries.ids.has(query.id) || (query.jti !== undefined && entries.jtis.has(query.jti))) return true;
      if (entries.keys.size === 0) return false;
      const signer = keyOf(query.signer);
      const subject = keyOf(query.subject);
      return (signer !== null && entries.keys.has(signer)) || (subject !== null && entries.keys.has(subject));
    },
    unusable() {
      refresh();
      if (!config.failClosed) return undefined;
      if (error !== undefined) return error;
      if (config.maxAgeSeconds !== undefined && nowMs() - fileMtime > config.maxAgeSeconds * 1000) {
        return `revocation list ${file} is stale (older than ${config.maxAgeSeconds}s)`;
      }
      return undefined;
    },
    reload() {
      load(true);
    },
  };
}
