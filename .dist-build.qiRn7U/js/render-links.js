// The network links between peers. A link is a button: activating it (click, tap, Enter
// or Space) cuts it in both directions, or heals it if it is cut. A cut link is drawn
// dashed with a ✕ and says so in its label; a link cut one way names the direction.

import { svg, setAttr, setText } from './dom.js';
import { peerPositions, peerRadius, edgePoints } from './layout.js';

/** linkState says whether the link a–b is open, cut both ways or cut one way. */
export function linkState(blocked, a, b) {
  const ab = blocked.some((l) => l.from === a && l.to === b);
  const ba = blocked.some((l) => l.from === b && l.to === a);
  if (ab && ba) return { state: 'cut', text: 'cut' };
  if (ab) return { state: 'oneway', text: `cut ${a}→${b}` };
  if (ba) return { state: 'oneway', text: `cut ${b}→${a}` };
  return { state: 'open', text: 'connected' };
}

/**
 * createLinksView draws into the SVG group `layer`; onToggle(a, b) is called when the
 * user activates the link between peers a and b.
 */
export function createLinksView(layer, onToggle) {
  let count = 0;
  let links = [];

  function build(n) {
    layer.replaceChildren();
    const pos = peerPositions(n);
    const r = peerRadius(n);
    links = [];
    for (let a = 1; a <= n; a++) {
      for (let b = a + 1; b <= n; b++) {
        const { from, to } = edgePoints(pos[a - 1], pos[b - 1], r + 8);
        const line = svg('line', { class: 'link-line', x1: from.x, y1: from.y, x2: to.x, y2: to.y });
        const hit = svg('line', { class: 'link-hit', x1: from.x, y1: from.y, x2: to.x, y2: to.y });
        const mx = (from.x + to.x) / 2;
        const my = (from.y + to.y) / 2;
        const mark = svg('text', { class: 'link-mark', x: mx, y: my + 5, 'aria-hidden': 'true' });
        const g = svg('g', { class: 'link', role: 'button', tabindex: 0, 'data-link': `${a}-${b}` }, hit, line, mark);
        g.addEventListener('click', () => onToggle(a, b));
        g.addEventListener('keydown', (ev) => {
          if (ev.key === 'Enter' || ev.key === ' ') {
            ev.preventDefault();
            ev.stopPropagation();
            onToggle(a, b);
          }
        });
        layer.append(g);
        links.push({ a, b, g, mark });
      }
    }
    count = n;
  }

  return {
    update(snap) {
      if (snap.peers.length !== count) build(snap.peers.length);
      for (const l of links) {
        const s = linkState(snap.blocked || [], l.a, l.b);
        setAttr(l.g, 'data-state', s.state);
        setText(l.mark, s.state === 'open' ? '' : '✕');
        const verb = s.state === 'open' ? 'cut it' : 'heal it';
        setAttr(l.g, 'aria-label', `Link between peer ${l.a} and peer ${l.b}: ${s.text}. Activate to ${verb}.`);
      }
    },
  };
}
