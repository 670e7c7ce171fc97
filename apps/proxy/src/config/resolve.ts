// Resolving the configuration from its layers — the TOML file, environment variables, flags, each
// overriding the one before, key by key — against the table of sections.ts. Unknown sections and
// keys, bad values and missing required keys are refused, naming the key as its source spelled it.
import { readFile } from 'node:fs/promises';
import { parse as parseToml } from 'smol-toml';
import { ProxyConfigError } from './errors.js';
import { type ProxyConfig, SECTIONS, type SectionName } from './sections.js';
import { type AnyKey, type ConfigDocument, envName, type SectionSpec } from './table.js';

/** One source of configuration. `text` values (environment, flags) are parsed from strings. */
export interface ConfigLayer {
  document: ConfigDocument;
  text?: boolean;
  /** How an error names a key from this layer (`--port`, `AIP_PROXY_PORT`); `section.key` by default. */
  nameOf?: (section: string, key: string) => string;
}

type AnySection = SectionSpec<Record<string, AnyKey>>;
const sections = SECTIONS as unknown as Record<string, AnySection>;

function checkShape(layer: ConfigLayer): void {
  for (const [name, value] of Object.entries(layer.document)) {
    const spec = sections[name];
    if (spec === undefined) throw new ProxyConfigError(name, 'unknown section');
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new ProxyConfigError(name, 'must be a table');
    for (const key of Object.keys(value))
      if (!Object.hasOwn(spec.keys, key))
        throw new ProxyConfigError(layer.nameOf?.(name, key) ?? `${name}.${key}`, 'unknown key');
  }
}

/**
 * Resolves layers, later ones overriding earlier ones key by key. An optional section exists when
 * any layer names it (an empty `[budget]` table is enough).
 *
 * @example
 * ```ts
 * const config = resolveLayers([{ document: toml }, { document: { proxy: { port: '9090' } }, text: true }]);
 * ```
 */
export function resolveLayers(layers: readonly ConfigLayer[]): ProxyConfig {
  for (const layer of layers) checkShape(layer);
  const out: Record<string, Record<string, unknown> | undefined> = {};
  for (const [name, spec] of Object.entries(sections)) {
    const present = layers.some((layer) => layer.document[name] !== undefined);
    if (spec.optional && !present) {
      out[name] = undefined;
      continue;
    }
    const values: Record<string, unknown> = {};
    for (const [key, keySpec] of Object.entries(spec.keys)) {
      let value: unknown;
      for (const layer of layers) {
        const raw = layer.document[name]?.[key];
        if (raw === undefined) continue;
        const label = layer.nameOf?.(name, key) ?? `${name}.${key}`;
        value =
          layer.text === true && typeof raw === 'string'
            ? keySpec.type.fromText(label, raw)
            : keySpec.type.parse(label, raw);
      }
      if (value === undefined) {
        if (keySpec.presence === 'required')
          throw new ProxyConfigError(`${name}.${key}`, `is required when [${name}] is configured`);
        value = keySpec.default;
      }
      values[key] = value;
    }
    out[name] = values;
  }
  const config = out as unknown as ProxyConfig;
  if (
    config.proxy.trust_keys.length === 0 &&
    config.proxy.trust_did_web.length === 0 &&
    config.trust === undefined &&
    config.oauth === undefined
  ) {
    throw new ProxyConfigError(
      'proxy.trust_keys',
      'no trusted issuer keys: set proxy.trust_keys (or trust_did_web), pass --trust-key, or configure [trust] or [oauth]',
    );
  }
  const shared = config.a2a?.paths.find((path) => config.proxy.mcp_paths.includes(path));
  if (shared !== undefined)
    throw new ProxyConfigError(
      'a2a.paths',
      `${shared} is an MCP endpoint too (proxy.mcp_paths): a path speaks one protocol`,
    );
  return config;
}

/**
 * Resolves a parsed TOML document, with `overrides` (another document) on top.
 *
 * @example
 * ```ts
 * const config = resolveConfig({ proxy: { upstream: 'http://localhost:3000', trust_keys: ['z6Mk...'] } });
 * ```
 */
export function resolveConfig(document: ConfigDocument, overrides: ConfigDocument = {}): ProxyConfig {
  return resolveLayers([{ document }, { document: overrides }]);
}

/**
 * The layer environment variables make: `AIP_PROXY_<KEY>` for `[proxy]`, `AIP_PROXY_<SECTION>_<KEY>`
 * for the others (`AIP_PROXY_RATE_LIMIT_MAX_CONCURRENT`). Lists are comma-separated, tables JSON.
 *
 * @example
 * ```ts
 * environmentLayer({ AIP_PROXY_PORT: '9090' }); // { document: { proxy: { port: '9090' } }, text: true, ... }
 * ```
 */
export function environmentLayer(env: Record<string, string | undefined>): ConfigLayer {
  const document: ConfigDocument = {};
  for (const [name, spec] of Object.entries(sections)) {
    for (const key of Object.keys(spec.keys)) {
      const value = env[envName(name, key)];
      if (value === undefined) continue;
      document[name] ??= {};
      (document[name] as Record<string, unknown>)[key] = value;
    }
  }
  return { document, text: true, nameOf: envName };
}

/** Where {@link loadProxyConfig} reads from. */
export interface ConfigSources {
  /** A TOML file. */
  file?: string;
  /** Environment variables (`process.env`). */
  env?: Record<string, string | undefined>;
  /** What flags set, as a layer (see the CLI). */
  flags?: ConfigLayer;
}

/**
 * Reads the TOML file (if any) and resolves it under the environment and the flags.
 *
 * @example
 * ```ts
 * const config = await loadProxyConfig({ file: 'proxy.toml', env: process.env });
 * ```
 */
export async function loadProxyConfig(sources: ConfigSources): Promise<ProxyConfig> {
  const layers: ConfigLayer[] = [];
  if (sources.file !== undefined) layers.push({ document: await readToml(sources.file) });
  if (sources.env !== undefined) layers.push(environmentLayer(sources.env));
  if (sources.flags !== undefined) layers.push(sources.flags);
  return resolveLayers(layers);
}

async function readToml(file: string): Promise<ConfigDocument> {
  let source: string;
  try {
    source = await readFile(file, 'utf8');
  } catch (err) {
    throw new ProxyConfigError('--config', `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    return parseToml(source) as ConfigDocument;
  } catch (err) {
    const line = (err as { line?: number }).line;
    throw new ProxyConfigError('--config', `${file} is not valid TOML${line === undefined ? '' : ` (line ${line})`}`);
  }
}

/** Every section name, in table order. */
export const SECTION_NAMES = Object.keys(SECTIONS) as SectionName[];
