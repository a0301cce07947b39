// Starts the download of the simulator (app.wasm and Go's loader) while the page's
// modules load, as a <link rel="preload"> would; a classic script because the page
// allows no inline script. Live mode (?live) draws real nodes and needs neither, so
// nothing is fetched for it.
(() => {
  if (new URLSearchParams(location.search).has('live')) return;
  const add = (href, as, type) => {
    const link = document.createElement('link');
    link.rel = 'preload';
    link.href = href;
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
