package node

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/raftplay/raftplay/engine"
)

// Status is a node's state as GET /status and the "status" events of GET /events show it.
type Status struct {
	ID          uint64 `json:"id"`
	ClusterID   uint64 `json:"cluster_id"`
	Role        string `json:"role"` // follower, precandidate, candidate or leader
	Term        uint64 `json:"term"`
	Leader      uint64 `json:"leader"` // 0 when no leader is known
	CommitIndex uint64 `json:"commit_index"`
	LastApplied uint64 `json:"last_applied"`
	LastIndex   uint64 `json:"last_index"`
	// SnapshotIndex is the last index this node's snapshot covers (0 without one), and
	// FirstIndex the first entry its log holds after it (§7): the log before it is
	// gone from the disk.
	SnapshotIndex uint64 `json:"snapshot_index"`
	FirstIndex    uint64 `json:"first_index"`
	// Recovering: this node's storage lost entries it may have acknowledged, and it has
	// not caught up from a leader since; until then it neither votes nor counts toward
	// a quorum (engine.Config.Recovering).
	Recovering bool `json:"recovering,omitempty"`
	// Voters and Learners are the configuration this node uses (§6: the latest in its
	// log, committed or not); Outgoing, while it is joint (C_old,new), the voters of
	// C_old (omitted otherwise). A node that joins shows empty lists until it learns
	// the configuration from the leader.
	Voters   []uint64 `json:"voters"`
	Learners []uint64 `json:"learners"`
	Outgoing []uint64 `json:"outgoing,omitempty"`
	// Removed: this node knows it was removed: the configuration that no longer holds
	// it is committed (its own log says so, or a member's did). It no longer talks to
	// the cluster and can be shut down.
	Removed bool `json:"removed,omitempty"`
	// Peers are the members of the configuration (and this node), with their addresses.
	Peers []PeerStatus `json:"peers"`
	// CutLinks lists the peers whose link an operator cut (POST /admin/links/{peer}/cut):
	// every Raft message to and from them is dropped. Omitted when none is cut.
	CutLinks []uint64 `json:"cut_links,omitempty"`
	// LogTail is the index and term of the last (up to) LogTailLen entries of the log
	// after the snapshot, oldest first: enough to draw the end of the log without
	// replaying it. It may trail the other fields by StatusEventInterval.
	LogTail []LogRef `json:"log_tail"`
	// Storage is what the store found on disk when this process opened it
	// (Config.Storage), omitted when not known.
	Storage *StorageReport `json:"storage,omitempty"`
}

// StorageReport is what a node's store found when the node's process opened it: the
// replay of the log file and, when a crash (kill -9) had cut the last write short, the
// torn tail it cut off. A live page narrates a restarted node's recovery from it.
type StorageReport struct {
	// Opened is when the store was opened: it tells one start of the process from the
	// next, so a watcher narrates each recovery once.
	Opened time.Time `json:"opened"`
	// Summary is the store's one-line report (filestore.RecoveryReport.String). It names
	// files under the data directory's own name (node1/log-…), not by absolute path: it
	// is shown to live pages and kept in the traces they export.
	Summary string `json:"summary"`
	// TornTail is the incomplete last write the store cut off, or nil.
	TornTail *TornTailReport `json:"torn_tail,omitempty"`
}

// TornTailReport is the end of a log file that a crash left incomplete and that the
// store cut off when it was opened: never synced, so nothing acknowledged was in it.
type TornTailReport struct {
	Offset int64  `json:"offset"` // where the file was cut
	Bytes  int64  `json:"bytes"`  // how many bytes were cut off
	Reason string `json:"reason"` // why the record there is incomplete ("record frame cut short: …")
}

// LogRef names one log entry: an index and a term identify it (Log Matching, §5.3).
type LogRef struct {
	Index uint64 `json:"index"`
	Term  uint64 `json:"term"`
}

// LogTailLen is the most entries Status.LogTail holds.
const LogTailLen = 32

// PeerStatus is one member (voter or learner) of the configuration as a node sees it.
type PeerStatus struct {
	ID       uint64 `json:"id"`
	RaftAddr string `json:"raft_addr"`
	HTTPURL  string `json:"http_url,omitempty"`
	// Connected reports, for another peer, whether this node's connection to it and
	// its connection to this node are both up and the link is not cut (CutLinks): a
	// cut on either side shows on both (see transport.connected). It is true for the
	// node itself.
	Connected bool `json:"connected"`
	// MatchIndex, NextIndex and Mode are the leader's replication state of the peer
	// (§5.3: matchIndex and nextIndex), on the leader only. They are refreshed with the status
	// events, so they may trail the other fields by StatusEventInterval.
	MatchIndex uint64 `json:"match_index,omitempty"`
	NextIndex  uint64 `json:"next_index,omitempty"`
	Mode       string `json:"mode,omitempty"`
	// Recovering: on the leader, the peer said it lost entries and has not caught up.
	Recovering bool `json:"recovering,omitempty"`
}

