// The narration panel: the run's events as plain sentences, newest at the bottom,
// filterable by peer and by kind. It follows the session: new events are appended, and
// after a load or a rewind the list is rebuilt from the events the session kept.

import { $, el } from './dom.js';
import { GROUPS, groupOf, sentence, involves } from './sentences.js';

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
  peerSelect.addEventListener('change', rebuild);

  function wanted(e) {
    if (!on.has(groupOf(e.kind))) return false;
    const p = Number(peerSelect.value);
    return !p || involves(e, p);
  }

  function item(e) {
    const who = e.peer ? `S${e.peer}` : e.from ? `S${e.from}→S${e.to}` : '—';
    return el('li', { class: `n-item group-${groupOf(e.kind)}`, 'data-kind': e.kind },
      el('span', { class: 'n-time' }, `${e.time} ms`),
      el('span', { class: 'n-who' }, who),
      el('span', { class: 'n-kind' }, e.kind),
      el('span', { class: 'n-text' }, sentence(e)));
  }

  function append(events) {
    const shown = events.filter(wanted).slice(-MAX_ITEMS);
    if (shown.length === 0) return;
    const frag = document.createDocumentFragment();
    for (const e of shown) frag.append(item(e));
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

  function rebuild() {
    clearTimeout(timer);
    timer = 0;
    queue = [];
    list.replaceChildren();
    stuck = true;
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
        rebuild();
        return;
      }
      if (update.fresh.length === 0) return;
      for (const e of update.fresh) queue.push(e);
      if (queue.length > MAX_ITEMS * 4) queue = queue.slice(-MAX_ITEMS * 4);
      // While playing, sentences arrive in batches; a step or an action shows at once.
      if (update.reason !== 'frame') flushQueue();
      else if (!timer) timer = setTimeout(flushQueue, BATCH_MS);
    },
  };
}
