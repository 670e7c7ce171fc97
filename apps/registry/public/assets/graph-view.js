// The interactive trust graph on a canvas: zoom (wheel, +/-), pan (drag, arrows), select an agent
// (click), hover for details, and an evidence path drawn on top. Text is drawn with fillText or
// set with textContent: never parsed as markup.
import { displayName, el, fill, shortDid } from './dom.js';
import { ForceLayout } from './graph-layout.js';

const COLORS = {
  named: ['#93c5fd', '#4f7dff'],
  anonymous: ['#8a94b6', '#4a5272'],
  edge: 'rgba(148, 163, 214, ',
  out: '#6ea8ff',
  in: '#34d399',
  path: '#fcd34d',
  label: '#dfe5fb',
};

export class GraphView {
  constructor(canvas, tooltip, { onSelect } = {}) {
    this.canvas = canvas;
    this.tooltip = tooltip;
    this.onSelect = onSelect ?? (() => {});
    this.ctx = canvas.getContext('2d');
    this.layout = new ForceLayout();
    this.byDid = new Map();
    this.edges = [];
    this.view = { k: 1, x: 0, y: 0 };
    this.selected = null;
    this.hovered = null;
    this.path = null;
    this.frame = 0;
    this.fitted = false;
    // Until the user zooms or pans, the view keeps fitting the graph (resizes, new layouts).
    this.userMoved = false;
    this.#bind();
    new ResizeObserver(() => this.#resize()).observe(canvas);
    this.#resize();
  }

  /** Shows `graph` ({nodes, edges}); agents already on screen keep their places. */
  setGraph(graph) {
    const nodes = graph.nodes.map((n) => {
      const old = this.byDid.get(n.did);
      return { ...n, x: old?.x, y: old?.y, vx: 0, vy: 0 };
    });
    this.byDid = new Map(nodes.map((n) => [n.did, n]));
    this.edges = [];
    for (const e of graph.edges) this.#addEdge(e);
    this.#measure();
    this.layout.set(nodes, this.edges);
    this.fitted = false;
    if (this.selected !== null && !this.byDid.has(this.selected)) this.selected = null;
    if (this.path !== null) this.#placePath(this.path.dids, this.path.vouches);
    this.#publish();
    this.#kick();
  }

  /** Draws an evidence path (DIDs root → target, and the vouch behind each hop), adding what is missing. */
  showPath(dids, vouches, names = new Map()) {
    this.path = { dids, vouches };
    this.#placePath(dids, vouches, names);
    this.#measure();
    this.layout.set([...this.byDid.values()], this.edges);
    this.#publish();
    this.#kick();
  }

  clearPath() {
    this.path = null;
    this.#publish();
    this.#draw();
  }

  select(did) {
    this.selected = did !== null && this.byDid.has(did) ? did : null;
    this.#publish();
    this.#draw();
  }

  has(did) {
    return this.byDid.has(did);
  }

  /** Where an agent is drawn, in CSS pixels from the canvas's top-left corner (or null). */
  screenPositionOf(did) {
    const node = this.byDid.get(did);
    if (node === undefined) return null;
    return { x: node.x * this.view.k + this.view.x, y: node.y * this.view.k + this.view.y };
  }

  /** Fits every agent in view, and keeps doing so until the user zooms or pans again. */
  refit() {
    this.userMoved = false;
    this.fit();
  }

  /** Fits every agent in view. */
  fit() {
    const { minX, minY, maxX, maxY } = this.layout.bounds();
    const w = this.canvas.clientWidth || 1;
    const h = this.canvas.clientHeight || 1;
    const k = Math.min(4, Math.max(0.1, 0.9 * Math.min(w / (maxX - minX || 1), h / (maxY - minY || 1))));
    this.view = { k, x: w / 2 - ((minX + maxX) / 2) * k, y: h / 2 - ((minY + maxY) / 2) * k };
    this.#publish();
    this.#draw();
  }

  zoomBy(factor, cx = this.canvas.clientWidth / 2, cy = this.canvas.clientHeight / 2) {
    this.userMoved = true;
    const k = Math.min(8, Math.max(0.08, this.view.k * factor));
    const wx = (cx - this.view.x) / this.view.k;
    const wy = (cy - this.view.y) / this.view.k;
    this.view = { k, x: cx - wx * k, y: cy - wy * k };
    this.#publish();
    this.#draw();
  }

  panBy(dx, dy) {
    this.userMoved = true;
    this.view.x += dx;
    this.view.y += dy;
    this.#publish();
    this.#draw();
  }

  #placePath(dids, vouches, names = new Map()) {
    for (const did of dids) {
      if (!this.byDid.has(did)) {
        this.byDid.set(did, { did, name: names.get(did) ?? null, vouches_in: 0, vouches_out: 0, vx: 0, vy: 0 });
      }
    }
    for (const v of vouches) {
      if (!this.edges.some((e) => e.id === v.id)) {
        this.#addEdge({ id: v.id, from: v.voucher, to: v.subject, scope: v.scope, weight: v.weight });
      }
    }
  }

