// Partitions: cut or heal one link (from the drawing), presets such as "isolate the
// leader", and a split of the learner's choice (tick the servers of one side, then
// Partition: the simulator's partition action, the lessons' `partition 1 2 | 3 4 5`).
// A link is cut by blocking both of its directions; healing one link heals every link
// and blocks again the ones that stay cut, since the simulator heals all at once.

import { $, el, setText } from './dom.js';

/**
 * followerToIsolate is the peer "Isolate a follower" cuts off: the follower (a peer
 * that is up and not the leader) with the lowest id, or 0 if there is none. The
 * lessons name it in their prompts ("Partition S1 from S2 and S3").
 */
export function followerToIsolate(snap) {
  const f = snap.peers.find((p) => p.id !== snap.leader && p.role !== 'down');
  return f ? f.id : 0;
}

/** The most one-way latency the simulator takes (sim.MaxLatency), in ms. */
export const MAX_LATENCY = 60000;

/**
 * parseLatency reads the latency fields: [min, max] in ms, or a sentence saying what is
 * wrong. The same range as the lessons' move `latency MIN MAX`.
 */
export function parseLatency(minText, maxText) {
  const lo = minText.trim();
  const hi = maxText.trim();
  if (!/^\d+$/.test(lo) || !/^\d+$/.test(hi)) return 'The latency is two whole numbers of milliseconds, such as 20 and 30.';
  const [a, b] = [Number(lo), Number(hi)];
  if (a > b) return `The least latency (${a} ms) is above the most (${b} ms).`;
  if (b > MAX_LATENCY) return `The latency is at most ${MAX_LATENCY} ms.`;
  return [a, b];
}

/**
 * splitGroups returns the partition action's two groups for the ticked servers of one
 * side (ids in 1..n): [side, the others], or a sentence saying what is wrong.
 */
export function splitGroups(side, n) {
  const others = [];
  for (let id = 1; id <= n; id++) if (!side.includes(id)) others.push(id);
  if (!side.length || !others.length) return 'Tick the servers of one side, and leave at least one server on the other.';
  return [side, others];
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

  // The split of the learner's choice: one checkbox per server (made for the run's
  // size), input[data-action="partition-side"][data-peer], and the Partition button.
  const split = $('#net-split', root);
  const partition = $('[data-action="partition"]', split);
  let sides = [];
  function makeSides(n) {
    for (const s of sides) s.parentElement.remove();
    sides = [];
    for (let id = 1; id <= n; id++) sides.push(el('input', { type: 'checkbox', 'data-action': 'partition-side', 'data-peer': id }));
    partition.before(...sides.map((box, i) => el('label', { class: 'check' }, box, `S${i + 1}`)));
  }

  const controls = {
    /** toggle cuts the link a–b, or heals it if it is cut either way. */
    toggle(a, b) {
      if (isCut(a, b)) heal(a, b); else cut(a, b);
    },
    isolateLeader() { isolate(session.snap.leader); },
    isolateFollower() { isolate(followerToIsolate(session.snap)); },
    /**
     * update makes a side checkbox per server when the run's size changes, names the
     * follower "Isolate a follower" would cut off, and shows the latency in force
     * whenever it changes (a lesson, a rewind), not over the learner's typing.
     */
    update(snap) {
      if (sides.length !== snap.peers.length) makeSides(snap.peers.length);
      const f = followerToIsolate(snap);
      setText(isolateFollowerButton, f ? `Isolate a follower (S${f})` : 'Isolate a follower');
      const lat = snap.network?.latency;
      if (lat && String(lat) !== shownLatency && !latencyForm.contains(document.activeElement)) {
        shownLatency = String(lat);
        [minField.value, maxField.value] = lat.map(String);
      }
    },
    leaderDeaf,
    healAll() { act({ type: 'heal' }); },
  };

  split.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const groups = splitGroups(sides.filter((s) => s.checked).map((s) => Number(s.dataset.peer)), sides.length);
    if (typeof groups === 'string') say(groups);
    else act({ type: 'partition', groups });
  });

  $('#net-isolate-leader', root).addEventListener('click', controls.isolateLeader);
  const isolateFollowerButton = $('#net-isolate-follower', root);
  isolateFollowerButton.addEventListener('click', controls.isolateFollower);
  $('#net-leader-deaf', root).addEventListener('click', controls.leaderDeaf);
  $('#net-heal', root).addEventListener('click', controls.healAll);
  const latencyForm = $('#net-latency', root);
  const minField = $('#net-latency-min', root);
  const maxField = $('#net-latency-max', root);
  let shownLatency = '';
  latencyForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const lat = parseLatency(minField.value, maxField.value);
    if (typeof lat === 'string') {
      say(lat);
      minField.focus();
      return;
    }
    act({ type: 'network', latency: lat });
  });
  return controls;
}
