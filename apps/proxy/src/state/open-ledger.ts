// The budget ledger as `[budget]` configures it — SQLite (`budget.ledger`), or PostgreSQL when
// `[state] postgres_url` is set — with its reconciliation running: charges left
// pending by a proxy that died are marked `unknown` at start and then periodically (they stay
// charged: a budget is never exceeded), and the count is reported.

import { type Clock, unixSeconds } from '../clock.js';
import { ProxyConfigError } from '../config/errors.js';
import type { ProxyConfig } from '../config/sections.js';
import { redactUrl } from '../config/value-types.js';
import type { ProxyLogger } from '../logger.js';
import { type BudgetLedger, openBudgetLedger } from './budget-ledger.js';
import { openPostgresLedger } from './postgres-ledger.js';
import { describeFailure } from './store-unavailable.js';

/**
 * Opens the configured ledger. Throws `ProxyConfigError` (key `budget.ledger`, or
 * `state.postgres_url` with the URL shown without its password) when it cannot.
 *
 * @example
 * ```ts
 * const ledger = await openLedger(config.budget, systemClock, logger, config.state.postgres_url);
 * ```
 */
export async function openLedger(
  budget: NonNullable<ProxyConfig['budget']>,
  clock: Clock,
  logger: ProxyLogger,
  postgresUrl?: string,
): Promise<BudgetLedger> {
  let ledger: BudgetLedger;
  if (postgresUrl !== undefined) {
    try {
      ledger = await openPostgresLedger(postgresUrl);
    } catch (err) {
      throw new ProxyConfigError(
        'state.postgres_url',
        `cannot open the ledger at ${redactUrl(postgresUrl)} (${describeFailure(err)})`,
      );
    }
  } else
    try {
      ledger = openBudgetLedger(budget.ledger);
    } catch (err) {
      const code = (err as { code?: string }).code;
      const reason =
        code === 'SQLITE_CANTOPEN'
          ? 'its directory does not exist or is not writable'
          : (err as Error).message.slice(0, 200);
      throw new ProxyConfigError('budget.ledger', `cannot open ${budget.ledger} (${reason})`);
    }
  const reconcile = async () => {
    const expired = await ledger.expire(unixSeconds(clock) - budget.pending_seconds);
    if (expired > 0)
      logger.warn('budget charges whose delivery is unknown (a proxy stopped while they were in flight)', {
        charges: expired,
        state: 'unknown',
      });
  };
  await reconcile();
  const timer = setInterval(() => void reconcile().catch(() => undefined), Math.min(budget.pending_seconds, 60) * 1000);
  timer.unref();
  return {
    ...ledger,
    close() {
      clearInterval(timer);
      return ledger.close();
    },
  };
}
