// The Trust Observatory: totals and growth, the trust graph, agent search and the score explorer,
// all read from this registry's API.
import { api } from './api.js';
import { drawGrowth } from './charts.js';
import { displayName, el, fill, formatCount, formatScore, shortDid } from './dom.js';
import { GraphView } from './graph-view.js';
import { lineageView } from './lineage.js';

const $ = (id) => document.getElementById(id);
const names = new Map();
let currentAgent = null;
let scope = '';

const graph = new GraphView($('graph'), $('tooltip'), {
  onSelect: (did) => (did === null ? hideAgent() : showAgent(did)),
});

function remember(agents) {
  for (const agent of agents) if (agent.name !== null && agent.name !== undefined) names.set(agent.did, agent.name);
}

function nameOf(did) {
  return names.get(did) ?? shortDid(did);
}

async function loadStatus() {
  const status = $('status');
  try {
    const health = await api.health();
    status.className = 'status ok';
    status.textContent = `live · ${formatCount(health.feed)} objects in the feed`;
  } catch {
    status.className = 'status down';
    status.textContent = 'registry unreachable';
  }
}

async function loadStats() {
  const stats = await api.stats(30);
  $('stat-agents').textContent = formatCount(stats.agents);
  $('stat-profiles').textContent = formatCount(stats.profiles);
  $('stat-vouches').textContent = formatCount(stats.active_vouches);
  $('stat-revocations').textContent = formatCount(stats.revocations);
  drawGrowth($('growth'), stats.growth);
  const select = $('scope-filter');
  const known = new Set([...select.options].map((o) => o.value));
  for (const { scope: s, vouches } of stats.scopes) {
    if (!known.has(s)) select.append(el('option', { value: s }, `${s} (${formatCount(vouches)})`));
  }
}

async function loadGraph(center) {
  const data = await api.graph({ scope: scope || undefined, center });
  remember(data.nodes);
  graph.setGraph(data);
  $('graph-note').textContent =
    center !== undefined
      ? `Neighbourhood of ${nameOf(center)}: ${data.nodes.length} agents, ${data.edges.length} vouches.`
      : `${data.truncated ? 'The best-vouched' : 'All'} ${data.nodes.length} agents and the ${data.edges.length} active vouches among them${scope ? ` that apply to ${scope}` : ''}.`;
}

async function search(query) {
  const list = $('results');
  const { agents } = await api.search(query, 20);
  remember(agents);
  if (agents.length === 0) {
    fill(list, el('li', { class: 'empty' }, query === '' ? 'No profiles yet.' : 'No agent matches.'));
    return agents;
  }
  fill(
    list,
    agents.map((agent) =>
      el(
        'li',
        {},
        el(
          'button',
          { type: 'button', onclick: () => showAgent(agent.did), dataset: { did: agent.did } },
          el('span', { class: 'name' }, displayName(agent)),
          el('span', { class: 'counts' }, `↓${formatCount(agent.vouches_in)} ↑${formatCount(agent.vouches_out)}`),
          el('span', { class: 'did' }, agent.did),
        ),
      ),
    ),
  );
  return agents;
}

function vouchList(items, side) {
  if (items.length === 0) return el('p', { class: 'empty' }, 'None.');
  return el(
    'ul',
    { class: 'vouches' },
    items.map(({ vouch, revoked }) => {
      const other = side === 'received' ? vouch.voucher : vouch.subject;
      return el(
        'li',
        { class: revoked ? 'revoked' : undefined, title: revoked ? 'revoked' : undefined },
        el('a', { class: 'who', href: '#', onclick: (event) => follow(event, other) }, nameOf(other)),
        el('span', { class: 'meta' }, `${vouch.scope} · ${vouch.weight ?? 1}`),
        typeof vouch.statement === 'string' ? el('span', { class: 'statement' }, `“${vouch.statement}”`) : null,
      );
    }),
  );
}

/** A link to another agent: select it instead of navigating. */
function follow(event, did) {
  event.preventDefault();
  showAgent(did);
}

async function showAgent(did) {
  const card = $('agent-card');
  const box = $('agent');
  card.hidden = false;
  fill(box, el('p', { class: 'empty' }, 'Loading…'));
  try {
    const [agent, lineage] = await Promise.all([api.agent(did), api.lineage(did).catch(() => null)]);
    currentAgent = agent;
    remember([agent]);
    fill(
      box,
      el(
        'div',
        { class: 'agent' },
        el('h2', {}, agent.name ?? 'Unnamed agent'),
        el('div', { class: 'did' }, agent.did),
        agent.description ? el('p', {}, agent.description) : null,
        agent.platform
          ? el(
              'p',
              { class: 'platform', title: 'claimed by the agent in its signed profile; nobody has checked it' },
              `${agent.platform} `,
              el('span', { class: 'unverified' }, 'self-asserted, unverified'),
            )
          : null,
        agent.endpoints.length > 0
          ? el(
              'ul',
              { class: 'endpoints' },
              agent.endpoints.map((url) => el('li', {}, url)),
            )
          : null,
        el(
          'div',
          { class: 'controls' },
          el('span', { class: 'pill' }, `${formatCount(agent.vouches_in)} vouches received`),
          el('span', { class: 'pill' }, `${formatCount(agent.vouches_out)} given`),
          agent.profile === null
            ? el('span', { class: 'pill' }, 'no profile')
            : el('span', { class: 'pill' }, 'signed profile ✓'),
          agent.withheld > 0 ? el('span', { class: 'pill' }, `${agent.withheld} withheld: no longer verify`) : null,
        ),
        lineageView(lineage),
        el('h3', {}, 'Vouches received'),
        vouchList(agent.vouches_received, 'received'),
        el('h3', {}, 'Vouches given'),
        vouchList(agent.vouches_given, 'given'),
      ),
    );
    if (!graph.has(did)) await loadGraph(did);
    graph.select(did);
  } catch (error) {
    fill(box, el('p', { class: 'error' }, error.message));
  }
}

