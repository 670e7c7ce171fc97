// The budget ledger's schema on PostgreSQL (DESIGN §9): the same two tables as the SQLite ledger
// and one server-side function per operation, so a charge is one round trip and one transaction.
// `aip_budget_charge_many` takes the charges a replica made in one turn of its event loop (often
// one): it creates and then locks every segment they name, each step in id order (any two calls
// lock shared rows in the same order: no deadlock), then for each charge in turn checks every
// ceiling and records it, adding it to every segment — each charge all or nothing; the request
// id's unique index makes it idempotent even when two replicas charge the same id at once.
// `aip_budget_step` is what a replica calls: that, and the deliveries of the same turn. A refund locks the same way, and only a pending (or
// unknown) charge changes, so a refund is given back once. Deliveries (the common settlement,
// which changes no segment) are taken in batches, and they and the expiry lock charge rows in
// sequence order, so they never deadlock with each other either.

/** Bumped when the functions change; created under an advisory lock so replicas may start at once. */
export const LEDGER_SCHEMA_LOCK = 0x41495042; // 'AIPB'

export const LEDGER_SCHEMA = `
CREATE TABLE IF NOT EXISTS aip_budget_segments (
  id text PRIMARY KEY,
  budget_micros bigint,
  spent_micros bigint NOT NULL DEFAULT 0,
  calls bigint NOT NULL DEFAULT 0,
  subject text,
  last_at bigint
);
CREATE TABLE IF NOT EXISTS aip_budget_charges (
  seq bigserial PRIMARY KEY,
  request_id text NOT NULL UNIQUE,
  at bigint NOT NULL,
  subject text NOT NULL,
  tools jsonb NOT NULL,
  chain text[] NOT NULL,
  cost_micros bigint NOT NULL,
  state text NOT NULL CHECK (state IN ('pending', 'delivered', 'refunded', 'unknown'))
);
CREATE INDEX IF NOT EXISTS aip_budget_charges_pending ON aip_budget_charges (at) WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS aip_budget_segments_recent ON aip_budget_segments (last_at DESC NULLS LAST, id);

CREATE OR REPLACE FUNCTION aip_budget_charge_many(p_batch jsonb)
RETURNS TABLE (idx integer, ok boolean, charged boolean, segment text, spent bigint, budget bigint)
LANGUAGE plpgsql AS $$
DECLARE
  c record;
  r record;
  known text;
  ids text[];
  cost bigint;
  refused boolean;
BEGIN
  -- Every segment of the batch: created when new, then locked, each step in id order.
  INSERT INTO aip_budget_segments (id, budget_micros, subject)
    SELECT DISTINCT ON (x.id) x.id, x.b, x.subject FROM (
      SELECT i.id, (e.value->'budgets'->>(i.k::int - 1))::bigint AS b, e.value->>'subject' AS subject, e.n
        FROM jsonb_array_elements(p_batch) WITH ORDINALITY AS e(value, n),
             jsonb_array_elements_text(e.value->'ids') WITH ORDINALITY AS i(id, k)
    ) x ORDER BY x.id, x.n
    ON CONFLICT (id) DO NOTHING;
  PERFORM 1 FROM aip_budget_segments s
    WHERE s.id IN (SELECT jsonb_array_elements_text(e.value->'ids') FROM jsonb_array_elements(p_batch) AS e(value))
    ORDER BY s.id FOR UPDATE;
  -- Then each charge in turn, all or nothing, idempotent on its request id.
  FOR c IN SELECT e.value AS v, e.n::integer AS n FROM jsonb_array_elements(p_batch) WITH ORDINALITY AS e(value, n) ORDER BY e.n
  LOOP
    SELECT ch.state INTO known FROM aip_budget_charges ch WHERE ch.request_id = c.v->>'r';
    IF FOUND THEN
      RETURN QUERY SELECT c.n, true, known <> 'refunded', NULL::text, NULL::bigint, NULL::bigint;
      CONTINUE;
    END IF;
    ids := ARRAY(SELECT jsonb_array_elements_text(c.v->'ids'));
    cost := (c.v->>'cost')::bigint;
    refused := false;
    FOR r IN
      SELECT s.id, s.spent_micros, s.budget_micros FROM unnest(ids) WITH ORDINALITY AS u(id, k)
        JOIN aip_budget_segments s ON s.id = u.id ORDER BY u.k
    LOOP
      IF r.budget_micros IS NOT NULL AND r.spent_micros + cost > r.budget_micros THEN
        RETURN QUERY SELECT c.n, false, false, r.id, r.spent_micros, r.budget_micros;
        refused := true;
        EXIT;
      END IF;
    END LOOP;
    CONTINUE WHEN refused;
    INSERT INTO aip_budget_charges (request_id, at, subject, tools, chain, cost_micros, state)
      VALUES (c.v->>'r', (c.v->>'now')::bigint, c.v->>'subject', c.v->'tools', ids, cost, 'pending')
      ON CONFLICT (request_id) DO NOTHING;
    IF NOT FOUND THEN
      -- The same request id, charged at the same moment elsewhere, committed first.
      SELECT ch.state INTO known FROM aip_budget_charges ch WHERE ch.request_id = c.v->>'r';
      RETURN QUERY SELECT c.n, true, known <> 'refunded', NULL::text, NULL::bigint, NULL::bigint;
      CONTINUE;
    END IF;
    UPDATE aip_budget_segments s SET spent_micros = s.spent_micros + cost, calls = s.calls + 1,
      last_at = (c.v->>'now')::bigint
      WHERE s.id = ANY (ids);
    RETURN QUERY SELECT c.n, true, true, NULL::text, NULL::bigint, NULL::bigint;
  END LOOP;
END;
$$;

CREATE OR REPLACE FUNCTION aip_budget_deliver(p_requests text[]) RETURNS void
LANGUAGE sql AS $$
  WITH locked AS (
    SELECT c.seq FROM aip_budget_charges c
      WHERE c.request_id = ANY (p_requests) AND c.state IN ('pending', 'unknown') ORDER BY c.seq FOR UPDATE
  )
  UPDATE aip_budget_charges c SET state = 'delivered' FROM locked WHERE c.seq = locked.seq;
$$;

-- A replica's call per turn of its event loop: its charges (segments locked first), then its
-- deliveries (charge rows in sequence order) — every lock in the same global order as a refund
-- (segments, then its charge row) and the expiry (charge rows in sequence order).
CREATE OR REPLACE FUNCTION aip_budget_step(p_delivered text[], p_batch jsonb)
RETURNS TABLE (idx integer, ok boolean, charged boolean, segment text, spent bigint, budget bigint)
LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY SELECT * FROM aip_budget_charge_many(p_batch);
  IF cardinality(p_delivered) > 0 THEN PERFORM aip_budget_deliver(p_delivered); END IF;
END;
$$;

CREATE OR REPLACE FUNCTION aip_budget_expire(p_before bigint) RETURNS bigint
LANGUAGE sql AS $$
  WITH locked AS (
    SELECT c.seq FROM aip_budget_charges c WHERE c.state = 'pending' AND c.at < p_before ORDER BY c.seq FOR UPDATE
  ), changed AS (
    UPDATE aip_budget_charges c SET state = 'unknown' FROM locked WHERE c.seq = locked.seq RETURNING 1
  )
  SELECT count(*) FROM changed;
$$;

CREATE OR REPLACE FUNCTION aip_budget_settle(p_request text, p_outcome text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  ids text[];
  cost bigint;
BEGIN
  SELECT c.chain INTO ids FROM aip_budget_charges c WHERE c.request_id = p_request;
  IF NOT FOUND THEN RETURN; END IF;
  PERFORM 1 FROM aip_budget_segments s WHERE s.id = ANY (ids) ORDER BY s.id FOR UPDATE;
  UPDATE aip_budget_charges c SET state = p_outcome
    WHERE c.request_id = p_request AND c.state IN ('pending', 'unknown')
    RETURNING c.cost_micros INTO cost;
  IF FOUND AND p_outcome = 'refunded' THEN
    UPDATE aip_budget_segments s SET spent_micros = s.spent_micros - cost, calls = s.calls - 1
      WHERE s.id = ANY (ids);
  END IF;
END;
$$;
`;
