// stdio MCP servers behind the proxy (`[stdio]`, `aip-proxy --stdio -- cmd args`): a loopback
// Streamable HTTP endpoint where each session gets its own child process, spawned without a
// shell, in its configured directory with the environment it is given (and no more); responses and progress go to the request they belong to, everything else to the
// session's GET stream; children are reaped on DELETE, idle timeout and crash. Each grant (the
// proxy names it in X-AIP-Grant) may hold only its share of the children.
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest, type JSONRPCMessage, type RequestId } from '@modelcontextprotocol/sdk/types.js';
import { ProxyConfigError } from '../config/errors.js';
import type { ProxyConfig } from '../config/sections.js';

type StdioConfig = NonNullable<ProxyConfig['stdio']>;

const SECRET_HEADER = 'x-aip-bridge-secret';

interface Session {
  grant: string;
  http: StreamableHTTPServerTransport;
  child: StdioClientTransport;
  /** progressToken -> the request it reports on. */
  progress: Map<string | number, RequestId>;
  lastUsed: number;
  closed: boolean;
}

export interface StdioBridge {
  /** The loopback URL the proxy forwards to. */
  url: string;
  /**
   * Headers the proxy must send: a random per-process secret. The endpoint listens on loopback,
   * where other local users could otherwise reach the children without going through the proxy.
   */
  headers: Record<string, string>;
  /** Child process ids of the live sessions (tests, diagnostics). */
  pids(): number[];
  close(): Promise<void>;
}

function jsonError(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32000, message } }));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * The environment a stdio server gets besides the SDK's minimal inherited set (HOME, LOGNAME,
 * PATH, SHELL, TERM, USER): the `env_allow` variables the proxy has, then `env`.
 *
 * @example
 * ```ts
 * stdioEnvironment({ env: new Map([['MODE', 'ro']]), env_allow: ['GITHUB_TOKEN'] }, process.env);
 * ```
 */
export function stdioEnvironment(
  config: Pick<StdioConfig, 'env' | 'env_allow'>,
  processEnv: Record<string, string | undefined>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of config.env_allow) {
    const value = processEnv[name];
    if (value !== undefined) out[name] = value;
  }
  for (const [name, value] of config.env) out[name] = value;
  return out;
}

