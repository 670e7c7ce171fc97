// The key-event state (DESIGN §11): lineages, rotated-away and revoked keys, computed by a pure
// function from any set of verified key events. The result depends on the set only — never on the
// order events arrived in — and a fork (two events establishing one key, or one key committing to
// two successors) freezes the lineage and revokes the key that signed both: duplicity proves it
// leaked, and freezing leaves a thief nothing to take over.
import type { KeyEvent, VerifiedKeyEvent } from './key-event.js';

/** Why and when a key was revoked. */
export interface KeyRevocationInfo {
  /** Unix seconds: the revocation's `iat`, or the earliest `iat` of the conflicting events. */
  at: number;
  /** `revoked`: a signed revocation (by the key or its committed next key); `duplicity`: a fork. */
  cause: 'revoked' | 'duplicity';
  /** The revocation's reason, when it gave one. */
  reason?: string;
  /** The id of the revocation event (`cause: "revoked"`). */
  event?: string;
}

/** What the events say about one key. */
export interface KeyRecord {
  did: string;
  /** The lineage the key belongs to (its root key), when an inception or a rotation established it. */
  lineage?: string;
  /** When its establishing event was issued (Unix seconds). */
  establishedAt?: number;
  /** When it was rotated away (the rotation's `iat`); tokens it issued from then on are refused. */
  rotatedAt?: number;
  /** The key it was rotated to. */
  successor?: string;
  /** Set when the key is revoked: it signs nothing valid any more. */
  revoked?: KeyRevocationInfo;
}

/** One identity's keys, from its inception to its current key. */
export interface KeyLineage {
  /** The inception key: the lineage's name. */
  root: string;
  /** Every key in order, root first. */
  keys: readonly string[];
  /** The last key: the one that signs for the identity now (unless revoked). */
  current: string;
  /** The commitment to the next key; undefined when the lineage is frozen. */
  next: string | undefined;
  /** A fork was seen: no further rotation is honoured. */
  frozen: boolean;
}

/** Why a key may not sign a new object: `revoked` (anything), `rotated` (anything issued since the rotation). */
export type KeyRefusal = 'revoked' | 'rotated';

/** The state computed by {@link computeKeyState}: read-only lookups by `did:key`. */
export interface KeyEventState {
  /** Events taken into account (distinct ids). */
  readonly size: number;
  /** What the events say about `did`, or undefined when they say nothing. */
  key(did: string): KeyRecord | undefined;
  /** The lineage `did` belongs to. */
  lineage(did: string): KeyLineage | undefined;
  /** Every lineage, sorted by root. */
  lineages(): KeyLineage[];
  /**
   * Whether `did` may have signed an object issued at `iat` (Unix seconds): undefined when it may;
   * `revoked` for any object of a revoked key; `rotated` when `iat` is at or after its rotation.
   */
  refusal(did: string, iat: number): KeyRefusal | undefined;
  /** The current key of `did`'s lineage (`did` itself when it has none, or is current). */
  currentKey(did: string): string;
  /** Every revoked key, sorted. */
  revokedKeys(): string[];
}

interface Establishment {
  /** Commitments to the next key made by the events that established this key. */
  nexts: Set<string>;
  lineages: Set<string>;
}

const byIdAscending = (a: VerifiedKeyEvent, b: VerifiedKeyEvent) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * Computes the key-event state from a set of verified events (any order, duplicates ignored).
 * Authority is checked here, against the other events; an event without it is ignored:
 * - a rotation counts when its `prev` names the event that established `prior` and its signer's key
 *   hashes to that event's `next` commitment (only the holder of the pre-committed key can rotate);
 * - a revocation counts when signed by the key itself or by the key its establishing event committed to;
 * - a key established by two events (two inceptions, two lineages, or two rotations from one key)
 *   is revoked for duplicity, and a lineage ending in such a key is frozen.
 *
 * @example
 * ```ts
 * const state = computeKeyState([verifyKeyEvent(inception), verifyKeyEvent(rotation)]);
 * state.refusal(oldKey, tokenIat); // "rotated" for a token issued after the rotation
 * ```
 */
