// `aip connect` over stdio: the MCP client's messages (a stdio server transport on one side) relayed
// to the AIP-protected server through the official SDK's client transports — Streamable HTTP, or
// legacy HTTP+SSE when the server answers the first POST with 404 or 405 — whose fetch signs every
// request. The SDK transports keep the session, the GET stream and resumption (Last-Event-ID);
// requests, responses, notifications, progress and cancellation pass through unchanged, both ways.
// The relay adds three things: the negotiated protocol version is given to the HTTP transport, a
// session the server no longer knows is replaced (initialize replayed, then the request), and a
// request that could not be delivered is answered with a JSON-RPC error naming why.
import { randomUUID } from 'node:crypto';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { SessionLostError } from './bridge-fetch.js';
import type { ConnectLog } from './log.js';
import { type HintContext, rpcErrors } from './refusal.js';

export type UpstreamKind = 'streamable-http' | 'sse';

export interface RelayOptions {
  url: URL;
  /** The bridge's fetch (token, proof, refusals). */
  fetch: typeof fetch;
  transport: 'auto' | UpstreamKind;
  /** The MCP client's side (a StdioServerTransport). */
  client: Transport;
  log: ConnectLog;
  /** What hints in errors may name. */
  hints: HintContext;
}

export interface Relay {
  /** Resolves once the client side has gone and everything is closed. */
  readonly closed: Promise<void>;
  /** Ends the session; with `drain`, once the requests already sent are answered (10 s at most). */
  close(options?: { drain?: boolean }): Promise<void>;
}

type Message = JSONRPCMessage & { id?: string | number; method?: string; params?: unknown; result?: unknown };

const REINITIALIZE_TIMEOUT_MS = 30_000;
const DRAIN_MS = 10_000;

function isRequest(m: Message): m is Message & { id: string | number; method: string } {
  return typeof m.method === 'string' && m.id !== undefined;
}

function describe(err: unknown, url: URL): string {
  if (err instanceof StreamableHTTPError) return `${url.origin} answered HTTP ${err.code}`;
  const cause = (err as { cause?: { code?: string } }).cause?.code;
  if (cause !== undefined) return `cannot reach ${url.origin} (${cause})`;
  return err instanceof Error ? err.message.slice(0, 200) : String(err);
}

/**
 * Starts relaying between `client` and the server at `url`.
 *
 * @example
 * ```ts
 * const relay = await startRelay({ url, fetch, transport: 'auto', client: new StdioServerTransport(), log, hints });
 * await relay.closed;
 * ```
 */
