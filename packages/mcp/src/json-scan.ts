// Detecting duplicate member names in JSON text. JSON.parse silently keeps the last of two equal
// keys while other parsers keep the first: a body that says two things must not be authorized
// as one of them and executed as the other.

/**
 * True when any object in the JSON `text` has the same member name twice (after decoding
 * escapes, so `"name"` and `"\u006eame"` are the same). Linear in the text; meant for text that
 * already parsed.
 *
 * @example
 * ```ts
 * hasDuplicateKeys('{"params":{"name":"search","name":"delete"}}'); // true
 * ```
 */
export function hasDuplicateKeys(text: string): boolean {
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
        const key = escaped ? (JSON.parse(`"${raw}"`) as string) : raw;
        if (top.has(key)) return true;
        top.add(key);
        expectKey = false;
      }
      i = j;
    } else if (c === 0x7b /* { */) {
      stack.push(new Set());
      expectKey = true;
    } else if (c === 0x5b /* [ */) {
      stack.push(null);
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
    } else if (c === 0x2c /* , */) {
      expectKey = stack[stack.length - 1] instanceof Set;
    }
  }
  return false;
}
