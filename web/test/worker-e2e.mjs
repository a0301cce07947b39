// The Cloudflare Worker, end to end and offline: runs the built Worker (build/worker,
// from `make worker`) in `wrangler dev --local` (workerd, local KV in a temporary
// folder, 127.0.0.1 only) and checks what a browser and the page get: the page and its
// files with the right types and security headers, a share round trip, every 4xx case,
// and the playground itself in Chromium. Run by scripts/worker-test.sh (`make test-worker`);
// it starts and stops the Worker by itself.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, launchBrowser, openPage, waitFor, screenshot, play } from './e2e/harness.mjs';

const BUILD = join(ROOT, 'build', 'worker');
const WRANGLER = join(ROOT, 'node_modules', '.bin', 'wrangler');
/**
 * The security headers, as the Go side writes them for Cloudflare (serve.CloudflareHeaders):
 * the "/*" rule's headers, which every document carries, and the ones the rules of the
 * page's scripts, styles, wasm and JSON detach (those keep only the rest, nosniff).
 */
const { SECURITY, DOCUMENT_ONLY } = parseHeadersFile(readFileSync(join(BUILD, 'assets', '_headers'), 'utf8'));
const ID = /^[a-z2-7]{26}$/;

/** parseHeadersFile reads the "/*" rule of a _headers file into {name: value}, and the detached names. */
function parseHeadersFile(text) {
  const headers = {};
  const detached = new Set();
  let rule = '';
  for (const line of text.split('\n')) {
    if (/^\//.test(line)) rule = line.trim();
    const m = /^\s+([A-Za-z-]+):\s*(.+)$/.exec(line);
    if (m && rule === '/*') headers[m[1].toLowerCase()] = m[2];
    const d = /^\s+!\s*([A-Za-z-]+)\s*$/.exec(line);
    if (d) detached.add(d[1].toLowerCase());
  }
  assert.ok(headers['content-security-policy'], '_headers has a Content-Security-Policy');
  assert.equal(headers['x-content-type-options'], 'nosniff', '_headers sends nosniff');
  assert.deepEqual([...detached].sort(), ['content-security-policy', 'referrer-policy'], 'only the document headers are detached');
  return { SECURITY: headers, DOCUMENT_ONLY: detached };
}

/** freePort asks the system for a free port on 127.0.0.1. */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * startWorker runs `wrangler dev --local` on 127.0.0.1 with a fresh local KV and
 * resolves to {url, stop()} once it is ready. Wrangler and the workerd it starts run in
 * their own process group, which stop() ends.
 */
async function startWorker() {
  for (const [what, path] of [['the built Worker (make worker)', join(BUILD, 'app.wasm')], ['wrangler (npm ci)', WRANGLER]]) {
    if (!existsSync(path)) throw new Error(`${path} is missing: ${what}`);
  }
  const [port, inspector] = [await freePort(), await freePort()];
  const state = mkdtempSync(join(tmpdir(), 'raftplay-worker-state-'));
  const child = spawn(WRANGLER, ['dev', '--local', '--ip', '127.0.0.1', '--port', String(port),
    '--inspector-port', String(inspector), '--persist-to', state, '--show-interactive-dev-session=false'], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      WRANGLER_SEND_METRICS: 'false',
      WRANGLER_HIDE_BANNER: 'true',
      CLOUDFLARE_CF_FETCH_ENABLED: 'false',
      CI: 'true',
    },
  });
  let output = '';
  const stop = () => new Promise((done) => {
    const finish = () => {
      rmSync(state, { recursive: true, force: true });
      done();
    };
    if (child.exitCode !== null || child.signalCode !== null) return finish();
    const timer = setTimeout(() => {
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
    }, 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      finish();
    });
    try { process.kill(-child.pid, 'SIGTERM'); } catch { finish(); }
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`wrangler dev was not ready within 60 s:\n${output}`)), 60_000);
    function fail(err) {
      clearTimeout(timer);
      stop().then(() => reject(err));
    }
    const onData = (chunk) => {
      output += chunk;
      if (!output.includes(`Ready on http://127.0.0.1:${port}`)) return;
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.stderr.off('data', onData);
      // Keep draining, so that wrangler never blocks on a full pipe.
      child.stdout.resume();
      child.stderr.resume();
      resolve({ url: `http://127.0.0.1:${port}`, stop, log: () => output });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', fail);
    child.once('exit', (code) => fail(new Error(`wrangler dev exited with ${code}:\n${output}`)));
  });
}

