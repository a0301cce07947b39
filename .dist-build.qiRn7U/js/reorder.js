// Reordering, named. The network may deliver a leader's later message before an earlier
// one (each message draws its own latency): an empty AppendEntries sent after an
// AppendEntries that carries entries can arrive first, find the follower without
// those entries, and be rejected (§5.3's consistency check), and the leader then backs
// off. Nothing is wrong: the entries are still on their way. The narration says so,
// decided from the trace alone: the delivered message that was rejected, and an
// earlier message of the same leader to the same follower, still in flight, that
// carries the entry the rejection names as missing.

/** createReorderTracker follows the trace event by event; note(e) says what to add to e's sentence. */
export function createReorderTracker() {
  const flying = new Map(); // message id -> its send event
  const backoffs = new Map(); // "leader>follower" -> the message still in flight, until the back-off
  let delivered = null; // the send event of the message delivered last

  return {
    /** note takes the next trace event and returns the text to add to its sentence ('' if none). */
    note(e) {
      switch (e.kind) {
        case 'send':
          flying.set(e.msg, e);
          return '';
        case 'deliver':
          delivered = flying.get(e.msg) || null;
          flying.delete(e.msg);
          return '';
        case 'drop':
        case 'lost':
          flying.delete(e.msg);
          return '';
        case 'append-rejected':
          return rejected(e);
        case 'next-index-backoff': {
          const key = `${e.peer}>${e.from}`;
          const early = backoffs.get(key);
          if (!early) return '';
          backoffs.delete(key);
          return ` This back-off is due to the reordering: message ${early.msg} with the entries is still on its way.`;
        }
        default:
          return '';
      }
    },
  };

  // rejected explains a rejection by follower e.peer of leader e.from's message whose
  // previous entry is e.index, when an earlier message that carries that entry is in flight.
  function rejected(e) {
    const late = delivered;
    if (!late || late.from !== e.from || late.to !== e.peer) return '';
    let early = null;
    for (const m of flying.values()) {
      if (m.from !== e.from || m.to !== e.peer || m.seq >= late.seq || m.msg_type !== 'AppendEntries') continue;
      const first = (m.index || 0) + 1;
      const last = (m.index || 0) + (m.entries || 0);
      if (first <= e.index && e.index <= last && (!early || m.seq < early.seq)) early = m;
    }
    if (!early) return '';
    backoffs.set(`${e.from}>${e.peer}`, early);
    const what = early.entries > 1 ? `entries ${early.index + 1}..${early.index + early.entries}` : `entry ${early.index + 1}`;
    return ` The network reordered the leader's messages: message ${late.msg} (${late.msg_type}, sent at ${late.time} ms) ` +
      `overtook message ${early.msg} (AppendEntries with ${what}, sent at ${early.time} ms, still in flight), so the ` +
      `mismatch is only a matter of arrival order.`;
  }
}
