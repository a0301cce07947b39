// Plain sentences from trace events: the engine's and the simulator's own texts, with
// peers named as on the drawing (S1, S2, …) and the rule of the paper each decision
// follows. Also the groups the narration filters by.

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

const GROUP_OF = {
  timeout: 'elections', role: 'elections', 'vote-granted': 'elections', 'vote-refused': 'elections',
  'election-won': 'elections', 'stepped-down': 'elections', 'quorum-lost': 'elections', 'force-timeout': 'elections',
  'append-rejected': 'replication', 'suffix-truncated': 'replication', 'entries-appended': 'replication',
  'commit-advanced': 'replication', 'next-index-backoff': 'replication', 'read-confirmed': 'replication',
  send: 'messages', deliver: 'messages', lost: 'messages',
  drop: 'faults', duplicate: 'faults', delay: 'faults', crash: 'faults', restart: 'faults', restarted: 'faults',
  partition: 'faults', block: 'faults', heal: 'faults', network: 'faults',
  'client-request': 'clients', 'client-response': 'clients',
  violation: 'problems', 'action-failed': 'problems',
};

/** groupOf returns the filter group of an event kind. */
export function groupOf(kind) {
  return GROUP_OF[kind] || 'problems';
}

/**
 * isCutDrop reports whether an event is a message lost to a cut link (the narration
 * counts those per link instead of a line each).
 */
export function isCutDrop(e) {
  return e.kind === 'drop' && /link is cut/.test(e.text || '');
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

const VOTE_RULE = {
  'stale-term': '§5.1',
  'already-voted': '§5.2: one vote per term',
  'log-behind': '§5.4.1: election restriction',
  'leader-alive': 'leader stickiness: it still hears from a leader',
};

const RULE = {
  'vote-granted': '§5.2, §5.4.1',
  'election-won': '§5.2: votes from a majority',
  'stepped-down': '§5.1: a higher term always wins',
  'append-rejected': '§5.3: consistency check',
  'suffix-truncated': '§5.3: delete the conflicting entry and all that follow it',
  'commit-advanced': '§5.3, §5.4.2',
  'next-index-backoff': '§5.3: back up nextIndex and retry',
};

/** peerNames writes "peer 3" as "S3", the name on the drawing. */
export function peerNames(text) {
  const name = (id) => (id === '0' ? 'nobody' : `S${id}`);
  return text
    .replace(/\bpeers? (\d+)/g, (_, id) => name(id))
    .replace(/\b(vote|pre-vote) to (\d+)/g, (_, v, id) => `${v} to ${name(id)}`)
    .replace(/\b(entries from|next index for|voted for) (\d+)/g, (_, w, id) => `${w} ${name(id)}`);
}

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
      return 'Every network link is healed.';
    case 'block': {
      const m = /(\d+) -> (\d+)/.exec(e.text || '');
      if (m) return `The link from S${m[1]} to S${m[2]} is cut: S${m[1]}'s messages to S${m[2]} are lost until it is healed.`;
      break;
    }
    case 'partition': {
      const groups = [...(e.text || '').matchAll(/\[([\d ]*)\]/g)].map((g) => g[1].trim().split(/\s+/).map((id) => `S${id}`).join(', '));
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
  let text = peerNames(e.text || e.kind);
  if (e.kind === 'vote-refused' && VOTE_RULE[e.reason]) text += ` (${VOTE_RULE[e.reason]})`;
  else if (RULE[e.kind]) text += ` (${RULE[e.kind]})`;
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
