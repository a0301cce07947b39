// Messages in flight, moving along their link from sender to receiver as virtual time
// passes. Each is a button labelled with its type (and entry count, or granted /
// refused for replies); activating it selects it for the inspector.

import { svg, setAttr, setText } from './dom.js';
import { peerPositions, peerRadius, edgePoints } from './layout.js';
import { messageLabel, messageKind, messageSentence, isResponse } from './labels.js';

/** Above this many messages in flight the labels are left out (they would overlap). */
const MAX_LABELLED = 16;
/** The same for clusters of more than three peers, whose links are shorter. */
const MAX_LABELLED_BIG = 4;

// placeLabel puts a label on the side of its dot given by the unit normal (nx, ny).
function placeLabel(label, nx, ny) {
  const horizontal = Math.abs(nx) > 0.6;
  setAttr(label, 'x', horizontal ? (nx > 0 ? 10 : -10) : 0);
  setAttr(label, 'y', horizontal ? 4 : ny > 0 ? 18 : -10);
  setAttr(label, 'text-anchor', horizontal ? (nx > 0 ? 'start' : 'end') : 'middle');
}

/** createMessagesView draws into the SVG group `layer`; onSelect(id) on activation. */
export function createMessagesView(layer, onSelect) {
  const shown = new Map(); // message id -> {g, dot, label, key}
  let selected = 0;

  function create(m) {
    const reply = isResponse(m.type);
    const dot = svg('circle', { class: 'msg-dot', r: reply ? 6 : 7 });
    const label = svg('text', { class: 'msg-label' });
    const g = svg('g', {
      class: `msg kind-${messageKind(m.type)}${reply ? ' reply' : ''}${m.reject ? ' refused' : ''}`,
      role: 'button', tabindex: 0, 'data-msg-id': m.id, 'data-msg-type': m.type,
    }, dot, label);
    g.addEventListener('click', (ev) => { ev.stopPropagation(); onSelect(m.id); });
    g.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' || ev.key === ' ') {
        ev.preventDefault();
        ev.stopPropagation();
        onSelect(m.id);
      }
    });
    layer.append(g);
    const entry = { g, dot, label };
    shown.set(m.id, entry);
    return entry;
  }

  return {
    /** update places every message in flight for virtual time vt. */
    update(snap, vt) {
      const n = snap.peers.length;
      const pos = peerPositions(n);
      const r = peerRadius(n) + 6;
      const live = new Set();
      const labelled = snap.messages.length <= (n > 3 ? MAX_LABELLED_BIG : MAX_LABELLED);
      for (const m of snap.messages) {
        live.add(m.id);
        const entry = shown.get(m.id) || create(m);
        const span = Math.max(1, m.deliver - m.sent);
        const f = Math.min(1, Math.max(0, (vt - m.sent) / span));
        const { from, to } = edgePoints(pos[m.from - 1], pos[m.to - 1], r, 7);
        const x = from.x + (to.x - from.x) * f;
        const y = from.y + (to.y - from.y) * f;
        setAttr(entry.g, 'transform', `translate(${x.toFixed(1)} ${y.toFixed(1)})`);
        // The label sits beside the dot, away from the link, on this direction's side.
        const nx = -(to.y - from.y);
        const ny = to.x - from.x;
        const len = Math.hypot(nx, ny) || 1;
        placeLabel(entry.label, nx / len, ny / len);
        setText(entry.label, labelled ? messageLabel(m) : '');
        setAttr(entry.g, 'aria-label', `${messageSentence(m)}. Activate to inspect.`);
        entry.g.classList.toggle('selected', m.id === selected);
      }
      for (const [id, entry] of shown) {
        if (!live.has(id)) {
          entry.g.remove();
          shown.delete(id);
        }
      }
    },
    /** select marks message id as the one the inspector shows (0: none). */
    select(id) { selected = id; },
  };
}
