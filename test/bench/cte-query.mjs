// Runs one naive recursive-CTE trust query in its own process (so the benchmark can stop a query
// that runs too long by killing it) and prints {"ms","score"}.
import Database from 'better-sqlite3';

const [file, root, target, now, scopesJson] = process.argv.slice(2);
const scopes = JSON.parse(scopesJson);
const db = new Database(file, { readonly: true });
const statement = db.prepare(`
  WITH RECURSIVE walk(node, product, hops) AS (
    SELECT (SELECT idx FROM agents WHERE did = :root), 1.25, 0
    UNION ALL
    SELECT v.subject, walk.product * v.weight * 0.8, walk.hops + 1
    FROM walk JOIN vouches v ON v.voucher = walk.node
    WHERE walk.hops < 4 AND v.revoked_at IS NULL AND (v.exp IS NULL OR v.exp > :now)
      AND v.scope IN (SELECT idx FROM scopes WHERE scope IN (${scopes.map(() => '?').join(', ')}))
  )
  SELECT coalesce(max(product), 0) FROM walk WHERE node = (SELECT idx FROM agents WHERE did = :target) AND hops > 0`);
const start = performance.now();
const score = Number(statement.pluck().get(...scopes, { root, target, now: Number(now) }));
process.stdout.write(`${JSON.stringify({ ms: performance.now() - start, score })}\n`);
