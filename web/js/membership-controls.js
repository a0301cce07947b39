// The configuration on the page (§6): the lines over the drawing that name the voters,
// or C_old and C_new while joint, and say which majorities a pending configuration
// entry waits for; the rules of what may change now (one change at a time, promote a
// learner only, remove a member); the global button that adds a server, disabled
// with its reason beside it when no server can be added; and the form that changes
// the voters at once (the simulator's reconfigure action, the lessons' `reconfigure
// 1 2 3 4 5`: through C_old,new, or straight to C_new in a run with the unsafe direct
// switch, Figure 10). Fetched once a leader is up (main.js): before, no change can be
// made, and membership.js says so.

import { $, el, setAttr, setText } from './dom.js';
import { confOf, memberOf, blockers, NO_LEADER } from './membership.js';

/** The page draws at most this many servers (the bridge's MaxServers). */
export const MAX_SERVERS = 7;

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
  if (!conf.lead) return NO_LEADER;
  if (inProgress(conf)) return 'A configuration change is in progress: one at a time (§6).';
  if (m === 'voter' && conf.voters.length === 1) return `S${id} is the only voter.`;
  return '';
}

/** promoteBlocked returns why server id cannot be promoted now ("" if it can). */
export function promoteBlocked(conf, id) {
  if (memberOf(conf, id) !== 'learner') return `S${id} is not a learner.`;
  if (!conf.lead) return NO_LEADER;
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
  if (!conf.lead) return NO_LEADER;
  if (inProgress(conf)) return 'A configuration change is in progress: one at a time (§6).';
  return '';
}

/** reconfigureBlocked returns why the voters cannot be changed now ("" if they can). */
export function reconfigureBlocked(conf) {
  if (!conf.lead) return NO_LEADER;
  if (inProgress(conf)) return 'A configuration change is in progress: one at a time (§6).';
  return '';
}

/**
 * changePossible says whether some other set of voters could be asked for: a voter to
 * leave (two at once included, through C_old,new, where the cards' Remove takes one at
 * a time), or a server that is no voter to join. Only a run of one server has none.
 */
export function changePossible(snap, conf) {
  return conf.voters.length > 1 || snap.peers.some((p) => !conf.voters.includes(p.id));
}

/**
 * reconfigureAction returns the reconfigure action for the servers ticked as voters:
 * those voters, and the learners of conf not ticked (they stay learners; a voter left
 * unticked leaves the configuration). A sentence instead when no server is ticked or
 * nothing would change.
 */
export function reconfigureAction(conf, ticked) {
  const voters = [...ticked].sort((a, b) => a - b);
  if (!voters.length) return 'Tick at least one voter: a configuration needs one.';
  const learners = conf.learners.filter((id) => !voters.includes(id));
  if (String(voters) === String(conf.voters)) return 'Those are the voters now: tick or untick a server first.';
  return learners.length ? { type: 'reconfigure', voters, learners } : { type: 'reconfigure', voters };
}

Object.assign(blockers, { promote: promoteBlocked, remove: removeBlocked });

/**
 * createMembershipControls wires the overlay `panel` (#conf-panel) and the add-server
 * button in `root`, and puts the form that changes the voters (#conf-change) below the
 * peer cards; session gives the snapshot, say(text) reports, guard wraps a handler so
 * the simulator's refusal is shown.
 */
