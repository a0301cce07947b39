// Plain sentences from trace events: the engine's and the simulator's own texts (which
// name peers as drawn, S1, S2, …) with the rule of the paper each decision follows,
// from the vocabulary generated from Go (vocab.gen.js). Also the groups the narration
// filters by: every kind of that vocabulary has one (web/test/vocab.test.mjs).

import { ENGINE_KINDS, REASONS } from './vocab.gen.js';

/** GROUPS are the narration's filter groups, in the order of the filter controls. */
export const GROUPS = [
  { id: 'elections', label: 'Elections' },
  { id: 'replication', label: 'Replication' },
  { id: 'faults', label: 'Faults & actions' },
  { id: 'links', label: 'Cut links' },
  { id: 'clients', label: 'Clients' },
  { id: 'messages', label: 'Every message' },
  { id: 'problems', label: 'Problems' },
];

/**
 * GROUP_OF gives every event kind, the engine's and the simulator's (vocab.gen.js), its
 * filter group; web/test/vocab.test.mjs fails when a kind has none.
 */
export const GROUP_OF = Object.freeze({
  timeout: 'elections', role: 'elections', 'vote-granted': 'elections', 'vote-refused': 'elections',
  'election-won': 'elections', 'stepped-down': 'elections', 'quorum-lost': 'elections', 'force-timeout': 'elections',
  'append-rejected': 'replication', 'suffix-truncated': 'replication', 'entries-appended': 'replication',
  'commit-advanced': 'replication', 'next-index-backoff': 'replication', 'read-confirmed': 'replication',
  recovered: 'replication', 'snapshot-taken': 'replication', 'snapshot-sent': 'replication',
  'snapshot-installed': 'replication', 'snapshot-rejected': 'replication',
  // Membership changes (§6): configurations travel in the log like other entries.
  'conf-proposed': 'replication', 'joint-entered': 'replication', 'joint-left': 'replication',
  'conf-switched': 'replication', 'learner-added': 'replication', 'learner-promoted': 'replication',
  'voter-added': 'replication', 'member-removed': 'replication', 'conf-rolled-back': 'replication',
  'removed-step-down': 'elections', removed: 'replication', 'replication-stopped': 'replication',
  send: 'messages', deliver: 'messages', lost: 'messages',
  drop: 'faults', duplicate: 'faults', delay: 'faults', crash: 'faults', restart: 'faults', restarted: 'faults',
  partition: 'faults', block: 'faults', heal: 'faults', network: 'faults', 'conf-change': 'faults',
  'client-request': 'clients', 'client-response': 'clients',
  violation: 'problems', 'action-failed': 'problems',
});

/**
 * LIVE_GROUP_OF files the kinds only live mode makes (web/js/live-model.js), which are
 * not in the simulator's vocabulary: `storage-opened`, what a node's store found on
 * disk when its process started (the torn tail it cut).
 */
const LIVE_GROUP_OF = Object.freeze({ 'storage-opened': 'faults' });

/** groupOf returns the filter group of an event kind. */
export function groupOf(kind) {
  return GROUP_OF[kind] || LIVE_GROUP_OF[kind] || 'problems';
}

/** LINK_CUT is the cause of a message dropped because its link is cut: one of DROP_CAUSES. */
export const LINK_CUT = 'link-cut';

/**
 * isCutDrop reports whether an event is a message lost to a cut link (the narration
 * counts those per link instead of a line each).
 */
export function isCutDrop(e) {
  return e.kind === 'drop' && e.cause === LINK_CUT;
}

/** groupOfEvent returns the filter group of a trace event: a cut link's drops have their own. */
export function groupOfEvent(e) {
  return isCutDrop(e) ? 'links' : groupOf(e.kind);
}

/** cutSentence sums up the drops of one cut link: "Link S1→S3 cut: 14 messages dropped". */
export function cutSentence(from, to, count, first, last) {
  const span = first === last ? `at ${first} ms` : `from ${first} to ${last} ms`;
  return `Link S${from}→S${to} cut: ${count} message${count === 1 ? '' : 's'} dropped (${span}).`;
}

/** The rule each engine event kind follows, and the one behind each refusal of a vote. */
const RULE = Object.fromEntries(ENGINE_KINDS.map((k) => [k.name, k.rule]));
const VOTE_RULE = Object.fromEntries(REASONS.map((r) => [r.name, r.rule]));

function capital(s) {
  return s.length ? s[0].toUpperCase() + s.slice(1) : s;
}

/** sentence turns a trace event into the narration's sentence. */
export function sentence(e) {
  switch (e.kind) {
    case 'crash':
      return `S${e.peer} crashed: it stops, and whatever it had not synced to disk is lost.`;
    case 'restart':
      return `S${e.peer} restarts from what its disk holds.`;
    case 'heal':
      // Live mode heals one link at a time (live.js); the simulator heals every link.
      if (e.from && e.to) return `The link between S${e.from} and S${e.to} is healed: their messages get through again.`;
      return 'Every network link is healed.';
    case 'block':
      if (e.from && e.to && e.both) return `The link between S${e.from} and S${e.to} is cut both ways: their messages are lost until it is healed.`;
      if (e.from && e.to) return `The link from S${e.from} to S${e.to} is cut: S${e.from}'s messages to S${e.to} are lost until it is healed.`;
      break;
    case 'partition': {
      const groups = (e.groups || []).map((g) => g.map((id) => `S${id}`).join(', '));
      if (groups.length) return `The network is cut into parts (${groups.join(' | ')}): messages between parts are lost.`;
      break;
    }
    case 'force-timeout':
      return `S${e.peer}'s election timeout is forced to fire now.`;
    case 'violation':
      return `⚠ Safety check failed: ${e.text}`;
    case 'action-failed':
      return `An action could not apply: ${e.text}`;
    default:
  }
  let text = e.text || e.kind;
  const rule = (e.kind === 'vote-refused' && VOTE_RULE[e.reason]) || RULE[e.kind];
  if (rule) text += ` (${rule})`;
  return capital(text) + (/[.!?]$/.test(text) ? '' : '.');
}

/**
 * stepSentence says what one trace event of a single step was, messages included (the
 * narration leaves those out by default): "S2 receives AppendEntries from S1 (message 29)."
 */
export function stepSentence(e) {
  switch (e.kind) {
    case 'send':
      return `S${e.from} sends ${e.msg_type} to S${e.to} (message ${e.msg}, due at ${e.deliver} ms).`;
    case 'deliver':
      return `S${e.to} receives ${e.msg_type} from S${e.from} (message ${e.msg}).`;
    case 'lost':
      return `${e.msg_type} from S${e.from} to S${e.to} is lost (message ${e.msg}).`;
    default:
      return sentence(e);
  }
}

/** forkSentence says that acting in the past discarded the recorded future. */
export function forkSentence(at, end) {
  return `You acted at ${at} ms, before the end of the recorded run: what had been recorded after it (up to ${end} ms) ` +
    'is discarded, and the run goes on from here as a new future.';
}

/** involves reports whether an event concerns peer id (as actor, sender or receiver). */
export function involves(e, id) {
  return e.peer === id || e.from === id || e.to === id;
}
