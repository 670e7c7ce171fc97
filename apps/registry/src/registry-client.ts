// A small client of the registry API (what `aip publish` and `aip sync` use). The registry is not
// trusted: its error codes and messages are checked and trimmed before anyone prints them.
import { AipError, type KeyEvent } from '@aip/identity';
import type { Revocation, Vouch } from '@aip/trust';
import type { Challenge } from './challenge-store.js';
import { RegistryError } from './errors.js';
import { type Profile, verifyProfile } from './profile.js';
import type { Registration } from './registration.js';

/** What became of a published object. */
export type PublishOutcome =
  | { status: 'accepted'; id: string }
  | { status: 'duplicate' }
  | { status: 'rejected'; code: string; message: string; httpStatus: number };

/** One page of the feed, as received (nothing in it is verified yet). */
export interface FeedPage {
  objects: unknown[];
  next: string;
  more: boolean;
  remaining: number;
}

/** Options of {@link RegistryClient}. */
export interface RegistryClientOptions {
  /** Per request; default 60 s. */
  timeoutMs?: number;
  /** The fetch to use; default the global one. */
  fetch?: typeof fetch;
}

const CODE = /^aip_[a-z0-9_]{1,60}$/;

/** A server-supplied message, reduced to one line of printable text. */
function clean(text: unknown): string {
  return typeof text === 'string' ? text.replace(/[\p{Cc}\u2028\u2029]/gu, ' ').slice(0, 300) : '';
}

/**
 * Talks to one registry.
 *
 * @example
 * ```ts
 * const client = new RegistryClient('http://127.0.0.1:8470');
 * await client.publishVouch(vouch); // { status: 'accepted', id }
 * ```
 */
export class RegistryClient {
  /** The registry's base URL, without a trailing slash. */
  readonly url: string;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;

