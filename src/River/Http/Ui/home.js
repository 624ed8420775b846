// The home page: every component with its health (state, message, time), a summary by state and a filter.

import * as api from './api.js';
import { esc, badge, timeTag, componentHref, STATES } from './util.js';

export class HomeView {
  constructor(main) {
    const params = new URLSearchParams(location.search);
    this.text = params.get('filter') || '';
    this.state = params.get('state') || '';
    this.haystacks = [];
    main.innerHTML = `
      <h1>Components</h1>
      <div class="toolbar">
        <input id="filter" type="search" placeholder="Filter by id, type, state or message" autocomplete="off"
               aria-label="Filter components" value="${esc(this.text)}">
        <div id="summary" class="summary" role="group" aria-label="Filter by health"></div>
      </div>
      <table class="components">
        <thead><tr><th>Component</th><th>Health</th><th>Message</th><th>Updated</th></tr></thead>
        <tbody id="rows"></tbody>
      </table>
      <p id="shown" class="muted"></p>`;
    this.input = main.querySelector('#filter');
    this.summary = main.querySelector('#summary');
    this.rows = main.querySelector('#rows');
    this.shown = main.querySelector('#shown');
    this.input.addEventListener('input', () => { this.text = this.input.value; this.applyFilter(); });
    this.summary.addEventListener('click', (event) => {
      const button = event.target.closest('button');
      if (!button) return;
      this.state = this.state === button.dataset.state ? '' : button.dataset.state;
      this.applyFilter();
    });
  }

  load() { return api.components(); }

  render(components) {
    const sorted = [...components].sort((a, b) => a.localID.localeCompare(b.localID));
    const counts = Object.fromEntries(STATES.map((s) => [s, 0]));
    const html = [];
    this.haystacks = [];
    for (const c of sorted) {
      const state = c.health?.state || 'unknown';
      counts[state] = (counts[state] || 0) + 1;
      this.haystacks.push({ state, text: `${c.localID} ${c.name} ${state} ${c.health?.message || ''}`.toLowerCase() });
      html.push(`<tr class="row-${esc(state)}" data-id="${esc(c.localID)}">
        <td title="${esc(c.localID)}"><a href="${esc(componentHref(c.localID))}">${esc(c.localID)}</a></td>
        <td>${badge(state)}</td>
        <td class="message">${esc(c.health?.message)}</td>
        <td class="time">${timeTag(c.health?.updatedTime)}</td></tr>`);
    }
    this.rows.innerHTML = html.join('');
    this.total = sorted.length;
    this.summary.innerHTML = STATES.map((s) =>
      `<button type="button" class="count health-${s}" data-state="${s}" aria-pressed="false">${s} <b>${counts[s]}</b></button>`).join('');
    this.applyFilter();
  }

  /** Hides the rows that do not match every word of the filter (and the chosen state); keeps it in the URL. */
  applyFilter() {
    const words = this.text.toLowerCase().split(/\s+/).filter(Boolean);
    const rows = this.rows.children;
    let shown = 0;
    for (let i = 0; i < rows.length; i++) {
      const h = this.haystacks[i];
      const match = (!this.state || h.state === this.state) && words.every((w) => h.text.includes(w));
      rows[i].hidden = !match;
      if (match) shown++;
    }
    for (const button of this.summary.children) {
      button.setAttribute('aria-pressed', String(button.dataset.state === this.state));
    }
    this.shown.textContent = this.total === 0 ? 'The configuration has no components.'
      : shown === this.total ? `${this.total} components` : `${shown} of ${this.total} components match`;
    const params = new URLSearchParams(location.search);
    this.text ? params.set('filter', this.text) : params.delete('filter');
    this.state ? params.set('state', this.state) : params.delete('state');
    const query = params.toString();
    history.replaceState(null, '', location.pathname + (query ? '?' + query : ''));
  }
}