  #addEdge(e) {
    const source = this.byDid.get(e.from);
    const target = this.byDid.get(e.to);
    if (source !== undefined && target !== undefined) this.edges.push({ ...e, source, target });
  }

  #measure() {
    // Size by vouches (received and given), relative to the busiest agent drawn: hubs of a large
    // network stay readable instead of covering everyone else.
    const total = (n) => (n.vouches_in ?? 0) + (n.vouches_out ?? 0);
    let busiest = 1;
    for (const node of this.byDid.values()) busiest = Math.max(busiest, total(node));
    for (const node of this.byDid.values()) {
      node.degree = 0;
      node.r = 5 + 12 * Math.sqrt(total(node) / busiest);
    }
    for (const e of this.edges) {
      e.source.degree++;
      e.target.degree++;
    }
  }

  #kick() {
    if (this.frame !== 0) return;
    const step = () => {
      for (let i = 0; i < 4 && this.layout.running; i++) this.layout.tick();
      if (!this.fitted && (this.layout.alpha < 0.3 || !this.layout.running)) {
        this.fitted = true;
        this.fit();
      }
      this.#draw();
      this.frame = this.layout.running ? requestAnimationFrame(step) : 0;
      if (this.frame === 0) {
        if (!this.userMoved) this.fit();
        this.canvas.dataset.settled = 'true';
      }
    };
    this.canvas.dataset.settled = 'false';
    this.frame = requestAnimationFrame(step);
  }

  #resize() {
    const ratio = window.devicePixelRatio || 1;
    const w = this.canvas.clientWidth;
    const h = this.canvas.clientHeight;
    this.canvas.width = Math.max(1, Math.round(w * ratio));
    this.canvas.height = Math.max(1, Math.round(h * ratio));
    this.ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    if (!this.userMoved && this.byDid.size > 0) this.fit();
    else this.#draw();
  }

  #publish() {
    const d = this.canvas.dataset;
    d.nodes = String(this.byDid.size);
    d.edges = String(this.edges.length);
    d.zoom = this.view.k.toFixed(3);
    d.pan = `${Math.round(this.view.x)},${Math.round(this.view.y)}`;
    d.selected = this.selected ?? '';
    d.path = this.path === null ? '0' : String(this.path.vouches.length);
  }

  #toWorld(sx, sy) {
    return { x: (sx - this.view.x) / this.view.k, y: (sy - this.view.y) / this.view.k };
  }

  #nodeAt(sx, sy) {
    const { x, y } = this.#toWorld(sx, sy);
    let best = null;
    let bestD = Infinity;
    for (const node of this.byDid.values()) {
      const d = Math.hypot(node.x - x, node.y - y);
      const reach = node.r + 4 / this.view.k;
      if (d <= reach && d < bestD) {
        best = node;
        bestD = d;
      }
    }
    return best;
  }

  #bind() {
    const c = this.canvas;
    let drag = null;
    c.addEventListener(
      'wheel',
      (event) => {
        event.preventDefault();
        const rect = c.getBoundingClientRect();
        this.zoomBy(Math.exp(-event.deltaY * 0.0015), event.clientX - rect.left, event.clientY - rect.top);
      },
      { passive: false },
    );
    c.addEventListener('pointerdown', (event) => {
      const rect = c.getBoundingClientRect();
      const sx = event.clientX - rect.left;
      const sy = event.clientY - rect.top;
      const node = this.#nodeAt(sx, sy);
      drag = { node, sx, sy, vx: this.view.x, vy: this.view.y, moved: false };
      if (node !== null) node.fixed = true;
      c.setPointerCapture(event.pointerId);
      c.classList.add('dragging');
    });
    c.addEventListener('pointermove', (event) => {
      const rect = c.getBoundingClientRect();
      const sx = event.clientX - rect.left;
      const sy = event.clientY - rect.top;
      if (drag !== null) {
        if (Math.hypot(sx - drag.sx, sy - drag.sy) > 3) drag.moved = true;
        if (drag.node !== null) {
          const { x, y } = this.#toWorld(sx, sy);
          drag.node.x = x;
          drag.node.y = y;
        } else {
          this.userMoved = true;
          this.view.x = drag.vx + sx - drag.sx;
          this.view.y = drag.vy + sy - drag.sy;
          this.#publish();
        }
        this.#draw();
        return;
      }
      const node = this.#nodeAt(sx, sy);
      if (node !== this.hovered) {
        this.hovered = node;
        this.#draw();
      }
      this.#tooltip(node, sx, sy);
    });
    const end = () => {
      if (drag === null) return;
      if (drag.node !== null) drag.node.fixed = false;
      if (!drag.moved) {
        this.select(drag.node?.did ?? null);
        this.onSelect(drag.node?.did ?? null);
      }
      drag = null;
      c.classList.remove('dragging');
    };
    c.addEventListener('pointerup', end);
    c.addEventListener('pointercancel', end);
    c.addEventListener('pointerleave', () => {
      this.hovered = null;
      this.#tooltip(null);
      this.#draw();
    });
    c.addEventListener('keydown', (event) => {
      const moves = { ArrowLeft: [40, 0], ArrowRight: [-40, 0], ArrowUp: [0, 40], ArrowDown: [0, -40] };
      if (event.key === '+' || event.key === '=') this.zoomBy(1.2);
      else if (event.key === '-') this.zoomBy(1 / 1.2);
      else if (event.key in moves) this.panBy(...moves[event.key]);
      else return;
      event.preventDefault();
    });
  }

  #tooltip(node, sx, sy) {
    if (node === null) {
      this.tooltip.hidden = true;
      return;
    }
    fill(
      this.tooltip,
      el('strong', {}, displayName(node)),
      el('div', { class: 'did' }, node.did),
      el('div', {}, `${node.vouches_in ?? 0} vouches received · ${node.vouches_out ?? 0} given`),
    );
    this.tooltip.hidden = false;
    this.tooltip.style.left = `${Math.min(sx + 14, this.canvas.clientWidth - 240)}px`;
    this.tooltip.style.top = `${sy + 14}px`;
  }

  #draw() {
    const ctx = this.ctx;
    const w = this.canvas.clientWidth;
    const h = this.canvas.clientHeight;
    ctx.clearRect(0, 0, w, h);
    ctx.save();
    ctx.translate(this.view.x, this.view.y);
    ctx.scale(this.view.k, this.view.k);
    const onPath = new Set(this.path?.vouches.map((v) => v.id) ?? []);
    const pathNodes = new Set(this.path?.dids ?? []);
    const sel = this.selected;
    // Dense pictures (thousands of vouches among a few hundred agents) fade their edges.
    const density = Math.max(0.12, Math.min(1, 500 / Math.max(1, this.edges.length)));
    for (const e of this.edges) {
      if (onPath.has(e.id)) continue;
      const related = sel !== null && (e.source.did === sel || e.target.did === sel);
      const color = related
        ? e.source.did === sel
          ? COLORS.out
          : COLORS.in
        : `${COLORS.edge}${((0.16 + 0.3 * e.weight) * density).toFixed(3)})`;
      this.#edge(e, color, related ? 2 : 1, sel !== null && !related ? 0.35 : 1);
    }
    for (const e of this.edges) if (onPath.has(e.id)) this.#edge(e, COLORS.path, 3.2, 1, true);
    for (const node of this.byDid.values()) this.#node(node, node.did === sel, pathNodes.has(node.did), sel !== null);
    ctx.restore();
  }

  #edge(e, color, width, alpha, glow = false) {
    const ctx = this.ctx;
    const { source: a, target: b } = e;
    const dx = b.x - a.x;
    const dy = b.y - a.y;
    const d = Math.hypot(dx, dy) || 1;
    const ux = dx / d;
    const uy = dy / d;
    const x1 = a.x + ux * a.r;
    const y1 = a.y + uy * a.r;
    const x2 = b.x - ux * (b.r + 2);
    const y2 = b.y - uy * (b.r + 2);
    ctx.globalAlpha = alpha;
    ctx.strokeStyle = color;
    ctx.fillStyle = color;
    ctx.lineWidth = width / Math.sqrt(this.view.k);
    if (glow) {
      ctx.shadowColor = color;
      ctx.shadowBlur = 12;
    }
    ctx.beginPath();
    ctx.moveTo(x1, y1);
    ctx.lineTo(x2, y2);
    ctx.stroke();
    const head = (5 + width) / Math.sqrt(this.view.k);
    ctx.beginPath();
    ctx.moveTo(x2, y2);
    ctx.lineTo(x2 - ux * head - uy * head * 0.5, y2 - uy * head + ux * head * 0.5);
    ctx.lineTo(x2 - ux * head + uy * head * 0.5, y2 - uy * head - ux * head * 0.5);
    ctx.closePath();
    ctx.fill();
    ctx.shadowBlur = 0;
    ctx.globalAlpha = 1;
  }

  #node(node, selected, onPath, dimOthers) {
    const ctx = this.ctx;
    const [light, dark] = node.name === null ? COLORS.anonymous : COLORS.named;
    const gradient = ctx.createRadialGradient(
      node.x - node.r * 0.35,
      node.y - node.r * 0.35,
      node.r * 0.1,
      node.x,
      node.y,
      node.r,
    );
    gradient.addColorStop(0, light);
    gradient.addColorStop(1, dark);
    ctx.globalAlpha = dimOthers && !selected && !onPath ? 0.75 : 1;
    ctx.beginPath();
    ctx.arc(node.x, node.y, node.r, 0, Math.PI * 2);
    ctx.fillStyle = gradient;
    ctx.fill();
    if (selected || onPath || node === this.hovered) {
      ctx.lineWidth = 2.5 / Math.sqrt(this.view.k);
      ctx.strokeStyle = onPath ? COLORS.path : '#ffffff';
      ctx.stroke();
    }
    ctx.globalAlpha = 1;
    const showLabel = selected || onPath || node === this.hovered || (node.name !== null && node.r * this.view.k > 7);
    if (showLabel) {
      ctx.font = `${12 / this.view.k}px system-ui, sans-serif`;
      ctx.textAlign = 'center';
      ctx.fillStyle = COLORS.label;
      ctx.fillText(node.name ?? shortDid(node.did), node.x, node.y + node.r + 13 / this.view.k);
    }
  }
}
