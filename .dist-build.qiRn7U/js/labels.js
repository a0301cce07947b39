// Words and symbols for roles and messages, shared by the views, the inspector and the
// narration, so that a role or a message reads the same everywhere.

/**
 * ROLES maps a role (the engine's, vocab.gen.js, and "down" for a crashed peer) to its
 * label and a symbol, so role is never colour alone.
 */
export const ROLES = Object.freeze({
  leader: { label: 'Leader', symbol: '★' },
  candidate: { label: 'Candidate', symbol: '?' },
  precandidate: { label: 'Pre-candidate', symbol: '…' },
  follower: { label: 'Follower', symbol: '●' },
  down: { label: 'Down', symbol: '✕' },
});

/** roleOf returns the label and symbol of a role name (unknown names shown as they are). */
export function roleOf(role) {
  return ROLES[role] || { label: role, symbol: '·' };
}

/** MESSAGE_LABELS is the short label of every message type (vocab.gen.js). */
export const MESSAGE_LABELS = Object.freeze({
  RequestVote: 'RequestVote',
  RequestVoteResp: 'Vote reply',
  PreVote: 'PreVote',
  PreVoteResp: 'PreVote reply',
  AppendEntries: 'AppendEntries',
  AppendEntriesResp: 'Append reply',
  Heartbeat: 'Heartbeat',
  HeartbeatResp: 'Heartbeat reply',
  InstallSnapshot: 'InstallSnapshot',
  InstallSnapshotResp: 'Snapshot reply',
});

/** isResponse reports whether a message type is a reply. */
export function isResponse(type) {
  return type.endsWith('Resp');
}

/**
 * messageLabel is the short label drawn on a message in flight: "AppendEntries ×3",
 * "Vote reply ✓ granted", "Append reply ✕ refused".
 */
export function messageLabel(m) {
  const name = MESSAGE_LABELS[m.type] || m.type;
  if (m.type === 'AppendEntries') return `${name} ×${m.entries || 0}`;
  if (m.type === 'RequestVoteResp' || m.type === 'PreVoteResp') {
    return m.reject ? `${name} ✕ refused` : `${name} ✓ granted`;
  }
  if (m.type === 'AppendEntriesResp') {
    return m.reject ? `${name} ✕ refused` : `${name} ✓ ok`;
  }
  return name;
}

/** messageKind groups message types for styling: vote, append, heartbeat, snapshot. */
export function messageKind(type) {
  if (type.startsWith('RequestVote') || type.startsWith('PreVote')) return 'vote';
  if (type.startsWith('InstallSnapshot')) return 'snapshot';
  if (type.startsWith('Heartbeat')) return 'heartbeat';
  return 'append';
}

/** messageSentence is a full description of a message for the inspector and screen readers. */
export function messageSentence(m) {
  const parts = [`Message ${m.id}: ${messageLabel(m)} from peer ${m.from} to peer ${m.to}, term ${m.term}`];
  switch (m.type) {
    case 'RequestVote':
    case 'PreVote':
      parts.push(`candidate's last entry ${m.index || 0} at term ${m.log_term || 0}`);
      break;
    case 'AppendEntries':
      parts.push(`after entry ${m.index || 0} at term ${m.log_term || 0}, leader commit ${m.commit || 0}`);
      break;
    case 'AppendEntriesResp':
      parts.push(m.reject ? `mismatch at index ${m.index || 0}` : `follower matches up to ${m.index || 0}`);
      break;
    case 'Heartbeat':
      parts.push(`leader commit ${m.commit || 0}`);
      break;
    default:
  }
  return parts.join('; ');
}

/** TERM_COLOURS is the number of term colour classes in the CSS (term-0 … term-7). */
export const TERM_COLOURS = 8;

/** termClass is the CSS class that colours an entry of the given term. */
export function termClass(term) {
  return `term-${term % TERM_COLOURS}`;
}

/**
 * shortCommand is a command in the few characters a log cell has room for:
 * "SET x 3" → "x=3", "DEL x" → "del x", "GET x" → "get x", "CAS x 1 2" → "x:1→2".
 */
export function shortCommand(cmd) {
  const [verb, key, a, b] = cmd.split(' ');
  switch (verb) {
    case 'SET': return `${key}=${a}`;
    case 'DEL': return `del ${key}`;
    case 'GET': return `get ${key}`;
    case 'CAS': return `${key}:${a}→${b}`;
    default: return cmd;
  }
}
