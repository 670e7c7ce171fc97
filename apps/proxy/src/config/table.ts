// The shape of the declarative configuration table: a key is its value type, its default, whether
// a SIGHUP may change it, its flag and what it does; a section is a table of keys. Validation,
// environment variables, command-line flags, the reload diff and the README reference all read
// this one description (see sections.ts for the table itself).
import type { ValueType } from './value-types.js';

/** A command-line flag setting one key. */
export interface FlagSpec {
  /** `--port` */
  readonly name: string;
  /** `<n>`; absent for a switch that sets `true`. */
  readonly argument?: string;
  /** Repeatable (`--trust-key A --trust-key B`): the values form a list. */
  readonly repeatable?: boolean;
}

/** One configuration key. `T` is the resolved value (with `undefined` when it may be absent). */
export interface KeySpec<T> {
  readonly type: ValueType<NonNullable<T>>;
  /** `default`: always has a value; `optional`: may be absent; `required`: must be given in its section. */
  readonly presence: 'default' | 'optional' | 'required';
  readonly default: T | undefined;
  /** What the reference table shows as the default when it is computed (`"from Host"`). */
  readonly defaultNote?: string;
  /** True when a SIGHUP applies a change; false when only a restart does. */
  readonly reload: boolean;
  readonly doc: string;
  readonly flag?: FlagSpec;
}

interface KeyOptions {
  reload: boolean;
  doc: string;
  flag?: FlagSpec;
  defaultNote?: string;
}

/** A key with a default value. */
export function setting<T>(type: ValueType<T>, value: T, options: KeyOptions): KeySpec<T> {
  return { type: type as ValueType<NonNullable<T>>, presence: 'default', default: value, ...options };
}

/** A key that may be absent. */
export function optional<T>(type: ValueType<T>, options: KeyOptions): KeySpec<T | undefined> {
  return { type: type as ValueType<NonNullable<T>>, presence: 'optional', default: undefined, ...options };
}

/** A key its section cannot do without. */
export function required<T>(type: ValueType<T>, options: KeyOptions): KeySpec<T> {
  return { type: type as ValueType<NonNullable<T>>, presence: 'required', default: undefined, ...options };
}

// biome-ignore lint/suspicious/noExplicitAny: a table holds keys of every value type
export type AnyKey = KeySpec<any>;

/** A section: `optional` ones exist only when the document (or a flag) names them. */
export interface SectionSpec<K extends Record<string, AnyKey>, O extends boolean = boolean> {
  readonly optional: O;
  /** False when the section's presence can only change with a restart. */
  readonly reload: boolean;
  readonly doc: string;
  readonly keys: K;
}

export function section<K extends Record<string, AnyKey>, O extends boolean>(
  spec: SectionSpec<K, O>,
): SectionSpec<K, O> {
  return spec;
}

/** The resolved values of a section's keys. */
export type SectionValues<K extends Record<string, AnyKey>> = {
  readonly [N in keyof K]: K[N] extends KeySpec<infer T> ? T : never;
};

/** The resolved configuration of a table of sections. */
export type Resolved<S extends Record<string, SectionSpec<Record<string, AnyKey>>>> = {
  readonly [N in keyof S]: S[N] extends SectionSpec<infer K, infer O>
    ? O extends true
      ? SectionValues<K> | undefined
      : SectionValues<K>
    : never;
};

/** A configuration document (parsed TOML, or what flags and environment variables say). */
export type ConfigDocument = Record<string, Record<string, unknown>>;

/** `AIP_PROXY_PORT` for `[proxy] port`, `AIP_PROXY_RATE_LIMIT_MAX_CONCURRENT` for `[rate_limit] max_concurrent`. */
export function envName(sectionName: string, key: string): string {
  return `AIP_PROXY_${sectionName === 'proxy' ? '' : `${sectionName}_`}${key}`.toUpperCase();
}
