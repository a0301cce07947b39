// Share links by id: the page posts its scenario to /api/share (served by
// `raftplay serve` and by the Cloudflare Worker, package share on the Go side) and gets
// back a short link, /s/<id>, that opens the playground on that scenario. Where no
// share API answers (a plain static host, `raftplay serve --share-dir ""`), shareById
// resolves to null and the caller falls back to the link with the whole scenario in its
// fragment (share.js).

/** An id: 26 characters of lowercase base32, the first 16 bytes of a SHA-256. */
const ID = /^[a-z2-7]{26}$/;

/** How long the Share button waits for the API before it falls back to the fragment. */
export const SHARE_TIMEOUT_MS = 5000;

/**
 * sharedId returns the id of a share page's path ("/s/<id>"), or null for any other
 * path. The page calls it with location.pathname at start.
 */
export function sharedId(pathname) {
  const m = /^\/s\/([^/]+)$/.exec(pathname);
  return m && ID.test(m[1]) ? m[1] : null;
}

/**
 * timeOf reads the moment a share link shows from its hash ("#t=1200", the form of
 * /s/<id> links; also "&t=" after other parts), or null.
 */
export function timeOf(hash) {
  const text = hash.startsWith('#') ? hash.slice(1) : hash;
  for (const part of text.split('&')) {
    const m = /^t=(\d{1,15})$/.exec(part);
    if (m) return Number(m[1]);
  }
  return null;
}

/**
 * shareUrl is the link to a shared scenario at a moment: origin + "/s/<id>", with
 * "#t=<ms>" when time is a number above 0.
 */
export function shareUrl(origin, id, time = null) {
  const url = `${origin}/s/${id}`;
  return Number.isSafeInteger(time) && time > 0 ? `${url}#t=${time}` : url;
}

/**
 * shareById stores a scenario (an object, as session.scenario() returns it) with
 * POST /api/share and resolves to its link (see shareUrl), or to null when the server
 * has no share API, refuses the scenario, fails, or does not answer within
 * SHARE_TIMEOUT_MS: the caller then makes the fragment link instead. It never rejects.
 * Options: time (the moment the link shows), origin (default location.origin), fetch
 * (for tests).
 */
export async function shareById(scenario, { time = null, origin = globalThis.location?.origin, fetch = globalThis.fetch } = {}) {
  try {
    const res = await fetch('/api/share', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(scenario),
      signal: AbortSignal.timeout(SHARE_TIMEOUT_MS),
    });
    if (!res.ok) return null;
    const answer = await res.json();
    if (!answer || typeof answer.id !== 'string' || !ID.test(answer.id)) return null;
    return shareUrl(origin, answer.id, time);
  } catch {
    return null;
  }
}

/**
 * fetchShared loads the scenario of a share link by its id and resolves to the scenario
 * object (for session.load). It rejects with an Error that says what went wrong in
 * words a learner can act on.
 */
export async function fetchShared(id, { fetch = globalThis.fetch } = {}) {
  if (!ID.test(id)) throw new Error(`"${id}" is not a share link id`);
  let res;
  try {
    res = await fetch(`/api/share/${id}`, { headers: { Accept: 'application/json' } });
  } catch (err) {
    throw new Error(`the shared scenario could not be loaded (${err.message})`);
  }
  if (res.status === 404) throw new Error('this share link is unknown: no scenario is stored under it');
  if (!res.ok) {
    let detail = `${res.status}`;
    try {
      const body = await res.json();
      if (body && typeof body.error === 'string') detail = body.error;
    } catch {
      // Not JSON: the status says enough.
    }
    throw new Error(`the shared scenario could not be loaded (${detail})`);
  }
  try {
    return await res.json();
  } catch (err) {
    throw new Error(`the shared scenario is not JSON (${err.message})`);
  }
}
