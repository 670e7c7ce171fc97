// Parsers for option values: each refuses bad input with a usage error naming the option.
import { CliError } from './cli-error.js';

export function integerOption(name: string, min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new CliError('aip_usage', `${name} must be an integer from ${min} to ${max}`);
    }
    return n;
  };
}

export function numberOption(name: string, min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min)
      throw new CliError('aip_usage', `${name} must be a number >= ${min}`);
    return n;
  };
}

/** Collects a repeatable option, splitting comma-separated values ("--scope a,b --scope c"). */
export function listOption(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
  ];
}

/** Collects a repeatable option as given. */
export function repeatOption(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Parses a Unix-seconds option (`--at`): `undefined` when absent, `NaN` when malformed. */
export function parseUnix(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) && n >= 0 ? n : Number.NaN;
}
