// The cluster's configuration as the page shows it (§6): which servers are voters,
// learners, leaving (a voter of C_old that is not in C_new, while joint) or joining (in
// C_new, not in C_old). Read from a snapshot's peers (sim.PeerState voters, learners,
// outgoing, conf_index, conf_committed, voters_match, outgoing_match). What may change
// now, and what a pending entry waits for, is in membership-controls.js, fetched once a
// leader is up (no change can be made before); until then `blockers` says so, and
// `confBeforeLeader` is what the panel over the drawing says.

/**
 * confOf returns the configuration in force: the leader's, or else (no leader, or one
 * that reports none) the latest one a server that is up uses (by the index of its entry). Fields: voters (C_new while
 * joint), learners, outgoing (C_old while joint, else empty), joint, index, committed,
 * lead (the leader's id or 0), votersMatch and outgoingMatch (the leader's: the highest
 * index a majority of each voter set stores).
 */
export function confOf(snap) {
  let from = snap.leader ? snap.peers[snap.leader - 1] : null;
  // A leader that reports no configuration (a live node's status before it learned
  // one says []) does not make every server "no member": the others' is used then.
  if (from && !(from.voters || []).length) from = null;
  if (!from) {
    for (const p of snap.peers) {
      if (p.role === 'down' || !(p.voters || []).length) continue;
      if (!from || (p.conf_index || 0) > (from.conf_index || 0)) from = p;
    }
  }
  if (!from) return { voters: [], learners: [], outgoing: [], joint: false, index: 0, committed: true, lead: 0, votersMatch: 0, outgoingMatch: 0 };
  const outgoing = from.outgoing || [];
  return {
    voters: from.voters || [],
    learners: from.learners || [],
    outgoing,
    joint: outgoing.length > 0,
    index: from.conf_index || 0,
    // The base configuration (no entry) is committed by definition.
    committed: !from.conf_index || Boolean(from.conf_committed),
    lead: snap.leader || 0,
    votersMatch: from.voters_match || 0,
    outgoingMatch: from.outgoing_match || 0,
  };
}

/** memberOf is a server's place in the configuration: voter, learner, leaving, joining or none. */
export function memberOf(conf, id) {
  const inNew = conf.voters.includes(id);
  if (conf.joint) {
    const inOld = conf.outgoing.includes(id);
    if (inNew && !inOld) return 'joining';
    if (inOld && !inNew) return 'leaving';
  }
  if (inNew) return 'voter';
  if (conf.learners.includes(id)) return 'learner';
  return 'none';
}

/** MEMBER_WORDS are the words the drawing and the cards show for each place. */
export const MEMBER_WORDS = Object.freeze({
  voter: 'voter',
  learner: 'learner',
  leaving: 'leaving',
  joining: 'joining',
  none: 'no member',
});

/**
 * confBeforeLeader is what #conf-panel says until a leader is first up, when
 * membership-controls.js is fetched and takes the panel over: the size of the
 * configuration the servers have, and that no change waits (only a leader proposes one).
 */
export function confBeforeLeader(snap) {
  const { voters, learners } = confOf(snap);
  const count = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const lines = [voters.length ? `${count(voters.length, 'voter')} (${Math.floor(voters.length / 2) + 1} needed)` : 'No configuration known yet'];
  if (learners.length) lines.push(count(learners.length, 'learner'));
  // (The frames between a leader's election and the module's arrival say no more.)
  if (!snap.leader) lines.push('No leader yet: nothing is waiting');
  return lines;
}

/** NO_LEADER is why no change can be made while no leader is up (§6: the leader proposes). */
export const NO_LEADER = 'No leader is up to propose the change.';

/**
 * blockers return why server id cannot be promoted or removed now ("" if it can), for
 * the cards and the peer menu; membership-controls.js puts the full rules in.
 */
export const blockers = {
  promote: () => NO_LEADER,
  remove: () => NO_LEADER,
};
