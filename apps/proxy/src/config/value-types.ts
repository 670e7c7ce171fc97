// The value types of configuration keys: each reads a TOML value (or a flag's) and an environment
// variable's text, refuses anything else with an error naming the key, and says what it accepts.
import { didKeyFromId, publicKeyFromId } from '@aip/identity';
import { isValidScope } from '@aip/token';
import { ProxyConfigError } from './errors.js';

/** How one kind of value is read, checked and documented. */
export interface ValueType<T> {
  /** What the reference table says the value is (`integer 0..65535`). */
  readonly describe: string;
  /** Checks a value from TOML or a flag. */
  parse(key: string, raw: unknown): T;
  /** Reads an environment variable's text. */
  fromText(key: string, text: string): T;
  /** The value as the reference table shows it (for defaults). */
  show(value: T): string;
}

const fail = (key: string, message: string): never => {
  throw new ProxyConfigError(key, message);
};

function json(key: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return fail(key, 'must be JSON (an environment variable holding a list or a table)');
  }
}

/** An integer from `min` to `max`. */
export function integer(min: number, max: number): ValueType<number> {
  return {
    describe: `integer ${min}..${max}`,
    parse(key, raw) {
      if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < min || raw > max)
        fail(key, `must be an integer from ${min} to ${max}`);
      return raw as number;
    },
    fromText(key, text) {
      return this.parse(key, /^-?\d+$/.test(text.trim()) ? Number(text.trim()) : text);
    },
    show: String,
  };
}

/** A finite number from `min` to `max`. */
export function decimal(min: number, max: number = Number.MAX_VALUE): ValueType<number> {
  const range = max === Number.MAX_VALUE ? `>= ${min}` : `${min}..${max}`;
  return {
    describe: `number ${range}`,
    parse(key, raw) {
      if (typeof raw !== 'number' || !Number.isFinite(raw) || raw < min || raw > max)
        fail(key, `must be a number ${range}`);
      return raw as number;
    },
    fromText(key, text) {
      const n = Number(text.trim());
      return this.parse(key, text.trim() === '' ? text : n);
    },
    show: String,
  };
}

export const boolean: ValueType<boolean> = {
  describe: 'boolean',
  parse(key, raw) {
    if (typeof raw !== 'boolean') fail(key, 'must be true or false');
    return raw as boolean;
  },
  fromText(key, text) {
    const t = text.trim().toLowerCase();
    return this.parse(key, t === 'true' || t === '1' ? true : t === 'false' || t === '0' ? false : text);
  },
  show: String,
};

export const text: ValueType<string> = {
  describe: 'string',
  parse(key, raw) {
    if (typeof raw !== 'string' || raw.trim() === '') fail(key, 'must be a non-empty string');
    return raw as string;
  },
  fromText(key, t) {
    return this.parse(key, t);
  },
  show: (v) => `"${v}"`,
};

/** One of a few words. */
export function oneOf<const W extends string>(words: readonly W[]): ValueType<W> {
  return {
    describe: words.map((w) => `"${w}"`).join(' or '),
    parse(key, raw) {
      if (typeof raw !== 'string' || !words.includes(raw as W)) fail(key, `must be ${this.describe}`);
      return raw as W;
    },
    fromText(key, t) {
      return this.parse(key, t.trim());
    },
    show: (v) => `"${v}"`,
  };
}

function readUrl(key: string, raw: unknown): URL {
  const value = text.parse(key, raw);
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    fail(key, 'must be a URL such as http://localhost:3000');
  }
  const parsed = url as URL;
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') fail(key, 'must be an http or https URL');
  if (parsed.username !== '' || parsed.password !== '') fail(key, 'must not contain credentials');
  return parsed;
}

/** An http(s) URL. */
export const httpUrl: ValueType<URL> = {
  describe: 'http(s) URL',
  parse: readUrl,
  fromText: readUrl,
  show: (v) => `"${v.href}"`,
};

function readOrigin(key: string, raw: unknown): URL {
  const url = readUrl(key, raw);
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '')
    fail(key, 'must be an origin (scheme://host:port); request paths are forwarded as sent');
  return url;
}

