// A small force-directed layout: nodes repel (inverse square), vouches pull like springs, a weak
// gravity keeps the picture centred. Runs a few ticks per animation frame until it cools.

export class ForceLayout {
  constructor() {
    this.nodes = [];
    this.links = [];
    this.alpha = 1;
  }

  /** Replaces the graph; nodes keep `x`, `y` when they already have them. */
  set(nodes, links) {
    this.nodes = nodes;
    this.links = links;
    const placed = nodes.filter((n) => Number.isFinite(n.x));
    const spread = 40 * Math.sqrt(nodes.length + 1);
    for (const node of nodes) {
      if (Number.isFinite(node.x)) continue;
      // Next to an already placed neighbour when there is one, else on a golden-angle spiral.
      const neighbour = links.find(
        (l) => (l.source === node && Number.isFinite(l.target.x)) || (l.target === node && Number.isFinite(l.source.x)),
      );
      const anchor =
        neighbour === undefined ? undefined : neighbour.source === node ? neighbour.target : neighbour.source;
      if (anchor !== undefined) {
        node.x = anchor.x + (Math.random() - 0.5) * 60;
        node.y = anchor.y + (Math.random() - 0.5) * 60;
      } else {
        const i = placed.length + nodes.indexOf(node);
        const angle = i * 2.399963;
        const radius = spread * Math.sqrt((i + 0.5) / (nodes.length + 1));
        node.x = Math.cos(angle) * radius;
        node.y = Math.sin(angle) * radius;
      }
      node.vx = 0;
      node.vy = 0;
    }
    this.alpha = placed.length === nodes.length ? Math.max(this.alpha, 0.3) : 1;
  }

  get running() {
    return this.alpha > 0.005;
  }

  /** One step of the simulation. */
  tick() {
    const { nodes, links } = this;
    const alpha = this.alpha;
    const n = nodes.length;
    for (let i = 0; i < n; i++) {
      const a = nodes[i];
      for (let j = i + 1; j < n; j++) {
        const b = nodes[j];
        let dx = b.x - a.x;
        let dy = b.y - a.y;
        let d2 = dx * dx + dy * dy;
        if (d2 < 1) {
          dx = Math.random() - 0.5;
          dy = Math.random() - 0.5;
          d2 = 1;
        }
        if (d2 > 360000) continue;
        const d = Math.sqrt(d2);
        const reach = a.r + b.r;
        let force = ((900 + 8 * reach * reach) * alpha) / d2;
        // Overlapping agents are pushed apart whatever the temperature.
        if (d < reach + 6) force += (reach + 6 - d) * 0.5;
        const fx = (dx / d) * force;
        const fy = (dy / d) * force;
        a.vx -= fx;
        a.vy -= fy;
        b.vx += fx;
        b.vy += fy;
      }
    }
    for (const link of links) {
      const { source: a, target: b } = link;
      const dx = b.x - a.x;
      const dy = b.y - a.y;
      const d = Math.sqrt(dx * dx + dy * dy) || 1;
      const rest = 60 + a.r + b.r;
      // As in d3-force: a link pulls less on agents that have many, so hubs do not implode.
      const k = ((d - rest) / d) * (0.3 / Math.max(1, Math.min(a.degree ?? 1, b.degree ?? 1))) * alpha;
      a.vx += dx * k;
      a.vy += dy * k;
      b.vx -= dx * k;
      b.vy -= dy * k;
    }
    for (const node of nodes) {
      node.vx -= node.x * 0.004 * alpha;
      node.vy -= node.y * 0.004 * alpha;
      if (node.fixed) {
        node.vx = 0;
        node.vy = 0;
        continue;
      }
      node.vx *= 0.6;
      node.vy *= 0.6;
      node.x += Math.max(-40, Math.min(40, node.vx));
      node.y += Math.max(-40, Math.min(40, node.vy));
    }
    this.alpha *= 0.985;
  }

  /** The bounding box of the nodes. */
  bounds() {
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    for (const node of this.nodes) {
      minX = Math.min(minX, node.x - node.r);
      minY = Math.min(minY, node.y - node.r);
      maxX = Math.max(maxX, node.x + node.r);
      maxY = Math.max(maxY, node.y + node.r);
    }
    return Number.isFinite(minX) ? { minX, minY, maxX, maxY } : { minX: -100, minY: -100, maxX: 100, maxY: 100 };
  }
}
