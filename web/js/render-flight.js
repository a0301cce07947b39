// Live mode's messages in flight (live.js). The simulation's view (render-messages.js)
// moves each dot inside the drawing's SVG: every move lays the SVG out again and paints
// the drawing, and a page showing a busy cluster spent its frames on that. Here each
// message is a small SVG of its own over the drawing, moved along its link by its CSS
// transform alone, which needs no layout and paints only the message. (In paired runs on
// a shared 2-core machine: 37 against 29 frames a second under 64 writers, 4 rounds of
// 4; the flooded scripted server the same, with a fifth less of the main thread's CPU.
// A Web Animation played by the compositor was worse on a software-drawn page: it draws
// every frame while anything flies, where moves at most every 50 ms draw only then; so
// was a composited layer per message.)
//
// The DOM contract of messages holds (docs/DESIGN.md): g.msg with data-msg-id and
// data-msg-type, the classes kind-*, reply and refused, a .msg-dot (a square for a
// snapshot) and a .msg-arrow pointing to the receiver, a button with a name. A message
// on another of the same link sent at about the same moment is moved aside; a label
// (right of the direction of travel) is shown while few messages fly.
//
// A page whose frames come late (live.js) draws no message on its own: counts() shows,
// beside each link and for each direction, the messages a second reported on it (a
// span.link-traffic, rewritten a few times a second), and the layer says which with its
// data-mode ("each" or "counts").

import { el, svg } from './dom.js';
import { VIEW, peerPositions, peerRadius, edgePoints } from './layout.js';
import { messageLabel, messageKind, messageSentence, isResponse } from './labels.js';

/** Labels are drawn only while at most this many messages fly (they would overlap). */
const MAX_LABELLED = 6;
/** Two messages of one link sent closer than this (ms) are drawn side by side. */
const TWIN_MS = 25;
/** How far apart (drawing units) twins are drawn. */
const DOT_GAP = 12;
/** A message's own SVG spans this much of the drawing around its dot (drawing units). */
const BOX = { w: 160, h: 60 };

/**
 * createFlightView puts its layer over the drawing `stage` holds (the cluster <svg>,
 * VIEW units, scaled to fit its box); onSelect(id) when a message is activated.
 */