/** An http(s) origin, without path, query or fragment. */
export const origin: ValueType<URL> = {
  describe: 'http(s) origin',
  parse: readOrigin,
  fromText: readOrigin,
  show: (v) => `"${v.origin}"`,
};

function readPublicUrl(key: string, raw: unknown): string {
  const url = readUrl(key, raw);
  if (url.search !== '' || url.hash !== '') fail(key, 'must not have a query or fragment');
  return url.href.replace(/\/+$/, '');
}

/** The URL clients reach the proxy at, without a trailing slash. */
export const publicUrl: ValueType<string> = {
  describe: 'http(s) URL',
  parse: readPublicUrl,
  fromText: readPublicUrl,
  show: (v) => `"${v}"`,
};

function readKey(key: string, raw: unknown): string {
  const id = text.parse(key, raw);
  try {
    publicKeyFromId(id);
  } catch (err) {
    fail(key, `not a usable Ed25519 key (${(err as Error).message})`);
  }
  return id;
}

/** A public key in any form (`z...`, `did:key:...`, `aip:key:ed25519:...`). */
export const keyId: ValueType<string> = {
  describe: 'key (z..., did:key, aip:key)',
  parse: readKey,
  fromText: readKey,
  show: (v) => `"${v}"`,
};

function readDidKey(key: string, raw: unknown): string {
  readKey(key, raw);
  return didKeyFromId(text.parse(key, raw));
}

/** A public key in any form, kept as its `did:key` (what an agent card publishes and chains name). */
export const didKey: ValueType<string> = {
  describe: 'key (z..., did:key, aip:key), kept as its did:key',
  parse: readDidKey,
  fromText: readDidKey,
  show: (v) => `"${v}"`,
};

// did:web identifiers as did-web.ts of @aip/identity resolves them: a host (with an encoded
// port), then path segments.
const DID_WEB = /^did:web:[A-Za-z0-9.%_-]+(?::[A-Za-z0-9.%_-]+)*$/;

function readDidWeb(key: string, raw: unknown): string {
  const id = text.parse(key, raw);
  if (id.length > 512 || !DID_WEB.test(id)) fail(key, 'not a did:web identifier (did:web:<host>[:<path>...])');
  return id;
}

/** A `did:web` identifier (its key is resolved over HTTPS). */
export const didWeb: ValueType<string> = {
  describe: 'did:web identifier',
  parse: readDidWeb,
  fromText: readDidWeb,
  show: (v) => `"${v}"`,
};

/** A list of values of one type. Environment variables separate entries with commas. */
export function listOf<T>(
  item: ValueType<T>,
  options: { nonEmpty?: boolean; separator?: RegExp } = {},
): ValueType<T[]> {
  return {
    describe: `list of ${item.describe}`,
    parse(key, raw) {
      if (!Array.isArray(raw)) fail(key, `must be an array (${this.describe})`);
      const list = raw as unknown[];
      if (options.nonEmpty === true && list.length === 0) fail(key, 'must not be empty');
      return list.map((entry, i) => item.parse(`${key}[${i}]`, entry));
    },
    fromText(key, t) {
      const trimmed = t.trim();
      if (trimmed.startsWith('[')) return this.parse(key, json(key, trimmed));
      return this.parse(
        key,
        trimmed === '' ? [] : trimmed.split(options.separator ?? /\s*,\s*/).filter((e) => e !== ''),
      );
    },
    show: (v) => `[${v.map((e) => item.show(e)).join(', ')}]`,
  };
}

