// An agent's key lineage (DESIGN §11) in the agent card: its keys in order, which were rotated away
// or revoked (and why), and whether a next key is committed. Text only, through the DOM helpers.
import { el, shortDid } from './dom.js';

const day = (seconds) => new Date(seconds * 1000).toISOString().slice(0, 10);

function describeKey(key) {
  if (key.status === 'revoked') {
    const why = key.cause === 'duplicity' ? 'two events established it' : (key.reason ?? 'compromised');
    return `revoked ${day(key.revoked_at)}: ${why}`;
  }
  if (key.status === 'rotated') return `rotated ${day(key.rotated_at)}`;
  return 'current key';
}

/** The lineage section for `lineage` (the API's view), or null when no key event names the agent. */
export function lineageView(lineage) {
  if (lineage === null || lineage.root === null) return null;
  return el(
    'section',
    { class: 'lineage', 'data-testid': 'lineage' },
    el('h3', {}, 'Key lineage'),
    el(
      'ol',
      {},
      lineage.keys.map((key) =>
        el(
          'li',
          { class: key.status, dataset: { status: key.status }, title: key.did },
          el('span', { class: 'key' }, shortDid(key.did)),
          ' ',
          el('span', { class: 'state' }, describeKey(key)),
        ),
      ),
    ),
    el(
      'p',
      { class: 'next' },
      lineage.frozen
        ? 'Frozen: conflicting key events were seen, no rotation is honoured.'
        : lineage.next_committed
          ? 'A next key is committed: only its holder can rotate this identity.'
          : 'No next key is committed.',
    ),
  );
}
