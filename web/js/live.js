// Live mode (/?live): the playground draws a cluster of real node processes instead of
// the simulator. The server (`raftplay cluster --web`, `raftplay serve --live`) answers
// GET /api/live/cluster and streams /api/live/stream (docs/DESIGN.md "Live mode");
// live-model.js turns that into the simulator's Snapshot and trace events, and the
// simulation's own views draw them, so the DOM contract holds. Controls act on the real
// processes through the server's POST endpoints. main.js imports this module only in
// live mode: the simulation page never downloads it, and live mode never downloads the
// simulator.

import { $, el, setText, setAttr, announce } from './dom.js';
import { createLiveModel, RECORD_MAX, MAX_FLIGHT, MAX_PER_LINK, KEEP_EVENTS } from './live-model.js';
import { createDrawMode, JUDGE_MS } from './live-drawing.js';
import { createPeersView } from './render-peers.js';
import { createLinksView } from './render-links.js';
import { createFlightView } from './render-flight.js';
import { createLogView } from './render-log.js';
import { createReplicationView } from './render-replication.js';
import { createTruncationView, isTruncation } from './truncation.js';
import { createNarration } from './narration.js';
import { createPeerControls } from './peer-controls.js';
import { createPeerMenu } from './peer-menu.js';
import { parseCommand } from './client-form.js';
import { followerToIsolate } from './network-controls.js';
import { messageSentence } from './labels.js';
import { download } from './share.js';

/** The header every control request carries, so that a cross-site form cannot fire one. */
const CONTROL_HEADERS = { 'X-Raftplay-Live': '1' };

/** The stream's item types (the SSE event names). */
const ITEM_TYPES = ['status', 'event', 'message', 'sampled'];

/** Above this many new log entries a second, log cells appear without an animation. */
const BUSY_ENTRIES = 20;

/** While the cluster is busy, the nodes' views are redrawn at most this often (ms). */
const BUSY_REDRAW_MS = 500;

/**
 * While the cluster is busy, messages move at most this often (ms): each move is a frame
 * the page paints and the browser draws (render-flight.js keeps it small).
 */
const BUSY_MOVE_MS = 50;

/** While busy, the script a frame may spend on the nodes' views (ms): a redraw is spread over frames. */
const FRAME_BUDGET_MS = 4;

/** Frames further apart than this (ms, on average) mean the page is behind. */
const LATE_FRAME_MS = 25;

/** The longest step of the messages' moves while the page is behind (ms). */
const MAX_MOVE_MS = 200;

/**
 * The frames the page's mean interval is taken over (about a second); the decision from
 * it is live-drawing.js's. While the page draws less, messages are shown as counts per
 * link (rewritten every COUNTS_MS) instead of each flying, and the views are redrawn
 * every SLOW_REDRAW_MS, urgent changes still at once.
 */
const FRAME_WINDOW = 60;
const COUNTS_MS = 500;
const SLOW_REDRAW_MS = 1000;

/**
 * While some nodes never answered (their id unknown, GET /api/live/cluster reports them
 * with id 0 and the stream not at all), the page asks the server again this often (ms).
 */
const UNANSWERED_POLL_MS = 2000;

/** The narration takes the events at most this often (ms), routine ones summed up (aggregate). */
const NARRATE_MS = 250;

/** The engine events a busy cluster sends by the thousand: summed up per node in the narration. */
const ROUTINE = new Set(['entries-appended', 'commit-advanced', 'read-confirmed']);

/**
 * aggregate sums up routine events (ROUTINE) of one node and kind in a batch as one
 * line, in the place of the first: "S2 appended entries 5000..5120 (37 appends)". The
 * trace keeps every event; the narration could not show thousands a second.
 */
