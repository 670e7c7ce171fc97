// Key events (DESIGN §11, format in @aip/identity) as trust objects: verified like a vouch before a
// store takes them — schema, issue time, signature — with failures as `TrustError`s.
import { type Ed25519Options, IdentityError, type VerifiedKeyEvent, verifyKeyEvent } from '@aip/identity';
import type { ClockOptions } from './clock-options.js';
import { TrustError } from './errors.js';
import { assertIssued, currentTime } from './lib/clock.js';

/**
 * Verifies a key event for storage: `verifyKeyEvent` of `@aip/identity` (schema before signature),
 * and an `iat` not beyond the clock skew. Whether its signer had the authority is the key-event
 * state's question (`computeKeyState`), not the store's. Throws `TrustError`
 * (`aip_key_event_malformed`, `aip_signature_invalid`, `aip_object_not_yet_valid`).
 *
 * @example
 * ```ts
 * store.add({ kind: 'key-event', ...verifyKeyEventObject(JSON.parse(line), { now }) });
 * ```
 */
export function verifyKeyEventObject(value: unknown, options: ClockOptions & Ed25519Options = {}): VerifiedKeyEvent {
  let verified: VerifiedKeyEvent;
  try {
    verified = verifyKeyEvent(value, options);
  } catch (err) {
    if (
      err instanceof IdentityError &&
      (err.code === 'aip_key_event_malformed' || err.code === 'aip_signature_invalid')
    ) {
      throw new TrustError(err.code, err.message, { cause: err });
    }
    throw err;
  }
  assertIssued(verified.event.iat, currentTime(options), options, 'the key event');
  return verified;
}
