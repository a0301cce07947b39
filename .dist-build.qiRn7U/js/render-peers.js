// The peers in the cluster drawing: a circle per peer with its role as a symbol and a
// word (never colour alone), its term, its vote and an arc that fills up as its election
// timeout approaches. Each peer's <g> carries data-peer-id and data-role (the DOM
// contract tests and lessons use), and is a button that opens the peer's actions
// (peer-menu.js).

import { svg, setAttr, setText } from './dom.js';
import { peerPositions, peerRadius } from './layout.js';
import { roleOf } from './labels.js';

/** createPeersView draws into the SVG group `layer`. */
export function createPeersView(layer) {
  let count = 0;
  let nodes = [];

  function build(n) {
    layer.replaceChildren();
    // Bigger clusters get smaller type (see cluster.css).
    setAttr(layer, 'data-size', n > 5 ? 'many' : n > 3 ? 'some' : 'few');
    const pos = peerPositions(n);
    const r = peerRadius(n);
    nodes = pos.map((p, i) => {
      const id = i + 1;
      const arc = svg('circle', { class: 'timeout-arc', cx: p.x, cy: p.y, r: r + 5, pathLength: 100,
        transform: `rotate(-90 ${p.x} ${p.y})` });
      const track = svg('circle', { class: 'timeout-track', cx: p.x, cy: p.y, r: r + 5 });
      const body = svg('circle', { class: 'peer-body', cx: p.x, cy: p.y, r });
      const symbol = svg('text', { class: 'peer-symbol', x: p.x, y: p.y - r * 0.32, 'aria-hidden': 'true' });
      // Each text ends in a space (not drawn), so that the button's text reads as words.
      const name = svg('text', { class: 'peer-name', x: p.x, y: p.y + r * 0.42 }, `S${id} `);
      // Labels above a circle stack upwards, below it downwards (projector type is larger).
      const side = p.labelAbove ? 'above' : 'below';
      const role = svg('text', { class: `peer-role ${side}`, x: p.x, y: p.labelAbove ? p.y - r - 24 : p.y + r + 19 });
      // The vote is left out in projector type, where the terms of neighbours would touch.
      const term = svg('tspan', { class: 'peer-term' });
      const vote = svg('tspan', { class: 'peer-vote' });
      const detail = svg('text', { class: `peer-detail ${side}`, x: p.x, y: p.labelAbove ? p.y - r - 10 : p.y + r + 33 }, term, vote);
      const g = svg('g', { class: 'peer', 'data-peer-id': id, 'data-role': 'follower', role: 'button', tabindex: 0,
        'aria-haspopup': 'true' },
        track, arc, body, symbol, name, role, detail);
      layer.append(g);
      return { g, arc, symbol, role, term, vote };
    });
    count = n;
  }

  return {
    update(snap) {
      if (snap.peers.length !== count) build(snap.peers.length);
      snap.peers.forEach((p, i) => {
        const n = nodes[i];
        const info = roleOf(p.role);
        setAttr(n.g, 'data-role', p.role);
        setText(n.symbol, `${info.symbol} `);
        setText(n.role, `${info.label} `);
        const voteText = p.vote ? `vote ${p.vote}` : 'no vote';
        setText(n.term, `term ${p.term}`);
        setText(n.vote, ` · ${voteText} `);
        const timed = p.role !== 'leader' && p.role !== 'down' && p.election_timeout > 0;
        const fill = timed ? Math.min(100, (100 * p.election_elapsed) / p.election_timeout) : 0;
        setAttr(n.arc, 'stroke-dasharray', `${fill.toFixed(1)} 100`);
        setAttr(n.arc, 'data-hidden', timed ? null : 'true');
        const timer = timed ? `, election timer ${p.election_elapsed} of ${p.election_timeout} ticks` : '';
        // A button's name starts with the text it shows (WCAG 2.5.3, label in name).
        setAttr(n.g, 'aria-label', `S${p.id} ${info.label} term ${p.term} · ${voteText}${timer}. Activate for its actions.`);
      });
    },
  };
}