/** A request path as the proxy compares them: absolute, no query, no dot or empty segments. */
export const requestPath: ValueType<string> = {
  describe: 'path',
  parse(key, raw) {
    const p = text.parse(key, raw);
    const segments = p.split('/').slice(1);
    const plain =
      p.startsWith('/') &&
      /^[\x21-\x7e]+$/.test(p) &&
      !/[?#;%\\]/.test(p) &&
      segments.every((s, i) => (s !== '' || i === segments.length - 1) && s !== '.' && s !== '..');
    if (!plain) fail(key, 'must be a plain absolute path such as /mcp');
    return p;
  },
  fromText(key, t) {
    return this.parse(key, t.trim());
  },
  show: (v) => `"${v}"`,
};

/** A table of scope pattern -> value (costs, rate limits, OAuth scope maps). Environment: JSON. */
export function scopeTable<T>(
  value: ValueType<T>,
  options: { describe: string; keyCheck?: (scope: string) => boolean },
): ValueType<Map<string, T>> {
  const keyCheck = options.keyCheck ?? isValidScope;
  return {
    describe: options.describe,
    parse(key, raw) {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(key, 'must be a table');
      const out = new Map<string, T>();
      for (const [pattern, v] of Object.entries(raw as Record<string, unknown>)) {
        if (!keyCheck(pattern))
          fail(`${key}."${pattern}"`, 'must be a scope pattern such as "tool:search" or "tool:github.*"');
        out.set(pattern, value.parse(`${key}."${pattern}"`, v));
      }
      return out;
    },
    fromText(key, t) {
      return this.parse(key, json(key, t));
    },
    show: (v) => (v.size === 0 ? '{}' : `{ ${[...v].map(([k, x]) => `"${k}" = ${value.show(x)}`).join(', ')} }`),
  };
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function readEnvName(key: string, raw: unknown): string {
  const name = text.parse(key, raw);
  if (!ENV_NAME.test(name)) fail(key, 'must be an environment variable name such as NODE_ENV');
  return name;
}

/** The name of an environment variable. */
export const envName: ValueType<string> = {
  describe: 'variable name',
  parse: readEnvName,
  fromText: (key, t) => readEnvName(key, t.trim()),
  show: (v) => `"${v}"`,
};

/** A table of environment variables: name = value (a string, possibly empty). Environment: JSON. */
export const envTable: ValueType<Map<string, string>> = {
  describe: 'table of variable name = string',
  parse(key, raw) {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(key, 'must be a table');
    const out = new Map<string, string>();
    for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
      if (!ENV_NAME.test(name)) fail(`${key}.${name}`, 'must be an environment variable name such as NODE_ENV');
      if (typeof value !== 'string' || value.includes('\0')) fail(`${key}.${name}`, 'must be a string');
      out.set(name, value as string);
    }
    return out;
  },
  fromText(key, t) {
    return this.parse(key, json(key, t));
  },
  show: (v) => (v.size === 0 ? '{}' : `{ ${[...v].map(([k, x]) => `${k} = "${x}"`).join(', ')} }`),
};

function readCorsOrigin(key: string, raw: unknown): string {
  const value = text.parse(key, raw).trim();
  if (value === '*') return value;
  const url = readOrigin(key, value);
  // Browsers send the origin serialized exactly so: compare with that form.
  if (value !== url.origin) fail(key, `must be an origin as browsers send it, such as ${url.origin}`);
  return url.origin;
}

/** A browser origin (`https://app.example.com`), or `*` for any. */
export const corsOrigin: ValueType<string> = {
  describe: 'origin or "*"',
  parse: readCorsOrigin,
  fromText: readCorsOrigin,
  show: (v) => `"${v}"`,
};

/** A URL with its password (and any query) removed, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    parsed.search = '';
    return parsed.href;
  } catch {
    return '(unparsable URL)';
  }
}

/** A service URL of one of `schemes` (`redis:`, `postgresql:`); credentials allowed, never shown. */
export function serviceUrl(schemes: readonly string[]): ValueType<string> {
  const read = (key: string, raw: unknown): string => {
    if (typeof raw !== 'string') return fail(key, `must be a ${schemes.join(' or ')} URL`);
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      return fail(key, `must be a ${schemes.join(' or ')} URL`);
    }
    if (!schemes.includes(parsed.protocol.replace(/:$/, '')) || parsed.hostname === '')
      fail(key, `must be a ${schemes.join(' or ')} URL with a host (got ${redactUrl(raw)})`);
    return raw;
  };
  return {
    describe: `${schemes.join(' or ')} URL`,
    parse: read,
    fromText: read,
    show: (v) => `"${redactUrl(v)}"`,
  };
}