export function aggregate(events) {
  const out = [];
  const at = new Map();
  for (const e of events) {
    const key = `${e.peer}|${e.kind}`;
    const i = ROUTINE.has(e.kind) ? at.get(key) : undefined;
    if (!ROUTINE.has(e.kind) || i === undefined) {
      if (ROUTINE.has(e.kind)) at.set(key, out.length);
      out.push(e);
      continue;
    }
    const first = out[i];
    const n = (first.merged || 1) + 1;
    const from = first.merged ? first.from_index : first.index;
    const text = e.kind === 'entries-appended'
      ? `S${e.peer} appended entries ${from}..${e.local_index} (${n} appends)`
      : `${e.text} (${n} such events)`;
    out[i] = { ...e, merged: n, from_index: from, text };
  }
  return out;
}

/** Why crash and restart are not offered when the server does not run the nodes. */
const NOT_SUPERVISED = 'These nodes were started elsewhere (raftplay serve --live): stop one with kill -9 and start it again yourself.';

/**
 * request sends a request to the server and resolves to {status, body} (body parsed as
 * JSON when it is JSON); it throws an Error with the server's own words otherwise.
 */
async function request(method, path, { body, headers = {} } = {}) {
  let response;
  try {
    response = await fetch(path, { method, body, headers: method === 'GET' && !body ? headers : { ...CONTROL_HEADERS, ...headers } });
  } catch (err) {
    throw new Error(`the live server could not be reached (${err.message})`);
  }
  const text = await response.text();
  let parsed = text;
  if ((response.headers.get('Content-Type') || '').includes('json')) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  return { status: response.status, ok: response.ok, body: parsed };
}

/** errorText is the sentence of an error answer ({"error": …} or plain text). */
function errorText(res) {
  const b = res.body;
  if (b && typeof b === 'object' && b.error) return b.error;
  return typeof b === 'string' && b.trim() ? b.trim().slice(0, 200) : `HTTP ${res.status}`;
}

/** keyPath is the URL path of a key (a key may hold slashes, each segment escaped). */
export function keyPath(key) {
  return `api/live/kv/${key.split('/').map(encodeURIComponent).join('/')}`;
}

/**
 * kvRequest turns a client command (parseCommand's form: "SET k v", "GET k", "DEL k",
 * "CAS k old new") into the request of the contract's kv proxy.
 */
export function kvRequest(cmd) {
  const [verb, key, a, b] = cmd.split(' ');
  switch (verb) {
    case 'SET': return { method: 'PUT', path: keyPath(key), body: a };
    case 'GET': return { method: 'GET', path: keyPath(key) };
    case 'DEL': return { method: 'DELETE', path: keyPath(key) };
    case 'CAS': return { method: 'PUT', path: keyPath(key), body: b, headers: { 'X-Raftplay-Expect': a } };
    default: throw new Error(`not a client command: ${cmd}`);
  }
}

