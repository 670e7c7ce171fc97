// SIGHUP: the new configuration applied where the table allows it (config/reload.ts), a new policy
// built next to the running one — so a reload whose trust store, key events or revocation list is
// unusable throws and changes nothing — then swapped in; what the old policy opened is released
// unless the new one kept it.

import type { Clock } from '../clock.js';
import { planReload } from '../config/reload.js';
import type { ProxyConfig } from '../config/sections.js';
import type { ProxyLogger } from '../logger.js';
import { buildPolicy, type Policy } from '../policy.js';

/**
 * Applies `next` to the running `state`; returns the keys that need a restart.
 *
 * @example
 * ```ts
 * const restart = reloadProxy(state, await loadProxyConfig(sources), clock, logger);
 * ```
 */
export function reloadProxy(
  state: { config: ProxyConfig; policy: Policy },
  next: ProxyConfig,
  clock: Clock,
  logger: ProxyLogger,
): string[] {
  const plan = planReload(state.config, next);
  const policy = buildPolicy(plan.config, clock, state, logger);
  const previous = state.policy;
  state.config = plan.config;
  state.policy = policy;
  if (previous.gate !== policy.gate) previous.gate?.close();
  if (previous.keyEvents !== policy.keyEvents) previous.keyEvents?.close();
  if (previous.didWeb !== policy.didWeb) previous.didWeb?.close();
  logger.setLevel?.(plan.config.logging.level);
  logger.info('configuration reloaded', plan.restart.length === 0 ? {} : { restart_to_apply: plan.restart });
  return plan.restart;
}
