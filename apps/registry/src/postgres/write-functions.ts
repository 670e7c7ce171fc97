// The registry's writes as server-side functions (DESIGN §9): each publication is one statement,
// so one round trip, and the write lock (a transaction-scoped advisory lock) is held only while the
// server runs the function, not across network round trips. Inside it, the object takes the next
// sequence number, so sequence order is commit order. Created (or replaced) by the migration, each
// pinned to the search_path it was created under, so objects another role creates in a schema
// earlier on a caller's path cannot stand in for the registry's tables.
import { NOTIFY_CHANNEL, WRITE_LOCK } from './schema.js';

export const WRITE_FUNCTIONS = `
CREATE OR REPLACE FUNCTION aip_registry_append(p_kind text, p_id text, p_object text, p_now bigint)
RETURNS bigint LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
DECLARE v_seq bigint;
BEGIN
  UPDATE aip_registry_sequence SET last = last + 1 RETURNING last INTO v_seq;
  INSERT INTO aip_registry_objects (seq, kind, id, object, verified_at) VALUES (v_seq, p_kind, p_id, p_object, p_now);
  PERFORM pg_notify('${NOTIFY_CHANNEL}', v_seq::text);
  RETURN v_seq;
END $fn$;

-- 'accepted', 'duplicate', or 'revoked' (stored and revoked: it never comes back).
CREATE OR REPLACE FUNCTION aip_registry_publish_vouch(p_id text, p_voucher text, p_object text, p_now bigint)
RETURNS text LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
DECLARE v_stored aip_registry_vouches%ROWTYPE;
BEGIN
  PERFORM pg_advisory_xact_lock(${WRITE_LOCK});
  SELECT * INTO v_stored FROM aip_registry_vouches WHERE id = p_id;
  IF FOUND THEN
    RETURN CASE WHEN v_stored.revoked_by IS NULL THEN 'duplicate' ELSE 'revoked' END;
  END IF;
  PERFORM aip_registry_append('vouch', p_id, p_object, p_now);
  INSERT INTO aip_registry_vouches (id, voucher) VALUES (p_id, p_voucher);
  RETURN 'accepted';
END $fn$;

-- 'accepted', 'duplicate', 'vouch_unknown', 'vouch_revoked' or 'unauthorized'.
CREATE OR REPLACE FUNCTION aip_registry_publish_revocation(
  p_id text, p_vouch text, p_voucher text, p_object text, p_now bigint)
RETURNS text LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
DECLARE v_target aip_registry_vouches%ROWTYPE;
BEGIN
  PERFORM pg_advisory_xact_lock(${WRITE_LOCK});
  SELECT * INTO v_target FROM aip_registry_vouches WHERE id = p_vouch;
  IF NOT FOUND THEN RETURN 'vouch_unknown'; END IF;
  IF v_target.revoked_by = p_id THEN RETURN 'duplicate'; END IF;
  IF v_target.revoked_by IS NOT NULL THEN RETURN 'vouch_revoked'; END IF;
  IF v_target.voucher <> p_voucher THEN RETURN 'unauthorized'; END IF;
  PERFORM aip_registry_append('revocation', p_id, p_object, p_now);
  UPDATE aip_registry_vouches SET revoked_by = p_id WHERE id = p_vouch;
  RETURN 'accepted';
END $fn$;

-- 'accepted' or 'duplicate' (the same event, by id, is already stored). A key event takes a
-- position (replicas apply it in commit order) but is no feed entry.
CREATE OR REPLACE FUNCTION aip_registry_publish_key_event(p_id text, p_object text, p_now bigint)
RETURNS text LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
BEGIN
  PERFORM pg_advisory_xact_lock(${WRITE_LOCK});
  IF EXISTS (SELECT 1 FROM aip_registry_objects WHERE id = p_id AND kind = 'key-event') THEN
    RETURN 'duplicate';
  END IF;
  PERFORM aip_registry_append('key-event', p_id, p_object, p_now);
  RETURN 'accepted';
END $fn$;

-- status 'accepted' (replaced: the id it superseded, or null), 'duplicate', or 'outdated'
-- (current_iat: the stored profile's); a replaced profile leaves the feed.
CREATE OR REPLACE FUNCTION aip_registry_publish_profile(
  p_did text, p_id text, p_iat bigint, p_object text, p_now bigint,
  OUT status text, OUT replaced text, OUT current_iat bigint)
LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
DECLARE v_current aip_registry_profiles%ROWTYPE; v_seq bigint;
BEGIN
  PERFORM pg_advisory_xact_lock(${WRITE_LOCK});
  SELECT * INTO v_current FROM aip_registry_profiles WHERE did = p_did;
  IF FOUND AND v_current.id = p_id THEN status := 'duplicate'; RETURN; END IF;
  IF FOUND AND v_current.iat >= p_iat THEN
    status := 'outdated'; current_iat := v_current.iat; RETURN;
  END IF;
  IF FOUND THEN
    DELETE FROM aip_registry_objects WHERE seq = v_current.seq;
    replaced := v_current.id;
  END IF;
  v_seq := aip_registry_append('profile', p_id, p_object, p_now);
  INSERT INTO aip_registry_profiles (did, id, iat, seq) VALUES (p_did, p_id, p_iat, v_seq)
    ON CONFLICT (did) DO UPDATE SET id = excluded.id, iat = excluded.iat, seq = excluded.seq;
  status := 'accepted';
END $fn$;
`;
