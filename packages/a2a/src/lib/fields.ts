// Reading A2A params the way every A2A server reads them, or not at all. A2A 1.0 is protobuf JSON:
// its parsers take a field's lowerCamel name and its proto name (`taskId` and `task_id`), the SDK's
// preferring the first, and coerce any value to a string; other parsers match names without case.
// So a field is read only when exactly one member of the object can mean it: two spellings, a
// case variant, or a value that is not a string is refused, never guessed.

/** A plain JSON object, or `undefined`. */
export function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** `taskId` -> `task_id`. */
function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** What case-insensitive, separator-blind parsers compare (`TaskId`, `task_id`, `TASKID` alike). */
function fold(name: string): string {
  return name
    .toLowerCase()
    .replace(/_/g, '')
    .replace(/\u017f/g, 's');
}

/** One field's member in `object`, or why it has no single reading. */
export type Member = { ok: true; value: unknown } | { ok: false; reason: string };

/**
 * The member of `object` that means the field `name` (lowerCamel): `undefined` when absent, or when
 * JSON `null` (protobuf JSON's "not set").
 */
export function member(object: Record<string, unknown>, name: string, where: string): Member {
  const wanted = fold(name);
  const spellings = new Set([name, snake(name)]);
  let found: string | undefined;
  for (const key of Object.keys(object)) {
    if (fold(key) !== wanted) continue;
    if (!spellings.has(key))
      return { ok: false, reason: `${where}."${key.slice(0, 40)}" is not a spelling of ${name}` };
    if (found !== undefined) return { ok: false, reason: `${where} names ${name} twice ("${found}" and "${key}")` };
    found = key;
  }
  const value = found === undefined ? undefined : object[found];
  return { ok: true, value: value === null ? undefined : value };
}

/** The outcome of reading an id. */
export type IdRead = { ok: true; id: string | undefined } | { ok: false; reason: string };

/** An optional string id (an empty string is protobuf's "not set"). */
export function optionalId(object: Record<string, unknown>, name: string, where: string): IdRead {
  const m = member(object, name, where);
  if (!m.ok) return m;
  if (m.value === undefined || m.value === '') return { ok: true, id: undefined };
  if (typeof m.value !== 'string') return { ok: false, reason: `${where}.${name} must be a string` };
  return { ok: true, id: m.value };
}

/** A required string id. */
export function requiredId(object: Record<string, unknown>, name: string, where: string): IdRead {
  const read = optionalId(object, name, where);
  if (read.ok && read.id === undefined) return { ok: false, reason: `${where}.${name} is required` };
  return read;
}

/** An optional list of string ids. */
export function idList(
  object: Record<string, unknown>,
  name: string,
  where: string,
): { ok: true; ids: string[] } | { ok: false; reason: string } {
  const m = member(object, name, where);
  if (!m.ok) return m;
  if (m.value === undefined) return { ok: true, ids: [] };
  if (!Array.isArray(m.value) || !m.value.every((id) => typeof id === 'string' && id !== ''))
    return { ok: false, reason: `${where}.${name} must be a list of ids` };
  return { ok: true, ids: m.value as string[] };
}

/** An optional nested object. */
export function optionalObject(
  object: Record<string, unknown>,
  name: string,
  where: string,
): { ok: true; value: Record<string, unknown> | undefined } | { ok: false; reason: string } {
  const m = member(object, name, where);
  if (!m.ok) return m;
  if (m.value === undefined) return { ok: true, value: undefined };
  const value = record(m.value);
  if (value === undefined) return { ok: false, reason: `${where}.${name} must be an object` };
  return { ok: true, value };
}
