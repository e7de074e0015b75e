// Live pages: the server announces changes of the run (server-sent events); the page asks again
// and swaps every [data-live] section the answer holds, by id, without reloading. Sections that
// carry a data-version are asked for with those versions (?sections=id.version,...): the server
// then sends only the sections whose content changed. Changes that come faster than MIN_GAP_MS
// apart are folded into one refresh.
(() => {
  const MIN_GAP_MS = 2000;
  const status = () => document.getElementById('live-status');
  let refreshing = false;
  let again = false;
  let last = 0;

  function freshUrl() {
    const url = new URL(location.href);
    const held = [...document.querySelectorAll('[data-live][data-version]')].map(
      (section) => `${section.id}.${section.dataset.version}`,
    );
    if (held.length > 0) url.searchParams.set('sections', held.join(','));
    return url;
  }

  async function refresh() {
    if (refreshing) {
      again = true;
      return;
    }
    refreshing = true;
    const wait = last + MIN_GAP_MS - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    last = Date.now();
    try {
      const response = await fetch(freshUrl(), { headers: { accept: 'text/html' } });
      if (!response.ok) throw new Error(String(response.status));
      const fresh = new DOMParser().parseFromString(await response.text(), 'text/html');
      for (const section of document.querySelectorAll('[data-live]')) {
        const replacement = fresh.getElementById(section.id);
        if (replacement) section.replaceWith(document.importNode(replacement, true));
      }
      document.dispatchEvent(new Event('dashboard:updated'));
      status().textContent = `live · updated ${new Date().toLocaleTimeString()}`;
    } catch {
      status().textContent = 'live · refresh failed';
    } finally {
      refreshing = false;
      if (again) {
        again = false;
        refresh();
      }
    }
  }

  document.addEventListener('DOMContentLoaded', () => {
    const events = new EventSource(document.body.dataset.events);
    events.addEventListener('open', () => (status().textContent = 'live'));
    events.addEventListener('change', refresh);
    events.addEventListener('unavailable', () => (status().textContent = 'live · database unavailable'));
    events.addEventListener('error', () => (status().textContent = 'live · reconnecting'));
  });
})();
