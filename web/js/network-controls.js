// Partitions: cut or heal one link (from the drawing), and presets such as "isolate the
// leader". A link is cut by blocking both of its directions; healing one link heals
// every link and blocks again the ones that stay cut, since the simulator heals all at
// once.

import { $, setText } from './dom.js';

/**
 * followerToIsolate is the peer "Isolate a follower" cuts off: the follower (a peer
 * that is up and not the leader) with the lowest id, or 0 if there is none. The
 * lessons name it in their prompts ("Partition S1 from S2 and S3").
 */
export function followerToIsolate(snap) {
  const f = snap.peers.find((p) => p.id !== snap.leader && p.state !== 'down');
  return f ? f.id : 0;
}

/**
 * createNetworkControls wires the preset buttons in `root`. session gives the latest
 * snapshot; act(action) applies an action; say(text) reports a problem.
 */
export function createNetworkControls(root, { session, act, say }) {
  const blocked = () => session.snap.blocked || [];
  const isCut = (a, b) => blocked().some((l) => (l.from === a && l.to === b) || (l.from === b && l.to === a));

  function cut(a, b) {
    const cuts = blocked();
    if (!cuts.some((l) => l.from === a && l.to === b)) act({ type: 'block', from: a, to: b });
    if (!cuts.some((l) => l.from === b && l.to === a)) act({ type: 'block', from: b, to: a });
  }

  function heal(a, b) {
    const keep = blocked().filter((l) => !((l.from === a && l.to === b) || (l.from === b && l.to === a)));
    act({ type: 'heal' });
    for (const l of keep) act({ type: 'block', from: l.from, to: l.to });
  }

  function isolate(id) {
    if (!id) {
      say('There is no leader to isolate right now.');
      return;
    }
    const others = session.snap.peers.map((p) => p.id).filter((p) => p !== id);
    act({ type: 'partition', groups: [[id], others] });
  }

  function leaderDeaf() {
    const lead = session.snap.leader;
    if (!lead) {
      say('There is no leader right now.');
      return;
    }
    for (const p of session.snap.peers) {
      if (p.id !== lead) act({ type: 'block', from: p.id, to: lead });
    }
  }

  const controls = {
    /** toggle cuts the link a–b, or heals it if it is cut either way. */
    toggle(a, b) {
      if (isCut(a, b)) heal(a, b); else cut(a, b);
    },
    isolateLeader() { isolate(session.snap.leader); },
    isolateFollower() { isolate(followerToIsolate(session.snap)); },
    /** update names the follower "Isolate a follower" would cut off. */
    update(snap) {
      const f = followerToIsolate(snap);
      setText(isolateFollowerButton, f ? `Isolate a follower (S${f})` : 'Isolate a follower');
    },
    leaderDeaf,
    healAll() { act({ type: 'heal' }); },
  };

  $('#net-isolate-leader', root).addEventListener('click', controls.isolateLeader);
  const isolateFollowerButton = $('#net-isolate-follower', root);
  isolateFollowerButton.addEventListener('click', controls.isolateFollower);
  $('#net-leader-deaf', root).addEventListener('click', controls.leaderDeaf);
  $('#net-heal', root).addEventListener('click', controls.healAll);
  return controls;
}
