// The command-line flags of aip-proxy, derived from the table: each key with a `flag` becomes an
// option, and what the options say becomes the top configuration layer.
import type { ConfigLayer } from './resolve.js';
import { SECTIONS } from './sections.js';
import type { AnyKey, ConfigDocument, FlagSpec, SectionSpec } from './table.js';

/** One flag and the key it sets. */
export interface FlagOption extends FlagSpec {
  section: string;
  key: string;
  doc: string;
}

/**
 * Every flag, in table order.
 *
 * @example
 * ```ts
 * for (const f of flagOptions()) console.log(f.name, f.argument ?? '', f.doc);
 * ```
 */
export function flagOptions(): FlagOption[] {
  const out: FlagOption[] = [];
  for (const [section, spec] of Object.entries(
    SECTIONS as unknown as Record<string, SectionSpec<Record<string, AnyKey>>>,
  ))
    for (const [key, k] of Object.entries(spec.keys))
      if (k.flag !== undefined) out.push({ ...k.flag, section, key, doc: k.doc });
  return out;
}

/**
 * The layer flags make. `values` maps a flag name to what was given: a string, a list of strings
 * (repeatable flags, or the command after `--`), or `true` (a switch).
 *
 * @example
 * ```ts
 * flagsLayer({ '--port': '9090', '--trust-key': ['z6Mk...'] });
 * ```
 */
export function flagsLayer(values: Record<string, string | string[] | boolean | undefined>): ConfigLayer {
  const document: ConfigDocument = {};
  const names = new Map<string, string>();
  for (const option of flagOptions()) {
    const value = values[option.name];
    if (value === undefined || (Array.isArray(value) && value.length === 0)) continue;
    document[option.section] ??= {};
    (document[option.section] as Record<string, unknown>)[option.key] = value;
    names.set(`${option.section}.${option.key}`, option.name);
  }
  return {
    document,
    text: true,
    nameOf: (section, key) => names.get(`${section}.${key}`) ?? `${section}.${key}`,
  };
}
