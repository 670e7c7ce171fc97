// DOM helpers of the observatory. Every piece of data reaches the page as a text node or an
// attribute value set through the DOM API: never as markup, so nothing a registry stores can run.

/**
 * Creates an element. `attrs` are set with setAttribute (event handlers with `on*` keys are
 * attached as listeners); children are nodes or strings (turned into text nodes).
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces the children of `node`. */
export function fill(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

/** `did:key:z6MkhaXg…Qfg7` */
export function shortDid(did) {
  if (typeof did !== 'string') return '';
  const key = did.startsWith('did:key:') ? did.slice(8) : did;
  return key.length > 18 ? `${key.slice(0, 10)}…${key.slice(-6)}` : key;
}

/** The display name of an agent: its profile name, else its short key. */
export function displayName(agent) {
  return agent && typeof agent.name === 'string' && agent.name !== '' ? agent.name : shortDid(agent?.did);
}

export function formatCount(n) {
  return typeof n === 'number' ? n.toLocaleString('en-US') : '–';
}

export function formatScore(n) {
  return typeof n === 'number' ? n.toFixed(3) : '–';
}
