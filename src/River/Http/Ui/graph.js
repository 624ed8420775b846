// The graph page: the component DAG as SVG, laid out in columns by topological depth along the data flow (sources
// on the left), nodes coloured by health, one edge per reference pointing the way the data flows. A node holds one
// line of text (its id; the state is in its colour, its border style and its tooltip): text is what costs the browser
// most when it draws 1 000 nodes.

import * as api from './api.js';
import { esc, componentHref, STATES } from './util.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
const NODE_W = 250;
const NODE_H = 30;
const COL_GAP = 90;
const ROW_GAP = 14;
const PAD = 20;
const CHAR_W = 7.3; // the width of one character of the 12px monospace node labels

export class GraphView {
  constructor(main) {
    this.scale = 1;
    main.innerHTML = `
      <h1>Graph</h1>
      <div class="toolbar">
        <span id="legend" class="legend"></span>
        <span class="zoom" role="group" aria-label="Zoom">
          <button type="button" data-zoom="0.8" title="Zoom out">−</button>
          <button type="button" data-zoom="1.25" title="Zoom in">+</button>
          <button type="button" data-zoom="fit" title="Fit the width">fit</button>
          <button type="button" data-zoom="1" title="Actual size">1:1</button>
        </span>
      </div>
      <div id="canvas" class="canvas"></div>`;
    this.canvas = main.querySelector('#canvas');
    this.legend = main.querySelector('#legend');
    main.querySelector('.zoom').addEventListener('click', (event) => {
      const z = event.target.closest('button')?.dataset.zoom;
      if (!z) return;
      if (z === 'fit') this.scale = Math.min(1, (this.canvas.clientWidth - 4) / this.width);
      else if (z === '1') this.scale = 1;
      else this.scale = Math.min(4, Math.max(0.05, this.scale * Number(z)));
      this.applyScale();
    });
    // Hovering a node highlights its edges, to follow one component's references in a dense graph.
    this.canvas.addEventListener('mouseover', (event) => this.highlight(event.target.closest('.node')?.dataset.id));
    this.canvas.addEventListener('mouseleave', () => this.highlight(null));
  }

  load() { return api.components(); }

  render(components) {
    const { nodes, edges, width, height } = layout(components);
    this.width = width;
    this.height = height;
    const counts = Object.fromEntries(STATES.map((s) => [s, 0]));
    for (const n of nodes) counts[n.state] = (counts[n.state] || 0) + 1;
    this.legend.innerHTML = `${nodes.length} components, ${edges.length} references · ` +
      STATES.map((s) => `<span class="key health-${s}"><i></i>${s} ${counts[s]}</span>`).join(' ');

    const parts = [];
    parts.push(`<svg xmlns="${SVG_NS}" id="graph" viewBox="0 0 ${width} ${height}" role="img" aria-label="Component graph">`);
    parts.push(`<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8"
      orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrowhead"/></marker></defs>`);
    parts.push('<g class="edges">');
    for (const e of edges) {
      const x1 = e.from.x + NODE_W, y1 = e.from.y + NODE_H / 2;
      const x2 = e.to.x, y2 = e.to.y + NODE_H / 2;
      const bend = Math.max(40, Math.abs(x2 - x1) / 2);
      parts.push(`<path class="edge" data-from="${esc(e.from.id)}" data-to="${esc(e.to.id)}" marker-end="url(#arrow)"
        d="M${x1},${y1} C${x1 + bend},${y1} ${x2 - bend},${y2} ${x2},${y2}"/>`);
    }
    parts.push('</g><g class="nodes">');
    const maxChars = Math.floor((NODE_W - 20) / CHAR_W);
    for (const n of nodes) {
      const label = n.id.length > maxChars ? n.id.slice(0, maxChars - 1) + '…' : n.id;
      parts.push(`<a class="node health-${n.state}" data-id="${esc(n.id)}" data-state="${n.state}" href="${esc(componentHref(n.id))}"
        transform="translate(${n.x},${n.y})"><title>${esc(n.id)}: ${n.state}${n.message ? ' — ' + esc(n.message) : ''}</title>
        <rect width="${NODE_W}" height="${NODE_H}" rx="6"/>
        <text x="10" y="19">${esc(label)}</text></a>`);
    }
    parts.push('</g></svg>');
    this.canvas.innerHTML = parts.join('');
    this.svg = this.canvas.firstElementChild;
    this.applyScale();
  }

