// Registration challenges in the shared PostgreSQL database: a challenge issued by one replica is
// answered at any other, and consuming one is a single DELETE ... RETURNING, so two replicas can
// never both accept the same challenge.
import type { Pool } from 'pg';
import {
  type Challenge,
  type ChallengeStore,
  challengeInvalid,
  DEFAULT_CHALLENGE_TTL,
  newChallenge,
} from '../challenge-store.js';
import { unavailableAsStoreError } from '../store-unavailable.js';

/**
 * Challenges in `aip_registry_challenges`; expired ones are swept at each issue.
 *
 * @example
 * ```ts
 * const challenges = new PostgresChallenges(pool);
 * const issued = await challenges.issue(did, now);
 * ```
 */
export class PostgresChallenges implements ChallengeStore {
  readonly #pool: Pool;
  readonly #ttl: number;

  constructor(pool: Pool, options: { ttl?: number } = {}) {
    this.#pool = pool;
    this.#ttl = options.ttl ?? DEFAULT_CHALLENGE_TTL;
  }

  issue(did: string, now: number): Promise<Challenge> {
    const challenge = newChallenge();
    const expires = now + this.#ttl;
    return unavailableAsStoreError(async () => {
      await this.#pool.query(
        `WITH swept AS (DELETE FROM aip_registry_challenges WHERE expires <= $4)
         INSERT INTO aip_registry_challenges (challenge, did, expires) VALUES ($1, $2, $3)`,
        [challenge, did, expires, now],
      );
      return { challenge, did, expires_at: expires };
    });
  }

  consume(challenge: string, did: string, now: number): Promise<void> {
    return unavailableAsStoreError(async () => {
      const { rows } = await this.#pool.query<{ did: string; expires: string }>(
        'DELETE FROM aip_registry_challenges WHERE challenge = $1 RETURNING did, expires',
        [challenge],
      );
      const entry = rows[0];
      if (entry === undefined || entry.did !== did || Number(entry.expires) <= now) throw challengeInvalid();
    });
  }
}