  constructor(url: string, options: RegistryClientOptions = {}) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new RegistryError('aip_request_invalid', 'the registry URL is not a URL');
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new RegistryError('aip_request_invalid', 'the registry URL must be http or https');
    }
    if (parsed.username !== '' || parsed.password !== '' || parsed.search !== '' || parsed.hash !== '') {
      throw new RegistryError(
        'aip_request_invalid',
        'the registry URL must not carry credentials, a query or a fragment',
      );
    }
    this.url = `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
    this.#timeoutMs = options.timeoutMs ?? 60_000;
    this.#fetch = options.fetch ?? fetch;
  }

  async #request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    let response: Response | undefined;
    let text = '';
    // Retried once: a pooled keep-alive connection may have been closed by the server meanwhile.
    // Safe for writes too, since publishing is idempotent (a repeat is a duplicate).
    for (let attempt = 0; response === undefined; attempt++) {
      try {
        response = await this.#fetch(`${this.url}${path}`, {
          method,
          headers:
            body === undefined
              ? { accept: 'application/json' }
              : { 'content-type': 'application/json', accept: 'application/json' },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: AbortSignal.timeout(this.#timeoutMs),
        });
        text = await response.text();
      } catch (err) {
        response = undefined;
        if (attempt === 0) continue;
        throw new RegistryError('aip_registry_unreachable', `cannot reach the registry at ${this.url}`, { cause: err });
      }
    }
    try {
      return { status: response.status, json: JSON.parse(text) as unknown };
    } catch {
      throw new RegistryError(
        'aip_registry_unreachable',
        `the registry at ${this.url} answered ${response.status} with something other than JSON`,
      );
    }
  }

  #errorOf(status: number, json: unknown): { code: string; message: string } {
    const error = (json as { error?: { code?: unknown; message?: unknown } } | null)?.error;
    const code = typeof error?.code === 'string' && CODE.test(error.code) ? error.code : 'aip_registry_unreachable';
    return { code, message: clean(error?.message) || `the registry answered ${status}` };
  }

  async #publish(path: string, body: unknown): Promise<PublishOutcome> {
    const { status, json } = await this.#request('POST', path, body);
    if (status === 201) {
      const id = (json as { id?: unknown } | null)?.id;
      return { status: 'accepted', id: typeof id === 'string' ? clean(id) : '' };
    }
    const { code, message } = this.#errorOf(status, json);
    if (status === 409 && code === 'aip_object_duplicate') return { status: 'duplicate' };
    return { status: 'rejected', code, message, httpStatus: status };
  }

  /**
   * Asks for a registration challenge for `did`.
   *
   * @example
   * ```ts
   * const { challenge, expires_at } = await client.challenge(me.did);
   * ```
   */
  async challenge(did: string): Promise<Challenge> {
    const { status, json } = await this.#request('POST', '/v1/challenges', { did });
    const challenge = json as Partial<Challenge> | null;
    if (status !== 201 || typeof challenge?.challenge !== 'string') {
      const { code, message } = this.#errorOf(status, json);
      throw new RegistryError(code === 'aip_rate_limited' ? 'aip_rate_limited' : 'aip_registry_unreachable', message);
    }
    return challenge as Challenge;
  }

  /**
   * The profile the registry holds for `did`, if any, verified here (a registry cannot forge one).
   *
   * @example
   * ```ts
   * const current = await client.profileOf(me.did);
   * ```
   */
  async profileOf(did: string): Promise<Profile | undefined> {
    const { status, json } = await this.#request('GET', `/v1/agents/${encodeURIComponent(did)}`);
    if (status === 404) return undefined;
    if (status !== 200) throw new RegistryError('aip_registry_unreachable', this.#errorOf(status, json).message);
    const profile = (json as { profile?: unknown } | null)?.profile;
    if (profile === null || profile === undefined) return undefined;
    try {
      const verified = verifyProfile(profile);
      return verified.profile.did === did ? verified.profile : undefined;
    } catch (err) {
      if (err instanceof AipError) return undefined;
      throw err;
    }
  }

  /**
   * Publishes a signed profile, with a registration answering a challenge when given.
   *
   * @example
   * ```ts
   * await client.publishProfile(profile, createRegistration(me, { challenge, profile: id }));
   * ```
   */
  publishProfile(profile: Profile, registration?: Registration): Promise<PublishOutcome> {
    return this.#publish('/v1/agents', registration === undefined ? profile : { profile, registration });
  }

  /**
   * Publishes a signed vouch.
   *
   * @example
   * ```ts
   * await client.publishVouch(createVouch(me, { subject }));
   * ```
   */
  publishVouch(vouch: Vouch): Promise<PublishOutcome> {
    return this.#publish('/v1/vouches', vouch);
  }

  /**
   * Publishes a signed revocation.
   *
   * @example
   * ```ts
   * await client.publishRevocation(createRevocation(me, id));
   * ```
   */
  publishRevocation(revocation: Revocation): Promise<PublishOutcome> {
    return this.#publish('/v1/revocations', revocation);
  }

  /**
   * Publishes a signed key event (DESIGN §11).
   *
   * @example
   * ```ts
   * await client.publishKeyEvent(createInception(me, { next: recovery.publicKey }));
   * ```
   */
  publishKeyEvent(event: KeyEvent): Promise<PublishOutcome> {
    return this.#publish('/v1/key-events', event);
  }

  /**
   * One page of the registry's key events after the first `after` (nothing verified yet), or
   * undefined when the registry predates key events (it answers 404).
   *
   * @example
   * ```ts
   * const page = await client.keyEvents(0, 1000);
   * ```
   */
  async keyEvents(after: number, limit: number): Promise<{ events: unknown[]; next: number | null } | undefined> {
    const query = new URLSearchParams({ after: String(after), limit: String(limit) });
    const { status, json } = await this.#request('GET', `/v1/key-events?${query}`);
    if (status === 404) return undefined;
    if (status !== 200) {
      const { code, message } = this.#errorOf(status, json);
      throw new RegistryError(code === 'aip_rate_limited' ? 'aip_rate_limited' : 'aip_registry_unreachable', message);
    }
    const page = json as { events?: unknown; next?: unknown } | null;
    const next = page?.next;
    if (!Array.isArray(page?.events) || !(next === null || (Number.isSafeInteger(next) && (next as number) > after))) {
      throw new RegistryError(
        'aip_registry_unreachable',
        'the registry sent something that is not a page of key events',
      );
    }
    return { events: page.events, next: next as number | null };
  }

  /**
   * One feed page after `since` (empty: from the beginning). A stale cursor throws
   * `RegistryError` `aip_cursor_stale`; anything that is not a feed page throws
   * `aip_registry_unreachable`.
   *
   * @example
   * ```ts
   * const page = await client.feed('', 1000);
   * ```
   */
  async feed(since: string, limit: number): Promise<FeedPage> {
    const query = new URLSearchParams({ since, limit: String(limit) });
    const { status, json } = await this.#request('GET', `/v1/feed?${query}`);
    if (status !== 200) {
      const { code, message } = this.#errorOf(status, json);
      if (code === 'aip_cursor_stale') throw new RegistryError('aip_cursor_stale', message);
      throw new RegistryError(code === 'aip_rate_limited' ? 'aip_rate_limited' : 'aip_registry_unreachable', message);
    }
    const page = json as Partial<FeedPage> | null;
    if (
      !Array.isArray(page?.objects) ||
      typeof page.next !== 'string' ||
      page.next.length > 40 ||
      typeof page.more !== 'boolean' ||
      typeof page.remaining !== 'number'
    ) {
      throw new RegistryError('aip_registry_unreachable', 'the registry sent something that is not a feed page');
    }
    return page as FeedPage;
  }
}
