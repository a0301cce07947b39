package sim

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/raftplay/raftplay/engine"
)

// TraceEvent is one entry of the run's trace: an event the engine emitted (Engine true;
// the embedded engine.EventJSON is that event's JSON form, the one a node's /events
// sends too) or one of the simulator's own, whose kinds TraceKinds lists. Fields that
// do not apply are zero and left out of the JSON. Texts name peers as PeerName does.
type TraceEvent struct {
	Seq    int   `json:"seq"`  // position in the trace, from 0
	Time   int64 `json:"time"` // virtual ms
	Engine bool  `json:"engine,omitempty"`

	// The engine event's fields (Kind, Peer, Term, From, Index, LogTerm, …, Text); the
	// simulator's own events use Kind, Peer (the peer concerned) and Text, and message
	// events From, Term, Index, LogTerm as the message has them.
	engine.EventJSON

	// Message events: the message's id, ends, type and key fields.
	Msg     uint64 `json:"msg,omitempty"`
	To      uint64 `json:"to,omitempty"`
	MsgType string `json:"msg_type,omitempty"`
	Commit  uint64 `json:"commit,omitempty"`
	Entries int    `json:"entries,omitempty"`
	Reject  bool   `json:"reject,omitempty"`
	// Deliver is when a sent, duplicated or delayed message is due.
	Deliver int64 `json:"deliver,omitempty"`
	// Copy is the id of the copy a duplicate event made.
	Copy uint64 `json:"copy,omitempty"`
	// Cause is why a drop or lost event's message went: one of DropCauses, such as
	// "link-cut".
	Cause string `json:"cause,omitempty"`

	// Groups are a partition event's sides, each side's ids in ascending order (a peer
	// in none is cut off alone).
	Groups [][]uint64 `json:"groups,omitempty"`

	// Client events: the client (0 for a command from an action) and its operation.
	Client uint64 `json:"client,omitempty"`
	OpSeq  uint64 `json:"op_seq,omitempty"`
}

// traceKind is the compact form of TraceEvent.Kind for the simulator's own events.
type traceKind uint8

const (
	tkEngine traceKind = iota
	tkSend
	tkDeliver
	tkDrop
	tkDuplicate
	tkDelay
	tkLost
	tkCrash
	tkRestart
	tkPartition
	tkBlock
	tkHeal
	tkNetwork
	tkForceTimeout
	tkClientRequest
	tkClientResponse
	tkViolation
	tkActionFailed
	tkConfChange
)

var traceKindNames = [...]string{"engine", "send", "deliver", "drop", "duplicate", "delay", "lost",
	"crash", "restart", "partition", "block", "heal", "network", "force-timeout", "client-request",
	"client-response", "violation", "action-failed", "conf-change"}

//go:generate go run ./internal/vocabjs -o ../web/js/vocab.gen.js

// TraceKinds lists the kinds of the simulator's own trace events; the engine's are
// engine.EventKinds. Lesson checks and the page take the names from here.
func TraceKinds() []string { return slices.Clone(traceKindNames[1:]) }

// PeerName is how the simulator's texts name a peer: "S3", as the page draws it, and
// "nobody" for engine.None (no vote, no leader).
func PeerName(id uint64) string {
	if id == engine.None {
		return "nobody"
	}
	return fmt.Sprintf("S%d", id)
}

// msgSummary is what the trace keeps of a message.
type msgSummary struct {
	typ     engine.MessageType
	reject  bool
	entries uint32
	from    uint64
	to      uint64
	term    uint64
	index   uint64
	logTerm uint64
	commit  uint64
	readID  uint64
}

func summarize(m *engine.Message) msgSummary {
	return msgSummary{typ: m.Type, reject: m.Reject, entries: uint32(len(m.Entries)), from: m.From, to: m.To,
		term: m.Term, index: m.Index, logTerm: m.LogTerm, commit: m.Commit, readID: m.ReadID}
}

// record is a trace entry as kept in memory; Events turns records into TraceEvents and
// writes their text only then.
type record struct {
	kind   traceKind
	cause  dropCause // drop and lost events: why (not hashed: the text says it too)
	time   int64
	ev     engine.Event // tkEngine
	msg    msgSummary   // message events
	id     uint64       // message id
	at     int64        // delivery time
	peer   uint64
	client uint64
	seq    uint64 // client events: the operation's seq; duplicate: the copy's message id
	// text is the description of violations, failed actions and user actions (hashed),
	// or of client operations (written only while the trace is kept; not hashed).
	text string
	// shown, when set, is what the exported trace shows instead of text (not hashed).
	shown string
}

// equal reports whether r and o are the same record.
func (r *record) equal(o *record) bool {
	return r.kind == o.kind && r.time == o.time && r.ev.Equal(o.ev) && r.msg == o.msg && r.id == o.id &&
		r.at == o.at && r.peer == o.peer && r.client == o.client && r.seq == o.seq && r.text == o.text && r.shown == o.shown
}

