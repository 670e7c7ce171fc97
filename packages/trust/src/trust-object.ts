// Any kind of signed trust object (vouch, revocation, key event), parsed from a JSONL line and
// verified: the unit of import, export, sync and the verification pool.
import { type Ed25519Options, KEY_EVENT_TYPE, type VerifiedKeyEvent } from '@aip/identity';
import type { ClockOptions } from './clock-options.js';
import { TrustError } from './errors.js';
import { verifyKeyEventObject } from './key-event-object.js';
import { REVOCATION_TYPE, type VerifiedRevocation, verifyRevocation } from './revocation.js';
import { type VerifiedVouch, VOUCH_TYPE, verifyVouch } from './vouch.js';

/** The longest JSONL line accepted, in bytes (a maximal vouch is under 2 KiB). */
export const MAX_LINE_BYTES = 8192;

/** A verified vouch, revocation or key event. */
export type VerifiedObject =
  | ({ kind: 'vouch' } & VerifiedVouch)
  | ({ kind: 'revocation' } & VerifiedRevocation)
  | ({ kind: 'key-event' } & VerifiedKeyEvent);

/**
 * Verifies one signed trust object, dispatching on `type`. Throws `TrustError`
 * (`aip_object_malformed` for an unknown type, else the codes of `verifyVouch` / `verifyRevocation` /
 * `verifyKeyEventObject`).
 *
 * @example
 * ```ts
 * const object = verifyTrustObject(JSON.parse(line), { now });
 * if (object.kind === 'vouch') console.log(object.vouch.subject);
 * ```
 */
export function verifyTrustObject(value: unknown, options: ClockOptions & Ed25519Options = {}): VerifiedObject {
  const type = typeof value === 'object' && value !== null ? (value as { type?: unknown }).type : undefined;
  if (type === VOUCH_TYPE) return { kind: 'vouch', ...verifyVouch(value, options) };
  if (type === REVOCATION_TYPE) return { kind: 'revocation', ...verifyRevocation(value, options) };
  if (type === KEY_EVENT_TYPE) return { kind: 'key-event', ...verifyKeyEventObject(value, options) };
  throw new TrustError(
    'aip_object_malformed',
    `not a trust object (type must be "${VOUCH_TYPE}", "${REVOCATION_TYPE}" or "${KEY_EVENT_TYPE}")`,
  );
}

/**
 * Parses and verifies one JSONL line (at most {@link MAX_LINE_BYTES}). Throws `TrustError`
 * `aip_object_malformed` for oversize or non-JSON text, else as {@link verifyTrustObject}.
 *
 * @example
 * ```ts
 * for (const line of text.split('\n')) if (line.trim()) store.add(verifyTrustLine(line, { now }));
 * ```
 */
export function verifyTrustLine(line: string, options: ClockOptions & Ed25519Options = {}): VerifiedObject {
  if (typeof line !== 'string') throw new TypeError('line must be a string');
  // UTF-16 length bounds the UTF-8 length from below; the exact check only runs near the limit.
  if (line.length > MAX_LINE_BYTES || (line.length > MAX_LINE_BYTES / 3 && Buffer.byteLength(line) > MAX_LINE_BYTES)) {
    throw new TrustError('aip_object_malformed', `line is longer than ${MAX_LINE_BYTES} bytes`);
  }
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new TrustError('aip_object_malformed', 'line is not valid JSON');
  }
  return verifyTrustObject(value, options);
}
