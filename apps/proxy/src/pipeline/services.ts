// What the stages work with: the running configuration and policy (both replaced on reload), the
// clock, the responder, and the stores (each an asynchronous seam a shared implementation can fill).
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import type { ProxyConfig } from '../config/sections.js';
import type { Health } from '../lifecycle/health.js';
import type { OAuthVerifier } from '../oauth-verifier.js';
import type { Policy } from '../policy.js';
import type { Admission } from '../state/admission.js';
import type { BudgetLedger } from '../state/budget-ledger.js';
import type { ClaimAndTake } from '../state/claim-and-take.js';
import type { RateLimiter } from '../state/rate-limiter.js';
import type { ReplayClaims } from '../state/replay-claims.js';
import type { SessionSeal } from '../state/session-seal.js';
import type { TaskBindings } from '../state/task-bindings.js';
import type { AgentCards } from './agent-cards.js';
import type { Responder } from './respond.js';

export interface ProxyServices {
  clock: Clock;
  /** The configuration in force. */
  config(): ProxyConfig;
  /** Token verification, revocations and the trust gate in force. */
  policy(): Policy;
  /** This resource's identifier (configured, or derived from the listen address). */
  audience(): string;
  /** The URL clients reach the proxy at (configured, or the listen address); never from Host. */
  publicBase(): string;
  respond: Responder;
  oauth: OAuthVerifier | undefined;
  limiter: RateLimiter;
  admission: Admission;
  replay: ReplayClaims;
  /** A proof claimed and rate buckets taken in one call (one round trip on a shared store). */
  meter: ClaimAndTake;
  /** Seals session and event ids (absent when `[session] bind = false`). */
  seal: SessionSeal | undefined;
  tasks: TaskBindings;
  ledger: BudgetLedger | undefined;
  auditLog: AuditLog;
  health: Health;
  /** The A2A agent card route (`[a2a] card_paths`). */
  agentCards: AgentCards;
}
