// The component page: health, evaluated arguments, exports and debug info (Alloy JSON bodies printed back as River
// syntax), and the references in and out.

import * as api from './api.js';
import { esc, badge, timeTag, componentHref } from './util.js';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const INLINE_LIMIT = 60; // characters of one value before it breaks over lines

export class ComponentView {
  constructor(main, id) {
    this.main = main;
    this.id = id;
    main.innerHTML = `<p class="muted">Loading ${esc(id)}…</p>`;
  }

  load() { return api.component(this.id); }

  missing() {
    this.main.innerHTML = `<nav class="crumbs"><a href="/">Components</a> / ${esc(this.id)}</nav>
      <h1>${esc(this.id)}</h1>
      <p class="notice">No component <code>${esc(this.id)}</code> in the running configuration.</p>`;
  }

  render(c) {
    const state = c.health?.state || 'unknown';
    const flowsTo = new Set(c.dataFlowEdgesTo || []);
    this.main.innerHTML = `
      <nav class="crumbs"><a href="/">Components</a> / ${esc(c.localID)}</nav>
      <h1>${esc(c.localID)}</h1>
      <p class="muted">type <code>${esc(c.name)}</code>${c.label ? `, label <code>${esc(c.label)}</code>` : ''}</p>
      <section class="card health-card health-${esc(state)}" id="health">
        <h2>Health</h2>
        <p>${badge(state)} <span class="message">${esc(c.health?.message)}</span> ${timeTag(c.health?.updatedTime)}</p>
      </section>
      <div class="columns">
        <section class="card" id="arguments"><h2>Arguments</h2>${body(c.arguments)}</section>
        <section class="card" id="exports"><h2>Exports</h2>${body(c.exports)}</section>
        <section class="card" id="debug-info"><h2>Debug info</h2>${body(c.debugInfo)}</section>
        <section class="card" id="references"><h2>References</h2>
          <h3>Refers to</h3>${links(c.referencesTo, flowsTo, 'references-to')}
          <h3>Referenced by</h3>${links(c.referencedBy, flowsTo, 'referenced-by')}
        </section>
      </div>`;
  }
}

/** A list of component links; an arrow marks the direction the data flows. */
function links(ids, flowsTo, cls) {
  if (!ids || ids.length === 0) return `<p class="muted ${cls}">none</p>`;
  return `<ul class="refs ${cls}">${ids.map((id) => `<li><a href="${esc(componentHref(id))}">${esc(id)}</a>
    <span class="flow" title="direction of the data, seen from this component">${flowsTo.has(id) ? '→ sends data' : '← receives data'}</span></li>`).join('')}</ul>`;
}

/** An Alloy JSON body as River text, or a muted "none". */
function body(statements) {
  if (!statements || statements.length === 0) return '<p class="muted">none</p>';
  return `<pre class="river">${statements.map((s) => statement(s, '')).join('\n')}</pre>`;
}

function statement(s, indent) {
  if (s.type === 'block') {
    const label = s.label ? ` <span class="str">${esc(JSON.stringify(s.label))}</span>` : '';
    const inner = (s.body || []).map((b) => statement(b, indent + '  ')).join('\n');
    return `${indent}<span class="blk">${esc(s.name)}</span>${label} {${inner ? '\n' + inner + '\n' + indent : ''}}`;
  }
  return `${indent}<span class="key">${esc(s.name)}</span> = ${value(s.value, indent)}`;
}

/** One Alloy JSON value as River syntax, multi-line when it would not fit on one line. */
function value(v, indent) {
  if (!v) return '<span class="lit">null</span>';
  switch (v.type) {
    case 'null': return '<span class="lit">null</span>';
    case 'number': return `<span class="num">${esc(String(v.value))}</span>`;
    case 'bool': return `<span class="lit">${v.value ? 'true' : 'false'}</span>`;
    case 'string': return `<span class="str">${esc(JSON.stringify(v.value))}</span>`;
    case 'function': return '<span class="cap">function</span>';
    case 'capsule':
      return v.value === '(secret)' ? '<span class="secret">(secret)</span>' : `<span class="cap">${esc(v.value)}</span>`;
    case 'array': {
      const items = v.value || [];
      if (items.length === 0) return '[]';
      const inline = `[${items.map((x) => value(x, indent)).join(', ')}]`;
      if (plainLength(inline) <= INLINE_LIMIT && !inline.includes('\n')) return inline;
      const inner = indent + '  ';
      return `[\n${items.map((x) => inner + value(x, inner) + ',').join('\n')}\n${indent}]`;
    }
    case 'object': {
      const fields = v.value || [];
      if (fields.length === 0) return '{}';
      const key = (k) => `<span class="key">${esc(IDENTIFIER.test(k) ? k : JSON.stringify(k))}</span>`;
      const inline = `{${fields.map((f) => `${key(f.key)} = ${value(f.value, indent)}`).join(', ')}}`;
      if (plainLength(inline) <= INLINE_LIMIT && !inline.includes('\n')) return inline;
      const inner = indent + '  ';
      return `{\n${fields.map((f) => `${inner}${key(f.key)} = ${value(f.value, inner)},`).join('\n')}\n${indent}}`;
    }
    default: return `<span class="cap">${esc(JSON.stringify(v.value ?? null))}</span>`;
  }
}

/** The visible length of generated markup (tags and entities stripped), to decide on line breaks. */
function plainLength(html) {
  return html.replace(/<[^>]*>/g, '').replace(/&[a-z#0-9]+;/g, 'x').length;
}