export async function startStdioBridge(
  config: StdioConfig,
  processEnv: Record<string, string | undefined> = process.env,
): Promise<StdioBridge> {
  const sessions = new Map<string, Session>();
  const perGrant = new Map<string, number>();
  let reserved = 0;
  const [command, ...args] = config.command as [string, ...string[]];
  if (config.cwd !== undefined && !statSync(config.cwd, { throwIfNoEntry: false })?.isDirectory())
    throw new ProxyConfigError('stdio.cwd', `${config.cwd} is not a directory`);
  const env = stdioEnvironment(config, processEnv);

  async function end(id: string): Promise<void> {
    const session = sessions.get(id);
    if (session === undefined || session.closed) return;
    session.closed = true;
    sessions.delete(id);
    unreserve(session.grant);
    await Promise.allSettled([session.child.close(), session.http.close()]);
  }

  // A slot per child, reserved before it is spawned (concurrent initializes count) and given back
  // when the session ends or never starts.
  function unreserve(grant: string): void {
    reserved--;
    const held = (perGrant.get(grant) ?? 1) - 1;
    if (held <= 0) perGrant.delete(grant);
    else perGrant.set(grant, held);
  }

  async function open(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
    const grantHeader = req.headers['x-aip-grant'];
    const grant = typeof grantHeader === 'string' ? grantHeader : '';
    if ((perGrant.get(grant) ?? 0) >= config.max_sessions_per_principal) {
      jsonError(res, 429, 'too many sessions for this principal');
      return;
    }
    if (reserved >= config.max_sessions) {
      jsonError(res, 503, 'too many sessions');
      return;
    }
    reserved++;
    perGrant.set(grant, (perGrant.get(grant) ?? 0) + 1);
    try {
      await start(req, res, body, grant);
    } catch (err) {
      if (!started.has(res)) unreserve(grant);
      throw err;
    }
  }

  // Responses whose session was initialized (its slot is then given back by end()).
  const started = new WeakSet<ServerResponse>();

  async function start(req: IncomingMessage, res: ServerResponse, body: unknown, grant: string): Promise<void> {
    const child = new StdioClientTransport({
      command,
      args,
      env,
      stderr: 'inherit',
      ...(config.cwd === undefined ? {} : { cwd: config.cwd }),
    });
    const progress = new Map<string | number, RequestId>();
    let sessionId: string | undefined;
    const http = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        sessionId = id;
        started.add(res);
        sessions.set(id, session);
      },
    });
    const session: Session = { grant, http, child, progress, lastUsed: Date.now(), closed: false };
    http.onmessage = (message: JSONRPCMessage) => {
      const meta =
        'params' in message
          ? (message.params as { _meta?: { progressToken?: string | number } } | undefined)?._meta
          : undefined;
      if ('id' in message && 'method' in message && meta?.progressToken !== undefined)
        progress.set(meta.progressToken, message.id);
      void child.send(message).catch(() => undefined);
    };
    child.onmessage = (message: JSONRPCMessage) => {
      if ('id' in message && !('method' in message)) {
        // A response: the SDK transport routes it to the stream of the request it answers.
        for (const [token, requestId] of progress) if (requestId === message.id) progress.delete(token);
        void http.send(message).catch(() => undefined);
        return;
      }
      const token =
        'params' in message
          ? (message.params as { progressToken?: string | number } | undefined)?.progressToken
          : undefined;
      const related = token === undefined ? undefined : progress.get(token);
      void http.send(message, related === undefined ? undefined : { relatedRequestId: related }).catch(() => undefined);
    };
    // The child exiting (crash or normal) ends the session; the HTTP side closing reaps the child.
    child.onclose = () => {
      if (sessionId !== undefined) void end(sessionId);
    };
    http.onclose = () => {
      if (sessionId !== undefined) void end(sessionId);
      else void child.close();
    };
    try {
      await child.start();
    } catch {
      unreserve(grant);
      jsonError(res, 502, 'the stdio server could not be started');
      return;
    }
    await http.start();
    await http.handleRequest(req, res, body);
    if (sessionId === undefined) {
      unreserve(grant);
      await Promise.allSettled([child.close(), http.close()]);
    }
  }

  const secret = randomBytes(32);
  const presented = (req: IncomingMessage): boolean => {
    const value = req.headers[SECRET_HEADER];
    if (typeof value !== 'string') return false;
    const given = Buffer.from(value, 'base64url');
    return given.length === secret.length && timingSafeEqual(given, secret);
  };

  const server: Server = createServer((req, res) => {
    if (!presented(req)) {
      jsonError(res, 403, 'Forbidden');
      return;
    }
    void (async () => {
      const sessionId = req.headers['mcp-session-id'];
      const session = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined;
      const body = req.method === 'POST' ? await readJson(req) : undefined;
      if (session !== undefined) {
        session.lastUsed = Date.now();
        await session.http.handleRequest(req, res, body);
        return;
      }
      if (typeof sessionId === 'string') {
        jsonError(res, 404, 'Session not found');
        return;
      }
      if (req.method === 'POST' && isInitializeRequest(body)) {
        await open(req, res, body);
        return;
      }
      jsonError(res, 400, 'Bad Request: no valid session (send initialize first)');
    })().catch(() => {
      if (!res.headersSent) jsonError(res, 500, 'internal bridge error');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  const sweep = setInterval(
    () => {
      const limit = Date.now() - config.idle_timeout_seconds * 1000;
      for (const [id, session] of sessions) if (session.lastUsed < limit) void end(id);
    },
    Math.min(config.idle_timeout_seconds * 1000, 10_000),
  );
  sweep.unref();

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    headers: { [SECRET_HEADER]: secret.toString('base64url') },
    pids: () =>
      [...sessions.values()].map((s) => s.child.pid).filter((pid): pid is number => pid !== null && pid !== undefined),
    async close() {
      clearInterval(sweep);
      await Promise.allSettled([...sessions.keys()].map(end));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