// Event is an engine.Event as GET /events sends it: the engine's JSON form (the same
// one the simulator's trace uses), stamped with the time it was handed out.
type Event struct {
	Time time.Time `json:"time"`
	engine.EventJSON
}

// EventOf converts an engine event, stamped with the time it was handed out; its
// sentence names peers as engine.PeerName does ("peer 3").
func EventOf(e engine.Event, at time.Time) Event {
	return Event{Time: at, EventJSON: e.JSON(engine.PeerName)}
}

// MessageEvent is a Raft message this node sent, as the "message" events of
// GET /events?messages=1 show it: the fields a picture of the message needs, not its
// entries or snapshot data.
type MessageEvent struct {
	Time    time.Time `json:"time"`
	From    uint64    `json:"from"`
	To      uint64    `json:"to"`
	Type    string    `json:"type"` // engine.MessageType.String(): "AppendEntries", "RequestVote", ...
	Term    uint64    `json:"term"`
	Index   uint64    `json:"index"`
	LogTerm uint64    `json:"log_term"`
	Entries int       `json:"entries"` // how many entries it carries
	Commit  uint64    `json:"commit"`
	Reject  bool      `json:"reject"`
}

// MessageEventOf describes m, sent at the given time.
func MessageEventOf(m *engine.Message, at time.Time) MessageEvent {
	return MessageEvent{Time: at, From: m.From, To: m.To, Type: m.Type.String(), Term: m.Term, Index: m.Index,
		LogTerm: m.LogTerm, Entries: len(m.Entries), Commit: m.Commit, Reject: m.Reject}
}

// The names of the Server-Sent Events of GET /events.
const (
	sseStatus  = "status"  // data: Status
	sseRaft    = "raft"    // data: Event
	sseLagging = "lagging" // data: {"dropped": n}, events this subscriber lost
	// Only on GET /events?messages=1:
	sseSent    = "message" // data: MessageEvent
	sseSampled = "sampled" // data: {"dropped": n}, messages and frequent events left out
)

// FrequentEvent reports whether an engine event is of a kind a busy node emits for
// every batch of writes (entries appended, commit advanced, read confirmed). A live
// stream (?messages=1) gets at most MaxFrequentEvents of them a second, the others
// counted in "sampled" events: the status events carry the same indexes, and encoding
// every one would cost the node throughput (§ "Live mode" of docs/DESIGN.md).
func FrequentEvent(kind engine.EventKind) bool {
	return kind == engine.EventEntriesAppended || kind == engine.EventCommitAdvanced || kind == engine.EventReadConfirmed
}

// MaxFrequentEvents is the most frequent engine events a live stream gets per second.
const MaxFrequentEvents = 100

// MaxMessageEvents is the most "message" events a node streams per second: a busy
// leader sends tens of thousands of messages a second, a picture can show a few
// hundred. The rest are counted and reported in "sampled" events.
const MaxMessageEvents = 200

// messageWindow is the period over which MaxMessageEvents is counted: short, so that
// the messages shown are spread over the second rather than its first moments.
const messageWindow = 100 * time.Millisecond

// StatusEventInterval is the shortest time between two status events: a busy node
// changes its commit index thousands of times a second, a watcher needs a few frames.
const StatusEventInterval = 50 * time.Millisecond

// sseMessage is one event ready to be written; data is shared by every subscriber and
// never modified.
type sseMessage struct {
	event string
	data  []byte
}

// subscriber is one /events stream.
type subscriber struct {
	ch      chan sseMessage
	dropped atomic.Uint64 // events lost since the stream last reported it
	// live: it asked for ?messages=1, the stream of a live page: the message events
	// too, and the frequent engine events sampled (see FrequentEvent).
	live bool
}

// hub fans the loop's events out to the /events streams without ever making the loop
// wait: each subscriber has a bounded buffer, and a full buffer loses the event.
type hub struct {
	bufLen, maxSubs int

	mu        sync.Mutex
	subs      map[*subscriber]struct{}
	count     atomic.Int32 // len(subs), read by the loop to skip encoding when nobody listens
	liveCount atomic.Int32 // how many of them are live subscribers
}

