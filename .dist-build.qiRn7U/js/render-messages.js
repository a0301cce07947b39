// Messages in flight, moving along their link from sender to receiver as virtual time
// passes. Each is a button labelled with its type (and entry count, or granted /
// refused for replies); activating it selects it for the inspector. An arrowhead in
// front of each dot shows which way it goes (so a paused picture still says it).
//
// Placement keeps the picture readable: a message that sits on another of the same
// link (a duplicate, one sent at the same moment) is moved aside, and each label takes
// the first free spot around its dot that covers no peer (circle and captions), no
// other dot and no label already placed; a label with no free spot is left out (the
// dot's accessible name and the inspector still have it).

import { svg, setAttr, setText } from './dom.js';
import { VIEW, peerPositions, peerRadius, edgePoints } from './layout.js';
import { messageLabel, messageKind, messageSentence, isResponse } from './labels.js';

/** Above this many messages in flight the labels are left out (they would overlap). */
const MAX_LABELLED = 16;
/** The same for clusters of more than three peers, whose links are shorter. */
const MAX_LABELLED_BIG = 4;
/** Two dots of one link closer than this (drawing units) are moved apart. */
const DOT_GAP = 12;
/** The label's size: its font is 11 px, of about this width per character. */
const CHAR_W = 7;
const LABEL_H = 15;
/** What a dot covers, as a half side (drawing units); its arrowhead is ahead of it. */
const DOT_R = 10;

// The spots tried for a label around its dot, in order: [along the normal, along the
// direction of travel], in drawing units; the normal points to the link's own side.
// A message just sent sits at its sender's circle: the spots further along its way
// (positive) are where its label usually fits then.
const SPOTS = [[14, 0], [-14, 0], [14, 26], [-14, 26], [14, -26], [-14, -26], [14, 44], [-14, 44], [14, 62], [-14, 62]];

/** box is a rectangle {l, t, r, b} centred on (cx, cy); owner: the message it belongs to (0: none). */
function box(cx, cy, w, h, owner = 0) {
  return { l: cx - w / 2, t: cy - h / 2, r: cx + w / 2, b: cy + h / 2, owner };
}

function hits(a, b) {
  return a.l < b.r && b.l < a.r && a.t < b.b && b.t < a.b;
}

