// One request/response exchange and every way the proxy answers it: JSON bodies, AIP refusals
// (DESIGN error body, WWW-Authenticate, X-AIP-Audit), MCP protocol errors, and the audit line.
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { AuditLog, AuditRecord } from './audit-log.js';
import type { Refused } from './decision.js';
import { auditHeader } from './forward-headers.js';
import { httpStatusOf } from './http-status.js';
import { METADATA_PATH } from './metadata.js';
import type { Principal } from './principal.js';

export interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  id: string;
  started: number;
  /** `POST /mcp` */
  http: string;
  /** What the request asks (JSON-RPC method, `batch`, or the request line). */
  method: string;
  /** Tools, prompts or resources it names. */
  names: string[];
  principal?: Principal;
  /** The budget charge made for this request, to refund if it never reaches the server. */
  chargeId?: number;
}

/** Counts decisions (metrics); optional. */
export interface DecisionObserver {
  decided(x: Exchange, decision: 'allow' | 'deny', code: string | null, status: number): void;
}

export interface Responder {
  sendJson(x: Exchange, status: number, body: unknown, headers?: OutgoingHttpHeaders): void;
  deny(x: Exchange, code: string, message: string, headers?: OutgoingHttpHeaders): void;
  refuse(x: Exchange, refusal: Refused): void;
  audit(
    x: Exchange,
    fields: Pick<AuditRecord, 'decision' | 'code' | 'status'> & { upstream_status?: number | null },
  ): void;
}

export function toolField(names: string[]): string | string[] | null {
  return names.length === 0 ? null : names.length === 1 ? (names[0] as string) : names;
}

export function createResponder(deps: {
  auditLog: AuditLog;
  publicBase: (req: IncomingMessage) => string;
  /** Also challenge OAuth clients (`WWW-Authenticate: Bearer`). */
  oauth: boolean;
  observer?: DecisionObserver;
}): Responder {
  const responder: Responder = {
    sendJson(x, status, body, headers = {}) {
      const text = JSON.stringify(body);
      x.res.writeHead(status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
        'x-aip-request-id': x.id,
        ...headers,
      });
      x.res.end(text);
    },

    audit(x, fields) {
      deps.auditLog.write({
        time: new Date().toISOString(),
        request_id: x.id,
        decision: fields.decision,
        code: fields.code,
        status: fields.status,
        http: x.http,
        method: x.method,
        tool: toolField(x.names),
        issuer: x.principal?.issuer ?? null,
        subject: x.principal?.subject ?? null,
        chain: x.principal?.chain.map((link) => link.id) ?? [],
        upstream_status: fields.upstream_status ?? null,
        latency_ms: Math.round((performance.now() - x.started) * 1000) / 1000,
      });
      deps.observer?.decided(x, fields.decision, fields.code, fields.status);
    },

    deny(x, code, message, headers = {}) {
      const status = httpStatusOf(code);
      const all: OutgoingHttpHeaders = { 'x-aip-audit': auditHeader(x.principal, code), ...headers };
      if (status === 401) {
        const metadata = `${deps.publicBase(x.req)}${METADATA_PATH}`;
        const challenges = [`AIP realm="aip-proxy", error="${code}", resource_metadata="${metadata}"`];
        if (deps.oauth) challenges.push(`Bearer resource_metadata="${metadata}"`);
        all['www-authenticate'] = challenges;
      }
      responder.sendJson(x, status, { error: { code, message } }, all);
      responder.audit(x, { decision: 'deny', code, status });
    },

    refuse(x, refusal) {
      x.method = refusal.method;
      x.names = refusal.names;
      if (refusal.kind === 'aip') {
        responder.deny(x, refusal.code, refusal.message);
        return;
      }
      // MCP protocol errors (header/body mismatch, unauthorizable params) answer in JSON-RPC.
      responder.sendJson(
        x,
        400,
        { jsonrpc: '2.0', id: refusal.id, error: { code: refusal.rpcCode, message: refusal.message } },
        { 'x-aip-audit': auditHeader(x.principal, 'aip_request_invalid') },
      );
      responder.audit(x, { decision: 'deny', code: 'aip_request_invalid', status: 400 });
    },
  };
  return responder;
}
