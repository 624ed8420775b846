// Small helpers shared by the views: escaping, health badges and times.

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML content and attribute values (views build markup as strings: fast for 1 000 rows). */
export function esc(value) {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** The page path of a component (ids may hold '/' for modules; each segment is encoded). */
export function componentHref(id) {
  return '/component/' + id.split('/').map(encodeURIComponent).join('/');
}

/** The four health states River reports, worst first (the order of the summary). */
export const STATES = ['unhealthy', 'unknown', 'exited', 'healthy'];

/** A coloured health badge. */
export function badge(state) {
  const s = STATES.includes(state) ? state : 'unknown';
  return `<span class="badge health-${s}" data-state="${s}">${s}</span>`;
}

/** "12s ago"-style age of an ISO time, relative to now. */
export function age(iso) {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  const seconds = Math.max(0, Math.round((Date.now() - t) / 1000));
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h ago`;
  return `${Math.floor(seconds / 86400)}d ago`;
}

/** A <time> element: the age as text, the exact UTC time as tooltip. */
export function timeTag(iso) {
  if (!iso) return '';
  return `<time datetime="${esc(iso)}" title="${esc(iso)}">${esc(age(iso))}</time>`;
}