let worker;

before(async () => {
  worker = await startWorker();
});

after(async () => {
  await worker?.stop();
});

/** request fetches a path of the Worker without following redirects. */
function request(path, init = {}) {
  return fetch(worker.url + path, { redirect: 'manual', ...init });
}

function postScenario(body, contentType = 'application/json') {
  return request('/api/share', { method: 'POST', headers: { 'Content-Type': contentType }, body });
}

/** assertSecurityHeaders checks a document's (or an error's or API route's) headers: all of them. */
function assertSecurityHeaders(res, what) {
  for (const [name, value] of Object.entries(SECURITY)) {
    assert.equal(res.headers.get(name), value, `${name} on ${what}`);
  }
}

/** assertSubresourceHeaders checks a script's, style's, wasm's or JSON's: nosniff, no document headers. */
function assertSubresourceHeaders(res, what) {
  for (const [name, value] of Object.entries(SECURITY)) {
    if (DOCUMENT_ONLY.has(name)) assert.equal(res.headers.get(name), null, `no ${name} on ${what}`);
    else assert.equal(res.headers.get(name), value, `${name} on ${what}`);
  }
}

async function assertJSONError(res, status, pattern, what) {
  assert.equal(res.status, status, what);
  assert.equal(res.headers.get('content-type'), 'application/json', what);
  assertSecurityHeaders(res, what);
  const body = await res.json();
  assert.match(body.error, pattern, what);
}

