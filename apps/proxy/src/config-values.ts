// Typed readers for configuration values: each refuses a bad value with an error naming the key.
import { publicKeyFromId } from '@aip/identity';
import { isValidScope, SCOPE_GRAMMAR } from '@aip/token';
import { ProxyConfigError } from './errors.js';

export type Table = Record<string, unknown>;

export function table(root: Table, name: string): Table {
  const value = root[name];
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ProxyConfigError(name, 'must be a table');
  return value as Table;
}

export function integer(key: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ProxyConfigError(key, `must be an integer from ${min} to ${max}`);
  }
  return value;
}

export function nonNegative(key: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    throw new ProxyConfigError(key, 'must be a number >= 0');
  return value;
}

export function string(key: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') throw new ProxyConfigError(key, 'must be a non-empty string');
  return value;
}

export function optionalString(key: string, value: unknown): string | undefined {
  return value === undefined ? undefined : string(key, value);
}

export function boolean(key: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new ProxyConfigError(key, 'must be true or false');
  return value;
}

export function httpUrl(key: string, value: unknown): URL {
  let url: URL;
  try {
    url = new URL(string(key, value));
  } catch {
    throw new ProxyConfigError(key, 'must be a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ProxyConfigError(key, 'must be an http or https URL');
  return url;
}

export function keyId(key: string, value: unknown): string {
  const id = string(key, value);
  try {
    publicKeyFromId(id);
  } catch (err) {
    throw new ProxyConfigError(key, `not a usable Ed25519 key (${(err as Error).message})`);
  }
  return id;
}

export function keyIds(key: string, value: unknown): string[] {
  if (!Array.isArray(value)) throw new ProxyConfigError(key, 'must be an array of keys');
  return value.map((entry, i) => keyId(`${key}[${i}]`, entry));
}

export function stringList(key: string, value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0)
    throw new ProxyConfigError(key, 'must be a non-empty array of strings');
  return value.map((entry, i) => string(`${key}[${i}]`, entry));
}

/** A table of scope pattern -> number (costs, rate limits). */
export function scopeNumbers(
  key: string,
  value: unknown,
  read: (key: string, value: unknown) => number,
): Map<string, number> {
  const t = value === undefined ? {} : table({ [key]: value }, key);
  const out = new Map<string, number>();
  for (const [pattern, n] of Object.entries(t)) {
    // The one scope grammar of @aip/token: what a token can carry is what a cost or a limit can name.
    if (!isValidScope(pattern))
      throw new ProxyConfigError(
        `${key}."${pattern}"`,
        `must be a scope pattern such as "tool:search" or "tool:github.*" (${SCOPE_GRAMMAR})`,
      );
    out.set(pattern, read(`${key}."${pattern}"`, n));
  }
  return out;
}
