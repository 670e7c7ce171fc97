// Registration challenges in Redis: issued by one replica, answered at any other. Consuming is one
// GETDEL, so two replicas can never both accept the same challenge; expiry is checked against the
// caller's clock (the key's own TTL only cleans up).

import {
  type Challenge,
  type ChallengeStore,
  challengeInvalid,
  DEFAULT_CHALLENGE_TTL,
  newChallenge,
} from '../challenge-store.js';
import { unavailableAsStoreError } from '../store-unavailable.js';
import type { RedisCommands } from './redis-commands.js';

const PREFIX = 'aip:registry:challenge:';

/**
 * {@link ChallengeStore} in Redis.
 *
 * @example
 * ```ts
 * const challenges = new RedisChallenges(redis);
 * const issued = await challenges.issue(did, now);
 * ```
 */
export class RedisChallenges implements ChallengeStore {
  readonly #redis: RedisCommands;
  readonly #ttl: number;

  constructor(redis: RedisCommands, options: { ttl?: number } = {}) {
    this.#redis = redis;
    this.#ttl = options.ttl ?? DEFAULT_CHALLENGE_TTL;
  }

  issue(did: string, now: number): Promise<Challenge> {
    const challenge = newChallenge();
    const expires = now + this.#ttl;
    return unavailableAsStoreError(
      async () => {
        await this.#redis.set(PREFIX + challenge, `${expires} ${did}`, 'EX', this.#ttl + 1, 'NX');
        return { challenge, did, expires_at: expires };
      },
      () => true,
    );
  }

  async consume(challenge: string, did: string, now: number): Promise<void> {
    const entry = await unavailableAsStoreError(
      () => this.#redis.getdel(PREFIX + challenge),
      () => true,
    );
    const space = entry?.indexOf(' ') ?? -1;
    if (entry === null || entry === undefined || space < 0) throw challengeInvalid();
    if (entry.slice(space + 1) !== did || Number(entry.slice(0, space)) <= now) throw challengeInvalid();
  }
}
