// Registration challenges: single-use, bound to one DID, short-lived. The interface every replica
// answers through, and the in-memory book of a single process (PostgreSQL holds them for replicas).
import { randomBytes } from 'node:crypto';
import { encodeBase64Url } from '@aip/identity';
import { RegistryError } from './errors.js';

/** Lifetime of a challenge, seconds. */
export const DEFAULT_CHALLENGE_TTL = 120;

/** A challenge as the registry hands it out. */
export interface Challenge {
  challenge: string;
  did: string;
  /** Unix seconds after which it is refused. */
  expires_at: number;
}

/**
 * Where open challenges live: issued by one replica, answerable at any replica sharing the store.
 *
 * @example
 * ```ts
 * const issued = await challenges.issue(did, now);
 * await challenges.consume(issued.challenge, did, now); // throws aip_challenge_invalid the second time
 * ```
 */
export interface ChallengeStore {
  /** Issues a fresh challenge (32 random bytes, base64url) for `did`. */
  issue(did: string, now: number): Promise<Challenge>;
  /** Uses up `challenge`; throws `RegistryError` `aip_challenge_invalid` unless it is open, unexpired and issued to `did`. */
  consume(challenge: string, did: string, now: number): Promise<void>;
}

/**
 * A fresh challenge value: 32 random bytes, base64url.
 *
 * @example
 * ```ts
 * const challenge = newChallenge(); // 43 characters
 * ```
 */
export function newChallenge(): string {
  return encodeBase64Url(new Uint8Array(randomBytes(32)));
}

/**
 * The one refusal of a challenge that is unknown, expired, used or another agent's.
 *
 * @example
 * ```ts
 * if (entry === undefined) throw challengeInvalid();
 * ```
 */
export function challengeInvalid(): RegistryError {
  return new RegistryError(
    'aip_challenge_invalid',
    'the challenge is unknown, expired, used or issued to another agent',
  );
}

/**
 * Outstanding challenges, in memory (one process): each lives `ttl` seconds and is used at most
 * once. At most `capacity` are kept; the oldest go first.
 *
 * @example
 * ```ts
 * const book = new ChallengeBook();
 * const issued = await book.issue(did, now);
 * await book.consume(issued.challenge, did, now); // throws aip_challenge_invalid the second time
 * ```
 */
export class ChallengeBook implements ChallengeStore {
  readonly #ttl: number;
  readonly #capacity: number;
  readonly #open = new Map<string, { did: string; expires: number }>();

  constructor(options: { ttl?: number; capacity?: number } = {}) {
    this.#ttl = options.ttl ?? DEFAULT_CHALLENGE_TTL;
    this.#capacity = options.capacity ?? 10_000;
  }

  async issue(did: string, now: number): Promise<Challenge> {
    for (const [key, entry] of this.#open) {
      if (entry.expires > now && this.#open.size < this.#capacity) break;
      this.#open.delete(key);
    }
    const challenge = newChallenge();
    const expires = now + this.#ttl;
    this.#open.set(challenge, { did, expires });
    return { challenge, did, expires_at: expires };
  }

  async consume(challenge: string, did: string, now: number): Promise<void> {
    const entry = this.#open.get(challenge);
    this.#open.delete(challenge);
    if (entry === undefined || entry.did !== did || entry.expires <= now) throw challengeInvalid();
  }

  /** Challenges currently open (expired ones included until they are swept). */
  get size(): number {
    return this.#open.size;
  }
}