// tracer keeps the trace, or just its hash.
type tracer struct {
	keep  bool
	limit int
	base  int // Seq of records[0]
	recs  []record
	count int    // records traced so far
	hash  uint64 // running hash of every record
}

const defaultTraceLimit = 200_000

func newTracer(keep bool, limit int) tracer {
	if limit <= 0 {
		limit = defaultTraceLimit
	}
	return tracer{keep: keep, limit: limit, hash: 0xcbf29ce484222325}
}

func (t *tracer) add(r *record) {
	t.hash = r.mix(t.hash)
	t.count++
	if !t.keep {
		return
	}
	if len(t.recs) >= t.limit {
		// Forget the older half: the page only ever asks for recent events.
		drop := len(t.recs) / 2
		n := copy(t.recs, t.recs[drop:])
		clear(t.recs[n:])
		t.recs = t.recs[:n]
		t.base += drop
	}
	t.recs = append(t.recs, *r)
}

func mixWord(h, x uint64) uint64 {
	h ^= x
	h *= 0x9e3779b97f4a7c15
	return h ^ h>>32
}

func mixString(h uint64, s string) uint64 {
	h = mixWord(h, uint64(len(s)))
	for i := 0; i < len(s); i++ {
		h = mixWord(h, uint64(s[i]))
	}
	return h
}

// mix folds the record into h. Text written only for display is left out, so the hash
// is the same whether or not the trace is kept.
func (r *record) mix(h uint64) uint64 {
	h = mixWord(h, uint64(r.kind))
	h = mixWord(h, uint64(r.time))
	switch r.kind {
	case tkEngine:
		e := &r.ev
		h = mixWord(h, uint64(e.Kind)|uint64(e.Reason)<<8|uint64(e.Role)<<16|boolBit(e.PreVote)<<24)
		h = mixWord(h, e.Peer)
		h = mixWord(h, e.Term)
		h = mixWord(h, e.From)
		h = mixWord(h, e.Index)
		h = mixWord(h, e.LogTerm)
		h = mixWord(h, e.LocalIndex)
		return mixWord(h, e.LocalTerm)
	case tkSend, tkDeliver, tkDrop, tkDuplicate, tkDelay, tkLost:
		m := &r.msg
		h = mixWord(h, r.id)
		h = mixWord(h, uint64(r.at))
		h = mixWord(h, uint64(m.typ)|boolBit(m.reject)<<8|uint64(m.entries)<<16)
		h = mixWord(h, m.from<<32|m.to)
		h = mixWord(h, m.term)
		h = mixWord(h, m.index)
		h = mixWord(h, m.logTerm)
		h = mixWord(h, m.commit)
		h = mixWord(h, m.readID)
		h = mixWord(h, r.seq)
		return mixString(h, r.text)
	case tkClientRequest, tkClientResponse:
		h = mixWord(h, r.peer)
		h = mixWord(h, r.client)
		return mixWord(h, r.seq)
	}
	h = mixWord(h, r.peer)
	return mixString(h, r.text)
}

func boolBit(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// event turns the record into its exported form.
func (r *record) event(seq int) TraceEvent {
	te := TraceEvent{Seq: seq, Time: r.time, Client: r.client, OpSeq: r.seq,
		EventJSON: engine.EventJSON{Kind: traceKindNames[r.kind], Peer: r.peer, Text: cmp.Or(r.shown, r.text)}}
	switch r.kind {
	case tkEngine:
		te.Engine, te.EventJSON = true, r.ev.JSON(PeerName)
	case tkSend, tkDeliver, tkDrop, tkDuplicate, tkDelay, tkLost:
		m := &r.msg
		te.Msg, te.From, te.To, te.MsgType = r.id, m.from, m.to, m.typ.String()
		te.Term, te.Index, te.LogTerm, te.Commit = m.term, m.index, m.logTerm, m.commit
		te.Entries, te.Reject, te.Deliver = int(m.entries), m.reject, r.at
		te.OpSeq = 0
		if r.kind == tkDuplicate {
			te.Copy = r.seq
		}
		te.Text, te.Cause = r.messageText(), r.cause.String()
	case tkBlock: // the cut link, From -> To
		te.From, te.To = r.msg.from, r.msg.to
	case tkPartition:
		te.Groups = unpackGroups(r.id)
	}
	return te
}

func (r *record) messageText() string {
	m := &r.msg
	head := fmt.Sprintf("message %d (%d->%d %s t%d)", r.id, m.from, m.to, m.typ, m.term)
	switch r.kind {
	case tkSend:
		return fmt.Sprintf("sent %s, due at %d ms", head, r.at)
	case tkDeliver:
		return "delivered " + head
	case tkDrop:
		return fmt.Sprintf("dropped %s: %s", head, r.text)
	case tkDuplicate:
		return fmt.Sprintf("duplicated %s: the copy, message %d, is due at %d ms", head, r.seq, r.at)
	case tkDelay:
		return fmt.Sprintf("delayed %s: now due at %d ms", head, r.at)
	case tkLost:
		return fmt.Sprintf("lost %s: %s", head, cmp.Or(r.shown, r.text))
	}
	return head
}
