// The README's configuration reference, written from the table (a test keeps the README equal to it).
import { SECTIONS } from './sections.js';
import { type AnyKey, envName, type SectionSpec } from './table.js';

function cell(value: string): string {
  return value.replace(/\|/g, '\\|');
}

/**
 * The reference table in Markdown: every key with its type, default, flag, environment variable,
 * whether SIGHUP applies it, and what it does.
 *
 * @example
 * ```ts
 * process.stdout.write(configReference());
 * ```
 */
export function configReference(): string {
  const rows = [
    '| key | type | default | flag | environment | SIGHUP | what it does |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const [name, spec] of Object.entries(
    SECTIONS as unknown as Record<string, SectionSpec<Record<string, AnyKey>>>,
  )) {
    for (const [key, k] of Object.entries(spec.keys)) {
      const shown =
        k.defaultNote ??
        (k.presence === 'required' ? 'required' : k.default === undefined ? '—' : k.type.show(k.default));
      const flag =
        k.flag === undefined ? '' : `\`${k.flag.name}${k.flag.argument === undefined ? '' : ` ${k.flag.argument}`}\``;
      rows.push(
        `| \`${name}.${key}\` | ${cell(k.type.describe)} | ${cell(shown)} | ${cell(flag)} | \`${envName(name, key)}\` | ${k.reload ? 'yes' : 'restart'} | ${cell(k.doc)} |`,
      );
    }
  }
  return `${rows.join('\n')}\n`;
}
