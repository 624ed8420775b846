// River's UI: one page script that routes on the path (/, /graph, /component/{id}), renders the view from the JSON
// API, then polls the API and re-renders when the answer changed, so health and reloads show without a page reload.

import * as api from './api.js';
import { esc, timeTag, age } from './util.js';
import { HomeView } from './home.js';
import { ComponentView } from './component.js';
import { GraphView } from './graph.js';

// ?refresh=<ms> sets the polling period (tests use a short one); read once so in-app navigation keeps it.
const REFRESH_MS = Math.max(100, Number(new URLSearchParams(location.search).get('refresh')) || 2000);

const main = document.getElementById('main');
const banner = document.getElementById('banner');
const live = document.getElementById('live');

let current = null; // { key, view, lastText }
let timer = 0;
let generation = 0; // bumps on navigation so a late answer for the previous page is dropped

/** Parses the location into a view name and, for the component page, the component id. */
function route() {
  const path = location.pathname;
  if (path.startsWith('/component/')) {
    const id = path.slice('/component/'.length).split('/').map(safeDecode).join('/');
    return { name: 'component', id, key: 'component:' + id };
  }
  if (path === '/graph' || path === '/graph/') return { name: 'graph', key: 'graph' };
  return { name: 'home', key: 'home' };
}

/** decodeURIComponent that keeps a malformed escape (a hand-typed "%zz") as typed instead of throwing. */
function safeDecode(segment) {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function createView(r) {
  switch (r.name) {
    case 'component': return new ComponentView(main, r.id);
    case 'graph': return new GraphView(main);
    default: return new HomeView(main);
  }
}

/** Shows the view of the current location and starts polling for it. */
function navigate() {
  const r = route();
  generation++;
  clearTimeout(timer);
  current = { key: r.key, view: createView(r), lastText: null, renders: 0 };
  document.documentElement.dataset.view = r.name;
  delete document.documentElement.dataset.loaded;
  for (const link of document.querySelectorAll('header nav a')) {
    link.classList.toggle('active', link.dataset.section === r.name);
  }
  refresh(generation);
}

/** One poll: status (banner) and the view's data; re-renders only when the JSON text changed. */
async function refresh(gen) {
  const page = current;
  try {
    const [status, data] = await Promise.all([api.status(), page.view.load()]);
    if (gen !== generation) return;
    showBanner(status.data);
    // While the operator selects text on the page (to copy an id or a value), a redraw would drop the selection:
    // the change is drawn on the first poll after the selection ends.
    const selection = document.getSelection();
    const selecting = selection && !selection.isCollapsed && document.activeElement?.tagName !== 'INPUT'
      && main.contains(selection.anchorNode);
    if (data.text !== page.lastText && !(selecting && page.renders > 0)) {
      page.lastText = data.text;
      const start = performance.now();
      page.view.render(data.data);
      // Reading a layout property makes the browser lay the page out now, so the time includes the layout.
      void main.offsetHeight;
      recordRender(page, performance.now() - start);
    }
    refreshAges();
    live.textContent = 'live · ' + new Date().toLocaleTimeString();
    live.className = 'live ok';
  } catch (error) {
    if (gen !== generation) return;
    if (error.status === 404 && page.view.missing) {
      // The component is gone (removed by a reload); keep polling, it may come back.
      page.lastText = null;
      page.view.missing(error);
      recordRender(page, 0);
      live.textContent = 'live · ' + new Date().toLocaleTimeString();
      live.className = 'live ok';
    } else {
      live.textContent = 'River unreachable: ' + error.message;
      live.className = 'live error';
    }
  }
  if (gen === generation) timer = setTimeout(() => refresh(gen), REFRESH_MS);
}

/** Keeps the "12s ago" texts current between renders (the JSON, and so the markup, does not change with time). */
function refreshAges() {
  for (const t of document.querySelectorAll('time[datetime]')) {
    const text = age(t.getAttribute('datetime'));
    if (t.textContent !== text) t.textContent = text;
  }
}

/**
 * Exposes render timings to tests and to curious operators: data-render-ms (the last render alone) and data-ready-ms
 * (performance.now() at the end of the first render: navigation start to a usable page, fetches included).
 */
function recordRender(page, ms) {
  page.renders++;
  const root = document.documentElement.dataset;
  root.renderMs = ms.toFixed(1);
  root.renders = String(page.renders);
  if (page.renders === 1) root.readyMs = performance.now().toFixed(1);
  root.loaded = 'true';
}

/** The reload banner: shown while the last load failed, with every diagnostic. */
function showBanner(status) {
  const errors = status.lastReloadError || [];
  if (status.lastReloadSuccessful || errors.length === 0) {
    if (!status.ready && !status.lastReloadSuccessful && errors.length === 0) {
      banner.hidden = false;
      banner.className = 'banner warn';
      banner.innerHTML = 'River is not ready yet: the configuration is still loading.';
      return;
    }
    banner.hidden = true;
    banner.innerHTML = '';
    return;
  }
  const items = errors.map((d) =>
    `<li><span class="loc">${esc(d.location)}</span> ${esc(d.message)}${d.hint ? `<div class="hint">${esc(d.hint)}</div>` : ''}</li>`).join('');
  const html = `<strong>The last reload failed</strong> ${timeTag(status.lastReloadTime)}; River keeps running the previous configuration.
    <ul class="diagnostics">${items}</ul>`;
  if (banner.innerHTML !== html) banner.innerHTML = html;
  banner.className = 'banner error';
  banner.hidden = false;
}

// In-app navigation: same-origin links to the UI's pages switch views without loading the page again.
document.addEventListener('click', (event) => {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const link = event.target.closest('a');
  if (!link) return;
  const href = link.getAttribute('href') || '';
  if (!(href === '/' || href === '/graph' || href.startsWith('/component/'))) return;
  event.preventDefault();
  if (href !== location.pathname) history.pushState(null, '', href);
  navigate();
  window.scrollTo(0, 0);
});
window.addEventListener('popstate', navigate);

navigate();
