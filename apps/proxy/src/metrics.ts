// Prometheus metrics (`[metrics]`) on their own loopback port, with /healthz and /readyz: decisions
// by code, calls per tool (label cardinality capped), request latency, open streams, and the
// process's own (CPU, memory, event-loop lag, handles).
import { createServer, type Server } from 'node:http';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Clock } from './clock.js';
import type { ProxyConfig } from './config/sections.js';
import { type Health, LIVENESS_PATH, READINESS_PATH } from './lifecycle/health.js';
import type { DecisionObserver } from './pipeline/respond.js';

export interface ProxyMetrics extends DecisionObserver {
  registry: Registry;
  streams(delta: 1 | -1): void;
  /** Serves /metrics, /healthz (liveness) and /readyz (readiness). */
  serve(health: Health): Server;
}

export function createMetrics(config: NonNullable<ProxyConfig['metrics']>, clock: Clock): ProxyMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'aip_proxy_' });
  const decisions = new Counter({
    name: 'aip_proxy_decisions_total',
    help: 'Decisions by outcome and AIP code',
    labelNames: ['decision', 'code'],
    registers: [registry],
  });
  const tools = new Counter({
    name: 'aip_proxy_tool_calls_total',
    help: 'Authorized tool, prompt and resource requests by name (capped)',
    labelNames: ['tool', 'decision'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'aip_proxy_request_duration_seconds',
    help: 'Time from request to decision (allowed: to the upstream response headers)',
    labelNames: ['decision'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const active = new Gauge({
    name: 'aip_proxy_active_streams',
    help: 'Streams currently relayed',
    registers: [registry],
  });
  const seenTools = new Set<string>();
  // The labelled children, looked up once per label set: a decision costs a map lookup and an
  // addition per metric. Their number is bounded (codes, decisions, capped tool names).
  const children = new Map<string, { inc(): void } | { observe(value: number): void }>();
  function child<T>(key: string, make: () => T): T {
    let found = children.get(key) as T | undefined;
    if (found === undefined) {
      found = make();
      children.set(key, found as { inc(): void });
    }
    return found;
  }

  return {
    registry,
    decided(ctx, decision, code, _status) {
      const codeLabel = code ?? 'none';
      child(`d ${decision} ${codeLabel}`, () => decisions.labels({ decision, code: codeLabel })).inc();
      child(`l ${decision}`, () => latency.labels({ decision })).observe((clock.monotonicMs() - ctx.started) / 1000);
      for (const name of ctx.names) {
        // A caller controls tool names: only allowed calls earn a label, and past the cap new
        // names share one.
        if (decision === 'allow' && !seenTools.has(name) && seenTools.size < config.max_tool_labels)
          seenTools.add(name);
        const tool = seenTools.has(name) ? name : 'other';
        child(`t ${decision} ${tool}`, () => tools.labels({ tool, decision })).inc();
      }
    },
    streams(delta) {
      active.inc(delta);
    },
    serve(health) {
      return createServer((req, res) => {
        const path = (req.url ?? '').split('?')[0];
        if (req.method === 'GET' && path === '/metrics') {
          void registry.metrics().then((text) => {
            res.writeHead(200, { 'content-type': registry.contentType });
            res.end(text);
          });
          return;
        }
        if (req.method === 'GET' && path === LIVENESS_PATH) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ status: 'ok' }));
          return;
        }
        if (req.method === 'GET' && path === READINESS_PATH) {
          void health.ready().then((readiness) => {
            res.writeHead(readiness.ready ? 200 : 503, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ status: readiness.ready ? 'ready' : 'not ready', checks: readiness.checks }));
          });
          return;
        }
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'aip_not_found', message: 'try /metrics, /healthz or /readyz' } }));
      });
    },
  };
}