export function computeKeyState(events: Iterable<VerifiedKeyEvent>): KeyEventState {
  const unique = new Map<string, VerifiedKeyEvent>();
  for (const event of events) unique.set(event.id, event);
  const inceptions = new Map<string, VerifiedKeyEvent[]>();
  const rotationsByPrev = new Map<string, VerifiedKeyEvent[]>();
  const revocations: VerifiedKeyEvent[] = [];
  for (const verified of [...unique.values()].sort(byIdAscending)) {
    const event = verified.event;
    if (event.event === 'inception') push(inceptions, event.key, verified);
    else if (event.event === 'rotation') push(rotationsByPrev, event.prev, verified);
    else revocations.push(verified);
  }

  const records = new Map<string, KeyRecord>();
  const establishments = new Map<string, Establishment>();
  const lineages = new Map<string, KeyLineage & { keys: string[] }>();
  const duplicitous = new Map<string, number>();

  const establish = (did: string, root: string, by: readonly VerifiedKeyEvent[]) => {
    let found = establishments.get(did);
    if (found === undefined) {
      found = { nexts: new Set(), lineages: new Set() };
      establishments.set(did, found);
    }
    found.lineages.add(root);
    for (const e of by) found.nexts.add((e.event as Exclude<KeyEvent, { event: 'revocation' }>).next);
    const at = Math.min(...by.map((e) => e.event.iat));
    // A key in two lineages keeps the record of the one where a rotation established it (its own
    // inception is then the fork), else of the smaller root: the same answer for any order.
    const existing = records.get(did);
    const rotated = by.some((e) => e.event.event === 'rotation');
    const existingRotated = existing !== undefined && existing.lineage !== did;
    if (
      existing === undefined ||
      (rotated && !existingRotated) ||
      (rotated === existingRotated && root < (existing.lineage ?? ''))
    ) {
      records.set(did, { did, lineage: root, establishedAt: at });
    }
    if (by.length > 1 || found.lineages.size > 1) duplicitous.set(did, Math.min(at, duplicitous.get(did) ?? at));
  };

  for (const [root, list] of [...inceptions].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const keys = [root];
    const lineage = { root, keys, current: root, next: undefined as string | undefined, frozen: false };
    lineages.set(root, lineage);
    establish(root, root, list);
    if (list.length > 1) {
      lineage.frozen = true;
      continue;
    }
    let current = list[0] as VerifiedKeyEvent;
    for (;;) {
      const from = current.event as Exclude<KeyEvent, { event: 'revocation' }>;
      const candidates = (rotationsByPrev.get(current.id) ?? []).filter((r) => {
        const rotation = r.event as Extract<KeyEvent, { event: 'rotation' }>;
        return (
          rotation.prior === from.key &&
          r.signerCommitment === from.next &&
          rotation.iat >= from.iat &&
          !keys.includes(rotation.key)
        );
      });
      const first = candidates[0];
      if (first === undefined) {
        lineage.next = from.next;
        break;
      }
      // The commitment pins the successor: every candidate names the same key.
      const successor = first.event.key;
      keys.push(successor);
      lineage.current = successor;
      establish(successor, root, candidates);
      const prior = records.get(from.key);
      if (prior !== undefined && prior.lineage === root) {
        prior.rotatedAt = Math.min(...candidates.map((c) => c.event.iat));
        prior.successor = successor;
      }
      if (candidates.length > 1) {
        lineage.frozen = true;
        break;
      }
      current = first;
    }
  }

  for (const [did, at] of duplicitous) {
    const record = records.get(did) ?? { did };
    record.revoked = { at, cause: 'duplicity' };
    records.set(did, record);
  }
  for (const lineage of lineages.values()) {
    if (duplicitous.has(lineage.current)) lineage.frozen = true;
    if (lineage.frozen) lineage.next = undefined;
  }

  for (const verified of revocations) {
    const revocation = verified.event as Extract<KeyEvent, { event: 'revocation' }>;
    const authorized =
      revocation.signer === revocation.key ||
      (establishments.get(revocation.key)?.nexts.has(verified.signerCommitment) ?? false);
    if (!authorized) continue;
    const record = records.get(revocation.key) ?? { did: revocation.key };
    records.set(revocation.key, record);
    const known = record.revoked;
    // The earliest signed revocation wins (ties by id, and events are visited in id order).
    if (known !== undefined && (known.cause === 'duplicity' || known.at <= revocation.iat)) continue;
    record.revoked = {
      at: revocation.iat,
      cause: 'revoked',
      event: verified.id,
      ...(revocation.reason === undefined ? {} : { reason: revocation.reason }),
    };
  }

  return {
    size: unique.size,
    key: (did) => copy(records.get(did)),
    lineage(did) {
      const root = records.get(did)?.lineage;
      const lineage = root === undefined ? undefined : lineages.get(root);
      return lineage === undefined ? undefined : { ...lineage, keys: [...lineage.keys] };
    },
    lineages: () =>
      [...lineages.values()].sort((a, b) => (a.root < b.root ? -1 : 1)).map((l) => ({ ...l, keys: [...l.keys] })),
    refusal(did, iat) {
      const record = records.get(did);
      if (record === undefined) return undefined;
      if (record.revoked !== undefined) return 'revoked';
      if (record.rotatedAt !== undefined && iat >= record.rotatedAt) return 'rotated';
      return undefined;
    },
    revokedKeys: () =>
      [...records.values()]
        .filter((r) => r.revoked !== undefined)
        .map((r) => r.did)
        .sort(),
    currentKey(did) {
      const root = records.get(did)?.lineage;
      return (root === undefined ? undefined : lineages.get(root)?.current) ?? did;
    },
  };
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

function copy(record: KeyRecord | undefined): KeyRecord | undefined {
  if (record === undefined) return undefined;
  return { ...record, ...(record.revoked === undefined ? {} : { revoked: { ...record.revoked } }) };
}

/** One key of a lineage as `aip identity log` and the registry report it. */
export interface KeyStatusView {
  did: string;
  status: 'current' | 'rotated' | 'revoked';
  established_at?: number;
  rotated_at?: number;
  revoked_at?: number;
  cause?: KeyRevocationInfo['cause'];
  reason?: string;
}

/** The lineage `did` belongs to, as `aip identity log` and the registry report it. */
export interface LineageView {
  did: string;
  /** The inception key, or null when no event names `did`. */
  root: string | null;
  current: string;
  /** A next key is committed: the identity can rotate. */
  next_committed: boolean;
  frozen: boolean;
  /** Root first; `did` alone when no event names it. */
  keys: KeyStatusView[];
}

/**
 * The lineage of `did` in `state`, each key with its status.
 *
 * @example
 * ```ts
 * describeLineage(state, did).keys; // [{ did: root, status: 'rotated', rotated_at: ... }, { did: next, status: 'current', ... }]
 * ```
 */
export function describeLineage(state: KeyEventState, did: string): LineageView {
  const lineage = state.lineage(did);
  const current = lineage?.current ?? did;
  return {
    did,
    root: lineage?.root ?? null,
    current,
    next_committed: lineage?.next !== undefined,
    frozen: lineage?.frozen ?? false,
    keys: (lineage?.keys ?? [did]).map((key) => {
      const record = state.key(key);
      const view: KeyStatusView = {
        did: key,
        status: record?.revoked !== undefined ? 'revoked' : key === current ? 'current' : 'rotated',
      };
      if (record?.establishedAt !== undefined) view.established_at = record.establishedAt;
      if (record?.rotatedAt !== undefined) view.rotated_at = record.rotatedAt;
      if (record?.revoked !== undefined) {
        view.revoked_at = record.revoked.at;
        view.cause = record.revoked.cause;
        if (record.revoked.reason !== undefined) view.reason = record.revoked.reason;
      }
      return view;
    }),
  };
}
