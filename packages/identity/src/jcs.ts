// JSON Canonicalization Scheme (RFC 8785): one byte string per JSON value, the input of every
// AIP object signature.
import { IdentityError } from './errors.js';

const MAX_DEPTH = 64;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Canonicalizes a JSON value per RFC 8785: object members sorted by UTF-16 code units, ECMAScript
 * number serialization (§3.2.2.3), minimal string escaping (§3.2.2.2), no whitespace. Object
 * members whose value is `undefined` are left out, as `JSON.stringify` does. Anything outside
 * I-JSON (non-finite numbers, lone surrogates, non-plain objects, `undefined` in arrays, nesting
 * deeper than 64) throws `IdentityError` `aip_json_unsupported`.
 *
 * @example
 * ```ts
 * canonicalize({ b: 1, a: [true, null, 1e21] }); // '{"a":[true,null,1e+21],"b":1}'
 * ```
 */
export function canonicalize(value: unknown): string {
  return serialize(value, 0);
}

function serialize(value: unknown, depth: number): string {
  switch (typeof value) {
    case 'string':
      if (LONE_SURROGATE.test(value)) throw unsupported('a string contains a lone surrogate');
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw unsupported('numbers must be finite');
      return JSON.stringify(value); // ECMAScript Number::toString, as §3.2.2.3 requires; -0 becomes 0
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      if (depth >= MAX_DEPTH) throw unsupported(`nesting deeper than ${MAX_DEPTH}`);
      if (Array.isArray(value)) return serializeArray(value, depth + 1);
      return serializeObject(value, depth + 1);
    default:
      throw unsupported(`${typeof value} is not a JSON value`);
  }
}

function serializeArray(array: readonly unknown[], depth: number): string {
  let out = '[';
  for (let i = 0; i < array.length; i++) {
    if (array[i] === undefined) throw unsupported('arrays cannot contain undefined');
    out += (i === 0 ? '' : ',') + serialize(array[i], depth);
  }
  return `${out}]`;
}

function serializeObject(object: object, depth: number): string {
  const proto = Object.getPrototypeOf(object);
  if (proto !== Object.prototype && proto !== null) throw unsupported('only plain objects are JSON objects');
  const record = object as Record<string, unknown>;
  // Default sort compares UTF-16 code units, exactly the order §3.2.3 prescribes.
  const keys = Object.keys(record).sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const member = record[key];
    if (member === undefined) continue;
    out += `${first ? '' : ','}${serialize(key, depth)}:${serialize(member, depth)}`;
    first = false;
  }
  return `${out}}`;
}

function unsupported(reason: string): IdentityError {
  return new IdentityError('aip_json_unsupported', `value cannot be canonicalized: ${reason}`);
}