/** clockTime is a wall-clock time of day with milliseconds: "14:03:07.412". */
function clockTime(ms) {
  const d = new Date(ms);
  const two = (n) => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

/** startLive builds the live page; say(text) shows a short message in the status toast. */
export async function startLive({ say }) {
  document.documentElement.dataset.live = 'true';
  const style = el('link', { rel: 'stylesheet', href: 'css/live.css' });
  document.head.append(style);
  const model = createLiveModel();
  const openedAt = Date.now();
  const first = await request('GET', 'api/live/cluster');
  if (!first.ok || !first.body || first.body.live !== true) {
    throw new Error(`this server does not serve live mode (GET /api/live/cluster answered ${first.status}: ${errorText(first)}); open the page without ?live for the simulator`);
  }
  model.applyCluster(first.body);
  const supervised = model.supervised;

  const chrome = dressPage(supervised);
  const session = {
    snap: null,
    prev: null,
    vt: 0,
    events: model.events,
    forked: null,
    scenario: () => ({ options: { clients: 0 } }),
  };

  // Actions on the processes (crash, restart) through the server's supervisor.
  async function power(action) {
    const verb = action.type === 'restart' ? 'restart' : 'crash';
    if (action.type !== 'crash' && action.type !== 'restart') {
      say(`Live mode cannot ${action.type}: a real node has no such control.`);
      return;
    }
    if (verb === 'restart') model.restarting(action.peer);
    const res = await request('POST', `api/live/nodes/${action.peer}/${verb}`).catch((err) => ({ ok: false, status: 0, body: { error: err.message } }));
    if (!res.ok) {
      const why = errorText(res);
      say(`S${action.peer} could not ${verb}: ${why}`);
      model.note({ kind: 'action-failed', peer: action.peer, text: `${verb} S${action.peer}: ${why}` });
      return;
    }
    if (verb === 'crash') model.crashed(action.peer);
    model.note({ kind: verb, peer: action.peer });
    say(verb === 'crash' ? `S${action.peer}'s process was killed (SIGKILL).` : `S${action.peer} is starting again from its disk.`);
  }

  // Links: a cut or a heal is both ways, through each node's admin endpoint.
  async function link(a, b, verb) {
    const res = await request('POST', `api/live/links/${a}/${b}/${verb}`).catch((err) => ({ ok: false, status: 0, body: { error: err.message } }));
    if (!res.ok) {
      const why = errorText(res);
      say(`The link S${a}–S${b} could not be ${verb === 'cut' ? 'cut' : 'healed'}: ${why}`);
      model.note({ kind: 'action-failed', from: a, to: b, text: `${verb} the link S${a}–S${b}: ${why}` });
      return false;
    }
    model.note(verb === 'cut' ? { kind: 'block', from: a, to: b, both: true } : { kind: 'heal', from: a, to: b });
    return true;
  }
  const isCut = (a, b) => (session.snap.blocked || []).some((l) => l.from === a && l.to === b);
  const toggleLink = (a, b) => link(a, b, isCut(a, b) ? 'heal' : 'cut');
  async function isolate(id, who) {
    if (!id) {
      say(`There is no ${who} to isolate right now.`);
      return;
    }
    for (const p of session.snap.peers) {
      if (p.id !== id && !isCut(id, p.id)) await link(id, p.id, 'cut');
    }
  }
  async function healAll() {
    const cut = (session.snap.blocked || []).filter((l) => l.from < l.to);
    if (!cut.length) say('No link is cut.');
    for (const l of cut) await link(l.from, l.to, 'heal');
  }

  // The client form sends to the cluster through the server, which finds the leader.
  async function send(cmd) {
    const req = kvRequest(cmd);
    model.note({ kind: 'client-request', text: `The page sends ${cmd} to the cluster (${req.method} /kv/${cmd.split(' ')[1]})` });
    const res = await request(req.method, req.path, { body: req.body, headers: req.headers })
      .catch((err) => ({ ok: false, status: 0, body: { error: err.message } }));
    const outcome = kvOutcome(cmd, res);
    if (res.ok && res.body && typeof res.body === 'object' && res.body.index) model.remember(res.body.index, cmd);
    model.note({ kind: 'client-response', text: outcome });
    say(outcome);
  }

  const peers = createPeersView($('#peers'));
  const links = createLinksView($('#links'), toggleLink);
  const messages = createFlightView($('#cluster-panel .stage'), (id) => {
    const m = session.snap.messages.find((x) => x.id === id);
    if (m) say(`${messageSentence(m)} (reported by S${m.from} as it sent it).`);
  });
  const logs = createLogView($('#log-scroll'), $('#log-grid'));
  const replication = createReplicationView($('#replication-caption'), $('#replication-body'));
  const truncation = createTruncationView($('#truncation'), {
    onEnd: () => {
      // Every view draws the converged logs again, the same snapshot or not.
      dirty = true;
      drawn = null;
      for (const v of views) v.shown = null;
    },
  });
  const narration = createNarration($('#narration'), session, { timeText: (t) => clockTime(openedAt + t) });
  const peerControls = createPeerControls($('#peer-cards'), power, { extras: false, powerNote: supervised ? '' : NOT_SUPERVISED });
  const peerMenu = supervised ? createPeerMenu($('#peer-menu'), $('#peers'), { session, act: power }) : null;

  const cmdInput = $('#cmd');
  $('#client-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const cmd = parseCommand(cmdInput.value);
    if (!cmd) {
      say('A command looks like SET x 3, GET x, DEL x or CAS x 3 4.');
      cmdInput.focus();
      return;
    }
    send(cmd);
    cmdInput.select();
  });
  const isolateFollower = $('#net-isolate-follower');
  $('#net-isolate-leader').addEventListener('click', () => isolate(session.snap.leader, 'leader'));
  isolateFollower.addEventListener('click', () => isolate(followerToIsolate(session.snap), 'follower'));
  $('#net-heal').addEventListener('click', healAll);

  // Record / export.
  chrome.record.addEventListener('click', () => {
    if (model.recording && !model.recording.to) {
      model.stopRecording();
      say(`Recording stopped: ${model.recording.items.length} items. Export saves it.`);
    } else {
      model.startRecording();
      say('Recording every item the nodes report, until you stop it.');
    }
    showRecording();
  });
  chrome.exportButton.addEventListener('click', () => {
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    download(`raftplay-live-${stamp}.json`, JSON.stringify(model.trace()));
    say(model.recording ? 'Exported the recording and the recent events.' : 'Exported the recent events (press Record to keep everything from now on).');
  });
  function showRecording() {
    const r = model.recording;
    const on = Boolean(r && !r.to);
    setAttr(chrome.record, 'aria-pressed', on ? 'true' : 'false');
    setText(chrome.record, on ? '■ Stop recording' : '● Record');
    setText(chrome.recordInfo, !r ? 'Not recording: Export saves the recent events.'
      : `${r.items.length.toLocaleString('en')} items recorded${r.full ? ` (full at ${RECORD_MAX.toLocaleString('en')}: stopped)` : on ? ' so far' : ''}.`);
  }
  showRecording();

  // Keys: the ones the controls name in aria-keyshortcuts.
  document.addEventListener('keydown', (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.shiftKey) return;
    const t = ev.target;
    if (t instanceof HTMLElement && (['INPUT', 'SELECT', 'TEXTAREA'].includes(t.tagName) || t.isContentEditable)) return;
    const digit = /^Digit([1-9])$/.exec(ev.code);
    if (digit && supervised) {
      const p = session.snap.peers[Number(digit[1]) - 1];
      if (p) power({ type: p.role === 'down' ? 'restart' : 'crash', peer: p.id });
    } else if (ev.key === 'l' || ev.key === 'L') {
      isolate(session.snap.leader, 'leader');
    } else if (ev.key === 'h' || ev.key === 'H') {
      healAll();
    } else if (ev.key === 'c' || ev.key === 'C') {
      ev.preventDefault();
      cmdInput.focus();
      cmdInput.select();
    }
  });

  // Nodes that never answered (a wrong address or token): named with the server's
  // reason in the banner, asked after until none is left, since the stream is silent
  // about a node whose id is unknown.
  function showUnanswered() {
    const list = model.unanswered;
    const n = list.length;
    setText(chrome.unanswered, n ? `${n} node${n === 1 ? ' does' : 's do'} not answer: ${list.map((u) => `${u.url} (${u.error})`).join('; ')}. ` +
      'The page draws a node once it answers; check its address and the token given to raftplay serve --live.' : '');
    chrome.unanswered.hidden = !n;
  }
  showUnanswered();
  async function pollUnanswered() {
    if (!model.unanswered.length) return;
    const res = await request('GET', 'api/live/cluster');
    if (res.ok && res.body && Array.isArray(res.body.nodes)) {
      model.applyCluster(res.body);
      dirty = true;
      showUnanswered();
    }
    if (model.unanswered.length) setTimeout(pollUnanswered, UNANSWERED_POLL_MS);
  }
  setTimeout(pollUnanswered, UNANSWERED_POLL_MS);

  // The stream. EventSource reconnects by itself; the banner says while it is away.
  let dirty = true;
  let badItems = 0;
  const stream = new EventSource('api/live/stream');
  for (const type of ITEM_TYPES) {
    stream.addEventListener(type, (ev) => {
      try {
        model.apply(type, JSON.parse(ev.data));
      } catch (err) {
        // A bad item is skipped; the first few are said, not every one.
        if (badItems++ < 3) say(`A ${type} item from the server could not be read: ${err.message}`);
      }
      dirty = true;
    });
  }
  stream.addEventListener('open', () => setText(chrome.link, ''));
  stream.addEventListener('error', () => {
    setText(chrome.link, stream.readyState === EventSource.CLOSED
      ? 'The stream from the server has ended: reload the page to see the nodes again.'
      : 'The stream from the server is interrupted: reconnecting…');
  });

  // The nodes' views follow the statuses. A redraw is due at once when the cluster is
  // calm, or on a change of role, term or leader, a node down or a truncation (urgent);
  // while it is busy, at most every BUSY_REDRAW_MS, and then its views (each drawing the
  // same snapshot) are spread over frames, as many as fit in FRAME_BUDGET_MS (at least
  // one), so that no frame does all of the work: the script, and the style, layout and
  // paint that follow it. Messages move every frame, or every moveMs while busy, in a
  // frame that redrew no view; the narration likewise.
  const views = [
    (snap) => {
      peers.update(snap);
      links.update(snap);
      peerMenu?.update(snap);
      const f = followerToIsolate(snap);
      setText(isolateFollower, f ? `Isolate a follower (S${f})` : 'Isolate a follower');
    },
    (snap) => logs.update(snap, truncation.ghost),
    (snap) => replication.update(snap),
    (snap) => peerControls.update(snap),
  ].map((draw) => ({ draw, shown: null }));
  let drawn = null; // the snapshot of the last redraw (some views may still be drawing it)
  let drawnAt = -Infinity;
  let movedAt = -Infinity; // when the messages last moved
  let moveMs = BUSY_MOVE_MS; // their step while busy: longer while the page is behind
  let adaptedAt = 0;
  function render(update) {
    const { snap } = update;
    const now = performance.now();
    const changed = !drawn || snap.peers.length !== drawn.peers.length || snap.peers.some((p, i) => p !== drawn.peers[i]);
    const urgent = !drawn || update.reset || update.fresh.some(isTruncation) || snap.leader !== drawn.leader ||
      snap.peers.length !== drawn.peers.length || snap.peers.some((p, i) => p.role !== drawn.peers[i].role || p.term !== drawn.peers[i].term);
    const busyNow = document.documentElement.classList.contains('fast');
    const redrawMs = slow ? SLOW_REDRAW_MS : BUSY_REDRAW_MS;
    if (changed && (urgent || !busyNow || now - drawnAt >= redrawMs)) {
      const prev = drawn;
      if (update.fresh.some(isTruncation)) truncation.check({ ...update, prev }, true);
      busy(snap);
      const lead = snap.leader;
      if (prev && lead && lead !== prev.leader) announce(`S${lead} is the leader of term ${snap.peers[lead - 1].term}.`);
      drawn = snap;
      drawnAt = now;
    }
    let worked = false; // whether this frame redrew a view
    for (const v of views) {
      if (v.shown === drawn) continue;
      if (worked && busyNow && !urgent && performance.now() - now >= FRAME_BUDGET_MS) break;
      v.draw(drawn);
      v.shown = drawn;
      worked = true;
    }
    // A page whose frames come late (whatever takes the machine) moves the messages in
    // longer steps while busy, and says so (showSampled); back to BUSY_MOVE_MS once on time.
    if (now - adaptedAt >= BUSY_REDRAW_MS) {
      adaptedAt = now;
      moveMs = busyNow && lateness > LATE_FRAME_MS ? Math.min(MAX_MOVE_MS, moveMs * 2) : Math.max(BUSY_MOVE_MS, moveMs / 2);
    }
    const overdue = (since, every) => now - since >= 2 * every;
    if (slow) {
      // Counts per link instead of each message, in a frame that redrew no view.
      if (now - countedAt >= COUNTS_MS && (!worked || overdue(countedAt, COUNTS_MS))) {
        messages.counts(snap, model.takeTraffic(), Math.max(COUNTS_MS, now - trafficSince) / 1000);
        countedAt = now;
        trafficSince = now;
        worked = true;
      }
    } else if (!busyNow || update.reset || (now - movedAt >= moveMs && (!worked || overdue(movedAt, moveMs)))) {
      messages.update(snap, update.vt);
      movedAt = now;
      worked = worked || busyNow;
    }
    feed.push(...update.fresh);
    if (feed.length > KEEP_EVENTS) feed.splice(0, feed.length - KEEP_EVENTS);
    const every = busyNow ? redrawMs : NARRATE_MS;
    if (update.reset || (now - fed >= every && (!busyNow || !worked || overdue(fed, every)))) {
      fed = now;
      narration.update({ ...update, fresh: aggregate(feed), reason: update.reset ? 'load' : 'act' });
      feed = [];
    }
    showSampled();
    // The count of a recording changes with every item: rewritten with the redraws.
    if (model.recording && !model.recording.to && drawnAt === now) showRecording();
  }

  // A busy cluster appends entries faster than anyone can watch them arrive: no entrance
  // animations then (each one is a layer to composite), as the simulation does when fast.
  let pace = { at: 0, index: 0 };
  function busy(snap) {
    const now = performance.now();
    if (now - pace.at < 1000) return;
    const index = Math.max(0, ...snap.peers.map((p) => p.last_index));
    document.documentElement.classList.toggle('fast', pace.at > 0 && (index - pace.index) * 1000 / (now - pace.at) > BUSY_ENTRIES);
    pace = { at: now, index };
  }

  // Adaptive drawing: whether the page draws less (slow), judged (live-drawing.js) on
  // its frames' mean interval (frameMs) over the last FRAME_WINDOW frames (gaps).
  const mode = createDrawMode();
  let slow = false;
  let frameMs = 1000 / 60;
  const gaps = [];
  let judgedAt = 0;
  let lateMs = 0; // the frames' mean interval when it began to (said on the page)
  let countedAt = -Infinity; // when the counts per link were last shown
  let trafficSince = 0; // the start of the counts' window (the model's takeTraffic)
  function judge(t) {
    if (t - judgedAt < JUDGE_MS || gaps.length < FRAME_WINDOW / 3) return;
    judgedAt = t;
    frameMs = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    if (!mode.judge(t, frameMs, document.documentElement.classList.contains('fast'))) {
      // While each message flies, the counts start afresh every judgement: the first
      // counts shown cover the last JUDGE_MS or so.
      if (!slow) {
        model.takeTraffic();
        trafficSince = performance.now();
      }
      return;
    }
    slow = mode.slow;
    if (slow) lateMs = frameMs;
    dirty = true;
    sampledAt = -Infinity; // said at once
    if (slow) {
      countedAt = -Infinity; // the messages give way to the counts in the next frame
    } else {
      movedAt = -Infinity; // the messages fly again in the next frame
    }
  }

  let feed = []; // events not yet given to the narration
  let fed = 0; // when it was last given some

  let sampledShown = '';
  // The counts change with nearly every item of a busy cluster: the line is rewritten
  // at most once a second (each rewrite lays the page out again), at once the first time.
  let sampledAt = -Infinity;
  function showSampled() {
    const now = performance.now();
    if (sampledShown && now - sampledAt < 1000) return;
    sampledAt = now;
    const s = model.sampled;
    const parts = [...s.nodes].filter(([, v]) => v.dropped > 0).map(([id, v]) => `S${id}: ${v.dropped.toLocaleString('en')}`);
    const text = ((parts.length ? `Sampled: the nodes send more than a drawing can show, so the page gets at most one message per link and direction and one routine event per node and kind every 100 ms; left out so far: ${parts.join(', ')}. ` : '') +
      // In counts mode no message is drawn one by one: what the drawing left out is moot.
      (s.page && !slow ? `The drawing shows at most ${MAX_PER_LINK} messages per link and ${MAX_FLIGHT} in all at once: ${s.page.toLocaleString('en')} were not drawn.` : '') +
      (slow ? ` Busy machine (the page got ${Math.round(1000 / lateMs)} frames a second): messages shown as counts per link, views every ${SLOW_REDRAW_MS / 1000} s; a crash, a new leader or term, or a truncation is still drawn at once.`
        : moveMs > BUSY_MOVE_MS ? ` The page is behind (its frames come late): messages move in steps of ${moveMs} ms.` : '')).trim();
    if (text === sampledShown) return;
    sampledShown = text;
    setText(chrome.sampled, text);
    chrome.sampled.hidden = !text;
  }

  // One frame: take what arrived, draw when anything changed, a view has yet to draw
  // the last redraw, or a message moves. lateness: the frames' spacing (ms), averaged.
  let lateness = 1000 / 60;
  let lastFrame = 0;
  function frame(t) {
    requestAnimationFrame(frame);
    if (lastFrame) {
      lateness += (Math.min(t - lastFrame, 1000) - lateness) / 10;
      gaps.push(Math.min(t - lastFrame, 1000)); // a tab in the background is not a slow machine
      if (gaps.length > FRAME_WINDOW) gaps.shift();
    }
    lastFrame = t;
    judge(t);
    const vt = model.time();
    const moving = model.inFlight();
    const fresh = model.takeFresh();
    const snap = model.snapshot(vt);
    const behind = views.some((v) => v.shown !== drawn);
    if (!dirty && !moving && !behind && !fresh.length && !feed.length && snap === session.snap) return;
    dirty = false;
    if (snap !== session.snap) {
      session.prev = session.snap;
      session.snap = snap;
    }
    session.vt = vt;
    render({ snap, prev: session.prev, fresh, reset: false, reason: 'frame', vt });
  }

  session.snap = model.snapshot();
  render({ snap: session.snap, prev: null, fresh: model.takeFresh(), reset: true, reason: 'load', vt: model.time() });
  requestAnimationFrame(frame);
  window.raftplay = {
    live: true,
    /** state returns the snapshot the page shows (the simulator's Snapshot keys). */
    state: () => session.snap,
    /** events returns the events kept (the narration's source), oldest first. */
    events: () => model.events.slice(),
    /** received counts the stream items taken so far, per type. */
    received: () => model.received,
    /** drawing says how the page draws: {slow, frameMs} (the adaptive mode, its frames' mean interval). */
    drawing: () => ({ slow, frameMs }),
    /** trace returns what Export saves. */
    trace: () => model.trace(),
  };
  document.documentElement.dataset.ready = 'true';
  performance.mark('raftplay-interactive');
}

