// The trust benchmark's dataset: a directed scale-free vouch graph (preferential attachment on both
// in- and out-degree, Bollobás et al. 2003) from a fixed seed, every vouch really signed, cached as
// JSONL under .bench/ (git-ignored) so only the first run pays for key generation and signing.
import crypto from 'node:crypto';
import { createWriteStream, existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { didKeyFromPublicKey, encodeBase64Url, signingInput } from '@aip/identity';

export const BENCH_DIR = fileURLToPath(new URL('../../.bench/', import.meta.url));
/** Issue time of every generated vouch; queries run at BENCH_NOW. */
export const BENCH_NOW = 1_800_000_000;
export const QUERY_SCOPE = 'tool:search';

const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const WEIGHTS = [1, 0.9, 0.8, 0.7, 0.6, 0.5];

export interface Scale {
  name: string;
  agents: number;
  vouches: number;
}

export const SCALES: Record<string, Scale> = {
  '1m': { name: '1m', agents: 100_000, vouches: 1_000_000 },
  '10m': { name: '10m', agents: 1_000_000, vouches: 10_000_000 },
  // A quick smoke size for development.
  '100k': { name: '100k', agents: 10_000, vouches: 100_000 },
};

export interface Dataset {
  file: string;
  agents: number;
  vouches: number;
  /** Sampled query pairs (root, target DIDs), fixed by the seed. */
  queries: { from: string; to: string }[];
}

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Graph {
  sources: Int32Array;
  targets: Int32Array;
  nodes: number;
}

/**
 * Directed preferential attachment: each step adds one edge; with probability p/2 from a new node
 * to an existing one, p/2 from an existing one to a new node, else between existing nodes. Sources
 * are drawn in proportion to out-degree, targets to in-degree, with a 20% uniform share so every
 * node keeps a chance. Self-loops and repeated pairs are redrawn.
 */
function scaleFreeGraph(agents: number, vouches: number, random: () => number): Graph {
  const sources = new Int32Array(vouches);
  const targets = new Int32Array(vouches);
  const seen = new Set<number>();
  let nodes = 8;
  let edges = 0;
  const add = (s: number, t: number): boolean => {
    if (s === t) return false;
    const key = s * agents + t;
    if (seen.has(key)) return false;
    seen.add(key);
    sources[edges] = s;
    targets[edges] = t;
    edges++;
    return true;
  };
  for (let s = 0; s < nodes; s++) for (let t = 0; t < nodes; t++) add(s, t);
  const p = (agents - nodes) / (vouches - edges);
  const pickSource = () =>
    random() < 0.2 ? Math.floor(random() * nodes) : (sources[Math.floor(random() * edges)] as number);
  const pickTarget = () =>
    random() < 0.2 ? Math.floor(random() * nodes) : (targets[Math.floor(random() * edges)] as number);
  while (edges < vouches) {
    const r = random();
    if (r < p / 2 && nodes < agents) {
      if (add(nodes, pickTarget())) nodes++;
    } else if (r < p && nodes < agents) {
      if (add(pickSource(), nodes)) nodes++;
    } else add(pickSource(), pickTarget());
  }
  return { sources, targets, nodes };
}

/** Loads the cached dataset of `scale`, generating and signing it first if needed. */
export async function loadDataset(scale: Scale, log: (message: string) => void): Promise<Dataset> {
  const file = path.join(BENCH_DIR, `trust-${scale.name}.jsonl`);
  const meta = path.join(BENCH_DIR, `trust-${scale.name}.queries.json`);
  if (existsSync(file) && existsSync(meta)) {
    const saved = JSON.parse(await fs.readFile(meta, 'utf8')) as Omit<Dataset, 'file'>;
    return { file, ...saved };
  }
  const started = performance.now();
  const random = seeded(0x41495021);
  log(`generating a scale-free graph of ${scale.agents} agents and ${scale.vouches} vouches`);
  const graph = scaleFreeGraph(scale.agents, scale.vouches, random);
  const dids: string[] = new Array(graph.nodes);
  const keys: crypto.KeyObject[] = new Array(graph.nodes);
  for (let i = 0; i < graph.nodes; i++) {
    // Deterministic seeds (SHA-256 of the index), imported and derived natively.
    const seed = crypto.createHash('sha256').update(`aip-bench-agent/${i}`).digest();
    keys[i] = crypto.createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
    const spki = crypto.createPublicKey(keys[i] as crypto.KeyObject).export({ format: 'der', type: 'spki' });
    dids[i] = didKeyFromPublicKey(new Uint8Array(spki.subarray(12)));
    if (i % 100_000 === 99_999) log(`  agents: ${i + 1} / ${graph.nodes}`);
  }
  const queries = sampleQueries(graph, dids, random);

  log(`signing ${scale.vouches} vouches into ${file} (cached for later runs)`);
  await fs.mkdir(BENCH_DIR, { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  const out = createWriteStream(temp);
  let chunk = '';
  for (let e = 0; e < scale.vouches; e++) {
    const s = graph.sources[e] as number;
    const t = graph.targets[e] as number;
    const r = random();
    const unsigned = {
      type: 'aip-vouch/1',
      voucher: dids[s] as string,
      subject: dids[t] as string,
      scope: r < 0.8 ? QUERY_SCOPE : r < 0.95 ? '*' : 'tool:github.*',
      weight: WEIGHTS[Math.floor(random() * WEIGHTS.length)] as number,
      iat: BENCH_NOW - 86_400,
      ...(random() < 0.1 ? { exp: BENCH_NOW + 10 * 365 * 86_400 } : {}),
      nonce: encodeBase64Url(crypto.createHash('sha256').update(`nonce/${e}`).digest().subarray(0, 16)),
    };
    const signature = crypto.sign(null, signingInput('aip-vouch/1', unsigned), keys[s] as crypto.KeyObject);
    chunk += `${JSON.stringify({ ...unsigned, signature: encodeBase64Url(new Uint8Array(signature)) })}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      chunk = '';
    }
    if (e % 500_000 === 499_999) log(`  signed ${e + 1} / ${scale.vouches}`);
  }
  out.end(chunk);
  await new Promise<void>((resolve, reject) => out.on('finish', () => resolve()).on('error', reject));
  await fs.rename(temp, file);
  const saved = { agents: graph.nodes, vouches: scale.vouches, queries };
  await fs.writeFile(meta, JSON.stringify(saved));
  log(`  generated in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { file, ...saved };
}

/** 1000 query pairs: a root drawn uniformly among agents that vouch, a target among agents vouched for. */
function sampleQueries(graph: Graph, dids: string[], random: () => number): { from: string; to: string }[] {
  const vouches = new Uint8Array(graph.nodes);
  const vouchedFor = new Uint8Array(graph.nodes);
  for (let e = 0; e < graph.sources.length; e++) {
    vouches[graph.sources[e] as number] = 1;
    vouchedFor[graph.targets[e] as number] = 1;
  }
  const roots: number[] = [];
  const targets: number[] = [];
  for (let i = 0; i < graph.nodes; i++) {
    if (vouches[i]) roots.push(i);
    if (vouchedFor[i]) targets.push(i);
  }
  const out: { from: string; to: string }[] = [];
  while (out.length < 1000) {
    const from = roots[Math.floor(random() * roots.length)] as number;
    const to = targets[Math.floor(random() * targets.length)] as number;
    if (from !== to) out.push({ from: dids[from] as string, to: dids[to] as string });
  }
  return out;
}
