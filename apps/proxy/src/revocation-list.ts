// The revocation list (`[revocation]`): segment ids, `jti:<id>` entries and keys, one per line,
// re-read when the file changes. It always fails closed: a missing or unreadable file, or one bad
// line, refuses the start (or the reload); the same trouble appearing later, or a file older than
// `max_age_seconds`, refuses every request, saying why, until the file is fixed.
import { readFileSync, statSync } from 'node:fs';
import { didKeyFromId } from '@aip/identity';
import type { RevocationQuery } from '@aip/token';
import type { Clock } from './clock.js';
import { ProxyConfigError } from './config/errors.js';
import type { ProxyConfig } from './config/sections.js';

export interface RevocationList {
  /** True when the segment, its jti, its signer or its subject is revoked. */
  isRevoked(query: RevocationQuery): boolean;
  /** Why every request must be refused right now (stale, unreadable or bad list), if so. */
  unusable(): string | undefined;
}

const SEGMENT_ID = /^[A-Za-z0-9_-]{43}$/;
const CHECK_INTERVAL_MS = 1000;

interface Entries {
  ids: Set<string>;
  jtis: Set<string>;
  keys: Set<string>;
}

/**
 * Parses a revocation file. Throws naming the first line that is neither a segment id, a `jti:`
 * entry nor a key.
 *
 * @example
 * ```ts
 * parseRevocations('# revoked\njti:abc\nz6Mk...\n');
 * ```
 */
export function parseRevocations(text: string): Entries {
  const entries: Entries = { ids: new Set(), jtis: new Set(), keys: new Set() };
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    if (line.startsWith('jti:') && line.length > 4) entries.jtis.add(line.slice(4));
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

/**
 * Opens the list. Throws `ProxyConfigError` (key `revocation.file`) when the file cannot be read or
 * has a bad line.
 *
 * @example
 * ```ts
 * const list = createRevocationList({ file: 'revoked.txt', max_age_seconds: undefined }, systemClock);
 * ```
 */
export function createRevocationList(config: NonNullable<ProxyConfig['revocation']>, clock: Clock): RevocationList {
  const { file } = config;
  let entries: Entries;
  let loadedMtime: number;
  let error: string | undefined;
  let lastCheck = clock.monotonicMs();
  const normalized = new Map<string, string | null>();

  function read(): { entries: Entries; mtime: number } {
    const stat = statSync(file);
    if (!stat.isFile()) throw new Error('not a regular file');
    return { entries: parseRevocations(readFileSync(file, 'utf8')), mtime: stat.mtimeMs };
  }

  try {
    ({ entries, mtime: loadedMtime } = read());
  } catch (err) {
    const cause = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new ProxyConfigError('revocation.file', `${file} is unusable (${cause})`);
  }

  function refresh(): void {
    const now = clock.monotonicMs();
    if (now - lastCheck < CHECK_INTERVAL_MS) return;
    lastCheck = now;
    try {
      const mtime = statSync(file).mtimeMs;
      if (mtime === loadedMtime && error === undefined) return;
      ({ entries, mtime: loadedMtime } = read());
      error = undefined;
    } catch (err) {
      error = `revocation list ${file} is unusable (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
    }
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

  return {
    isRevoked(query) {
      if (entries.ids.has(query.id) || (query.jti !== undefined && entries.jtis.has(query.jti))) return true;
      if (entries.keys.size === 0) return false;
      const signer = keyOf(query.signer);
      const subject = keyOf(query.subject);
      return (signer !== null && entries.keys.has(signer)) || (subject !== null && entries.keys.has(subject));
    },
    unusable() {
      refresh();
      if (error !== undefined) return error;
      if (config.max_age_seconds !== undefined && clock.nowMs() - loadedMtime > config.max_age_seconds * 1000)
        return `revocation list ${file} is stale (older than ${config.max_age_seconds}s)`;
      return undefined;
    },
  };
}