/** kvOutcome says what a client command's answer means, in one sentence. */
export function kvOutcome(cmd, res) {
  const [verb, key] = cmd.split(' ');
  const b = res.body && typeof res.body === 'object' ? res.body : null;
  if (res.ok) {
    switch (verb) {
      case 'GET': return `GET ${key} → ${typeof res.body === 'string' ? JSON.stringify(res.body) : JSON.stringify(b)} (a linearizable read).`;
      case 'DEL': return `DEL ${key}: applied at index ${b?.index ?? '?'}${b && !b.found ? ' (it was not set)' : ''}.`;
      default: return `${cmd}: committed and applied at index ${b?.index ?? '?'}${b?.found ? `, replacing ${JSON.stringify(b.previous ?? '')}` : ''}.`;
    }
  }
  if (res.status === 404 && verb === 'GET') return `GET ${key}: the key is not set.`;
  if (res.status === 409 && verb === 'CAS') return `${cmd} refused: ${key} holds ${b && b.found ? JSON.stringify(b.current) : 'nothing'}.`;
  return `${cmd} failed: ${errorText(res)}.`;
}

/**
 * dressPage turns the simulation page into the live one: the banner, no time controls,
 * no simulator-only controls, and the record / export buttons. Returns the elements
 * live mode updates.
 */