  applyScale() {
    if (!this.svg) return;
    this.svg.setAttribute('width', String(Math.round(this.width * this.scale)));
    this.svg.setAttribute('height', String(Math.round(this.height * this.scale)));
  }

  highlight(id) {
    if (!this.svg || id === this.highlighted) return;
    this.highlighted = id;
    for (const el of this.svg.querySelectorAll('.edge.lit')) el.classList.remove('lit');
    if (!id) return;
    for (const el of this.svg.querySelectorAll('.edge')) {
      if (el.dataset.from === id || el.dataset.to === id) el.classList.add('lit');
    }
  }
}

/**
 * Places the components: the column of a node is its longest data-flow path from a source (Kahn's algorithm); in a
 * column, nodes are ordered and placed level with the mean height of their predecessors, pushed down only as far as
 * needed to not overlap, so edges stay short and mostly straight.
 * A cycle in the data flow (possible when a receiver and a plain export meet) cannot be layered: its nodes go one
 * column right of what they depend on, so every node is still drawn once.
 */
export function layout(components) {
  const byId = new Map();
  const nodes = components.map((c) => {
    const n = { id: c.localID, state: c.health?.state || 'unknown', message: c.health?.message || '', out: [], in: [], depth: 0 };
    if (!STATES.includes(n.state)) n.state = 'unknown';
    byId.set(n.id, n);
    return n;
  });
  const edges = [];
  for (const c of components) {
    const from = byId.get(c.localID);
    for (const target of c.dataFlowEdgesTo || []) {
      const to = byId.get(target);
      if (!to || to === from) continue;
      edges.push({ from, to });
      from.out.push(to);
      to.in.push(from);
    }
  }

  const indegree = new Map(nodes.map((n) => [n, n.in.length]));
  const queue = nodes.filter((n) => n.in.length === 0).sort((a, b) => a.id.localeCompare(b.id));
  const done = new Set();
  for (let i = 0; i < queue.length; i++) {
    const n = queue[i];
    done.add(n);
    for (const m of n.out) {
      m.depth = Math.max(m.depth, n.depth + 1);
      indegree.set(m, indegree.get(m) - 1);
      if (indegree.get(m) === 0) queue.push(m);
    }
  }
  for (const n of nodes) {
    if (!done.has(n)) n.depth = Math.max(n.depth, ...n.in.filter((m) => done.has(m)).map((m) => m.depth + 1), 0);
  }

  const columns = [];
  for (const n of nodes) (columns[n.depth] ||= []).push(n);
  const rowStep = NODE_H + ROW_GAP;
  let bottom = PAD;
  for (let d = 0; d < columns.length; d++) {
    const column = columns[d] || (columns[d] = []);
    for (const n of column) {
      const placed = n.in.filter((m) => m.depth < d);
      n.want = placed.length ? placed.reduce((sum, m) => sum + m.y, 0) / placed.length : Number.POSITIVE_INFINITY;
    }
    column.sort((a, b) => (a.want - b.want) || a.id.localeCompare(b.id));
    // Each node goes level with the mean of what feeds it, or just below the node above when that place is taken.
    let free = PAD;
    for (const n of column) {
      n.x = PAD + d * (NODE_W + COL_GAP);
      n.y = Number.isFinite(n.want) ? Math.max(n.want, free) : free;
      free = n.y + rowStep;
    }
    bottom = Math.max(bottom, free);
  }
  const width = Math.max(1, columns.length) * (NODE_W + COL_GAP) - COL_GAP + 2 * PAD;
  const height = Math.max(bottom - ROW_GAP + PAD, NODE_H + 2 * PAD);
  return { nodes, edges, width, height };
}
