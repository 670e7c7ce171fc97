// The embedded registry log: the SQLite registry store (its trust store, profiles and feed) behind
// the asynchronous RegistryLog interface. One process writes; the trust store judges duplicates,
// revocation state and a revoker's right and keeps key events, the registry store judges profiles.
import type { VerifiedKeyEvent } from '@aip/identity';
import { TrustError, type VerifiedRevocation, type VerifiedVouch } from '@aip/trust';
import type { VerifiedProfile } from './profile.js';
import type {
  FeedRow,
  KeyEventOutcome,
  ProfileOutcome,
  RegistryLog,
  RevocationOutcome,
  VouchOutcome,
} from './registry-log.js';
import type { RegistryStore } from './registry-store.js';

/**
 * The registry log over a {@link RegistryStore} opened with its feed.
 *
 * @example
 * ```ts
 * const log = new SqliteRegistryLog(openRegistryStore({ path: 'registry.db' }));
 * await log.publishVouch(verifyVouch(vouch, { now }), now);
 * ```
 */
export class SqliteRegistryLog implements RegistryLog {
  readonly #store: RegistryStore;

  constructor(store: RegistryStore) {
    this.#store = store;
  }

  get feedEpoch(): string {
    return this.#store.feedEpoch;
  }

  async publishVouch(verified: VerifiedVouch): Promise<VouchOutcome> {
    const trust = this.#store.trust;
    const outcome = trust.add({ kind: 'vouch', ...verified });
    if (outcome.status === 'accepted') return { status: 'accepted' };
    return { status: trust.getVouch(verified.id)?.revoked === true ? 'revoked' : 'duplicate' };
  }

  async publishRevocation(verified: VerifiedRevocation): Promise<RevocationOutcome> {
    const trust = this.#store.trust;
    const vouch = verified.revocation.vouch;
    const target = trust.getVouch(vouch);
    if (target === undefined) return { status: 'vouch_unknown', vouch };
    if (target.revoked && trust.getRevocation(verified.id) === undefined) return { status: 'vouch_revoked', vouch };
    try {
      const outcome = trust.add({ kind: 'revocation', ...verified });
      return { status: outcome.status === 'accepted' ? 'accepted' : 'duplicate', vouch };
    } catch (err) {
      if (err instanceof TrustError && err.code === 'aip_revocation_unauthorized') {
        return { status: 'unauthorized', vouch };
      }
      throw err;
    }
  }

  async publishKeyEvent(verified: VerifiedKeyEvent): Promise<KeyEventOutcome> {
    // The trust store keeps key events apart from the feed, in arrival order.
    const outcome = this.#store.trust.add({ kind: 'key-event', ...verified });
    return { status: outcome.status === 'accepted' ? 'accepted' : 'duplicate' };
  }

  publishProfile(verified: VerifiedProfile): Promise<ProfileOutcome> {
    return this.#store.putProfile(verified);
  }

  feed(since: number, limit: number): Promise<FeedRow[]> {
    return this.#store.feed(since, limit);
  }

  latestSeq(): Promise<number> {
    return this.#store.latestSeq();
  }
}
