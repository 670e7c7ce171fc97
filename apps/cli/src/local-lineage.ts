// The local identity's key events (DESIGN §11): the recovery file's path and note, storing a key
// event in the local trust store, and finding the event that established a key.
import path from 'node:path';
import type { InceptionEvent, KeyEvent, RotationEvent } from '@aip/identity';
import { defaultAipHome, RECOVERY_FILE } from '@aip/identity/node';
import type { TrustStore } from '@aip/trust';
import { CliError } from './cli-error.js';

/** The one-line instruction stored in every recovery file. */
export const RECOVERY_NOTE =
  'Keep this file offline: its key is the only one that can rotate or revoke-and-replace your identity (aip rotate).';

/** The recovery file: `--recovery-file` when given, else `$AIP_HOME/recovery.json`. */
export function recoveryPath(option: string | undefined): string {
  return option === undefined ? path.join(defaultAipHome(), RECOVERY_FILE) : path.resolve(option);
}

/** Verifies and stores one key event in the local trust store; returns its id. */
export async function storeKeyEvent(store: TrustStore, event: KeyEvent): Promise<string> {
  const { verifyTrustObject } = await import('@aip/trust');
  const verified = verifyTrustObject(event);
  store.add(verified);
  return verified.id;
}

/**
 * The inception or rotation that made `did` the current key of its lineage, from the local store.
 * Throws `CliError` `aip_usage` when the store knows no lineage for it, or it is not the current
 * key, and `aip_key_event_unauthorized` when the lineage is frozen (a fork was seen).
 */
export async function establishingEvent(store: TrustStore, did: string): Promise<InceptionEvent | RotationEvent> {
  const { IdentityError } = await import('@aip/identity');
  const state = store.keyState();
  const lineage = state.lineage(did);
  if (lineage === undefined) {
    throw new CliError(
      'aip_usage',
      'the trust store holds no inception for this identity (identities minted before key events have no recovery key)',
    );
  }
  if (lineage.current !== did) throw new CliError('aip_usage', 'this identity is not the current key of its lineage');
  if (lineage.frozen) {
    throw new IdentityError(
      'aip_key_event_unauthorized',
      'the lineage is frozen: two events established one of its keys, so no rotation is honoured',
    );
  }
  const found = store
    .keyEvents()
    .map((e) => e.event)
    .filter((e): e is InceptionEvent | RotationEvent => e.event !== 'revocation' && e.key === did)
    .filter((e) => e.event === 'inception' || lineage.keys.includes(e.prior));
  const [event] = found;
  if (event === undefined || found.length > 1) {
    throw new CliError('aip_usage', 'the event that established this key is missing or ambiguous in the trust store');
  }
  return event;
}
