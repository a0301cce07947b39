// Sharing a run: the share link (a short /s/<id> link where the server keeps shared
// scenarios, else the scenario in the URL fragment, "#s=1.…", plus "&t=<ms>" for the
// moment shown), and export / import of a trace as a JSON file.

import { shareById } from './share-api.js';

/** The format name of an exported trace file. */
export const TRACE_FORMAT = 'raftplay-trace';

/**
 * parseHash splits a location hash into the share fragment and the time:
 * "#s=1.abc&t=1200" → {fragment: "s=1.abc", time: 1200}. Returns null without "s=".
 */
export function parseHash(hash) {
  const text = hash.startsWith('#') ? hash.slice(1) : hash;
  if (!text.startsWith('s=')) return null;
  const [fragment, ...rest] = text.split('&');
  let time = null;
  for (const part of rest) {
    const m = /^t=(\d{1,15})$/.exec(part);
    if (m) time = Number(m[1]);
  }
  return { fragment, time };
}

/** shareHash is the hash of a share link to the session's run at its current time. */
export function shareHash(session) {
  return `#${session.shareFragment()}&t=${session.rp.now()}`;
}

/**
 * shareLink resolves to the link that reopens the session's run at its current time:
 * /s/<id> when the server stores shared scenarios (POST /api/share), else the link
 * with the whole scenario in its fragment.
 */
export async function shareLink(session) {
  const byId = await shareById(session.scenario(), { time: session.rp.now() });
  return byId ?? new URL(shareHash(session), location.href).href;
}

/** traceFile is the JSON text of an exported trace: the scenario, the time, the events. */
export function traceFile(session) {
  return JSON.stringify({
    format: TRACE_FORMAT,
    version: 1,
    scenario: session.scenario(),
    time: session.snap.time,
    steps: session.snap.steps,
    events: session.events,
  }, null, 1);
}

/**
 * readTrace reads an exported trace or a bare scenario from JSON text and returns
 * {scenario, time, events}; it throws an Error naming the problem.
 */
export function readTrace(text) {
  let data;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new Error(`import: the file is not JSON (${err.message})`);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new Error('import: expected a JSON object (a raftplay trace or scenario)');
  }
  if (data.format === TRACE_FORMAT) {
    if (!data.scenario || typeof data.scenario !== 'object') throw new Error('import: the trace has no "scenario" object');
    const time = Number.isSafeInteger(data.time) && data.time >= 0 ? data.time : null;
    return { scenario: data.scenario, time, events: Array.isArray(data.events) ? data.events : [] };
  }
  if (data.v !== undefined) return { scenario: data, time: null, events: [] };
  throw new Error('import: this is neither a raftplay trace nor a scenario (no "format" or "v" field)');
}

/**
 * compareEvents checks imported events against the replayed ones (by seq) and returns
 * {checked, mismatch}: mismatch is the first differing seq or -1.
 */
export function compareEvents(imported, replayed) {
  const bySeq = new Map(replayed.map((e) => [e.seq, e]));
  let checked = 0;
  for (const e of imported) {
    const r = bySeq.get(e.seq);
    if (!r) continue;
    checked++;
    if (r.kind !== e.kind || r.time !== e.time || r.text !== e.text) return { checked, mismatch: e.seq };
  }
  return { checked, mismatch: -1 };
}

/** download offers text as a file. */
export function download(name, text) {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
