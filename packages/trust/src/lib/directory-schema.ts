// What a directory of agents (a registry, a mirror) needs beside the trust tables, kept by the
// trust store's own triggers so every connection that writes keeps it: the append sequence of
// stored objects (`changesSince`), vouches by subject (an agent's vouches received), and active
// vouch counts per agent. A store that only imports and answers queries goes without: cheaper
// inserts. Once created it stays, marked in `meta`.

/** Change kinds (the `kind` column). */
export const CHANGE_VOUCH = 1;
export const CHANGE_REVOCATION = 2;

export const DIRECTORY_SCHEMA = `
-- AUTOINCREMENT: positions are never reused, so a reader following the sequence never skips one.
CREATE TABLE IF NOT EXISTS changes (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  kind INTEGER NOT NULL,
  ref INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS changes_by_ref ON changes (kind, ref);
CREATE INDEX IF NOT EXISTS vouches_by_subject ON vouches (subject);
CREATE TRIGGER IF NOT EXISTS changes_vouch AFTER INSERT ON vouches
  BEGIN INSERT INTO changes (kind, ref) VALUES (${CHANGE_VOUCH}, NEW.seq); END;
CREATE TRIGGER IF NOT EXISTS changes_revocation AFTER INSERT ON revocations
  BEGIN INSERT INTO changes (kind, ref) VALUES (${CHANGE_REVOCATION}, NEW.seq); END;
-- A pending revocation that turns out to be foreign is deleted: so is its place in the sequence.
CREATE TRIGGER IF NOT EXISTS changes_revocation_gone AFTER DELETE ON revocations
  BEGIN DELETE FROM changes WHERE kind = ${CHANGE_REVOCATION} AND ref = OLD.seq; END;
-- Active (unrevoked) vouches received and given per agent.
CREATE TABLE IF NOT EXISTS agent_degrees (
  agent INTEGER PRIMARY KEY,
  vouches_in INTEGER NOT NULL DEFAULT 0,
  vouches_out INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS agent_degrees_in ON agent_degrees (vouches_in);
CREATE TRIGGER IF NOT EXISTS agent_degrees_vouch AFTER INSERT ON vouches WHEN NEW.revoked_at IS NULL BEGIN
  INSERT OR IGNORE INTO agent_degrees (agent) VALUES (NEW.subject);
  INSERT OR IGNORE INTO agent_degrees (agent) VALUES (NEW.voucher);
  UPDATE agent_degrees SET vouches_in = vouches_in + 1 WHERE agent = NEW.subject;
  UPDATE agent_degrees SET vouches_out = vouches_out + 1 WHERE agent = NEW.voucher;
END;
CREATE TRIGGER IF NOT EXISTS agent_degrees_revoke AFTER UPDATE OF revoked_at ON vouches
  WHEN OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL BEGIN
  UPDATE agent_degrees SET vouches_in = vouches_in - 1 WHERE agent = NEW.subject;
  UPDATE agent_degrees SET vouches_out = vouches_out - 1 WHERE agent = NEW.voucher;
END;
`;

/** Objects stored before the directory existed, once: vouches then revocations, and the counts. */
export const DIRECTORY_BACKFILL = `
INSERT OR IGNORE INTO changes (kind, ref) SELECT ${CHANGE_VOUCH}, seq FROM vouches ORDER BY seq;
INSERT OR IGNORE INTO changes (kind, ref) SELECT ${CHANGE_REVOCATION}, seq FROM revocations ORDER BY seq;
INSERT OR IGNORE INTO agent_degrees (agent) SELECT idx FROM agents;
UPDATE agent_degrees SET vouches_in = t.n
  FROM (SELECT subject, count(*) AS n FROM vouches WHERE revoked_at IS NULL GROUP BY subject) t
  WHERE agent_degrees.agent = t.subject;
UPDATE agent_degrees SET vouches_out = t.n
  FROM (SELECT voucher, count(*) AS n FROM vouches WHERE revoked_at IS NULL GROUP BY voucher) t
  WHERE agent_degrees.agent = t.voucher;
`;
