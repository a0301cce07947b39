// The peers in the cluster drawing: a circle per peer with its role as a symbol and a
// word (never colour alone), its term, its vote and an arc that fills up as its election
// timeout approaches. Each peer's <g> carries data-peer-id, data-role and data-member
// (its place in the configuration, §6: voter, learner, leaving, joining or none; the
// DOM contract tests and lessons use), and is a button that opens the peer's actions
// (peer-menu.js). While the configuration is joint, a solid ring marks the servers of
// C_new and a dashed one those of C_old.

import { svg, setAttr, setText } from './dom.js';
import { peerPositions, peerRadius } from './layout.js';
import { roleOf } from './labels.js';
import { confOf, memberOf, MEMBER_WORDS } from './membership.js';

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
      const ringNew = svg('circle', { class: 'ring-new', cx: p.x, cy: p.y, r: r + 9, 'data-hidden': 'true' });
      const ringOld = svg('circle', { class: 'ring-old', cx: p.x, cy: p.y, r: r + 13, 'data-hidden': 'true' });
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
        ringOld, ringNew, track, arc, body, symbol, name, role, detail);
      layer.append(g);
      return { g, arc, symbol, role, term, vote, ringNew, ringOld };
    });
    count = n;
  }

  return {
    update(snap) {
      if (snap.peers.length !== count) build(snap.peers.length);
      const conf = confOf(snap);
      snap.peers.forEach((p, i) => {
        const n = nodes[i];
        const info = roleOf(p.role);
        const member = memberOf(conf, p.id);
        setAttr(n.g, 'data-role', p.role);
        setAttr(n.g, 'data-member', member);
        setAttr(n.ringNew, 'data-hidden', conf.joint && conf.voters.includes(p.id) ? null : 'true');
        setAttr(n.ringOld, 'data-hidden', conf.joint && conf.outgoing.includes(p.id) ? null : 'true');
        setText(n.symbol, `${info.symbol} `);
        // A plain voter says its role only; any other place in the configuration is said too.
        const place = member === 'voter' ? '' : ` · ${MEMBER_WORDS[member]}`;
        setText(n.role, `${info.label}${place} `);
        const voteText = p.vote ? `vote ${p.vote}` : 'no vote';
        setText(n.term, `term ${p.term}`);
        setText(n.vote, ` · ${voteText} `);
        const timed = p.role !== 'leader' && p.role !== 'down' && p.election_timeout > 0;
        const fill = timed ? Math.min(100, (100 * p.election_elapsed) / p.election_timeout) : 0;
        setAttr(n.arc, 'stroke-dasharray', `${fill.toFixed(1)} 100`);
        setAttr(n.arc, 'data-hidden', timed ? null : 'true');
        const timer = timed ? `, election timer ${p.election_elapsed} of ${p.election_timeout} ticks` : '';
        // A button's name starts with the text it shows (WCAG 2.5.3, label in name).
        setAttr(n.g, 'aria-label', `S${p.id} ${info.label}${place} term ${p.term} · ${voteText}${timer}. Activate for its actions.`);
      });
    },
  };
}