test('the page and its files, with their types and security headers', async () => {
  const index = await request('/');
  assert.equal(index.status, 200);
  assert.equal(index.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.ok(index.headers.get('etag'), 'an ETag to revalidate with');
  assertSecurityHeaders(index, '/');
  const html = await index.text();
  assert.match(html, /<script type="module" src="[^"]*main\.js"><\/script>/);
  assert.doesNotMatch(html, /<script>(?!<\/)/, 'no inline script');

  const wasm = await request('/app.wasm');
  assert.equal(wasm.status, 200);
  assert.equal(wasm.headers.get('content-type'), 'application/wasm');
  assertSubresourceHeaders(wasm, '/app.wasm');
  const bytes = new Uint8Array(await wasm.arrayBuffer());
  assert.deepEqual([...bytes.subarray(0, 4)], [0, 0x61, 0x73, 0x6d], 'a WebAssembly module');
  assert.equal(bytes.length, statSync(join(BUILD, 'assets', 'app.wasm')).size);

  const loader = await request('/wasm_exec.js');
  assert.equal(loader.status, 200);
  assert.match(loader.headers.get('content-type'), /javascript/);
  assertSubresourceHeaders(loader, '/wasm_exec.js');
  await loader.arrayBuffer();
  for (const path of ['/js/main.js', '/css/page.css']) {
    const res = await request(path);
    assert.equal(res.status, 200, path);
    assertSubresourceHeaders(res, path);
    await res.arrayBuffer();
  }

  // The lessons, which the page fetches when one is first opened (the page's wasm has none).
  const lessons = await request('/lessons.json');
  assert.equal(lessons.status, 200);
  assert.match(lessons.headers.get('content-type'), /^application\/json/);
  assertSubresourceHeaders(lessons, '/lessons.json');
  const list = await lessons.json();
  assert.ok(Array.isArray(list) && list.length >= 17 && list.every((l) => l.id && l.steps.length > 0), 'every lesson, with its steps');

  const revalidate = await request('/app.wasm', { headers: { 'If-None-Match': wasm.headers.get('etag') } });
  assert.equal(revalidate.status, 304, 'an unchanged file is not sent again');

  // Precompressed copies are left out: Cloudflare compresses by itself.
  const gz = await request('/app.wasm.gz');
  assert.equal(gz.status, 404);
  assertSecurityHeaders(gz, '/app.wasm.gz');
  await gz.arrayBuffer();
});

test('a share round trip through Workers KV', async () => {
  const scenario = { v: 1, seed: 4242, options: { peers: 5 }, actions: [{ at: 100, type: 'crash', peer: 1 }] };
  const created = await postScenario(JSON.stringify(scenario));
  assert.equal(created.status, 201);
  assert.equal(created.headers.get('content-type'), 'application/json');
  assert.equal(created.headers.get('cache-control'), 'no-store');
  assertSecurityHeaders(created, 'POST /api/share');
  const { id, url } = await created.json();
  assert.match(id, ID);
  assert.equal(url, `/s/${id}`);
  assert.equal(created.headers.get('location'), `/api/share/${id}`);

  // The same scenario spelled differently gets the same id, without a second write.
  const again = await postScenario(`{ "actions": [{"type":"crash","peer":1,"at":100}], "options": {"peers": 5}, "seed": 4242, "v": 1 }`);
  assert.equal(again.status, 200);
  assert.equal((await again.json()).id, id);

  const got = await request(`/api/share/${id}`);
  assert.equal(got.status, 200);
  assert.equal(got.headers.get('content-type'), 'application/json');
  assert.equal(got.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  assert.equal(got.headers.get('etag'), `"${id}"`);
  assertSecurityHeaders(got, 'GET /api/share/{id}');
  const stored = await got.json();
  assert.equal(stored.seed, 4242);
  assert.equal(stored.options.peers, 5);
  assert.deepEqual(stored.actions, scenario.actions);

  const cached = await request(`/api/share/${id}`, { headers: { 'If-None-Match': `"${id}"` } });
  assert.equal(cached.status, 304);

  const page = await request(`/s/${id}`);
  assert.equal(page.status, 200);
  assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
  assertSecurityHeaders(page, '/s/{id}');
  assert.equal(await page.text(), readFileSync(join(BUILD, 'assets', 'index.html'), 'utf8'));

  const moved = await request('/s/css/page.css');
  assert.equal(moved.status, 308, 'a file asked for relative to /s/{id} is at the root');
  assert.equal(moved.headers.get('location'), '/css/page.css');
  await moved.arrayBuffer();

  // Issue 11: /s/%5Cevil.example answered 308 Location: /\evil.example, which a browser
  // resolves to http://evil.example/. Only a plain file path redirects.
  for (const path of ['/s/%5Cevil.example', '/s/%09/evil.example', '/s/%5C%5Cevil.example/x']) {
    const refused = await request(path);
    assert.equal(refused.status, 404, `${path} answers 404, not a redirect`);
    assert.equal(refused.headers.get('location'), null, `${path} has no Location`);
    await refused.arrayBuffer();
  }
});

test('every 4xx case answers JSON with a clear message', async () => {
  const unknown = 'aaaaaaaaaaaaaaaaaaaaaaaaaa';
  await assertJSONError(await postScenario('{"v":1,'), 400, /the body is not JSON/, 'invalid JSON');
  await assertJSONError(await postScenario('{"v":2,"seed":1}'), 422, /unsupported version 2 \(this build reads version 1\)/, 'wrong version');
  await assertJSONError(await postScenario('{"v":1,"seed":1,"colour":"red"}'), 422, /unknown field "colour"/, 'unknown field');
  await assertJSONError(await postScenario(`{"v":1,"seed":1,"pad":"${'x'.repeat(70_000)}"}`), 413, /larger than the limit of 65536 bytes/, 'oversized');
  await assertJSONError(await postScenario('{"v":1,"seed":1}', 'text/plain'), 415, /must be a scenario as application\/json/, 'not JSON by type');
  await assertJSONError(await request('/api/share'), 405, /GET is not allowed on \/api\/share/, 'GET /api/share');
  await assertJSONError(await request(`/api/share/${unknown}`), 404, new RegExp(`no shared scenario has the id ${unknown}`), 'unknown id');
  await assertJSONError(await request('/api/share/abc'), 400, /malformed id/, 'malformed id');
  await assertJSONError(await request(`/api/share/${unknown}`, { method: 'DELETE' }), 405, /DELETE is not allowed/, 'DELETE');
  await assertJSONError(await request('/api/nothing'), 404, /no API route \/api\/nothing/, 'unknown API route');
});

test('the playground runs from the Worker in Chromium and elects a leader', async () => {
  const browser = await launchBrowser();
  try {
    const page = await openPage(browser.context, `${worker.url}/`);
    // The page opens paused; play at ×0.1 (the default pace takes seconds per election).
    await play(page, -1);
    await waitFor(page, (s) => s.leader, 'a leader', 15_000);
    assert.equal(await page.locator('[data-role="leader"]').count(), 1);
    await screenshot(page, 'worker-loaded');

    // The page's share module against the Worker, under the page's CSP: the running
    // scenario goes out and comes back by id.
    const trip = await page.evaluate(async () => {
      const api = await import('/js/share-api.js');
      const scenario = { v: 1, seed: 31337, actions: [] };
      const url = await api.shareById(scenario, { time: 1200 });
      const id = api.sharedId(new URL(url).pathname);
      const back = await api.fetchShared(id);
      return { url, id, time: api.timeOf(new URL(url).hash), seed: back.seed, origin: location.origin };
    });
    assert.match(trip.id, ID);
    assert.equal(trip.url, `${trip.origin}/s/${trip.id}#t=1200`);
    assert.equal(trip.time, 1200);
    assert.equal(trip.seed, 31337);
    assert.deepEqual(page.problems, []);
    await page.close();

    // A share page loads the same playground.
    const created = await postScenario('{"v":1,"seed":77}');
    const { url } = await created.json();
    const shared = await openPage(browser.context, worker.url + url);
    await play(shared, -1);
    await waitFor(shared, (s) => s.leader, 'a leader on the share page', 15_000);
    assert.deepEqual(shared.problems, []);
    await shared.close();
  } finally {
    await browser.close();
  }
});

test('POST /api/share is limited per client by the rate limiting binding', async () => {
  // wrangler.toml's [[ratelimits]] binding: limit scenarios a period of 60 s.
  const toml = readFileSync(join(ROOT, 'wrangler.toml'), 'utf8');
  const m = /name = "SHARE_LIMIT"[\s\S]*?simple = \{ limit = (\d+), period = 60 \}/.exec(toml);
  assert.ok(m, 'wrangler.toml declares the SHARE_LIMIT binding with a period of 60 s');
  const limit = Number(m[1]);
  // Cloudflare sets CF-Connecting-IP; locally the test plays two clients with it.
  const post = (ip) => request('/api/share', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'CF-Connecting-IP': ip },
    body: '{"v":1,"seed":9}',
  });
  // A window of 60 s may begin between posts: the last one is then let through and
  // the next window's count begins, so try twice (a wall-clock edge, not a retry of a
  // flaky check).
  for (let attempt = 1; ; attempt++) {
    const ip = `198.51.100.${attempt}`;
    const answers = [];
    for (let i = 0; i <= limit; i++) {
      const res = await post(ip);
      answers.push({ status: res.status, retry: res.headers.get('retry-after'), body: await res.json() });
    }
    const refused = answers.filter((a) => a.status === 429);
    if (refused.length === 0 && attempt < 2) continue;
    assert.deepEqual(answers.slice(0, limit).map((a) => a.status).filter((s) => s !== 200 && s !== 201), [], `the first ${limit} shares of a client go through`);
    assert.equal(answers[limit].status, 429, `share ${limit + 1} in a minute is refused`);
    assert.equal(answers[limit].retry, '60');
    assert.match(answers[limit].body.error, new RegExp(`too many scenarios shared from your address: at most ${limit} a minute`));
    break;
  }
  // Another client is not held back by the first.
  const other = await post('203.0.113.5');
  assert.equal(other.status, 200);
  await other.json();
});
