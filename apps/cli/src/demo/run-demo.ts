// `aip demo`: the whole AIP story on this machine, with real identities, a real MCP server behind
// a real aip-proxy on loopback, the official SDK client, and a real trust store. Everything lives
// in a temporary directory that is removed at the end.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateIdentity, type Identity } from '@aip/identity';
import { saveIdentity } from '@aip/identity/node';
import { createAipFetch } from '@aip/mcp';
import { type AipProxy, type AuditRecord, createProxy, resolveConfig, verifyAuditLog } from '@aip/proxy';
import { delegate, issueToken } from '@aip/token';
import { createVouch, openTrustEngine, openTrustStore, verifyVouch } from '@aip/trust';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { type DemoServer, startDemoServer } from './demo-server.js';

/** One step of the story and how it turned out. */
export interface DemoStep {
  title: string;
  /** What should happen, e.g. `200` or `403 aip_scope_insufficient`. */
  expected: string;
  /** What did happen. */
  outcome: string;
  ok: boolean;
}

export interface DemoReport {
  ok: boolean;
  seconds: number;
  identities: { operator: string; orchestrator: string; scout: string };
  server: string;
  proxy: string;
  steps: DemoStep[];
  trust: { score: number; corroboration: number; hops: number; path: string[] };
  audit: { intact: boolean; lines: AuditRecord[] };
  cleanedUp: boolean;
}

/** Progress as the story unfolds (for the terminal). */
export interface DemoListener {
  section(title: string, lines: string[]): void;
  step(step: DemoStep): void;
}

interface Exchange {
  status: number;
  code: string | undefined;
  request?: { url: string; headers: Record<string, string>; body: string };
}

// A fetch that remembers the last tools/call exchange, so the demo can show real statuses and
// replay a captured request byte for byte.
function recordingFetch(): { fetch: typeof globalThis.fetch; last(): Exchange } {
  let last: Exchange = { status: 0, code: undefined };
  const f = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const res = await fetch(input, init);
    const body = typeof init.body === 'string' ? init.body : '';
    if (body.includes('"tools/call"') || body.includes('"initialize"')) {
      let code: string | undefined;
      if (res.status >= 400) {
        const text = await res.clone().text();
        code = /"code":"(aip_[a-z_]+)"/.exec(text)?.[1];
      }
      last = {
        status: res.status,
        code,
        request: { url: String(input), headers: Object.fromEntries(new Headers(init.headers)), body },
      };
    }
    return res;
  };
  return { fetch: f as typeof globalThis.fetch, last: () => last };
}

function describe(exchange: Exchange): string {
  return exchange.code === undefined ? String(exchange.status) : `${exchange.status} ${exchange.code}`;
}

async function connect(
  url: string,
  token: string,
  holder: Identity,
  recorder: ReturnType<typeof recordingFetch>,
): Promise<Client> {
  const client = new Client({ name: 'aip-demo-scout', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
      fetch: createAipFetch({ token, holder, fetch: recorder.fetch }),
    }),
  );
  return client;
}

/**
 * Runs the demo. Resolves with the report (`ok` when every step turned out as expected); every
 * server is stopped and the temporary directory removed before it resolves.
 *
 * @example
 * ```ts
 * const report = await runDemo({ section: () => {}, step: () => {} });
 * ```
 */
