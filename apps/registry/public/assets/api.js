// The registry API as the observatory uses it (same origin). Errors carry the registry's code.

export class ApiError extends Error {
  constructor(code, message, status) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

async function getJson(path, params = {}) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') query.set(key, String(value));
  }
  const url = query.size === 0 ? path : `${path}?${query}`;
  let response;
  try {
    response = await fetch(url, { headers: { accept: 'application/json' } });
  } catch {
    throw new ApiError('aip_registry_unreachable', 'the registry cannot be reached', 0);
  }
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const error = body?.error ?? {};
    throw new ApiError(
      String(error.code ?? 'aip_internal'),
      String(error.message ?? `HTTP ${response.status}`),
      response.status,
    );
  }
  return body;
}

export const api = {
  health: () => getJson('/healthz'),
  stats: (days = 30) => getJson('/v1/stats', { days }),
  graph: ({ scope, center, limit = 150 } = {}) => getJson('/v1/graph', { scope, center, limit }),
  search: (q, limit = 20) => getJson('/v1/agents', { q, limit }),
  agent: (did) => getJson(`/v1/agents/${encodeURIComponent(did)}`, { limit: 50 }),
  lineage: (did) => getJson(`/v1/agents/${encodeURIComponent(did)}/lineage`),
  path: (from, to, scope) => getJson('/v1/trust/path', { from, to, scope }),
};
