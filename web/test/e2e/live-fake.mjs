// A scripted live server for the live page's browser tests (live-page.test.mjs): it
// serves dist/ like `raftplay serve` and answers the live API of docs/DESIGN.md "Live
// mode" (GET /api/live/cluster, the /api/live/stream event stream, the POST controls
// and the kv proxy) from a small in-memory cluster of three nodes that a test drives.
// It checks what the page sends (the X-Raftplay-Live header on every control) and
// keeps every request for the test to look at. The real processes are tested in
// live.test.mjs.

import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join, extname, normalize } from 'node:path';
import { ROOT } from './harness.mjs';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json', '.wasm': 'application/wasm', '.svg': 'image/svg+xml',
};

/** The CSP `raftplay serve` sends (serve.DefaultCSP): the page must work under it. */
const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; " +
  "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/**
 * startFakeLive starts the fake on 127.0.0.1 (a free port) and resolves to
 * {url, requests, nodes, kv, push(type, data), broadcastStatus(id), elect(id, term),
 * unanswered, stop()}. supervised is what /api/live/cluster says. reportCrashAfter (ms): a
 * crashed node is still reported up (its last status) for that long after the crash
 * answered, as the real server, which learns of it only when the node stops answering.
 * ids: the nodes that answer. unanswered: [{http_url, error}], nodes that never
 * answered, so that the server does not know their id: /api/live/cluster reports them
 * with id 0 (and the stream not at all), as `raftplay serve --live` given a wrong
 * address or token; a test empties the array to make them answer.
 */
