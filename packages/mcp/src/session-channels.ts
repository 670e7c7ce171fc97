// Where an MCP session identifier travels: the Streamable HTTP header, and the query parameter of
// the legacy HTTP+SSE transport in each SDK's spelling (`sessionId` in TypeScript, `session_id` in
// Python). A verifier must read every channel, since the server will read whichever it knows.

/** The Streamable HTTP session header (lowercase, as Node presents it). */
export const SESSION_HEADER = 'mcp-session-id';

/**
 * True for a query parameter a server may take for the session id: `sessionId`, `session_id`,
 * `session-id`, in any case (some frameworks match query names case-insensitively).
 *
 * @example
 * ```ts
 * isSessionQueryKey('session_id'); // true
 * isSessionQueryKey('SessionID'); // true
 * ```
 */
export function isSessionQueryKey(name: string): boolean {
  return name.toLowerCase().replace(/[-_]/g, '') === 'sessionid';
}
