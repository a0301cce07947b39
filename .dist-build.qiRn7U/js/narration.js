// The narration panel: the run's events as plain sentences, newest at the bottom,
// filterable by peer and by kind. It follows the session: new events are appended, and
// after a load or a rewind the list is rebuilt from the events the session kept. The
// messages a cut link loses are one line per link that counts them, and a rejection
// caused by the network reordering a leader's messages says so (reorder.js).

import { $, el, setText } from './dom.js';
import { GROUPS, groupOfEvent, isCutDrop, cutSentence, forkSentence, sentence, involves } from './sentences.js';
import { createReorderTracker } from './reorder.js';

/** Events after which a link's drops are counted afresh (the links changed). */
const LINKS_CHANGED = new Set(['heal', 'partition', 'block']);

/** The most sentences the panel keeps in the page. */
const MAX_ITEMS = 300;

/** New sentences are added at most this often (ms), in one batch. */
const BATCH_MS = 150;

/** The groups shown until the user changes the filter. */
const DEFAULT_OFF = new Set(['messages']);

/** createNarration fills the panel `root`; session gives the kept events on a rebuild. */
export function createNarration(root, session) {
  const list = $('#narration-list', root);
  const peerSelect = $('#narration-peer', root);
  const kinds = $('#narration-kinds', root);
  const on = new Set(GROUPS.map((g) => g.id).filter((g) => !DEFAULT_OFF.has(g)));
  let peers = 0;
  let queue = [];
  let timer = 0;
  // Whether the list shows its end: kept from scroll events, so that adding sentences
  // never has to read the layout.
  let stuck = true;
  list.addEventListener('scroll', () => {
    stuck = list.scrollTop + list.clientHeight >= list.scrollHeight - 24;
  }, { passive: true });

  for (const g of GROUPS) {
    const box = el('input', { type: 'checkbox', id: `kind-${g.id}`, value: g.id, checked: on.has(g.id) });
    box.addEventListener('change', () => {
      if (box.checked) on.add(g.id); else on.delete(g.id);
      rebuild();
    });
    kinds.append(el('label', { class: 'check', for: `kind-${g.id}` }, box, ` ${g.label}`));
  }
  peerSelect.addEventListener('change', () => rebuild());

  // Every event passes through observe() once, in order, filtered or not: the
  // reordering notes (by seq) and which cut links are counted depend on all of them.
  let tracker = createReorderTracker();
  let notes = new Map(); // seq -> text added to the event's sentence
  let cuts = new Map(); // "from>to" -> {li, text, count, first, last} of the line that counts a link's drops

  function observe(e) {
    const note = tracker.note(e);
    if (note) notes.set(e.seq, note);
    if (notes.size > MAX_ITEMS * 4) notes.delete(notes.keys().next().value);
  }

  function wanted(e) {
    if (!on.has(groupOfEvent(e))) return false;
    const p = Number(peerSelect.value);
    return !p || involves(e, p);
  }

  function item(e) {
    const who = e.peer ? `S${e.peer}` : e.from ? `S${e.from}→S${e.to}` : '—';
    return el('li', { class: `n-item group-${groupOfEvent(e)}`, 'data-kind': e.kind },
      el('span', { class: 'n-time' }, `${e.time} ms`),
      el('span', { class: 'n-who' }, who),
      el('span', { class: 'n-kind' }, e.kind),
      el('span', { class: 'n-text' }, sentence(e) + (notes.get(e.seq) || '')));
  }

  // cutItem counts a drop on a cut link in that link's line (made, or moved to the end).
  function cutItem(e) {
    const key = `${e.from}>${e.to}`;
    let c = cuts.get(key);
    if (!c) {
      const time = el('span', { class: 'n-time' });
      const text = el('span', { class: 'n-text' });
      const li = el('li', { class: 'n-item group-links', 'data-kind': 'link-cut' },
        time, el('span', { class: 'n-who' }, `S${e.from}→S${e.to}`), el('span', { class: 'n-kind' }, 'link cut'), text);
      c = { li, time, text, count: 0, first: e.time, last: e.time };
      cuts.set(key, c);
    }
    c.count++;
    c.last = e.time;
    setText(c.time, `${c.last} ms`);
    setText(c.text, cutSentence(e.from, e.to, c.count, c.first, c.last));
    return c.li;
  }

  function append(events) {
    const shown = events.filter(wanted).slice(-MAX_ITEMS);
    if (shown.length === 0) return;
    const frag = document.createDocumentFragment();
    for (const e of shown) {
      if (LINKS_CHANGED.has(e.kind)) cuts = new Map();
      frag.append(isCutDrop(e) ? cutItem(e) : item(e));
    }
    list.append(frag);
    let extra = list.childElementCount - MAX_ITEMS;
    while (extra-- > 0) list.firstElementChild.remove();
    if (stuck) list.scrollTop = 1e9;
  }

  function flushQueue() {
    timer = 0;
    const events = queue;
    queue = [];
    append(events);
  }

  function rebuild(replay = false) {
    clearTimeout(timer);
    timer = 0;
    queue = [];
    list.replaceChildren();
    cuts = new Map();
    stuck = true;
    if (replay) {
      // The kept events are another history (a load, a rewind): follow it afresh.
      tracker = createReorderTracker();
      notes = new Map();
      for (const e of session.events) observe(e);
    }
    append(session.events);
  }

  function syncPeers(n) {
    if (n === peers) return;
    peers = n;
    const keep = peerSelect.value;
    peerSelect.replaceChildren(el('option', { value: '0' }, 'All peers'),
      ...Array.from({ length: n }, (_, i) => el('option', { value: String(i + 1) }, `S${i + 1}`)));
    peerSelect.value = Number(keep) <= n ? keep : '0';
  }

  return {
    update(update) {
      syncPeers(update.snap.peers.length);
      if (update.reset) {
        rebuild(true);
        return;
      }
      if (session.forked) {
        // Acting in the past: the narration after this point is a new future.
        flushQueue();
        list.append(el('li', { class: 'n-item group-faults', 'data-kind': 'fork' },
          el('span', { class: 'n-time' }, `${session.forked.at} ms`), el('span', { class: 'n-who' }, '—'),
          el('span', { class: 'n-kind' }, 'fork'), el('span', { class: 'n-text' }, forkSentence(session.forked.at, session.forked.end))));
        if (stuck) list.scrollTop = 1e9;
      }
      if (update.fresh.length === 0) return;
      for (const e of update.fresh) {
        observe(e);
        queue.push(e);
      }
      if (queue.length > MAX_ITEMS * 4) queue = queue.slice(-MAX_ITEMS * 4);
      // While playing, sentences arrive in batches; a step or an action shows at once.
      if (update.reason !== 'frame') flushQueue();
      else if (!timer) timer = setTimeout(flushQueue, BATCH_MS);
    },
  };
}
