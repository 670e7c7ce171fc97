// Stage 1, metadata: the request target read once into its canonical form; with `[cors]`, a
// preflight from an allowed origin answered and every response to one made readable; what is
// answered without a token answered — the RFC 9728 protected resource documents (the root one and
// the path-aware one of each MCP endpoint), 404 for what only an authorization server would serve
// (so clients stop looking for one here), `/healthz` and `/readyz`, the A2A agent card — and nothing
// let further while the audit log cannot be written (unless the operator chose to serve unaudited).
// A request for the A2A agent's endpoint is marked with the agent's identity, which the later stages
// hold its chain and proof to.
import { corsResponseHeaders, isPreflight, preflightHeaders } from '../../cors.js';
import { LIVENESS_PATH, READINESS_PATH } from '../../lifecycle/health.js';
import { isAuthorizationServerPath, metadataResourcePath, protectedResourceMetadata } from '../../metadata.js';
import { refusal } from '../../refusal.js';
import { parseTarget } from '../../request/target.js';
import type { ProxyServices } from '../services.js';
import { ANSWERED, type Stage } from '../stage.js';

export function metadataStage(
  s: Pick<ProxyServices, 'config' | 'audience' | 'publicBase' | 'respond' | 'auditLog' | 'health' | 'agentCards'>,
): Stage {
  return {
    name: 'metadata',
    run(ctx) {
      const parsed = parseTarget(ctx.req.url ?? '');
      if (!parsed.ok) return refusal('aip_request_invalid', `unsupported request target: ${parsed.reason}`);
      ctx.target = parsed.target;
      const config = s.config();
      if (config.cors !== undefined && ctx.req.headers.origin !== undefined) {
        if (isPreflight(ctx.req.method, ctx.req.headers)) {
          const headers = preflightHeaders(config.cors, ctx.req.headers);
          if (headers !== undefined) {
            ctx.res.writeHead(204, headers).end();
            return ANSWERED;
          }
        } else {
          const headers = corsResponseHeaders(config.cors, ctx.req.headers.origin);
          if (headers !== undefined)
            for (const [name, value] of Object.entries(headers)) ctx.res.setHeader(name, value);
        }
      }
      const path = parsed.target.path;
      const resourcePath = metadataResourcePath(path, config.proxy.mcp_paths);
      if (resourcePath !== undefined) {
        if (ctx.req.method !== 'GET' && ctx.req.method !== 'HEAD')
          return refusal('aip_method_not_allowed', 'the metadata document is read-only');
        const document = protectedResourceMetadata(
          `${s.publicBase()}${resourcePath}`,
          [...config.proxy.trust_keys, ...config.proxy.trust_did_web],
          {
            proofRequired: config.pop.required,
            authorizationServers: config.oauth === undefined ? [] : [config.oauth.issuer],
            scopesSupported: config.oauth === undefined ? [] : [...config.oauth.scope_map.keys()],
            aipAudience: s.audience(),
          },
        );
        s.respond.sendJson(ctx, 200, document, { 'cache-control': 'max-age=300' });
        return ANSWERED;
      }
      if (path.startsWith('/.well-known/oauth-protected-resource/') || isAuthorizationServerPath(path)) {
        s.respond.sendJson(
          ctx,
          404,
          {
            error: 'not_found',
            error_description:
              config.oauth === undefined
                ? 'aip-proxy is a protected resource, not an authorization server: it takes AIP tokens (clients that cannot sign use `aip connect`)'
                : `aip-proxy is a protected resource, not an authorization server: the authorization server is ${config.oauth.issuer}`,
          },
          { 'cache-control': 'max-age=300' },
        );
        return ANSWERED;
      }
      if (path === LIVENESS_PATH || path === READINESS_PATH) {
        if (ctx.req.method !== 'GET' && ctx.req.method !== 'HEAD')
          return refusal('aip_method_not_allowed', 'health checks are read-only');
        if (path === LIVENESS_PATH) {
          s.respond.sendJson(ctx, 200, { status: 'ok' }, { 'cache-control': 'no-store' });
          return ANSWERED;
        }
        return s.health.ready().then((readiness) => {
          const body = { status: readiness.ready ? 'ready' : 'not ready', checks: readiness.checks };
          s.respond.sendJson(ctx, readiness.ready ? 200 : 503, body, { 'cache-control': 'no-store' });
          return ANSWERED;
        });
      }
      if (config.a2a?.card_paths.includes(path) === true) return s.agentCards.serve(ctx);
      if (config.a2a?.paths.includes(path) === true) ctx.agent = config.a2a.agent_did;
      if (!s.auditLog.healthy() && config.logging.on_failure === 'refuse')
        return refusal('aip_audit_unavailable', 'the audit log cannot be written: requests are refused until it can');
      return undefined;
    },
  };
}