/** createMessagesView draws into the SVG group `layer`; onSelect(id) on activation. */
export function createMessagesView(layer, onSelect) {
  const shown = new Map(); // message id -> {g, dot, label, arrow, spot}
  let selected = 0;

  function create(m) {
    const reply = isResponse(m.type);
    // A snapshot travels as a square (a page of state, §7), every other message as a round dot.
    const r = reply ? 6 : 7;
    const dot = messageKind(m.type) === 'snapshot'
      ? svg('rect', { class: 'msg-dot', x: -r, y: -r, width: 2 * r, height: 2 * r, rx: 2 })
      : svg('circle', { class: 'msg-dot', r });
    const arrow = svg('path', { class: 'msg-arrow', d: 'M 9 -4 L 14 0 L 9 4', 'aria-hidden': 'true' });
    const label = svg('text', { class: 'msg-label', 'text-anchor': 'middle' });
    const g = svg('g', {
      class: `msg kind-${messageKind(m.type)}${reply ? ' reply' : ''}${m.reject ? ' refused' : ''}`,
      role: 'button', tabindex: 0, 'data-msg-id': m.id, 'data-msg-type': m.type,
    }, arrow, dot, label);
    g.addEventListener('click', (ev) => { ev.stopPropagation(); onSelect(m.id); });
    g.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' || ev.key === ' ') {
        ev.preventDefault();
        ev.stopPropagation();
        onSelect(m.id);
      }
    });
    layer.append(g);
    const entry = { g, dot, label, arrow, spot: 0 };
    shown.set(m.id, entry);
    return entry;
  }

  // obstacles are what a label may not cover: each peer's circle (with its timeout
  // ring) and the role and term captions beside it.
  function obstacles(pos, r) {
    const out = [];
    for (const p of pos) {
      out.push(box(p.x, p.y, 2 * (r + 8), 2 * (r + 8)));
      const capY = p.labelAbove ? p.y - r - 22 : p.y + r + 22;
      out.push(box(p.x, capY, 110, 30));
    }
    return out;
  }

  return {
    /** update places every message in flight for virtual time vt. */
    update(snap, vt) {
      const n = snap.peers.length;
      const pos = peerPositions(n);
      const pr = peerRadius(n);
      const r = pr + 6;
      const live = new Set();
      const labelled = snap.messages.length <= (n > 3 ? MAX_LABELLED_BIG : MAX_LABELLED);
      // First where each dot is, moved aside from a dot of the same link it would cover.
      const placed = [];
      for (const m of [...snap.messages].sort((a, b) => a.id - b.id)) {
        const span = Math.max(1, m.deliver - m.sent);
        const f = Math.min(1, Math.max(0, (vt - m.sent) / span));
        const { from, to } = edgePoints(pos[m.from - 1], pos[m.to - 1], r, 7);
        const len = Math.hypot(to.x - from.x, to.y - from.y) || 1;
        const ux = (to.x - from.x) / len;
        const uy = (to.y - from.y) / len;
        // The normal on this direction's side of the link (the right of travel).
        const nx = -uy;
        const ny = ux;
        let x = from.x + (to.x - from.x) * f;
        let y = from.y + (to.y - from.y) * f;
        const twins = placed.filter((o) => o.m.from === m.from && o.m.to === m.to && Math.hypot(o.x0 - x, o.y0 - y) < DOT_GAP).length;
        const x0 = x;
        const y0 = y;
        x += nx * DOT_GAP * twins;
        y += ny * DOT_GAP * twins;
        placed.push({ m, x, y, x0, y0, ux, uy, nx, ny });
      }
      const blocked = obstacles(pos, pr);
      // Its own dot may be touched by a label, but no arrowhead: that would hide the direction.
      for (const d of placed) blocked.push(box(d.x, d.y, 2 * DOT_R, 2 * DOT_R, d.m.id), box(d.x + d.ux * 11, d.y + d.uy * 11, 10, 10));
      for (const d of placed) {
        const { m, x, y } = d;
        live.add(m.id);
        const entry = shown.get(m.id) || create(m);
        setAttr(entry.g, 'transform', `translate(${x.toFixed(1)} ${y.toFixed(1)})`);
        setAttr(entry.arrow, 'transform', `rotate(${((Math.atan2(d.uy, d.ux) * 180) / Math.PI).toFixed(0)})`);
        const text = labelled ? messageLabel(m) : '';
        let spot = -1;
        if (text) {
          const w = text.length * CHAR_W + 4;
          // The spot used last time first, so that labels do not hop between frames.
          const order = [entry.spot, ...SPOTS.keys()];
          for (const i of order) {
            const [a, b] = SPOTS[i];
            // Beside a link that runs up and down, the label's near end (not its
            // middle) is a from the dot: move it out by half its width, in proportion.
            const cx = x + d.nx * (a + Math.sign(a) * (w / 2) * Math.abs(d.nx)) + d.ux * b;
            const cy = y + d.ny * a + d.uy * b;
            const lb = box(cx, cy, w, LABEL_H);
            if (lb.l < 0 || lb.r > VIEW.width || lb.t < 0 || lb.b > VIEW.height) continue;
            // A label may touch its own dot, never another's, nor a peer or a label.
            if (blocked.some((o) => o.owner !== m.id && hits(lb, o))) continue;
            spot = i;
            blocked.push(lb);
            setAttr(entry.label, 'x', (cx - x).toFixed(1));
            setAttr(entry.label, 'y', (cy - y + 4).toFixed(1));
            break;
          }
        }
        entry.spot = Math.max(0, spot);
        setText(entry.label, spot >= 0 ? text : '');
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
