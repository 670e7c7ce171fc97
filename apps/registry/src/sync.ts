// `aip sync`: pulls a registry's feed and re-verifies every object into a local store. The
// registry is never trusted: vouches and revocations go through @aip/trust's verifying import
// (worker threads), profiles through verifyProfile; the cursor is saved only once everything
// before it is stored, so an interrupted sync resumes where it stopped.
import { AipError } from '@aip/identity';
import { type ImportError, importJsonl } from '@aip/trust';
import { RegistryError } from './errors.js';
import { PROFILE_TYPE, verifyProfile } from './profile.js';
import { RegistryClient, type RegistryClientOptions } from './registry-client.js';
import type { RegistryStore } from './registry-store.js';
import { type KeyEventSyncSummary, syncKeyEvents } from './sync-key-events.js';

/** Progress after each stored batch. */
export interface SyncProgress {
  /** Objects received so far. */
  received: number;
  /** Objects whose fate is settled (stored, known or refused). */
  processed: number;
  /** Objects the registry says are still to come after the last page (an upper bound). */
  remaining: number;
}

/** Options of {@link syncFromRegistry}. */
export interface SyncOptions extends RegistryClientOptions {
  /** Verify at this time (Unix seconds); default the clock when the sync starts. */
  now?: number;
  /** Objects per feed page; default 5000. */
  pageSize?: number;
  /** Ignore the saved cursor and pull everything again. */
  restart?: boolean;
  /** Verification threads; default one per core. */
  workers?: number;
  onProgress?: (progress: SyncProgress) => void;
}

/** A refused object: its position in this sync (1-based), a code and the reason. */
export interface SyncRejection {
  object: number;
  code: string;
  message: string;
}

/** The outcome of a sync. */
export interface SyncSummary {
  /** The registry, as the cursor is saved under. */
  source: string;
  /** Objects received. */
  objects: number;
  /** New objects stored. */
  accepted: number;
  /** Objects already held (or older profiles than the ones held). */
  duplicates: number;
  /** Objects that did not verify, or that the store refused: never stored. */
  rejected: number;
  rejectedByCode: Record<string, number>;
  /** The first 100 refusals. */
  errors: SyncRejection[];
  /** The cursor saved for the next sync. */
  cursor: string;
  /** True when the saved cursor belonged to another database and the sync started over. */
  restarted: boolean;
  /** The registry's key events (DESIGN §11), pulled after the feed; not counted above. */
  keyEvents: KeyEventSyncSummary;
}

const MAX_ERRORS = 100;

/**
 * Pulls every object after the saved cursor of `url` into `store`, verifying each one, and saves
 * the new cursor. Throws `RegistryError` `aip_registry_unreachable` when the registry cannot be
 * reached or does not speak the feed format (what was stored before stays stored, and the cursor
 * stays where it was last saved).
 *
 * @example
 * ```ts
 * const summary = await syncFromRegistry(store, 'http://127.0.0.1:8470');
 * if (summary.rejected > 0) console.error(summary.rejectedByCode);
 * ```
 */
export async function syncFromRegistry(
  store: RegistryStore,
  url: string,
  options: SyncOptions = {},
): Promise<SyncSummary> {
  const client = new RegistryClient(url, options);
  const source = client.url;
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const pageSize = options.pageSize ?? 5000;
  let since = options.restart === true ? '' : (store.syncCursor(source) ?? '');
  const summary: SyncSummary = {
    source,
    objects: 0,
    accepted: 0,
    duplicates: 0,
    rejected: 0,
    rejectedByCode: {},
    errors: [],
    cursor: since,
    restarted: false,
    keyEvents: { objects: 0, accepted: 0, duplicates: 0, rejected: 0, rejectedByCode: {} },
  };
  const reject = (object: number, code: string, message: string) => {
    summary.rejected++;
    summary.rejectedByCode[code] = (summary.rejectedByCode[code] ?? 0) + 1;
    if (summary.errors.length < MAX_ERRORS) summary.errors.push({ object, code, message });
  };
  // Line numbers of the trust import map back to object positions in this sync.
  const positions: number[] = [];
  // Cursors waiting for their page's trust objects to be stored: [trust lines up to here, cursor].
  const pending: [number, string][] = [];
  let remaining = 0;
  let processedProfiles = 0;

  const save = (cursor: string) => {
    summary.cursor = cursor;
    store.saveSyncCursor(source, cursor, now);
  };

  async function* lines(): AsyncGenerator<string> {
    for (;;) {
      let page: Awaited<ReturnType<RegistryClient['feed']>>;
      try {
        page = await client.feed(since, pageSize);
      } catch (err) {
        if (err instanceof RegistryError && err.code === 'aip_cursor_stale' && !summary.restarted && since !== '') {
          summary.restarted = true;
          since = '';
          continue;
        }
        throw err;
      }
      remaining = page.remaining;
      const chunk: string[] = [];
      for (const object of page.objects) {
        const position = ++summary.objects;
        if ((object as { type?: unknown } | null)?.type === PROFILE_TYPE) {
          await storeProfile(object, position);
          processedProfiles++;
        } else {
          chunk.push(JSON.stringify(object));
          positions.push(position);
        }
      }
      since = page.next;
      pending.push([positions.length, page.next]);
      if (chunk.length > 0) yield `${chunk.join('\n')}\n`;
      else settle(importedLines);
      // An empty page that claims more is a registry going round in circles: stop here.
      if (!page.more || page.objects.length === 0) return;
    }
  }

  const storeProfile = async (object: unknown, position: number) => {
    try {
      const outcome = await store.putProfile(verifyProfile(object, { now }));
      if (outcome.status === 'accepted') summary.accepted++;
      else summary.duplicates++;
    } catch (err) {
      if (!(err instanceof AipError)) throw err;
      // An older profile than the one held is not an error of the registry's: it was replaced.
      if (err.code === 'aip_profile_outdated') summary.duplicates++;
      else reject(position, err.code, err.message);
    }
  };

  let importedLines = 0;
  const settle = (done: number) => {
    importedLines = done;
    let cursor: string | undefined;
    while (pending.length > 0 && (pending[0] as [number, string])[0] <= done)
      cursor = (pending.shift() as [number, string])[1];
    if (cursor !== undefined) save(cursor);
    options.onProgress?.({ received: summary.objects, processed: done + processedProfiles, remaining });
  };

  const result = await importJsonl(store.trust, lines(), {
    now,
    maxErrors: MAX_ERRORS,
    ...(options.workers === undefined ? {} : { workers: options.workers }),
    onProgress: (p) => settle(p.accepted + p.duplicates + p.rejected),
  });
  summary.accepted += result.accepted;
  summary.duplicates += result.duplicates;
  for (const error of result.errors) mapError(error);
  for (const [code, count] of Object.entries(result.rejectedByCode)) {
    summary.rejectedByCode[code] = (summary.rejectedByCode[code] ?? 0) + count;
  }
  summary.rejected += result.rejected;
  summary.errors.sort((a, b) => a.object - b.object);
  summary.errors.length = Math.min(summary.errors.length, MAX_ERRORS);
  settle(result.lines);
  if (pending.length > 0) save((pending[pending.length - 1] as [number, string])[1]);
  summary.keyEvents = await syncKeyEvents(client, store, now);
  return summary;

  function mapError(error: ImportError) {
    if (summary.errors.length < MAX_ERRORS) {
      summary.errors.push({
        object: positions[error.line - 1] ?? error.line,
        code: error.code,
        message: error.message,
      });
    }
  }
}
