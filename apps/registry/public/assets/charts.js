// The growth chart: daily new vouches as bars and the running total as a line, drawn as SVG
// with the DOM API (no markup strings).

const SVG = 'http://www.w3.org/2000/svg';

function svg(tag, attrs) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  return node;
}

/** Draws `growth` ([{day, vouches, total_vouches}]) into `container`. */
export function drawGrowth(container, growth) {
  container.replaceChildren();
  const width = 600;
  const height = 74;
  const pad = 4;
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: 'none', role: 'img' });
  const title = svg('title', {});
  const last = growth[growth.length - 1];
  title.textContent = last
    ? `${last.total_vouches} vouches in total, ${last.vouches} issued on ${last.day}`
    : 'no data';
  root.append(title);
  const defs = svg('defs', {});
  const gradient = svg('linearGradient', { id: 'bar', x1: 0, y1: 0, x2: 0, y2: 1 });
  gradient.append(svg('stop', { offset: '0%', 'stop-color': '#6ea8ff', 'stop-opacity': 0.95 }));
  gradient.append(svg('stop', { offset: '100%', 'stop-color': '#6ea8ff', 'stop-opacity': 0.25 }));
  defs.append(gradient);
  root.append(defs);
  const maxDaily = Math.max(1, ...growth.map((d) => d.vouches));
  const maxTotal = Math.max(1, ...growth.map((d) => d.total_vouches));
  const minTotal = Math.min(...growth.map((d) => d.total_vouches), maxTotal);
  const step = (width - pad * 2) / Math.max(1, growth.length);
  growth.forEach((d, i) => {
    const h = (d.vouches / maxDaily) * (height - pad * 2);
    const bar = svg('rect', {
      x: pad + i * step + step * 0.15,
      y: height - pad - h,
      width: step * 0.7,
      height: Math.max(h, d.vouches > 0 ? 1.5 : 0),
      rx: 2,
      fill: 'url(#bar)',
    });
    const tip = svg('title', {});
    tip.textContent = `${d.day}: ${d.vouches} vouches, ${d.profiles} profiles, ${d.revocations} revocations`;
    bar.append(tip);
    root.append(bar);
  });
  const span = Math.max(1, maxTotal - minTotal);
  const points = growth.map((d, i) => {
    const x = pad + i * step + step / 2;
    const y =
      height - pad - ((d.total_vouches - minTotal) / span) * (height - pad * 2) * 0.9 - (height - pad * 2) * 0.05;
    return `${x.toFixed(1)},${y.toFixed(1)}`;
  });
  if (points.length > 1) {
    root.append(
      svg('polyline', {
        points: points.join(' '),
        fill: 'none',
        stroke: '#34d399',
        'stroke-width': 2,
        'stroke-linejoin': 'round',
      }),
    );
  }
  container.append(root);
}
