// The only data source of the UI: River's public JSON API (docs/http-api.md). Every call bypasses the HTTP cache
// because the pages poll for live health.

/** Fetches a JSON document; rejects with an Error naming the URL and status on anything but 200. */
async function getJson(url) {
  const response = await fetch(url, { cache: 'no-store', headers: { Accept: 'application/json' } });
  if (!response.ok) {
    const error = new Error(`${url}: HTTP ${response.status}`);
    error.status = response.status;
    throw error;
  }
  // The text is kept so callers can skip re-rendering when nothing changed.
  const text = await response.text();
  return { text, data: JSON.parse(text) };
}

/** Every component (without arguments, exports or debug info), in dependency order. */
export const components = () => getJson('/api/v0/web/components');

/** One component with its evaluated arguments, exports and debug info; a 404 rejects with status 404. */
export const component = (id) => getJson('/api/v0/web/components/' + id.split('/').map(encodeURIComponent).join('/'));

/** Readiness and the outcome of the last (re)load with its diagnostics. */
export const status = () => getJson('/api/v0/web/status');
