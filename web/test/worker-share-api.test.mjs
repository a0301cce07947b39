// Unit tests of web/js/share-api.js, the page's side of share links by id, against a
// fake fetch (no server). The Worker and `raftplay serve` are tested with the real
// routes in web/test/worker-e2e.mjs and in Go (share/).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedId, timeOf, shareUrl, shareById, fetchShared, SHARE_TIMEOUT_MS } from '../js/share-api.js';

const ID = 'tr4lfa4huxj4fv6vkqejm7kqfu';
const ORIGIN = 'https://raftplay.example';

/** fakeFetch answers every request with one response and records the requests. */
function fakeFetch(respond) {
  const calls = [];
  const fn = async (url, init = {}) => {
    calls.push({ url, init });
    return respond(url, init);
  };
  fn.calls = calls;
  return fn;
}

const json = (status, body) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

test('sharedId reads /s/<id> and nothing else', () => {
  const cases = [
    [`/s/${ID}`, ID],
    ['/', null],
    ['/index.html', null],
    [`/s/${ID}/`, null],
    [`/s/${ID}/x`, null],
    [`/s/${ID.toUpperCase()}`, null],
    ['/s/abc', null],
    [`/x/s/${ID}`, null],
    [`/s/${ID}a`, null],
  ];
  for (const [path, want] of cases) assert.equal(sharedId(path), want, path);
});

test('timeOf reads the moment of a link', () => {
  const cases = [['#t=1200', 1200], ['t=5', 5], ['#s=1.abc&t=40', 40], ['#t=12x', null], ['', null], ['#t=', null]];
  for (const [hash, want] of cases) assert.equal(timeOf(hash), want, hash);
});

test('shareUrl adds the moment when there is one', () => {
  assert.equal(shareUrl(ORIGIN, ID), `${ORIGIN}/s/${ID}`);
  assert.equal(shareUrl(ORIGIN, ID, 0), `${ORIGIN}/s/${ID}`);
  assert.equal(shareUrl(ORIGIN, ID, 1200), `${ORIGIN}/s/${ID}#t=1200`);
  assert.equal(shareUrl(ORIGIN, ID, 1.5), `${ORIGIN}/s/${ID}`);
});

test('shareById posts the scenario as JSON and resolves to the short link', async () => {
  const scenario = { v: 1, seed: 5, actions: [] };
  const fetch = fakeFetch(() => json(201, { id: ID, url: `/s/${ID}` }));
  assert.equal(await shareById(scenario, { time: 300, origin: ORIGIN, fetch }), `${ORIGIN}/s/${ID}#t=300`);
  assert.equal(fetch.calls.length, 1);
  const { url, init } = fetch.calls[0];
  assert.equal(url, '/api/share');
  assert.equal(init.method, 'POST');
  assert.equal(init.headers['Content-Type'], 'application/json');
  assert.deepEqual(JSON.parse(init.body), scenario);
  assert.ok(init.signal instanceof AbortSignal, 'a timeout of ' + SHARE_TIMEOUT_MS + ' ms');

  // Already stored: 200 with the same answer.
  const again = fakeFetch(() => json(200, { id: ID, url: `/s/${ID}` }));
  assert.equal(await shareById(scenario, { origin: ORIGIN, fetch: again }), `${ORIGIN}/s/${ID}`);
});

test('shareById resolves to null whenever the fragment link must do', async () => {
  const cases = {
    'no API (a static host)': () => new Response('404 page not found', { status: 404 }),
    'method not allowed': () => json(405, { error: 'no' }),
    'too large': () => json(413, { error: 'too large' }),
    'invalid scenario': () => json(422, { error: 'invalid' }),
    'server error': () => json(500, { error: 'down' }),
    'not JSON': () => new Response('<html>', { status: 200 }),
    'no id': () => json(201, { url: '/s/x' }),
    'malformed id': () => json(201, { id: '../x' }),
    'network error': () => { throw new TypeError('Failed to fetch'); },
  };
  for (const [name, respond] of Object.entries(cases)) {
    assert.equal(await shareById({ v: 1 }, { origin: ORIGIN, fetch: fakeFetch(respond) }), null, name);
  }
});

test('fetchShared loads a scenario by id', async () => {
  const scenario = { v: 1, seed: 5, options: { peers: 3 }, actions: [] };
  const fetch = fakeFetch(() => json(200, scenario));
  assert.deepEqual(await fetchShared(ID, { fetch }), scenario);
  assert.equal(fetch.calls[0].url, `/api/share/${ID}`);
});

test('fetchShared names what went wrong', async () => {
  const cases = [
    ['unknown id', () => json(404, { error: 'no shared scenario has the id x' }), /this share link is unknown/],
    ['server error with a message', () => json(500, { error: 'the scenario could not be read; try again later' }), /could not be loaded \(the scenario could not be read; try again later\)/],
    ['server error without JSON', () => new Response('oops', { status: 502 }), /could not be loaded \(502\)/],
    ['network error', () => { throw new TypeError('Failed to fetch'); }, /could not be loaded \(Failed to fetch\)/],
    ['not JSON', () => new Response('<html>', { status: 200 }), /is not JSON/],
  ];
  for (const [name, respond, want] of cases) {
    await assert.rejects(fetchShared(ID, { fetch: fakeFetch(respond) }), want, name);
  }
  const fetch = fakeFetch(() => json(200, {}));
  await assert.rejects(fetchShared('../etc/passwd', { fetch }), /is not a share link id/);
  assert.equal(fetch.calls.length, 0, 'a malformed id is never fetched');
});
