// `aip sync`, key events (DESIGN §11): every key event of the registry, re-verified here before
// the local store takes it. They are few (a handful per identity), so each sync reads them all and
// the store keeps each one once.
import { AipError } from '@aip/identity';
import { verifyKeyEventObject } from '@aip/trust';
import type { RegistryClient } from './registry-client.js';
import type { RegistryStore } from './registry-store.js';

const PAGE = 1000;

/** What a sync did with the registry's key events. */
export interface KeyEventSyncSummary {
  objects: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  rejectedByCode: Record<string, number>;
}

/**
 * Pulls and stores the registry's key events. A registry that predates them gives none.
 *
 * @example
 * ```ts
 * const keyEvents = await syncKeyEvents(client, store, now);
 * ```
 */
export async function syncKeyEvents(
  client: RegistryClient,
  store: RegistryStore,
  now: number,
): Promise<KeyEventSyncSummary> {
  const summary: KeyEventSyncSummary = { objects: 0, accepted: 0, duplicates: 0, rejected: 0, rejectedByCode: {} };
  let after = 0;
  for (;;) {
    const page = await client.keyEvents(after, PAGE);
    if (page === undefined) return summary;
    for (const event of page.events) {
      summary.objects++;
      try {
        const outcome = store.trust.add({ kind: 'key-event', ...verifyKeyEventObject(event, { now }) });
        if (outcome.status === 'accepted') summary.accepted++;
        else summary.duplicates++;
      } catch (err) {
        if (!(err instanceof AipError)) throw err;
        summary.rejected++;
        summary.rejectedByCode[err.code] = (summary.rejectedByCode[err.code] ?? 0) + 1;
      }
    }
    if (page.next === null) return summary;
    after = page.next;
  }
}
