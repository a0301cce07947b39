// Starts the download of the simulator (app.wasm and Go's loader) while the page's
// modules load, as a <link rel="preload"> would; a classic script because the page
// allows no inline script. Live mode (?live) draws real nodes and needs neither, so
// nothing is fetched for it.
(() => {
  if (new URLSearchParams(location.search).has('live')) return;
  // The files sit beside index.html, where bridge.js (resolving from its own module
  // URL) fetches them. A shared scenario's page is at /s/{id}, one folder down: resolved
  // against it, the preloads would be /s/app.wasm (a redirect) and be wasted, and the
  // wasm fetched twice. (This script's own src is no help: it is /s/js/preload.js too,
  // before the redirect.)
  const base = new URL(location.pathname.replace(/\/s\/[^/]*$/, '/'), location.href);
  const add = (href, as, type) => {
    const link = document.createElement('link');
    link.rel = 'preload';
    link.href = new URL(href, base).href;
    link.as = as;
    if (type) {
      link.type = type;
      link.crossOrigin = 'anonymous';
    }
    document.head.append(link);
  };
  add('app.wasm', 'fetch', 'application/wasm');
  add('wasm_exec.js', 'script');
})();
