// A self-asserted platform account (`github/myrepo`): what an agent *says* it is on another
// platform. Nothing checks it; every place that shows it marks it unverified.

/** Longest accepted claim, in characters. */
export const MAX_PLATFORM_CLAIM_LENGTH = 200;

// `<platform>/<account>`: a lowercase platform name, then printable ASCII without spaces.
const PLATFORM_CLAIM = /^[a-z0-9][a-z0-9.-]{0,39}\/[\x21-\x7e]+$/;

/**
 * True when `value` is a well-formed platform claim, `<platform>/<account>`: a lowercase platform
 * name (`github`, `gitlab`, `npm`, ...), a slash, and the account in printable ASCII without spaces.
 * Well-formed says nothing about true: a claim is self-asserted and never verified.
 *
 * @example
 * ```ts
 * isPlatformClaim('github/myrepo'); // true
 * isPlatformClaim('my repo');       // false
 * ```
 */
export function isPlatformClaim(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_PLATFORM_CLAIM_LENGTH && PLATFORM_CLAIM.test(value);
}

/**
 * Throws a `RangeError` naming the expected form unless {@link isPlatformClaim} holds.
 *
 * @example
 * ```ts
 * assertPlatformClaim('github/myrepo');
 * ```
 */
export function assertPlatformClaim(value: unknown): asserts value is string {
  if (!isPlatformClaim(value)) {
    throw new RangeError(
      `platform must be <platform>/<account> (e.g. github/myrepo), lowercase platform name, at most ${MAX_PLATFORM_CLAIM_LENGTH} characters`,
    );
  }
}
