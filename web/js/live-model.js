// Live mode's model: what the real nodes reported (GET /api/live/cluster and the items
// of /api/live/stream, docs/DESIGN.md "Live mode"), kept as the same Snapshot and trace
// events the simulator gives the page (bridge.js typedefs), so the drawing, the logs,
// the peer cards and the narration are the simulation's own views. Nothing here touches
// the DOM, so it runs under node --test too.
//
// Everything kept is bounded however long the page stays open: the last KEEP_EVENTS
// events, at most MAX_FLIGHT messages drawn at once, MAX_PER_LINK on one link (the others are counted as dropped
// by the page, and said so), at most LOG_KEEP entries of each node's log, and a
// recording of at most RECORD_MAX stream items.

/** How many recent events the model keeps (the narration shows the last few hundred). */
export const KEEP_EVENTS = 2000;
/** The most messages drawn in flight at once; more are counted, not drawn. */
export const MAX_FLIGHT = 40;
/** The most messages drawn at once on one link in one direction. */
export const MAX_PER_LINK = 4;
/** How long (ms of wall time) a reported message takes to cross its link on screen. */
export const FLIGHT_MS = 500;
/** The most log entries kept per node (the nodes report their last 32 in each status). */
export const LOG_KEEP = 96;
/** The most stream items a recording keeps; it stops, and says so, when full. */
export const RECORD_MAX = 50000;
/** The engine events that change what the snapshot shows of their node. */
const NODE_KINDS = new Set(['vote-granted', 'role', 'restarted', 'suffix-truncated', 'snapshot-taken', 'snapshot-installed']);
/**
 * After the server answered that it killed a node (the page's crash), statuses that
 * still say up are ones taken before the kill: ignored for at most this long (ms), until
 * the server reports the node down itself or the page restarts it.
 */
export const HOLD_DOWN_MS = 5000;
/** The most commands of the page's own writes remembered to label log cells. */
const COMMANDS_KEEP = 256;

/**
 * MESSAGE_NAMES maps the short names a stream may use for a message type to the
 * engine's names (engine/vocab.go), which are what the views know.
 */
const MESSAGE_NAMES = {
  app: 'AppendEntries', 'app-resp': 'AppendEntriesResp', vote: 'RequestVote', 'vote-resp': 'RequestVoteResp',
  prevote: 'PreVote', 'prevote-resp': 'PreVoteResp', 'pre-vote': 'PreVote', 'pre-vote-resp': 'PreVoteResp',
  heartbeat: 'Heartbeat', 'heartbeat-resp': 'HeartbeatResp', snap: 'InstallSnapshot', 'snap-resp': 'InstallSnapshotResp',
};

/** messageType returns the engine's name of a message type as a stream sends it. */
export function messageType(type) {
  return MESSAGE_NAMES[type] || String(type || 'unknown');
}

/**
 * peerNames rewrites the engine's peer names in a node's sentence ("peer 3", as
 * engine.PeerName writes them) the way the page draws them ("S3").
 */
export function peerNames(text) {
  return String(text || '').replace(/\bpeer (\d+)\b/g, 'S$1');
}

/**
 * createLiveModel starts an empty model. now() is the clock in ms (performance.now in
 * the page); the model's times are ms since it was created, like the simulator's
 * virtual time, so the views' arithmetic is unchanged.
 */