function hideAgent() {
  currentAgent = null;
  $('agent-card').hidden = true;
}

/** A DID as typed, or the first agent whose name matches. */
async function resolveAgent(text) {
  const value = text.trim();
  if (value.startsWith('did:') || value.startsWith('aip:') || value.startsWith('z6Mk')) return value;
  const { agents } = await api.search(value, 5);
  remember(agents);
  const first = agents.find((a) => a.name?.toLowerCase() === value.toLowerCase()) ?? agents[0];
  if (first === undefined) throw new Error(`no agent named “${value}”`);
  return first.did;
}

async function explain(event) {
  event.preventDefault();
  const out = $('explain');
  fill(out, el('p', { class: 'empty' }, 'Computing…'));
  try {
    const from = await resolveAgent($('explore-from').value);
    const to = await resolveAgent($('explore-to').value);
    const scopeText = $('explore-scope').value.trim() || '*';
    const result = await api.path(from, to, scopeText);
    const missing = result.path.filter((did) => !names.has(did));
    await Promise.all(
      missing.map((did) =>
        api.agent(did).then(
          (a) => remember([a]),
          () => undefined,
        ),
      ),
    );
    if (result.path.length === 0) {
      graph.clearPath();
      fill(
        out,
        el(
          'div',
          { class: 'score' },
          el('span', { class: 'big', 'data-testid': 'score' }, '0'),
          el('span', {}, `no chain of at most 4 vouches in scope ${scopeText}`),
        ),
        el('p', { class: 'empty' }, `${nameOf(from)} has no reason to trust ${nameOf(to)} for ${scopeText}.`),
      );
      return;
    }
    graph.showPath(result.path, result.vouches, names);
    fill(
      out,
      el(
        'div',
        { class: 'score' },
        el('span', { class: 'big', 'data-testid': 'score' }, formatScore(result.score)),
        el(
          'span',
          {},
          `${result.hops} hop${result.hops === 1 ? '' : 's'} · corroboration `,
          el('strong', { 'data-testid': 'corroboration' }, String(result.corroboration)),
        ),
      ),
      el('div', { class: 'meter' }, el('i', { style: undefined, dataset: { score: String(result.score) } })),
      el(
        'ol',
        { 'data-testid': 'path' },
        result.path.map((did, i) =>
          el(
            'li',
            {},
            el('a', { href: '#', onclick: (event) => follow(event, did) }, nameOf(did)),
            i > 0 && result.vouches[i - 1]
              ? el(
                  'div',
                  { class: 'hop' },
                  `vouched in ${result.vouches[i - 1].scope}, weight ${result.vouches[i - 1].weight}`,
                )
              : null,
          ),
        ),
      ),
    );
    // The meter's width comes from the data through the CSSOM, not an inline style attribute (CSP).
    out.querySelector('.meter i').style.width = `${Math.round(result.score * 100)}%`;
  } catch (error) {
    graph.clearPath();
    fill(out, el('p', { class: 'error' }, error.message));
  }
}

$('search-form').addEventListener('submit', (event) => {
  event.preventDefault();
  search($('search').value).catch((error) => fill($('results'), el('li', { class: 'error' }, error.message)));
});
$('explorer').addEventListener('submit', explain);
$('graph-reset').addEventListener('click', () => {
  graph.userMoved = false;
  loadGraph();
});
$('graph-fit').addEventListener('click', () => graph.refit());
$('scope-filter').addEventListener('change', (event) => {
  scope = event.target.value;
  loadGraph();
});
$('agent-center').addEventListener('click', () => currentAgent && loadGraph(currentAgent.did));
$('agent-root').addEventListener('click', () => {
  if (currentAgent !== null) $('explore-from').value = currentAgent.did;
});
$('agent-target').addEventListener('click', () => {
  if (currentAgent !== null) $('explore-to').value = currentAgent.did;
});

await Promise.all([
  loadStatus(),
  loadStats().catch(() => undefined),
  loadGraph().catch(() => undefined),
  search('').catch(() => undefined),
]);
// For automation and the browser test: the view, read-only use.
window.observatory = { graph };
document.body.dataset.ready = 'true';
setInterval(() => {
  loadStatus();
  loadStats().catch(() => undefined);
}, 30_000);
