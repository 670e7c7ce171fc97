// Stage 1, metadata: the request target read once into its canonical form, the RFC 9728 protected
// resource document answered (no token needed), and nothing let further while the audit log cannot
// be written (unless the operator chose to serve unaudited).
import { METADATA_PATH, protectedResourceMetadata } from '../../metadata.js';
import { parseTarget } from '../../request/target.js';
import { refusal } from '../refusal.js';
import type { ProxyServices } from '../services.js';
import { ANSWERED, type Stage } from '../stage.js';

export function metadataStage(s: Pick<ProxyServices, 'config' | 'audience' | 'respond' | 'auditLog'>): Stage {
  return {
    name: 'metadata',
    run(ctx) {
      const parsed = parseTarget(ctx.req.url ?? '');
      if (!parsed.ok) return refusal('aip_request_invalid', `unsupported request target: ${parsed.reason}`);
      ctx.target = parsed.target;
      const config = s.config();
      if (parsed.target.path === METADATA_PATH) {
        if (ctx.req.method !== 'GET' && ctx.req.method !== 'HEAD')
          return refusal('aip_method_not_allowed', 'the metadata document is read-only');
        const document = protectedResourceMetadata(s.audience(), config.proxy.trust_keys, {
          proofRequired: config.pop.required,
          authorizationServers: config.oauth === undefined ? [] : [config.oauth.issuer],
        });
        s.respond.sendJson(ctx, 200, document, { 'cache-control': 'max-age=300' });
        return ANSWERED;
      }
      if (!s.auditLog.healthy() && config.logging.on_failure === 'refuse')
        return refusal('aip_audit_unavailable', 'the audit log cannot be written: requests are refused until it can');
      return undefined;
    },
  };
}