export async function startFakeLive({ supervised = true, reportCrashAfter = 0, ids = [1, 2, 3], unanswered = [] } = {}) {
  const dist = join(ROOT, 'dist');
  const requests = [];
  const clients = new Set();
  const kv = new Map();
  // Each node's log: the same entries everywhere (index i has term 1 up to 4, then 2).
  const log = [];
  for (let i = 1; i <= 6; i++) log.push({ index: i, term: i <= 4 ? 1 : 2 });
  const nodes = new Map(ids.map((id) => [id, { id, up: true, role: id === 1 ? 'leader' : 'follower', term: 2, cut: new Set(), commit: 6 }]));

  function status(n) {
    const last = log.length;
    return {
      id: n.id, cluster_id: 1, role: n.role, term: n.term, leader: [...nodes.values()].find((x) => x.up && x.role === 'leader')?.id || 0,
      commit_index: Math.min(n.commit, last), last_applied: Math.min(n.commit, last), last_index: last, snapshot_index: 0, first_index: 1,
      log_tail: log.slice(-32),
      // The configuration the node uses (§6), as a real node's /status reports it;
      // n.voters overrides it (a node that has not learned it yet reports []).
      voters: n.voters || [...nodes.keys()], learners: [],
      peers: [...nodes.values()].map((p) => ({
        id: p.id, raft_addr: `127.0.0.1:${7000 + p.id}`, http_url: `http://127.0.0.1:${8000 + p.id}`, connected: p.id === n.id || (p.up && !n.cut.has(p.id)),
        ...(n.role === 'leader' && p.id !== n.id ? { match_index: p.up ? last : 3, next_index: p.up ? last + 1 : 4, mode: p.up ? 'replicate' : 'probe' } : {}),
      })),
      ...(n.cut.size ? { cut_links: [...n.cut].sort() } : {}),
    };
  }
  const item = (n) => (n.up ? { id: n.id, up: true, status: status(n) } : { id: n.id, up: false, error: 'connect: connection refused' });

  function push(type, data) {
    const text = `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const res of clients) res.write(text);
  }
  const broadcastStatus = (id) => push('status', item(nodes.get(id)));
  const broadcastAll = () => { for (const id of nodes.keys()) broadcastStatus(id); };

  /** elect makes node id the leader of term (every other node up a follower in it). */
  function elect(id, term) {
    for (const n of nodes.values()) {
      if (!n.up) continue;
      n.term = term;
      n.role = n.id === id ? 'leader' : 'follower';
    }
    log.push({ index: log.length + 1, term });
    for (const n of nodes.values()) n.commit = log.length;
    push('event', { id, event: { time: new Date().toISOString(), kind: 'election-won', peer: id, term, text: `peer ${id} won the election for term ${term} with a majority of votes` } });
    broadcastAll();
  }

  const ticker = setInterval(broadcastAll, 250);

  function json(res, code, body) {
    res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Security-Policy': CSP });
    res.end(JSON.stringify(body));
  }

  async function body(req) {
    let text = '';
    for await (const chunk of req) text += chunk;
    return text;
  }

  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    const path = url.pathname;
    if (path.startsWith('/api/')) {
      const entry = { method: req.method, path, live: req.headers['x-raftplay-live'], expect: req.headers['x-raftplay-expect'], body: await body(req) };
      requests.push(entry);
      if (req.method === 'POST' || req.method === 'PUT' || req.method === 'DELETE') {
        if (entry.live !== '1') return json(res, 403, { error: 'missing X-Raftplay-Live: 1', code: 'forbidden' });
      }
      if (path === '/api/live/cluster') {
        return json(res, 200, { live: true, supervised, nodes: [
          ...[...nodes.values()].map((n) => ({ http_url: `http://127.0.0.1:${8000 + n.id}`, ...item(n) })),
          ...unanswered.map((u) => ({ id: 0, http_url: u.http_url, up: false, error: u.error })),
        ] });
      }
      if (path === '/api/live/stream') {
        res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', 'Content-Security-Policy': CSP });
        res.write(': hello\n\n');
        clients.add(res);
        req.on('close', () => clients.delete(res));
        for (const n of nodes.values()) res.write(`event: status\ndata: ${JSON.stringify(item(n))}\n\n`);
        return undefined;
      }
      let m = /^\/api\/live\/nodes\/(\d+)\/(crash|restart)$/.exec(path);
      if (m && req.method === 'POST') {
        if (!supervised) return json(res, 409, { error: 'the nodes were started elsewhere', code: 'not-supervised' });
        const n = nodes.get(Number(m[1]));
        if (!n) return json(res, 404, { error: `no node ${m[1]}`, code: 'no-such-node' });
        if (m[2] === 'crash' && reportCrashAfter > 0) {
          setTimeout(() => {
            n.up = false;
            broadcastStatus(n.id);
          }, reportCrashAfter);
        } else if (m[2] === 'crash') {
          n.up = false;
          broadcastStatus(n.id);
          // The others elect a new leader a little later, as real nodes would.
          if (n.role === 'leader') {
            const next = [...nodes.values()].find((x) => x.up);
            setTimeout(() => elect(next.id, n.term + 1), 300);
          }
        } else {
          n.up = true;
          n.role = 'follower';
          n.term = Math.max(...[...nodes.values()].map((x) => x.term));
          broadcastStatus(n.id);
        }
        return json(res, 200, { ok: true });
      }
      m = /^\/api\/live\/links\/(\d+)\/(\d+)\/(cut|heal)$/.exec(path);
      if (m && req.method === 'POST') {
        const [a, b] = [nodes.get(Number(m[1])), nodes.get(Number(m[2]))];
        if (!a || !b || a === b) return json(res, 400, { error: 'two different nodes, please', code: 'bad-request' });
        for (const [x, y] of [[a, b], [b, a]]) {
          if (m[3] === 'cut') x.cut.add(y.id); else x.cut.delete(y.id);
        }
        broadcastAll();
        return json(res, 200, { ok: true });
      }
      m = /^\/api\/live\/kv\/(.+)$/.exec(path);
      if (m) {
        const key = decodeURIComponent(m[1]);
        if (req.method === 'GET') {
          if (!kv.has(key)) return json(res, 404, { error: `key ${key} not found`, code: 'key-not-found', key });
          res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
          return res.end(kv.get(key));
        }
        if (entry.expect !== undefined && kv.get(key) !== entry.expect) {
          return json(res, 409, { error: 'compare-and-set failed', code: 'cas-failed', key, found: kv.has(key), current: kv.get(key) ?? '' });
        }
        const found = kv.has(key);
        const previous = kv.get(key);
        if (req.method === 'DELETE') kv.delete(key); else kv.set(key, entry.body);
        const leader = [...nodes.values()].find((x) => x.up && x.role === 'leader');
        log.push({ index: log.length + 1, term: leader ? leader.term : 0 });
        for (const n of nodes.values()) if (n.up) n.commit = log.length;
        broadcastAll();
        return json(res, 200, { key, index: log.length, found, ...(previous !== undefined ? { previous } : {}) });
      }
      return json(res, 404, { error: 'no such endpoint', code: 'no-such-endpoint' });
    }
    // The page's files.
    const file = normalize(join(dist, path === '/' ? 'index.html' : path));
    if (!file.startsWith(dist)) return json(res, 404, { error: 'not found' });
    requests.push({ method: req.method, path });
    try {
      const data = await readFile(file);
      res.writeHead(200, { 'Content-Type': TYPES[extname(file)] || 'application/octet-stream', 'Content-Security-Policy': CSP });
      return res.end(data);
    } catch {
      return json(res, 404, { error: `no file ${path}` });
    }
  });
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  const url = `http://127.0.0.1:${server.address().port}/`;
  return {
    url,
    requests,
    nodes,
    kv,
    log,
    unanswered,
    push,
    broadcastStatus,
    broadcastAll,
    elect,
    /** clients is how many pages follow the stream now. */
    get clients() { return clients.size; },
    stop() {
      clearInterval(ticker);
      for (const res of clients) res.end();
      clients.clear();
      server.closeAllConnections();
      return new Promise((done) => server.close(() => done()));
    },
  };
}
