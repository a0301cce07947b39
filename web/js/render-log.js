// The logs: one row per peer, one column per index, so that entries at the same index
// line up across peers and a conflict is visible at a glance. The rows scroll sideways
// together past any length; only the columns in view (and a few either side) exist in
// the page, so a log of thousands of entries costs no more than a short one.
// Each cell shows its term as a number as well as a colour, and committed entries
// (solid border, ✓) differ from uncommitted ones (dashed border) in shape, not only in
// colour. Markers under each row show the peer's commit index (C) and last applied (A)
// and, on followers, the leader's match (M) and next (N) index.
// Cells carry data-index, data-term and data-committed (the DOM contract).
// A peer's snapshot (§7) is one block in the column of its last index, at the start of
// its row: the entries it replaced are gone from that peer. It carries
// data-snapshot-index and data-snapshot-term.

import { el, setAttr, setText } from './dom.js';
import { roleOf, termClass, shortCommand } from './labels.js';
import { confOf, memberOf, MEMBER_WORDS } from './membership.js';

/** What each marker letter stands for: the markers' tooltips say it in words. */
const MARKER_WORDS = { C: 'commit index', A: 'last applied', M: "leader's match index", N: "leader's next index" };

/** Columns drawn beyond each side of the view, so that scrolling shows no gap. */
const OVERSCAN = 6;

