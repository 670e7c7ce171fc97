// The one request context the pipeline's stages read and fill in, in order (DESIGN §5).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CheckedProof } from '@aip/token';
import type { Principal } from '../principal.js';
import type { ParsedBody } from '../request/json-rpc-body.js';
import type { RequestPlan } from '../request/request-plan.js';
import type { RequestTarget } from '../request/target.js';

/** The credential a request presents. */
export interface Credential {
  kind: 'aip' | 'bearer';
  token: string;
}

export interface RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** This request's id (X-AIP-Request-Id, the audit line, the budget charge). */
  readonly id: string;
  /** When it arrived (the clock's monotonic ms). */
  readonly started: number;
  /** The client's address. */
  readonly peer: string;
  /** The request line as received, for the audit log (`POST /mcp`). */
  readonly http: string;
  /** metadata: the request target in canonical form. */
  target?: RequestTarget;
  /** credential: what the request presents. */
  credential?: Credential;
  /** authenticate: who is calling. */
  principal?: Principal;
  /** body: the bytes received, and what they say. */
  body: Buffer;
  /** The body has been read (or there is none): a refusal need not close the connection. */
  bodyRead: boolean;
  parsed?: ParsedBody;
  /** proof: the verified proof, still to be claimed. */
  proof?: CheckedProof;
  /** proof: what the request's sessions, tasks and stream ids are bound to (see principalKey). */
  binding?: string;
  /** session: the upstream's ids behind the sealed ones presented. */
  session?: { upstreamId: string; channel: 'header' | string };
  lastEventId?: string;
  /** authorize: what the request asks for, as it will be forwarded. */
  plan?: RequestPlan;
  /** meter: a budget charge is pending for this request. */
  charged: boolean;
  /** The audit line's method and names (refined as the stages learn more). */
  method: string;
  names: string[];
  /** Run when the exchange is over, whatever happened (slots released, ...). */
  readonly cleanups: (() => void)[];
}

/**
 * A fresh context for an incoming request.
 *
 * @example
 * ```ts
 * const ctx = createContext(req, res, randomUUID(), clock.monotonicMs());
 * ```
 */
export function createContext(req: IncomingMessage, res: ServerResponse, id: string, started: number): RequestContext {
  const raw = req.url ?? '';
  const q = raw.indexOf('?');
  const http = `${req.method ?? 'GET'} ${(q < 0 ? raw : raw.slice(0, q)).slice(0, 512)}`;
  return {
    req,
    res,
    id,
    started,
    peer: req.socket.remoteAddress ?? 'unknown',
    http,
    body: EMPTY,
    bodyRead: (req.headers['content-length'] ?? '0') === '0' && req.headers['transfer-encoding'] === undefined,
    charged: false,
    method: http,
    names: [],
    cleanups: [],
  };
}

const EMPTY = Buffer.alloc(0);
