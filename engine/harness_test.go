package engine_test

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/raftplay/raftplay/engine"
	"github.com/raftplay/raftplay/memstore"
	"github.com/stretchr/testify/require"
)

// network is a tiny, fully controlled driver for engine tests and scripts: messages wait
// in a queue until the test delivers them, and every step is written to a transcript.
type network struct {
	t       testing.TB
	peers   map[uint64]*engine.Peer
	stores  map[uint64]*memstore.Store
	applied map[uint64][]engine.Entry
	reads   map[uint64][]engine.ReadState
	queue   []engine.Message
	cut     map[[2]uint64]bool // dropped links, from->to
	held    map[uint64]bool    // peers whose Readys wait for the test (readyOnce)
	log     strings.Builder
	mutate  func(*engine.Config)
}

var voters = []uint64{1, 2, 3}

// presetState is a peer's durable state before it starts: a restart from it.
type presetState struct {
	hardState engine.HardState
	log       []engine.Entry
}

func newNetwork(t testing.TB, mutate func(*engine.Config)) *network {
	return newNetworkOf(t, voters, mutate, nil)
}

// newNetworkOf starts peers ids, with the durable state in preset where there is one.
// mutate changes each peer's DefaultConfig.
func newNetworkOf(t testing.TB, ids []uint64, mutate func(*engine.Config), preset map[uint64]presetState) *network {
	n := &network{t: t, peers: map[uint64]*engine.Peer{}, stores: map[uint64]*memstore.Store{},
		applied: map[uint64][]engine.Entry{}, reads: map[uint64][]engine.ReadState{},
		cut: map[[2]uint64]bool{}, held: map[uint64]bool{}, mutate: mutate}
	conf := engine.ConfState{Voters: slices.Clone(ids)}
	for _, id := range ids {
		st, err := memstore.NewWithState(preset[id].hardState, conf, preset[id].log)
		require.NoError(t, err)
		n.stores[id] = st
		n.start(id)
	}
	return n
}

// presetLog builds a log whose entries have the given terms.
func presetLog(terms ...uint64) []engine.Entry {
	ents := make([]engine.Entry, len(terms))
	for i, term := range terms {
		ents[i] = engine.Entry{Index: uint64(i + 1), Term: term, Command: fmt.Appendf(nil, "x%d=%d", i+1, term)}
	}
	return ents
}

// ids lists the peers of the network, live or crashed, in order.
func (n *network) ids() []uint64 { return slices.Sorted(maps.Keys(n.stores)) }

func (n *network) config(id uint64) engine.Config {
	cfg := engine.DefaultConfig(id, n.stores[id])
	if n.mutate != nil {
		n.mutate(&cfg)
	}
	return cfg
}

func (n *network) start(id uint64) {
	p, err := engine.NewPeer(n.config(id))
	require.NoError(n.t, err)
	n.peers[id] = p
	n.applied[id] = nil
	if snap, _ := n.stores[id].Snapshot(); !snap.IsEmpty() {
		// The state machine restarts from the snapshot (see restoreEntry).
		n.applied[id] = []engine.Entry{restoreEntry(snap)}
	}
	n.handle(id)
}

// crash stops a peer; its unsynced writes are lost and messages to it are dropped. A
// held peer's unprocessed Readys are lost with it, never persisted nor sent, as a
// real node's would be.
func (n *network) crash(id uint64) {
	n.handle(id)
	delete(n.held, id)
	delete(n.peers, id)
	n.stores[id].Crash()
}

func (n *network) restart(id uint64) { n.start(id) }

// handle runs the Ready loop of one peer until it is quiet, unless the test holds its
// Readys.
func (n *network) handle(id uint64) {
	p := n.peers[id]
	if p == nil || n.held[id] {
		return
	}
	for p.HasReady() {
		rd := p.Ready()
		for _, e := range rd.Events {
			fmt.Fprintf(&n.log, "  %s\n", e.Describe(engine.PeerName))
		}
		n.process(id, p, rd)
	}
}

// readyOnce takes one Ready of a held peer and processes it like handle; ok is false
// when the peer has none.
func (n *network) readyOnce(id uint64) (rd engine.Ready, ok bool) {
	p := n.peers[id]
	if p == nil || !p.HasReady() {
		return engine.Ready{}, false
	}
	rd = p.Ready()
	n.process(id, p, rd)
	return rd, true
}