/** createLogView fills `grid` (inside the scrolling `scroller`). */
export function createLogView(scroller, grid) {
  let rows = [];
  let header = null;
  let first = 1; // the index of the first column
  let cols = 0; // how many columns the track spans
  let cellPx = 54;
  let headPx = 86;
  let scrollLeft = 0;
  let viewWidth = 0;
  let last = { snap: null, ghost: null, shown: null }; // shown: the ghost drawn last
  let pending = 0;

  function measure() {
    const css = getComputedStyle(grid);
    cellPx = parseFloat(css.getPropertyValue('--cell')) || cellPx;
    headPx = parseFloat(css.getPropertyValue('--head')) || headPx;
    viewWidth = scroller.clientWidth;
  }

  // Scrolling and resizing change which columns are in view: redraw once per frame.
  function redrawSoon() {
    if (pending || !last.snap) return;
    pending = requestAnimationFrame(() => {
      pending = 0;
      view.update(last.snap, last.ghost);
    });
  }
  scroller.addEventListener('scroll', () => {
    scrollLeft = scroller.scrollLeft;
    redrawSoon();
  }, { passive: true });
  new ResizeObserver(() => {
    measure();
    redrawSoon();
  }).observe(scroller);

  function build(n) {
    grid.replaceChildren();
    // Five servers or more: lower rows (log.css), so that seven fit beside the drawing.
    setAttr(grid, 'data-size', n >= 5 ? 'many' : 'few');
    const track = el('div', { class: 'log-track' });
    header = { track, cells: new Map() };
    grid.append(el('div', { class: 'log-index-row', 'aria-hidden': 'true' }, el('div', { class: 'log-head' }, 'index'), track));
    rows = [];
    for (let id = 1; id <= n; id++) {
      const head = el('div', { class: 'log-head' });
      const list = el('ol', { class: 'log-cells', 'aria-label': `Log of peer ${id}` });
      const markers = el('div', { class: 'log-markers', 'aria-hidden': 'true' });
      const node = el('div', { class: 'log-row', 'data-peer': id }, head, el('div', { class: 'log-track' }, list, markers));
      grid.append(node);
      rows.push({ id, node, head, list, markers, cells: new Map(), marks: new Map(), shown: '', peer: null, range: '', snapBlock: null });
    }
    measure();
  }

  const view = {
    /**
     * update shows snap's logs. ghost, if set, is {peer, log, logFirst, from, to, before,
     * lead}: show that peer as it was (before), its previous log with entries from..to
     * marked as removed, and the markers of then.
     */
    update(snap, ghost = null) {
      last = { snap, ghost, shown: last.shown };
      if (!header || rows.length !== snap.peers.length) build(snap.peers.length);
      const atEnd = scrollLeft + viewWidth >= headPx + cols * cellPx - 2 * cellPx;
      first = Infinity;
      let lastIndex = 0;
      for (const p of snap.peers) {
        if (p.snapshot_index) first = Math.min(first, p.snapshot_index);
        if (p.log.length) first = Math.min(first, p.log_first);
        lastIndex = Math.max(lastIndex, p.last_index);
      }
      if (!Number.isFinite(first)) first = 1;
      if (ghost) lastIndex = Math.max(lastIndex, ghost.to);
      cols = Math.max(0, lastIndex - first + 1);
      setVar(grid, '--cols', cols);
      let scrollTo = -1; // written after every cell: a scroll lays the grid out, once
      const fresh = ghost && (!last.shown || last.shown.peer !== ghost.peer || last.shown.from !== ghost.from || last.shown.log !== ghost.log);
      if (fresh) {
        // A new truncation: bring its first removed entry into view (a column or two of
        // what comes before it too), wherever the logs were scrolled.
        const want = Math.max(0, (ghost.from - first - 1) * cellPx);
        const fits = want >= scrollLeft && headPx + (ghost.from - first + 1) * cellPx <= scrollLeft + viewWidth;
        if (!fits) {
          scrollLeft = Math.min(want, Math.max(0, headPx + cols * cellPx - viewWidth));
          scrollTo = scrollLeft;
        }
      } else if (atEnd) {
        // Follow the end of the logs; write (never read) the scroll position, and only
        // when it moves.
        const end = Math.max(0, headPx + cols * cellPx - viewWidth);
        if (end !== scrollLeft) {
          scrollLeft = end;
          scrollTo = end;
        }
      }
      const lo = Math.max(0, Math.floor(scrollLeft / cellPx) - OVERSCAN);
      const hi = Math.min(cols - 1, Math.ceil((scrollLeft + viewWidth - headPx) / cellPx) + OVERSCAN);
      const lead = snap.leader ? snap.peers[snap.leader - 1] : null;
      const conf = confOf(snap);
      for (const [i, p] of snap.peers.entries()) rows[i].member = memberOf(conf, p.id);
      snap.peers.forEach((p, i) => updateRow(rows[i], p, lead, ghost && ghost.peer === p.id ? ghost : null, lo, hi));
      updateHeader(lo, hi);
      if (scrollTo >= 0) scroller.scrollLeft = scrollTo;
      last.shown = ghost;
      if (fresh) {
        // And the page: the row, with the banner above the grid, comes into the window.
        const cell = rows[ghost.peer - 1].cells.get(ghost.from);
        (cell ? cell.node : rows[ghost.peer - 1].node).scrollIntoView({ block: 'nearest', inline: 'nearest' });
      }
    },
  };

  function updateHeader(lo, hi) {
    for (const [col, c] of header.cells) {
      if (col < lo || col > hi) {
        c.remove();
        header.cells.delete(col);
      }
    }
    for (let col = lo; col <= hi; col++) {
      let c = header.cells.get(col);
      if (!c) {
        c = el('div', { class: 'log-index' });
        header.track.append(c);
        header.cells.set(col, c);
        setVar(c, '--col', col);
      }
      setText(c, first + col);
    }
  }

  function updateRow(row, now, lead, ghost, lo, hi) {
    // A held row shows the peer as it was before the truncation, markers included.
    const p = ghost && ghost.before ? ghost.before : now;
    updateHead(row, p);
    updateMarkers(row, p, ghost ? ghost.lead : lead);
    // A frame that reuses the snapshot (same peer object, same columns, no ghost now or
    // before) cannot change any cell.
    const range = `${first}:${lo}:${hi}`;
    const same = row.peer === now && row.range === range && !ghost && !row.ghost;
    row.peer = now;
    row.range = range;
    row.ghost = Boolean(ghost);
    if (same) return;
    updateSnapshot(row, p);
    const log = ghost ? ghost.log : p.log;
    const logFirst = ghost ? ghost.logFirst : p.log_first;
    const from = Math.max(first + lo, logFirst);
    const to = Math.min(first + hi, logFirst + log.length - 1);
    // Cells that leave the range are given to the indices that enter it while the
    // cluster is busy (<html class="fast">: no entrance animation to replay), so that a
    // log that moves hundreds of entries a second rewrites cells instead of removing
    // and creating them.
    const reuse = document.documentElement.classList.contains('fast');
    const spare = [];
    for (const [index, cell] of row.cells) {
      if (index < from || index > to) {
        if (reuse) spare.push(cell);
        else cell.node.remove();
        row.cells.delete(index);
      }
    }
    for (let index = from; index <= to; index++) {
      const e = log[index - logFirst];
      const removed = ghost !== null && index >= ghost.from && index <= ghost.to;
      const committed = !removed && index <= p.commit_index;
      let cell = row.cells.get(index);
      if (!cell && spare.length) {
        cell = spare.pop();
        cell.term = -1; // painted again below
        row.cells.set(index, cell);
      }
      if (!cell) {
        cell = addCell(row, index);
        row.cells.set(index, cell);
      }
      // The first column moves when every peer has compacted past it: place every cell again.
      setVar(cell.node, '--col', index - first);
      if (cell.term !== e.term || cell.committed !== committed || cell.removed !== removed || cell.command !== e.command) {
        paintCell(cell, e, committed, removed);
      }
    }
    for (const cell of spare) cell.node.remove();
  }

  function updateHead(row, p) {
    const info = roleOf(p.role);
    const member = row.member || 'voter';
    const key = `${p.role}|${p.commit_index}|${p.last_applied}|${p.last_index}|${member}`;
    if (row.shown === key) return;
    row.shown = key;
    setAttr(row.node, 'data-peer-role', p.role);
    setAttr(row.node, 'data-member', member);
    // A server that is no plain voter says its place in the configuration instead of
    // its role (the symbol beside its name still says that; the head is narrow).
    row.head.replaceChildren(
      el('span', { class: 'log-head-name' }, `S${p.id} ${info.symbol}`),
      el('span', { class: 'log-head-role' }, member === 'voter' ? info.label : MEMBER_WORDS[member]),
      el('span', { class: 'log-head-nums' }, `C ${p.commit_index} · A ${p.last_applied}`),
    );
    setAttr(row.list, 'aria-label', `Log of peer ${p.id} (${info.label}, ${MEMBER_WORDS[member]}): last index ${p.last_index}, commit index ${p.commit_index}, last applied ${p.last_applied}`);
  }

  // updateSnapshot draws the peer's snapshot as one block in the column of its last
  // index, or removes it when the peer has none.
  function updateSnapshot(row, p) {
    const index = p.snapshot_index || 0;
    if (!index) {
      if (row.snapBlock) row.snapBlock.node.remove();
      row.snapBlock = null;
      return;
    }
    let b = row.snapBlock;
    if (!b) {
      const what = el('span', { class: 'snap-what' }, 'snapshot');
      const upTo = el('span', { class: 'snap-upto' });
      b = { node: el('li', { class: 'log-snapshot' }, what, upTo), upTo, key: '' };
      row.list.prepend(b.node);
      row.snapBlock = b;
    }
    setVar(b.node, '--col', index - first);
    const key = `${index}@${p.snapshot_term}`;
    if (b.key === key) return;
    b.key = key;
    setAttr(b.node, 'data-snapshot-index', index);
    setAttr(b.node, 'data-snapshot-term', p.snapshot_term);
    setText(b.upTo, `≤ ${index} @ t${p.snapshot_term}`);
    const words = `snapshot of entries up to index ${index}, term ${p.snapshot_term}: the earlier log is compacted away`;
    setAttr(b.node, 'title', words);
    setAttr(b.node, 'aria-label', words);
  }

  function addCell(row, index) {
    const term = el('span', { class: 'cell-term' });
    const cmd = el('span', { class: 'cell-cmd' });
    const mark = el('span', { class: 'cell-mark', 'aria-hidden': 'true' });
    const node = el('li', { class: 'log-cell' }, mark, term, cmd);
    setVar(node, '--col', index - first);
    row.list.append(node);
    return { node, termText: term, cmdText: cmd, mark, term: -1, committed: null, removed: null, command: null };
  }

  function paintCell(cell, e, committed, removed) {
    cell.term = e.term;
    cell.committed = committed;
    cell.removed = removed;
    cell.command = e.command;
    const n = cell.node;
    n.className = `log-cell ${termClass(e.term)}${committed ? ' committed' : ' uncommitted'}${removed ? ' truncated' : ''}`;
    setAttr(n, 'data-index', e.index);
    setAttr(n, 'data-term', e.term);
    setAttr(n, 'data-committed', committed ? 'true' : 'false');
    setAttr(n, 'data-truncated', removed ? 'true' : null);
    setText(cell.termText, `t${e.term}`);
    // A configuration entry (§6) reads as the configuration it makes: joint or not.
    setText(cell.cmdText, e.conf ? (/outgoing=\[\d/.test(e.command) ? 'C_old,new' : 'config') : shortCommand(e.command));
    setText(cell.mark, removed ? '✕' : committed ? '✓' : '');
    const status = removed ? 'conflicting, being removed' : committed ? 'committed' : 'not committed';
    // A live node's log has no commands (its status gives index and term), except the page's own writes.
    setAttr(n, 'title', `index ${e.index} · term ${e.term}${e.command ? ` · ${e.command}` : ''} · ${status}`);
    setAttr(n, 'aria-label', `index ${e.index}, term ${e.term}, ${e.command ? `${e.command}, ` : ''}${status}`);
  }

  // Markers: C (commit index) and A (last applied) of this peer; on a follower, M and N
  // are the leader's match and next index for it. Labels at one index are joined.
  function updateMarkers(row, p, lead) {
    const at = new Map();
    const add = (index, label) => {
      if (index < first || index === 0) return;
      at.set(index, at.has(index) ? `${at.get(index)}·${label}` : label);
    };
    if (p.role !== 'down') {
      add(p.commit_index, 'C');
      add(p.last_applied, 'A');
    }
    const rep = lead && lead.id !== p.id ? (lead.replication || []).find((r) => r.peer === p.id) : null;
    if (rep) {
      add(rep.match_index, 'M');
      add(rep.next_index, 'N');
    }
    for (const [index, node] of row.marks) {
      if (!at.has(index)) {
        node.remove();
        row.marks.delete(index);
      }
    }
    for (const [index, label] of at) {
      let node = row.marks.get(index);
      if (!node) {
        node = el('span', { class: 'log-marker' });
        row.markers.append(node);
        row.marks.set(index, node);
      }
      setText(node, `▲${label}`);
      setAttr(node, 'title', `${label.split('·').map((l) => MARKER_WORDS[l]).join(', ')} of S${p.id}: index ${index}`);
      setVar(node, '--col', index - first);
    }
  }

  return view;
}

// setVar sets a CSS custom property through the CSSOM (allowed by the page's CSP), only
// when it changes.
function setVar(node, name, value) {
  const v = String(value);
  if (node.style.getPropertyValue(name) !== v) node.style.setProperty(name, v);
}
