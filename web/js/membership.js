// The cluster's configuration as the page shows it (§6): which servers are voters,
// learners, leaving (a voter of C_old that is not in C_new, while joint) or joining (in
// C_new, not in C_old), and which majorities a pending decision waits for. Read from a
// snapshot's peers (sim.PeerState voters, learners, outgoing, conf_index,
// conf_committed, voters_match, outgoing_match); no other module works it out.

/** The page draws at most this many servers (the bridge's MaxServers). */
export const MAX_SERVERS = 7;

/**
 * confOf returns the configuration in force: the leader's, or else the latest one a
 * server that is up uses (by the index of its entry). Fields: voters (C_new while
 * joint), learners, outgoing (C_old while joint, else empty), joint, index, committed,
 * lead (the leader's id or 0), votersMatch and outgoingMatch (the leader's: the highest
 * index a majority of each voter set stores).
 */
export function confOf(snap) {
  let from = snap.leader ? snap.peers[snap.leader - 1] : null;
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

/** inProgress reports whether a change is under way (joint, or its entry not committed). */
export function inProgress(conf) {
  return conf.joint || !conf.committed;
}

/** majority is how many servers of a voter set make a majority. */
export function majority(ids) {
  return Math.floor(ids.length / 2) + 1;
}

/** names lists servers, a run of three or more consecutive ids as one range: "S1–S5 S7". */
export function names(ids) {
  const out = [];
  for (let i = 0; i < ids.length;) {
    let j = i;
    while (j + 1 < ids.length && ids[j + 1] === ids[j] + 1) j++;
    if (j - i >= 2) out.push(`S${ids[i]}–S${ids[j]}`);
    else for (let k = i; k <= j; k++) out.push(`S${ids[k]}`);
    i = j + 1;
  }
  return out.join(' ');
}

/**
 * confLines says the configuration in short lines for the corner of the drawing:
 * ["Voters S1 S2 S3 (2 needed)", "Learner S4"], or while joint C_new and C_old (the
 * solid and the dashed rings) with the majority each needs.
 */
export function confLines(conf) {
  if (!conf.voters.length) return ['No configuration known yet'];
  const lines = conf.joint
    ? [`── C_new ${names(conf.voters)} (${majority(conf.voters)} needed)`, `┄ C_old ${names(conf.outgoing)} (${majority(conf.outgoing)} needed)`]
    : [`Voters ${names(conf.voters)} (${majority(conf.voters)} needed)`];
  if (conf.learners.length) lines.push(`Learner${conf.learners.length > 1 ? 's' : ''} ${names(conf.learners)}`);
  return lines;
}

/**
 * waitingFor says what a pending configuration entry waits for, from the leader's
 * voters_match and outgoing_match (the highest index a majority of each voter set
 * stores): "Entry 6 waits for C_new ✗ (at 5), C_old ✓". "" when nothing is pending.
 */
export function waitingFor(conf) {
  if (!conf.lead || conf.committed) {
    return conf.joint && conf.committed ? 'C_old,new committed: C_new comes next' : '';
  }
  const i = conf.index;
  const part = (label, match) => `${label} ${match >= i ? '✓' : `✗ (at ${match})`}`;
  const parts = [part(conf.joint ? 'C_new' : 'the voters', conf.votersMatch)];
  if (conf.joint) parts.push(part('C_old', conf.outgoingMatch));
  return `Entry ${i} waits for ${parts.join(', ')}`;
}

/**
 * removeBlocked returns why server id cannot be removed now ("" if it can): it is no
 * member, or a change is in progress (one at a time, §6).
 */
export function removeBlocked(conf, id) {
  const m = memberOf(conf, id);
  if (m === 'none') return `S${id} is no member of the configuration.`;
  if (!conf.lead) return 'No leader is up to propose the change.';
  if (inProgress(conf)) return 'A configuration change is in progress: one at a time (§6).';
  if (m === 'voter' && conf.voters.length === 1) return `S${id} is the only voter.`;
  return '';
}

/** promoteBlocked returns why server id cannot be promoted now ("" if it can). */
export function promoteBlocked(conf, id) {
  if (memberOf(conf, id) !== 'learner') return `S${id} is not a learner.`;
  if (!conf.lead) return 'No leader is up to propose the change.';
  if (inProgress(conf)) return 'A configuration change is in progress: one at a time (§6).';
  return '';
}

/**
 * addBlocked returns why no server can be added now ("" if one can): the run has
 * MAX_SERVERS servers and no spare one, no leader, or a change in progress.
 */
export function addBlocked(snap, conf) {
  const spare = snap.peers.some((p) => memberOf(conf, p.id) === 'none' && !(p.voters || []).length && !p.last_index);
  if (!spare && snap.peers.length >= MAX_SERVERS) return `${MAX_SERVERS} servers is the most the page draws.`;
  if (!conf.lead) return 'No leader is up to propose the change.';
  if (inProgress(conf)) return 'A configuration change is in progress: one at a time (§6).';
  return '';
}