export function createLiveModel({ now = () => performance.now() } = {}) {
  const t0 = now();
  const nodes = new Map(); // id -> node (see node())
  const commands = new Map(); // log index -> the command of the page's own write there
  let supervised = false;
  let unanswered = []; // [{url, error}]: the nodes of the last cluster answer with no id yet
  let seq = 0; // the seq of the next event
  let msgSeq = 0; // the id of the next message drawn
  let version = 0; // bumped by every change of what a snapshot shows
  let cached = null; // {version, snap}
  let flight = []; // messages drawn, oldest first
  const sampled = { nodes: new Map(), page: 0 }; // dropped items: per node as the server said, and by the page
  let recording = null; // {from, items, full} while recording
  const received = {}; // stream items taken, per type
  let traffic = new Map(); // "from-to" -> {type: count} of message items since takeTraffic

  const model = {
    /** events: the last KEEP_EVENTS trace events, oldest first. */
    events: [],
    /** pending: events since the views were last told (takeFresh). */
    pending: [],

    /** time is the model's clock: ms since it was created. */
    time() { return Math.round(now() - t0); },

    /** supervised reports whether the server can crash and restart the nodes. */
    get supervised() { return supervised; },

    /** sampled: dropped items per node id ({dropped}) and by the page ({page}). */
    get sampled() { return { nodes: new Map(sampled.nodes), page: sampled.page }; },

    /**
     * unanswered lists the nodes that never answered ({url, error}), as the last
     * applyCluster reported them: their id is unknown, so they cannot be drawn.
     */
    get unanswered() { return unanswered.slice(); },

    /** applyCluster takes the answer of GET /api/live/cluster. */
    applyCluster(cluster) {
      if (!cluster || !Array.isArray(cluster.nodes)) throw new Error('live: /api/live/cluster did not answer {"live":true,"nodes":[…]}');
      supervised = Boolean(cluster.supervised);
      unanswered = [];
      for (const n of cluster.nodes) {
        // A node whose id is not known yet (serve --live, the node down from the start)
        // comes in with id 0: it is drawn once the stream reports it with its id, and
        // until then the page names it (unanswered).
        if (!n.id) {
          unanswered.push({ url: String(n.http_url || '(no address)'), error: String(n.error || 'not heard from yet') });
          continue;
        }
        const node = nodeOf(n.id);
        node.httpURL = n.http_url || node.httpURL;
        setStatus(node, n.up !== false && n.status ? n.status : null, n.error);
      }
      record('cluster', cluster);
      version++;
    },

    /** apply takes one stream item: type is the SSE event name, data its parsed JSON. */
    apply(type, data) {
      if (!data || typeof data !== 'object') return;
      received[type] = (received[type] || 0) + 1;
      record(type, data);
      switch (type) {
        case 'status': {
          const node = nodeOf(data.id);
          setStatus(node, data.up !== false && data.status ? data.status : null, data.error);
          break;
        }
        case 'event':
          // Most events change only the narration: the snapshot stays the same object.
          if (!data.event || !engineEvent(nodeOf(data.id), data.event)) return;
          break;
        case 'message':
          message(data);
          break;
        case 'sampled': {
          const s = sampled.nodes.get(data.id) || { dropped: 0, at: 0 };
          s.dropped += Number(data.dropped) || 0;
          s.at = model.time();
          sampled.nodes.set(data.id, s);
          return;
        }
        default:
          return;
      }
      version++;
    },

    /**
     * note adds an event of the page's own (an action it took, a client's answer), such
     * as {kind: 'crash', peer: 2}, to the narration and the trace.
     */
    note(fields) {
      push({ ...fields, time: model.time(), page: true });
      record('note', fields);
    },

    /**
     * crashed draws node id down at once: the server answered that it killed the
     * process (SIGKILL), before its own polls find the node gone. The statuses still on
     * their way say up; they are held off (HOLD_DOWN_MS).
     */
    crashed(id) {
      const node = nodeOf(id);
      node.up = false;
      node.error = 'killed (SIGKILL) by the page\'s crash';
      node.peer = null;
      node.heldDown = model.time() + HOLD_DOWN_MS;
      version++;
    },

    /** restarting ends the hold of crashed(id): the page starts the node again. */
    restarting(id) {
      nodeOf(id).heldDown = 0;
    },

    /** remember labels the log entry a write of this page went to with its command. */
    remember(index, command) {
      commands.set(index, command);
      if (commands.size > COMMANDS_KEEP) commands.delete(commands.keys().next().value);
      for (const node of nodes.values()) {
        const at = node.log.findIndex((x) => x.index === index);
        if (at < 0) continue;
        node.log = node.log.map((x, i) => (i === at ? { ...x, command } : x));
        node.peer = null;
      }
      version++;
    },

    /** takeFresh returns the events since the last call and forgets them. */
    takeFresh() {
      const fresh = model.pending;
      model.pending = [];
      return fresh;
    },

    /**
     * snapshot returns the cluster as a sim.Snapshot at model time vt: messages whose
     * flight has ended are gone. The same object comes back while nothing changed.
     */
    snapshot(vt = model.time()) {
      const before = flight.length;
      while (flight.length && flight[0].deliver <= vt) flight.shift();
      if (flight.length !== before) version++;
      if (cached && cached.version === version) return cached.snap;
      cached = { version, snap: build(vt) };
      return cached.snap;
    },

    /** received counts the stream items taken so far, per type ({status: 120, …}). */
    get received() { return { ...received }; },

    /**
     * takeTraffic returns the message items reported since the last call, drawn or not,
     * per directed link ("from-to" -> {type: count}, engine names), and starts counting
     * again: a page too slow to fly each message shows these counts instead (live.js).
     */
    takeTraffic() {
      const t = traffic;
      traffic = new Map();
      return t;
    },

    /** inFlight reports whether any message is being drawn (the page animates then). */
    inFlight() { return flight.length > 0; },

    /** startRecording begins a recording of every stream item (at most RECORD_MAX). */
    startRecording() {
      recording = { from: new Date().toISOString(), items: [], full: false };
      record('cluster', { live: true, supervised, nodes: [...nodes.values()].map(clusterNode) });
    },

    /** stopRecording ends the recording (it stays for export). */
    stopRecording() {
      if (recording) recording.to = recording.to || new Date().toISOString();
    },

    /** recording: {from, to, items, full} of the last recording, or null. */
    get recording() { return recording; },

    /**
     * trace returns what the page saw as an exportable object: the recording (if any)
     * and the events and cluster as they are now.
     */
    trace() {
      return {
        format: 'raftplay-live-trace',
        version: 1,
        exported: new Date().toISOString(),
        supervised,
        nodes: [...nodes.values()].map(clusterNode),
        events: model.events,
        recording: recording ? { from: recording.from, to: recording.to || null, full: recording.full, items: recording.items } : null,
      };
    },
  };

  function nodeOf(rawID) {
    const id = Number(rawID);
    if (!Number.isSafeInteger(id) || id < 1) throw new Error(`live: a node id must be a whole number from 1, got ${JSON.stringify(rawID)}`);
    let node = nodes.get(id);
    if (!node) {
      // peer: the node as the snapshot shows it, kept until the node changes, so that
      // a view can tell an unchanged node by identity (render-log.js does).
      node = { id, up: false, error: 'not heard from yet', status: null, log: [], vote: 0, voteTerm: 0, restarts: 0, httpURL: '', snapshotTerm: 0, peer: null, heldDown: 0 };
      nodes.set(id, node);
    }
    return node;
  }

  function clusterNode(n) {
    return { id: n.id, http_url: n.httpURL, up: n.up, status: n.status, ...(n.up ? {} : { error: n.error }) };
  }

  function setStatus(node, status, error) {
    if (node.heldDown) {
      // A status of before the page's crash: the process is dead (crashed()).
      if (status && model.time() < node.heldDown) return;
      node.heldDown = 0;
    }
    const was = node.up;
    node.peer = null;
    if (!status) {
      node.up = false;
      node.error = error || 'does not answer';
      if (was) push({ kind: 'network', peer: node.id, time: model.time(), text: `S${node.id} does not answer (${node.error}): the page shows it down` });
      return;
    }
    if (!was && node.status) push({ kind: 'network', peer: node.id, time: model.time(), text: `S${node.id} answers again` });
    node.up = true;
    node.error = '';
    node.status = status;
    storageReport(node, status.storage);
    mergeTail(node, status.log_tail, status.last_index || 0);
  }

  // storageReport narrates, once per start of the node's process, what its store found
  // on disk when it opened it: the records replayed and a torn tail cut (a write a crash
  // cut short, never synced), in the store's own words.
  function storageReport(node, storage) {
    if (!storage || !storage.opened || storage.opened === node.storageOpened) return;
    node.storageOpened = storage.opened;
    const torn = storage.torn_tail;
    const text = `S${node.id} opened its storage: ${storage.summary}` +
      (torn ? '. That torn tail was a write the crash cut short, never synced, so nothing acknowledged was in it' : '');
    push({ kind: 'storage-opened', peer: node.id, time: model.time(), torn_tail: Boolean(torn), text });
  }

  // mergeTail keeps a contiguous window of the node's log ending at its last index: the
  // status's tail, after what was kept before it if the two meet.
  function mergeTail(node, tail, lastIndex) {
    if (!Array.isArray(tail) || tail.length === 0) {
      node.log = node.log.filter((e) => e.index <= lastIndex);
      return;
    }
    const first = tail[0].index;
    let kept = node.log.filter((e) => e.index < first);
    if (kept.length && kept[kept.length - 1].index !== first - 1) kept = [];
    const fresh = tail.map((e) => ({ index: e.index, term: e.term, command: commands.get(e.index) || '' }));
    node.log = kept.concat(fresh).slice(-LOG_KEEP);
  }

  // engineEvent keeps a node's event and reports whether it changed what the snapshot
  // shows of the node.
  function engineEvent(node, raw) {
    const e = { ...raw, peer: raw.peer || node.id, engine: true, at: raw.time, time: model.time(), text: peerNames(raw.text) };
    push(e);
    const changed = NODE_KINDS.has(e.kind);
    if (changed) node.peer = null;
    // The vote is not in /status: the events say whom a node voted for (Figure 2).
    switch (e.kind) {
      case 'vote-granted':
        if (!e.pre_vote) [node.vote, node.voteTerm] = [e.from, e.term];
        break;
      case 'role':
        if (e.role === 'candidate') [node.vote, node.voteTerm] = [node.id, e.term];
        break;
      case 'restarted':
        node.restarts++;
        [node.vote, node.voteTerm] = [e.from || 0, e.term];
        break;
      case 'suffix-truncated':
        // Shown at once (the next status confirms it): the removed entries leave the log.
        node.log = node.log.filter((x) => x.index < e.index);
        break;
      case 'snapshot-taken':
      case 'snapshot-installed':
        node.snapshotTerm = e.log_term || node.snapshotTerm;
        break;
      default:
    }
    return changed;
  }

  function message(m) {
    const vt = model.time();
    while (flight.length && flight[0].deliver <= vt) flight.shift();
    const from = Number(m.from);
    const to = Number(m.to);
    const type = messageType(m.type);
    const counts = traffic.get(`${from}-${to}`) || {};
    counts[type] = (counts[type] || 0) + 1;
    traffic.set(`${from}-${to}`, counts);
    // One link shows a few at once: more would pile up beside it, unreadable.
    if (flight.length >= MAX_FLIGHT || flight.filter((f) => f.from === from && f.to === to).length >= MAX_PER_LINK) {
      sampled.page++;
      return;
    }
    flight.push({
      id: ++msgSeq, from, to, type, term: m.term || 0,
      index: m.index || 0, log_term: m.log_term || 0, entries: m.entries || 0, commit: m.commit || 0,
      reject: Boolean(m.reject), sent: vt, deliver: vt + FLIGHT_MS,
    });
  }

  function push(e) {
    e.seq = seq++;
    for (const list of [model.events, model.pending]) {
      list.push(e);
      // One event in, the oldest out: shift, which V8 does in constant time on a full
      // list, where splice(0, 1) copies all KEEP_EVENTS (under a flood of a few
      // thousand events a second, splice here was the page's costliest function).
      while (list.length > KEEP_EVENTS) list.shift();
    }
  }

  function record(type, data) {
    if (!recording || recording.to) return;
    if (recording.items.length >= RECORD_MAX) {
      recording.full = true;
      recording.to = new Date().toISOString();
      return;
    }
    recording.items.push({ t: model.time(), type, data });
  }

  function peerOf(node) {
    if (!node.peer) node.peer = peerView(node);
    return node.peer;
  }

  function peerView(node) {
    const s = node.status || {};
    const role = node.up ? s.role || 'follower' : 'down';
    const term = s.term || 0;
    const log = node.log;
    const replication = node.up && role === 'leader' && Array.isArray(s.peers)
      ? s.peers.filter((p) => p.id !== node.id).map((p) => ({
        peer: p.id, match_index: p.match_index || 0, next_index: p.next_index || 0, mode: p.mode || '', inflight: 0, active: Boolean(p.connected),
      }))
      : undefined;
    return {
      id: node.id, role, term, vote: node.voteTerm === term ? node.vote : 0, lead: s.leader || 0,
      commit_index: s.commit_index || 0, last_applied: s.last_applied || 0, last_index: s.last_index || 0,
      log, log_first: log.length ? log[0].index : (s.last_index || 0) + 1,
      snapshot_index: s.snapshot_index || 0, snapshot_term: node.snapshotTerm,
      election_elapsed: 0, election_timeout: 0, replication, kv: {}, restarts: node.restarts, unsynced: 0,
      recovering: Boolean(s.recovering), error: node.up ? undefined : node.error, cut_links: s.cut_links || [],
      // The configuration this node uses (§6), as the simulator's peers carry it; /status
      // has no index for it, so membership.js takes the leader's as the one in force.
      voters: s.voters || [], learners: s.learners || [], outgoing: s.outgoing || [],
    };
  }

  function build(vt) {
    // The drawing places peers by id (peer i at position i): ids 1..n. An id missing
    // from the cluster is drawn down, so that the others keep their places.
    const most = Math.max(0, ...nodes.keys());
    const peers = [];
    for (let id = 1; id <= most; id++) peers.push(peerOf(nodeOf(id)));
    let leader = 0;
    for (const p of peers) {
      if (p.role === 'leader' && (!leader || p.term > peers[leader - 1].term)) leader = p.id;
    }
    // A cut link as the simulator lists them, one entry per direction: a cut is both
    // ways (the contract's cut), taken from whichever of its two nodes reports it.
    const blocked = [];
    for (const p of peers) {
      if (p.role === 'down') continue;
      for (const other of p.cut_links) {
        if (!blocked.some((l) => l.from === p.id && l.to === other)) blocked.push({ from: p.id, to: other });
        if (!blocked.some((l) => l.from === other && l.to === p.id)) blocked.push({ from: other, to: p.id });
      }
    }
    return {
      time: Math.floor(vt), steps: seq, leader, peers, blocked, network: null,
      messages: flight.slice(), violations: [], stopped: false, live: true,
    };
  }

  return model;
}
