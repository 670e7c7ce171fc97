// Reading JSON text once before it is parsed: duplicate member names (JSON.parse silently keeps the
// last of two equal keys while other parsers keep the first, so a body that says two things must
// not be authorized as one of them and executed as the other) and nesting depth (a deeply nested
// body costs a parser far more than its size suggests, so it is refused before it is parsed).

/** What {@link scanJson} found. */
export type JsonScan = 'ok' | 'duplicate-keys' | 'too-deep';

/**
 * One linear pass over JSON text: `too-deep` as soon as arrays and objects nest deeper than
 * `maxDepth`, `duplicate-keys` when an object repeats a member name (after decoding escapes, so
 * `"name"` and `"\u006eame"` are the same). Meant to run before `JSON.parse`; it does not
 * validate the text.
 *
 * @example
 * ```ts
 * scanJson('{"a":[[[1]]]}', 2); // 'too-deep'
 * scanJson('{"name":"a","name":"b"}', 64); // 'duplicate-keys'
 * ```
 */
export function scanJson(text: string, maxDepth: number): JsonScan {
  // One entry per open container: the member names seen so far (objects) or null (arrays).
  const stack: (Set<string> | null)[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let j = i + 1;
      let escaped = false;
      while (j < text.length) {
        const d = text.charCodeAt(j);
        if (d === 0x5c /* \ */) {
          escaped = true;
          j += 2;
          continue;
        }
        if (d === 0x22) break;
        j++;
      }
      const top = stack[stack.length - 1];
      if (expectKey && top instanceof Set) {
        const raw = text.slice(i + 1, j);
        let key = raw;
        if (escaped) {
          try {
            key = JSON.parse(`"${raw}"`) as string;
          } catch {
            key = raw; // not valid JSON: JSON.parse of the whole text will refuse it
          }
        }
        if (top.has(key)) return 'duplicate-keys';
        top.add(key);
        expectKey = false;
      }
      i = j;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (stack.length >= maxDepth) return 'too-deep';
      stack.push(c === 0x7b ? new Set() : null);
      expectKey = c === 0x7b;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
    } else if (c === 0x2c /* , */) {
      expectKey = stack[stack.length - 1] instanceof Set;
    }
  }
  return 'ok';
}

/**
 * True when any object in the JSON `text` has the same member name twice (after decoding
 * escapes, so `"name"` and `"\u006eame"` are the same). Linear in the text.
 *
 * @example
 * ```ts
 * hasDuplicateKeys('{"params":{"name":"search","name":"delete"}}'); // true
 * ```
 */
export function hasDuplicateKeys(text: string): boolean {
  return scanJson(text, Number.POSITIVE_INFINITY) === 'duplicate-keys';
}