function dressPage(supervised) {
  document.title = 'raftplay — live cluster';
  setText($('.tagline'), '— live: real node processes');
  const sampled = el('p', { id: 'live-sampled', class: 'live-sampled', role: 'status', hidden: true });
  const unanswered = el('p', { id: 'live-unanswered', class: 'live-unanswered', role: 'status', hidden: true });
  const linkState = el('span', { id: 'live-link', class: 'live-link', role: 'status' });
  const banner = el('section', { id: 'live-banner', class: 'live-banner', 'aria-label': 'Live mode' },
    el('p', { class: 'live-title' }, el('strong', {}, 'LIVE'), ' — real processes, not rewindable.'),
    el('p', { class: 'live-what' }, supervised
      ? 'Each peer is a raftplay node process with its own disk and sockets, started by this server: crash kills it (SIGKILL), restart runs it again on its data.'
      : 'Each peer is a raftplay node started elsewhere; this page watches it, cuts its links and sends it commands.',
    ' What you see is what the nodes report: their status several times a second, their own events, and messages as they send them (sampled when there are many).'),
    unanswered, linkState, sampled);
  $('#transport').replaceWith(banner);
  for (const sel of ['#invariants', '#lessons-open', '#help-open', '#net-leader-deaf', '#net-latency', '#net-latency-help',
    '#cmd-session', '#cmd-session-help', '#start', '#inspector', '[data-menu-action="timeout"]', '[data-menu-action="snapshot"]',
    '#members', '#conf-panel', '[data-menu-action="promote"]', '[data-menu-action="remove"]']) {
    $(sel).hidden = true;
  }
  // The server finds the leader (and retries) for every command.
  const target = $('#cmd-peer');
  target.hidden = true;
  $('label[for="cmd-peer"]').hidden = true;
  setText($('#cluster-panel .hint'), supervised
    ? 'Tap a peer to crash or restart its process, a link to cut or heal it (both ways). Messages fly as the sender reports them.'
    : 'Tap a link to cut or heal it (both ways). Messages fly as the sender reports them.');
  setText($('#cmd-help'), 'SET k v, GET k, DEL k or CAS k old new: sent to the leader (the server finds it), as raftplay kv does.');
  // The run panel: the simulator's scenario, seed and share make no sense here.
  const run = $('#run');
  const record = el('button', { type: 'button', id: 'live-record', class: 'btn', 'aria-pressed': 'false' }, '● Record');
  const exportButton = el('button', { type: 'button', id: 'live-export', class: 'btn' }, 'Export trace (JSON)');
  const recordInfo = el('p', { id: 'live-record-info', class: 'hint', role: 'status' });
  run.replaceChildren(el('h2', { id: 'run-h' }, 'Record and export'),
    el('div', { class: 'row' }, record, exportButton), recordInfo,
    el('p', { class: 'hint' }, 'A live run cannot be rewound or shared as a link: export what the page saw as a JSON trace.'));
  return { banner, sampled, unanswered, link: linkState, record, exportButton, recordInfo };
}