export function createFlightView(stage, onSelect) {
  const layer = el('div', { class: 'flight', role: 'group', 'aria-label': 'Messages in flight', 'data-mode': 'each' });
  stage.append(layer);
  const shown = new Map(); // id -> {node, m, size, at, from, to}
  // The drawing's scale and offset in the layer (px), as the SVG fits VIEW to its box;
  // the messages take a new size at their next move.
  let fit = null;
  new ResizeObserver(([entry]) => {
    const { width, height } = entry.contentRect;
    const s = Math.min(width / VIEW.width, height / VIEW.height);
    fit = { s, ox: (width - VIEW.width * s) / 2, oy: (height - VIEW.height * s) / 2 };
  }).observe(layer);

  function create(m, snap, labelled) {
    const n = snap.peers.length;
    const pos = peerPositions(n);
    const { from, to } = edgePoints(pos[m.from - 1], pos[m.to - 1], peerRadius(n) + 6, 7);
    const len = Math.hypot(to.x - from.x, to.y - from.y) || 1;
    const [ux, uy] = [(to.x - from.x) / len, (to.y - from.y) / len];
    // A twin (same link, sent at about the same time) is drawn beside it, on the right.
    let twins = 0;
    for (const f of shown.values()) if (f.m.from === m.from && f.m.to === m.to && Math.abs(f.m.sent - m.sent) < TWIN_MS) twins++;
    const side = DOT_GAP * twins;
    const reply = isResponse(m.type);
    const r = reply ? 6 : 7;
    const dot = messageKind(m.type) === 'snapshot'
      ? svg('rect', { class: 'msg-dot', x: -r, y: -r, width: 2 * r, height: 2 * r, rx: 2 })
      : svg('circle', { class: 'msg-dot', r });
    const angle = ((Math.atan2(uy, ux) * 180) / Math.PI).toFixed(0);
    const arrow = svg('path', { class: 'msg-arrow', d: 'M 9 -4 L 14 0 L 9 4', transform: `rotate(${angle})`, 'aria-hidden': 'true' });
    const text = labelled ? messageLabel(m) : '';
    // The label beside the dot, right of the direction of travel, its near end 14 units off.
    const w = text.length * 7 + 4;
    const label = svg('text', { class: 'msg-label', 'text-anchor': 'middle',
      x: (-uy * (14 + (w / 2) * Math.abs(uy))).toFixed(1), y: (ux * 14 + 4).toFixed(1) }, text);
    const g = svg('g', {
      class: `msg kind-${messageKind(m.type)}${reply ? ' reply' : ''}${m.reject ? ' refused' : ''}`,
      role: 'button', tabindex: 0, 'data-msg-id': m.id, 'data-msg-type': m.type,
      'aria-label': `${messageSentence(m)}. Activate to inspect.`,
    }, arrow, dot, label);
    g.addEventListener('click', (ev) => { ev.stopPropagation(); onSelect(m.id); });
    g.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' || ev.key === ' ') {
        ev.preventDefault();
        ev.stopPropagation();
        onSelect(m.id);
      }
    });
    const node = svg('svg', { class: 'flight-msg', viewBox: `${-BOX.w / 2} ${-BOX.h / 2} ${BOX.w} ${BOX.h}` }, g);
    layer.append(node);
    return { node, m, size: 0, at: '', from: { x: from.x - uy * side, y: from.y + ux * side }, to: { x: to.x - uy * side, y: to.y + ux * side } };
  }

  // move puts a message where it is at model time vt on its way (only its transform).
  function move(f, vt) {
    if (!fit) return;
    const { s, ox, oy } = fit;
    if (f.size !== s) {
      f.size = s;
      f.node.setAttribute('width', (BOX.w * s).toFixed(1));
      f.node.setAttribute('height', (BOX.h * s).toFixed(1));
    }
    const k = Math.min(1, Math.max(0, (vt - f.m.sent) / Math.max(1, f.m.deliver - f.m.sent)));
    const x = ox + (f.from.x + (f.to.x - f.from.x) * k - BOX.w / 2) * s;
    const y = oy + (f.from.y + (f.to.y - f.from.y) * k - BOX.h / 2) * s;
    const at = `translate(${x.toFixed(1)}px, ${y.toFixed(1)}px)`;
    if (at !== f.at) {
      f.at = at;
      f.node.style.transform = at;
    }
  }

  // The counts' labels, one per directed link ("from-to" -> {node, text}), kept across rewrites.
  const counted = new Map();

  // place puts a count's label right of its link's direction of travel, a third of the
  // way from the sender (the other direction's label is on the other side of the link).
  function place(c, snap) {
    if (!fit) return;
    const n = snap.peers.length;
    const pos = peerPositions(n);
    const [a, b] = [pos[c.from - 1], pos[c.to - 1]];
    if (!a || !b) return;
    const len = Math.hypot(b.x - a.x, b.y - a.y) || 1;
    const [ux, uy] = [(b.x - a.x) / len, (b.y - a.y) / len];
    const x = a.x + (b.x - a.x) / 3 - uy * 16;
    const y = a.y + (b.y - a.y) / 3 + ux * 16;
    const at = `translate(${(fit.ox + x * fit.s).toFixed(1)}px, ${(fit.oy + y * fit.s).toFixed(1)}px) translate(-50%, -50%)`;
    if (at !== c.at) {
      c.at = at;
      c.node.style.transform = at;
    }
  }

  function clearMessages() {
    for (const f of shown.values()) f.node.remove();
    shown.clear();
  }

  function clearCounts() {
    for (const c of counted.values()) c.node.remove();
    counted.clear();
  }

  return {
    /**
     * counts shows, instead of each message, how many messages a second each link
     * carried in each direction: traffic is {"from-to": {type: count}} over `seconds`.
     */
    counts(snap, traffic, seconds) {
      if (layer.dataset.mode !== 'counts') {
        clearMessages();
        layer.dataset.mode = 'counts';
      }
      for (const [key, c] of counted) {
        if (traffic.has(key)) continue;
        c.node.remove();
        counted.delete(key);
      }
      for (const [key, types] of traffic) {
        const [from, to] = key.split('-').map(Number);
        const total = Object.values(types).reduce((a, b) => a + b, 0);
        const rate = Math.round(total / seconds);
        const text = `${rate} msg/s`;
        const detail = Object.entries(types).sort((x, y) => y[1] - x[1]).map(([t, k]) => `${Math.round(k / seconds)} ${t}`).join(', ');
        let c = counted.get(key);
        if (!c) {
          c = { node: el('span', { class: 'link-traffic', 'data-from': from, 'data-to': to }), from, to, at: '', text: '' };
          layer.append(c.node);
          counted.set(key, c);
        }
        if (text !== c.text) {
          c.text = text;
          c.node.textContent = text;
          c.node.dataset.rate = String(rate);
          c.node.title = `S${from} → S${to}: ${detail} a second (reported by S${from}).`;
        }
        place(c, snap);
      }
    },

    /**
     * update shows the messages of snap where they are at model time vt: a new one
     * appears, one that has landed leaves, the others move (their transforms only).
     */
    update(snap, vt) {
      if (layer.dataset.mode !== 'each') {
        clearCounts();
        layer.dataset.mode = 'each';
      }
      const live = new Set();
      const labelled = snap.messages.length <= MAX_LABELLED;
      for (const m of snap.messages) {
        live.add(m.id);
        let f = shown.get(m.id);
        if (!f) {
          f = create(m, snap, labelled);
          shown.set(m.id, f);
        }
        move(f, vt);
      }
      for (const [id, f] of shown) {
        if (live.has(id)) continue;
        f.node.remove();
        shown.delete(id);
      }
    },
  };
}