export async function runDemo(listener: DemoListener): Promise<DemoReport> {
  const started = performance.now();
  const home = await mkdtemp(path.join(tmpdir(), 'aip-demo-'));
  const steps: DemoStep[] = [];
  const record = (title: string, expected: string, outcome: string) => {
    const step = { title, expected, outcome, ok: outcome === expected };
    steps.push(step);
    listener.step(step);
  };
  let server: DemoServer | undefined;
  let proxy: AipProxy | undefined;
  let store: ReturnType<typeof openTrustStore> | undefined;
  let report: DemoReport;
  try {
    // 1. Three identities, minted and stored the way `aip init` does it.
    const operator = generateIdentity();
    const orchestrator = generateIdentity();
    const scout = generateIdentity();
    await saveIdentity(operator, { home: path.join(home, 'operator'), name: 'operator' });
    await saveIdentity(orchestrator, { home: path.join(home, 'orchestrator'), name: 'orchestrator' });
    await saveIdentity(scout, { home: path.join(home, 'scout'), name: 'scout' });
    listener.section('Identities (self-minted Ed25519, did:key)', [
      `operator      ${operator.did}`,
      `orchestrator  ${orchestrator.did}`,
      `scout         ${scout.did}`,
    ]);

    // 2. An MCP server that knows nothing about AIP, behind aip-proxy.
    server = await startDemoServer();
    const auditFile = path.join(home, 'audit.jsonl');
    const config = resolveConfig({
      proxy: { upstream: server.url, trust_keys: [operator.did], port: 0 },
      logging: { log_file: auditFile },
      pop: { required: true },
      budget: { ledger: path.join(home, 'budget.db'), costs: { 'tool:search': 0.1 } },
    });
    proxy = await createProxy({ config });
    const running = proxy;
    await new Promise<void>((resolve) => running.server.listen(0, '127.0.0.1', resolve));
    const proxyUrl = running.audience();
    listener.section('Servers on loopback', [
      `MCP server "notes"  ${server.url}  (tools: search, delete, summarize; no auth of its own)`,
      `aip-proxy           ${proxyUrl}  (trusts the operator, proofs required, $0.10 per search)`,
    ]);

    // 3-4. The operator grants the orchestrator; the orchestrator hands the scout a narrower slice.
    const root = issueToken(operator, {
      sub: orchestrator.did,
      scope: ['tool:search', 'tool:summarize'],
      budgetUsd: 1,
      maxDepth: 1,
      ttl: 600,
      aud: proxyUrl,
    });
    const chain = delegate(root, orchestrator, {
      to: scout.did,
      scope: ['tool:search'],
      budgetUsd: 0.3,
      ttl: 300,
      context: 'look up prior art on agent identity',
    });
    listener.section('Authority', [
      'operator -> orchestrator   tool:search, tool:summarize, budget $1.00, may delegate once',
      'orchestrator -> scout      tool:search, budget $0.30, "look up prior art on agent identity"',
    ]);

    // 5. An allowed, signed call.
    const recorder = recordingFetch();
    const client = await connect(proxyUrl, chain, scout, recorder);
    const found = await client.callTool({ name: 'search', arguments: { q: 'identity' } });
    const signedCall = recorder.last();
    const text = (found.content as { type: string; text: string }[])[0]?.text ?? '';
    record(`scout calls search, signed with its key -> "${text.split('\n')[0]}"`, '200', describe(signedCall));

    // 6. Outside the delegated scope.
    await client.callTool({ name: 'delete', arguments: {} }).catch(() => undefined);
    record('scout calls delete (outside its delegated scope)', '403 aip_scope_insufficient', describe(recorder.last()));

    // 7. An expired token.
    const expired = issueToken(operator, {
      sub: scout.did,
      scope: ['tool:search'],
      ttl: 60,
      now: Math.floor(Date.now() / 1000) - 3600,
    });
    const stale = recordingFetch();
    await connect(proxyUrl, expired, scout, stale).catch(() => undefined);
    record('scout presents a token that expired an hour ago', '401 aip_token_expired', describe(stale.last()));

    // 8. A captured request sent again.
    const captured = signedCall.request;
    let replay = 'no request captured';
    if (captured !== undefined) {
      const res = await fetch(captured.url, { method: 'POST', headers: captured.headers, body: captured.body });
      const code = /"code":"(aip_[a-z_]+)"/.exec(await res.text())?.[1];
      replay = code === undefined ? String(res.status) : `${res.status} ${code}`;
    }
    record("someone replays scout's signed search request", '401 aip_proof_invalid', replay);

    // 9. Spending the $0.30 budget at $0.10 a search: two more succeed, the next is refused.
    const spent: string[] = [];
    for (let i = 0; i < 3; i++) {
      await client.callTool({ name: 'search', arguments: { q: `budget ${i}` } }).catch(() => undefined);
      spent.push(describe(recorder.last()));
    }
    record(
      'scout keeps searching at $0.10 a call (budget $0.30)',
      '200, 200, 403 aip_budget_exceeded',
      spent.join(', '),
    );
    await client.close();

    // 10. Trust: vouches, and the operator's personalised view of the scout.
    store = openTrustStore({ path: path.join(home, 'trust.db') });
    store.add({
      kind: 'vouch',
      ...verifyVouch(
        createVouch(operator, {
          subject: orchestrator.did,
          scope: 'tool:search',
          weight: 0.9,
          statement: 'runs my research',
        }),
      ),
    });
    store.add({
      kind: 'vouch',
      ...verifyVouch(
        createVouch(orchestrator, {
          subject: scout.did,
          scope: 'tool:search',
          weight: 0.8,
          statement: 'reliable searcher',
        }),
      ),
    });
    const engine = openTrustEngine(store);
    const trust = engine.score(scout.did, { from: operator.did, scope: 'tool:search' });
    engine.close();
    const names = new Map([
      [operator.did, 'operator'],
      [orchestrator.did, 'orchestrator'],
      [scout.did, 'scout'],
    ]);
    listener.section('Trust (operator vouches 0.9 for orchestrator, orchestrator 0.8 for scout)', [
      `operator's trust in scout for tool:search: ${trust.score} (0.9 x 0.8, times 0.8 for the second hop)`,
      `path: ${trust.path.map((did) => names.get(did) ?? did).join(' -> ')}   corroboration: ${trust.corroboration}`,
    ]);

    // 11. The audit trail.
    await running.close({ graceMs: 1000 });
    proxy = undefined;
    const auditText = await readFile(auditFile, 'utf8');
    const lines = auditText
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Partial<AuditRecord>)
      // The log also records its own start, stop and signed checkpoints.
      .filter((record): record is AuditRecord => record.decision !== undefined);
    const intact = verifyAuditLog(auditText).ok;
    listener.section(
      `Audit log (${lines.length} decisions, hash chain ${intact ? 'intact' : 'BROKEN'})`,
      lines.map(
        (l) =>
          `${l.decision.padEnd(5)} ${String(l.status).padEnd(3)} ${l.method.padEnd(26)} ${String(l.tool ?? '').padEnd(8)} ${l.code ?? ''}`,
      ),
    );

    report = {
      ok: steps.every((s) => s.ok) && intact && Math.abs(trust.score - 0.576) < 1e-6,
      seconds: 0,
      identities: { operator: operator.did, orchestrator: orchestrator.did, scout: scout.did },
      server: server.url,
      proxy: proxyUrl,
      steps,
      trust,
      audit: { intact, lines },
      cleanedUp: false,
    };
  } finally {
    store?.close();
    await proxy?.close({ graceMs: 100 });
    await server?.close();
    await rm(home, { recursive: true, force: true });
  }
  report.seconds = Math.round(performance.now() - started) / 1000;
  report.cleanedUp = !existsSync(home);
  listener.section('Cleaned up', [`servers stopped, ${home} removed, ${report.seconds.toFixed(1)} s in all`]);
  return report;
}
