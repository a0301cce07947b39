package engine_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/raftplay/raftplay/engine"
	"github.com/raftplay/raftplay/memstore"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden transcripts in testdata/")

// network is a tiny, fully controlled driver for transcript tests: messages wait in a
// queue until the test delivers them, and every step is written to a transcript.
type network struct {
	t       testing.TB
	peers   map[uint64]*engine.Peer
	stores  map[uint64]*memstore.Store
	applied map[uint64][]engine.Entry
	reads   map[uint64][]engine.ReadState
	queue   []engine.Message
	cut     map[[2]uint64]bool // dropped links, from->to
	log     strings.Builder
	mutate  func(*engine.Config)
}

var voters = []uint64{1, 2, 3}

func newNetwork(t testing.TB, mutate func(*engine.Config)) *network {
	n := &network{t: t, peers: map[uint64]*engine.Peer{}, stores: map[uint64]*memstore.Store{},
		applied: map[uint64][]engine.Entry{}, reads: map[uint64][]engine.ReadState{},
		cut: map[[2]uint64]bool{}, mutate: mutate}
	for _, id := range voters {
		n.stores[id] = memstore.New(engine.ConfState{Voters: voters})
		n.start(id)
	}
	return n
}

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
	n.handle(id)
}

// crash stops a peer; its unsynced writes are lost and messages to it are dropped.
func (n *network) crash(id uint64) {
	n.note("crash %d", id)
	n.handle(id)
	delete(n.peers, id)
	n.stores[id].Crash()
}

func (n *network) restart(id uint64) {
	n.note("restart %d", id)
	n.start(id)
}

func (n *network) note(format string, args ...any) {
	fmt.Fprintf(&n.log, "# "+format+"\n", args...)
}

// handle runs the Ready loop of one peer until it is quiet.
func (n *network) handle(id uint64) {
	p := n.peers[id]
	if p == nil {
		return
	}
	for p.HasReady() {
		rd := p.Ready()
		require.NoError(n.t, n.stores[id].Save(rd.HardState, rd.Entries, rd.MustSync))
		for _, e := range rd.Events {
			fmt.Fprintf(&n.log, "  %s\n", e.Describe())
		}
		for _, m := range rd.Messages {
			if len(m.Entries) > 0 {
				m.Entries = append([]engine.Entry(nil), m.Entries...)
			}
			n.queue = append(n.queue, m)
		}
		n.applied[id] = append(n.applied[id], rd.CommittedEntries...)
		n.reads[id] = append(n.reads[id], rd.ReadStates...)
		p.Advance()
	}
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
	n.note("timeout %d", id)
	n.peers[id].Campaign()
	n.handle(id)
}

// deliver delivers queued messages, and those they cause, until none is left.
func (n *network) deliver() {
	for len(n.queue) > 0 {
		m := n.queue[0]
		n.queue = n.queue[1:]
		p := n.peers[m.To]
		if p == nil || n.cut[[2]uint64{m.From, m.To}] {
			fmt.Fprintf(&n.log, "drop %s\n", m.Describe())
			continue
		}
		fmt.Fprintf(&n.log, "%s\n", m.Describe())
		require.NoError(n.t, p.Step(m))
		n.handle(m.To)
	}
}

func (n *network) propose(id uint64, cmd string) uint64 {
	n.note("propose %q at %d", cmd, id)
	index, err := n.peers[id].Propose([]byte(cmd), nil)
	require.NoError(n.t, err)
	n.handle(id)
	return index
}

// isolate cuts every link to and from id; heal restores them.
func (n *network) isolate(id uint64) {
	n.note("isolate %d", id)
	for _, other := range voters {
		if other != id {
			n.cut[[2]uint64{id, other}] = true
			n.cut[[2]uint64{other, id}] = true
		}
	}
}

func (n *network) heal() {
	n.note("heal")
	clear(n.cut)
}

func (n *network) status(id uint64) engine.Status { return n.peers[id].Status() }

func (n *network) logOf(id uint64) []engine.Entry { return n.stores[id].Log() }

// terms renders a peer's durable log as its entry terms, "1 1 2".
func (n *network) terms(id uint64) string {
	var parts []string
	for _, e := range n.logOf(id) {
		parts = append(parts, fmt.Sprint(e.Term))
	}
	return strings.Join(parts, " ")
}

// golden compares the transcript with testdata/name.txt (rewritten with -update).
func (n *network) golden(name string) {
	n.t.Helper()
	path := filepath.Join("testdata", name+".txt")
	got := n.log.String()
	if *update {
		require.NoError(n.t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(n.t, err, "missing golden file; run go test ./engine -run %s -update", n.t.Name())
	require.Equal(n.t, string(want), got, "transcript differs from %s (rerun with -update if the change is intended)", path)
}

// deliver1 delivers the i-th queued message only.
func (n *network) deliver1(i int) {
	m := n.queue[i]
	n.queue = append(n.queue[:i:i], n.queue[i+1:]...)
	fmt.Fprintf(&n.log, "%s\n", m.Describe())
	require.NoError(n.t, n.peers[m.To].Step(m))
	n.handle(m.To)
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