func newHub(bufLen, maxSubs int) *hub {
	return &hub{bufLen: bufLen, maxSubs: maxSubs, subs: make(map[*subscriber]struct{})}
}

// subscribe adds a stream, a live one (message events, frequent events sampled) when
// live is true; it returns nil when MaxEventSubscribers are connected.
func (h *hub) subscribe(live bool) *subscriber {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.subs) >= h.maxSubs {
		return nil
	}
	s := &subscriber{ch: make(chan sseMessage, h.bufLen), live: live}
	h.subs[s] = struct{}{}
	h.count.Store(int32(len(h.subs)))
	if live {
		h.liveCount.Add(1)
	}
	return s
}

func (h *hub) unsubscribe(s *subscriber) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.subs, s)
	h.count.Store(int32(len(h.subs)))
	if s.live {
		h.liveCount.Add(-1)
	}
}

// active reports whether anyone listens.
func (h *hub) active() bool { return h.count.Load() > 0 }

// wantsMessages reports whether a live subscriber listens (to the message events).
func (h *hub) wantsMessages() bool { return h.liveCount.Load() > 0 }

// wantsEverything reports whether a subscriber that is not live listens: it gets every
// engine event.
func (h *hub) wantsEverything() bool { return h.count.Load() > h.liveCount.Load() }

// The audiences of publish.
const (
	toAll     = iota
	toLive    // the live subscribers only: message and sampled events
	toNotLive // the others only: a frequent event the live ones do not get
)

// publish offers one event to the subscribers of the audience, dropping it for those
// whose buffer is full.
func (h *hub) publish(event string, data []byte, audience int) {
	msg := sseMessage{event: event, data: data}
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		if (audience == toLive && !s.live) || (audience == toNotLive && s.live) {
			continue
		}
		select {
		case s.ch <- msg:
		default:
			s.dropped.Add(1)
		}
	}
}

// handleEvents streams the engine's events and the node's status changes as
// Server-Sent Events, and with ?messages=1 the messages the node sends. The stream
// starts with the current status.
func (n *Node) handleEvents(w http.ResponseWriter, r *http.Request) {
	messages := false
	switch v := r.URL.Query().Get("messages"); v {
	case "", "0":
	case "1":
		messages = true
	default:
		writeError(w, http.StatusBadRequest, CodeBadRequest, fmt.Sprintf("messages=%q: give messages=1 for the message events, or leave it out", clip(v)))
		return
	}
	sub := n.hub.subscribe(messages)
	if sub == nil {
		unavailable(w, CodeOverloaded, fmt.Sprintf("too many /events streams (the limit is %d)", n.cfg.MaxEventSubscribers), 0)
		return
	}
	defer n.hub.unsubscribe(sub)
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	status, err := json.Marshal(n.Status())
	if err != nil {
		n.log.Error("encode status", "err", err)
		return
	}
	if writeSSE(w, rc, sseStatus, status) != nil || rc.Flush() != nil {
		return
	}
	keepAlive := time.NewTicker(sseKeepAlive)
	defer keepAlive.Stop()
	for {
		select {
		case msg := <-sub.ch:
			if n.writeEvents(w, rc, sub, msg) != nil {
				return
			}
		case <-keepAlive.C:
			_ = rc.SetWriteDeadline(time.Now().Add(sseWriteTimeout))
			if _, err := io.WriteString(w, ": keep-alive\n\n"); err != nil || rc.Flush() != nil {
				return
			}
		case <-r.Context().Done():
			return
		case <-n.stopping:
			return
		}
	}
}

// writeEvents writes first and whatever else is buffered, preceded by a "lagging" event
// when the subscriber lost events, then flushes.
func (n *Node) writeEvents(w http.ResponseWriter, rc *http.ResponseController, sub *subscriber, first sseMessage) error {
	msg := first
	for i := 0; ; i++ {
		if dropped := sub.dropped.Swap(0); dropped > 0 {
			if err := writeSSE(w, rc, sseLagging, fmt.Appendf(nil, `{"dropped":%d}`, dropped)); err != nil {
				return err
			}
		}
		if err := writeSSE(w, rc, msg.event, msg.data); err != nil {
			return err
		}
		if i+1 == sseBatch {
			break
		}
		select {
		case msg = <-sub.ch:
			continue
		default:
		}
		break
	}
	return rc.Flush()
}

func writeSSE(w io.Writer, rc *http.ResponseController, event string, data []byte) error {
	_ = rc.SetWriteDeadline(time.Now().Add(sseWriteTimeout))
	_, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, data)
	return err
}