// process does what the Ready contract asks, in its order: persist, send, apply, Advance.
func (n *network) process(id uint64, p *engine.Peer, rd engine.Ready) {
	if !rd.Snapshot.IsEmpty() {
		require.NoError(n.t, n.stores[id].SaveSnapshot(rd.Snapshot))
	}
	require.NoError(n.t, n.stores[id].Save(rd.HardState, rd.Entries, rd.MustSync))
	for _, m := range rd.Messages {
		if len(m.Entries) > 0 {
			m.Entries = append([]engine.Entry(nil), m.Entries...)
		}
		n.queue = append(n.queue, m)
	}
	if rd.RestoreSnapshot {
		n.applied[id] = []engine.Entry{restoreEntry(rd.Snapshot)}
	}
	n.applied[id] = append(n.applied[id], rd.CommittedEntries...)
	n.reads[id] = append(n.reads[id], rd.ReadStates...)
	p.Advance()
}

func (n *network) tick(id uint64, ticks int) {
	for range ticks {
		if p := n.peers[id]; p != nil {
			p.Tick()
			n.handle(id)
		}
	}
}

// campaign forces peer id's election timeout.
func (n *network) campaign(id uint64) {
	n.peers[id].Campaign()
	n.handle(id)
}

// deliver delivers queued messages, and those they cause, until none is left.
func (n *network) deliver() {
	for len(n.queue) > 0 {
		n.deliver1(0)
	}
}

// deliver1 delivers the i-th queued message only (the messages it causes are queued),
// or drops it when its recipient is down or its link is cut.
func (n *network) deliver1(i int) {
	m := n.queue[i]
	n.queue = slices.Delete(n.queue, i, i+1)
	p := n.peers[m.To]
	if p == nil || n.cut[[2]uint64{m.From, m.To}] {
		fmt.Fprintf(&n.log, "drop %s\n", m.Describe())
		return
	}
	fmt.Fprintf(&n.log, "%s\n", m.Describe())
	require.NoError(n.t, p.Step(m))
	n.handle(m.To)
}

func (n *network) propose(id uint64, cmd string) uint64 {
	index, err := n.peers[id].Propose([]byte(cmd), nil)
	require.NoError(n.t, err)
	n.handle(id)
	return index
}

// isolate cuts every link to and from id; heal restores them.
func (n *network) isolate(id uint64) {
	for _, other := range n.ids() {
		if other != id {
			n.cut[[2]uint64{id, other}] = true
			n.cut[[2]uint64{other, id}] = true
		}
	}
}

func (n *network) heal() { clear(n.cut) }

func (n *network) status(id uint64) engine.Status { return n.peers[id].Status() }

func (n *network) logOf(id uint64) []engine.Entry { return n.stores[id].Log() }

// restoreEntry stands for a state machine restored from snap in the list of what a
// peer applied: one pseudo-entry at the snapshot's index whose command is the data.
// The harness's snapshots hold the commands applied up to their index (snapshotData).
func restoreEntry(snap engine.Snapshot) engine.Entry {
	return engine.Entry{Index: snap.Meta.Index, Term: snap.Meta.Term, Command: append([]byte("snapshot:"), snap.Data...)}
}

// snapshotData is the harness's state machine as of index: the commands it applied, in
// order, joined by ';' (a restored snapshot's data standing for those before it).
func (n *network) snapshotData(id, index uint64) []byte {
	var parts [][]byte
	for _, e := range n.applied[id] {
		if e.Index > index {
			break
		}
		if cmd, ok := bytes.CutPrefix(e.Command, []byte("snapshot:")); ok {
			parts = parts[:0]
			if len(cmd) > 0 {
				parts = append(parts, cmd)
			}
		} else if len(e.Command) > 0 && e.Type == engine.EntryNormal {
			parts = append(parts, e.Command)
		}
	}
	return bytes.Join(parts, []byte(";"))
}

// terms renders a peer's durable log as its entry terms, "1 1 2", after its snapshot,
// if it has one, as "[3@1]".
func (n *network) terms(id uint64) string {
	var parts []string
	if snap, _ := n.stores[id].Snapshot(); !snap.IsEmpty() {
		parts = append(parts, fmt.Sprintf("[%d@%d]", snap.Meta.Index, snap.Meta.Term))
	}
	for _, e := range n.logOf(id) {
		parts = append(parts, fmt.Sprint(e.Term))
	}
	return strings.Join(parts, " ")
}

// electLeader campaigns id and delivers everything; the test fails unless id won.
func electLeader(t *testing.T, n *network, id uint64) {
	n.campaign(id)
	n.deliver()
	require.Equal(t, engine.RoleLeader, n.status(id).Role, "peer %d should have won", id)
}

// note writes a line of commentary into the transcript.
func (n *network) note(format string, args ...any) {
	fmt.Fprintf(&n.log, "# "+format+"\n", args...)
}

// take removes and returns the first queued message that match accepts.
func (n *network) take(match func(engine.Message) bool) engine.Message {
	for i, m := range n.queue {
		if match(m) {
			n.queue = append(n.queue[:i:i], n.queue[i+1:]...)
			return m
		}
	}
	n.t.Fatalf("no queued message matches")
	return engine.Message{}
}