export function createMembershipControls(panel, root, { session, say, guard }) {
  const add = $('[data-action="add-server"]', root);
  const note = $('#add-server-note', root);
  const summary = el('div', { class: 'conf-summary' });
  const waiting = el('p', { class: 'conf-waiting' });
  panel.append(summary, waiting);
  let shown = '';

  add.addEventListener('click', guard(() => {
    const id = session.addServer();
    say(`S${id} joins as a learner: it receives the log but does not vote until it is promoted (§6).`);
  }));

  // The new voters: one checkbox per server, input[data-action="conf-voter"][data-peer],
  // ticked as the configuration in force whenever it changes, and the one
  // button[data-action="reconfigure"].
  const reconfigure = el('button', { type: 'submit', class: 'btn', 'data-action': 'reconfigure' }, 'Reconfigure');
  const change = el('form', { id: 'conf-change', class: 'row', 'aria-labelledby': 'conf-change-h', 'aria-describedby': 'conf-change-note' },
    el('span', { id: 'conf-change-h' }, 'New voters:'), reconfigure);
  const changeNote = el('p', { id: 'conf-change-note', class: 'hint' });
  $('#peer-cards').after(change, changeNote);
  let voterBoxes = [];
  let ticksFor = '';
  // Whether this run switches straight to C_new (unsafe.direct_config_change): read
  // from its scenario once per run (a new scenario or a lesson step's start resets it).
  let direct = null;

  change.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const action = reconfigureAction(confOf(session.snap), voterBoxes.filter((b) => b.checked).map((b) => Number(b.dataset.peer)));
    if (typeof action === 'string') {
      say(action);
      return;
    }
    guard(() => {
      session.act(action);
      say(direct ? `The leader switches straight to the voters ${names(action.voters)}, without C_old,new: unsafe (Figure 10).`
        : `The leader goes to the voters ${names(action.voters)} through C_old,new, then C_new (§6).`);
    })();
  });

  // showChange keeps the form in step with the run: a checkbox per server, ticked as
  // the voters in force when they change, and the button's words and reason.
  function showChange(snap, conf) {
    const n = snap.peers.length;
    if (voterBoxes.length !== n) {
      for (const b of voterBoxes) b.parentElement.remove();
      voterBoxes = snap.peers.map((p) => el('input', { type: 'checkbox', 'data-action': 'conf-voter', 'data-peer': p.id }));
      reconfigure.before(...voterBoxes.map((b, i) => el('label', { class: 'check' }, b, `S${i + 1}`)));
      ticksFor = '';
    }
    const key = `${conf.voters}|${conf.outgoing}`;
    if (key !== ticksFor) {
      ticksFor = key;
      for (const b of voterBoxes) b.checked = conf.voters.includes(Number(b.dataset.peer));
    }
    const hide = !changePossible(snap, conf);
    change.hidden = hide;
    changeNote.hidden = hide;
    if (hide) return;
    if (direct === null) direct = Boolean(session.scenario().options?.unsafe?.direct_config_change);
    setText(reconfigure, direct ? 'Switch directly (unsafe)' : 'Reconfigure');
    const reason = reconfigureBlocked(conf);
    reconfigure.disabled = Boolean(reason);
    const how = direct ? 'This run switches straight to C_new, without C_old,new (the unsafe switch of Figure 10).'
      : 'Through C_old,new, then C_new (§6). Learners left unticked stay learners; voters left unticked leave.';
    // The note is visually hidden in a wide window (panels.css): the title says it too.
    setAttr(reconfigure, 'title', reason || how);
    setText(changeNote, reason || how);
  }

  const controls = {
    update(snap) {
      const conf = confOf(snap);
      const lines = confLines(conf);
      if (lines.join('|') !== shown) {
        shown = lines.join('|');
        summary.replaceChildren(...lines.map((line) => el('p', { class: line.startsWith('──') ? 'conf-new' : line.startsWith('┄') ? 'conf-old' : '' }, line)));
      }
      const wait = waitingFor(conf);
      setText(waiting, wait);
      waiting.hidden = !wait;
      const reason = addBlocked(snap, conf);
      add.disabled = Boolean(reason);
      setAttr(add, 'title', reason || null);
      setText(note, reason);
      showChange(snap, conf);
    },
  };
  session.subscribe((u) => {
    if (!u.reset) return;
    direct = null;
    if (session.snap) controls.update(session.snap);
  });
  return controls;
}