export async function startRelay(options: RelayOptions): Promise<Relay> {
  const { client, log, url } = options;
  let kind: UpstreamKind = options.transport === 'sse' ? 'sse' : 'streamable-http';
  let generation = 0;
  let upstream: Promise<Transport> | undefined;
  let initialize: { id: string | number; params: unknown } | undefined;
  let reinitializing: Promise<void> | undefined;
  const internal = new Map<string | number, (m: Message) => void>();
  // Until the server has answered initialize there is no session to send anything else in.
  let initialized: Promise<void> | undefined;
  let markInitialized: () => void = () => undefined;
  // Requests of the client still waiting for their answer (drained before closing).
  const waiting = new Set<string | number>();
  let drained: (() => void) | undefined;
  let closing = false;
  let finish: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => {
    finish = resolve;
  });

  const toClient = (message: unknown) =>
    client.send(message as JSONRPCMessage).catch((err: unknown) => log.warn(`cannot write to the client: ${err}`));

  async function open(as: UpstreamKind): Promise<Transport> {
    const mine = ++generation;
    const transport: Transport =
      as === 'sse'
        ? new SSEClientTransport(url, { fetch: options.fetch })
        : new StreamableHTTPClientTransport(url, { fetch: options.fetch });
    transport.onmessage = (raw) => {
      if (mine !== generation) return;
      const message = raw as Message;
      if (message.method === undefined && message.id !== undefined) {
        const own = internal.get(message.id);
        if (own !== undefined) {
          internal.delete(message.id);
          own(message);
          return;
        }
        if (message.id === initialize?.id) {
          const version = (message.result as { protocolVersion?: unknown } | undefined)?.protocolVersion;
          if (typeof version === 'string') transport.setProtocolVersion?.(version);
          markInitialized();
        }
        answered(message.id);
      }
      void toClient(message);
    };
    transport.onerror = (err) => {
      if (mine !== generation || closing) return;
      if (err instanceof SessionLostError) void reinitialize().catch(() => undefined);
      else log.info(`the server connection reported: ${describe(err, url)}`);
    };
    await transport.start();
    return transport;
  }

  function connected(): Promise<Transport> {
    upstream ??= open(kind);
    return upstream;
  }

  function reinitialize(): Promise<void> {
    reinitializing ??= (async () => {
      const params = initialize?.params;
      if (params === undefined) throw new SessionLostError();
      log.info('the server no longer knows the session: opening a new one');
      const old = upstream;
      upstream = undefined;
      void old?.then((t) => t.close()).catch(() => undefined);
      const transport = await connected();
      const id = `aip-connect:${randomUUID()}`;
      const answer = new Promise<Message>((resolve, reject) => {
        const timer = setTimeout(() => {
          internal.delete(id);
          reject(new Error('the server did not answer initialize'));
        }, REINITIALIZE_TIMEOUT_MS);
        internal.set(id, (m) => {
          clearTimeout(timer);
          resolve(m);
        });
      });
      await transport.send({ jsonrpc: '2.0', id, method: 'initialize', params } as JSONRPCMessage);
      const result = (await answer).result as { protocolVersion?: unknown } | undefined;
      if (result === undefined) throw new Error('the server refused to initialize again');
      if (typeof result.protocolVersion === 'string') transport.setProtocolVersion?.(result.protocolVersion);
      await transport.send({ jsonrpc: '2.0', method: 'notifications/initialized' } as JSONRPCMessage);
    })().finally(() => {
      reinitializing = undefined;
    });
    return reinitializing;
  }

  function answered(id: string | number): void {
    if (!waiting.delete(id) || waiting.size > 0) return;
    drained?.();
  }

  async function deliver(message: Message, retried: boolean): Promise<void> {
    let used: Promise<Transport> | undefined;
    try {
      if (message.method !== 'initialize' && initialized !== undefined) await initialized;
      if (reinitializing !== undefined) await reinitializing;
      used = connected();
      await (await used).send(message);
    } catch (err) {
      if (closing) return;
      // The session is gone (this request found out, or another one did and replaced the transport
      // under it, cutting it off): the server did not act on it in that session; send it again.
      const replaced = used !== upstream;
      if ((err instanceof SessionLostError || replaced) && !retried && initialize !== undefined) {
        try {
          if (err instanceof SessionLostError && !replaced) await reinitialize();
          else if (reinitializing !== undefined) await reinitializing;
          return await deliver(message, true);
        } catch (again) {
          return undeliverable(message, again);
        }
      }
      const fallBack =
        options.transport === 'auto' &&
        kind === 'streamable-http' &&
        message.method === 'initialize' &&
        err instanceof StreamableHTTPError &&
        (err.code === 404 || err.code === 405);
      if (fallBack) {
        log.info(`${url.href} does not speak Streamable HTTP (HTTP ${err.code}): using HTTP+SSE`);
        kind = 'sse';
        const old = upstream;
        upstream = undefined;
        void old?.then((t) => t.close()).catch(() => undefined);
        return deliver(message, retried);
      }
      undeliverable(message, err);
    }
  }

  function undeliverable(message: Message, err: unknown): void {
    const reason = describe(err, url);
    if (!isRequest(message)) {
      log.warn(`could not deliver ${message.method ?? 'a response'}: ${reason}`);
      return;
    }
    const status = err instanceof StreamableHTTPError ? (err.code ?? 502) : 502;
    const [answer] = rpcErrors(
      [message.id],
      { status, code: 'aip_upstream_unavailable', message: reason, raw: '' },
      options.hints,
    );
    if (message.id === initialize?.id) markInitialized();
    answered(message.id);
    void toClient(answer);
  }

  async function close(options: { drain?: boolean } = {}): Promise<void> {
    if (closing) return closed;
    // The input ended: answers already asked for are still delivered (a script piping requests in
    // gets them), for a while.
    if (options.drain === true && waiting.size > 0)
      await new Promise<void>((resolve) => {
        drained = resolve;
        setTimeout(resolve, DRAIN_MS).unref();
      });
    if (closing) return closed;
    closing = true;
    generation++;
    const transport = await upstream?.catch(() => undefined);
    // End the session on the server (DELETE), as a client that goes away should.
    if (transport instanceof StreamableHTTPClientTransport && transport.sessionId !== undefined)
      await transport.terminateSession().catch(() => undefined);
    await transport?.close().catch(() => undefined);
    await client.close().catch(() => undefined);
    finish();
    return closed;
  }

  client.onmessage = (raw) => {
    const message = raw as Message;
    if (message.method === 'initialize' && message.id !== undefined) {
      initialize = { id: message.id, params: message.params };
      initialized = new Promise<void>((resolve) => {
        markInitialized = resolve;
      });
    }
    if (isRequest(message)) waiting.add(message.id);
    // A cancelled request gets no answer (MCP cancellation): nothing to wait for.
    if (message.method === 'notifications/cancelled') {
      const id = (message.params as { requestId?: unknown } | undefined)?.requestId;
      if (typeof id === 'string' || typeof id === 'number') answered(id);
    }
    void deliver(message, false);
  };
  client.onclose = () => void close({ drain: true });
  client.onerror = (err) => log.warn(`the client sent something that is not MCP: ${err.message}`);
  await client.start();
  return { closed, close };
}
