package engine_test

import (
	"maps"
	"slices"
	"testing"

	"github.com/raftplay/raftplay/engine"
	"github.com/raftplay/raftplay/memstore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cloneNetwork copies a test network: every peer with Clone on a clone of its store, and
// the messages in flight. The copy starts with an empty transcript.
func cloneNetwork(n *network) *network {
	c := &network{t: n.t, peers: map[uint64]*engine.Peer{}, stores: map[uint64]*memstore.Store{},
		applied: map[uint64][]engine.Entry{}, reads: map[uint64][]engine.ReadState{},
		queue: slices.Clone(n.queue), cut: maps.Clone(n.cut), mutate: n.mutate}
	for id, st := range n.stores {
		c.stores[id] = st.Clone()
	}
	for id, p := range n.peers {
		c.peers[id] = p.Clone(c.stores[id])
	}
	for id := range n.applied {
		c.applied[id] = slices.Clone(n.applied[id])
		c.reads[id] = slices.Clone(n.reads[id])
	}
	return c
}

// drive runs the same schedule on a network: ticks (that fire randomized election
// timeouts), proposals on whoever leads, a partition and its healing.
func drive(n *network) {
	for round := range 60 {
		for _, id := range voters {
			n.tick(id, 1)
		}
		n.deliver()
		if round%7 == 3 {
			for _, id := range voters {
				if n.peers[id] != nil && n.peers[id].Role() == engine.RoleLeader {
					n.propose(id, "x")
				}
			}
			n.deliver()
		}
		switch round {
		case 10:
			n.isolate(leaderOf(n))
		case 40:
			n.heal()
		}
	}
}

func leaderOf(n *network) uint64 {
	for _, id := range voters {
		if p := n.peers[id]; p != nil && p.Role() == engine.RoleLeader {
			return p.ID()
		}
	}
	return 1
}

// started is a network with a leader, a few committed entries and a lagging follower.
func started(t *testing.T) *network {
	n := newNetwork(t, nil)
	n.campaign(1)
	n.deliver()
	n.propose(1, "a")
	n.deliver()
	n.isolate(3)
	n.propose(1, "b")
	n.deliver()
	n.heal()
	n.tick(2, 4) // part of the way to an election timeout
	return n
}

func TestCloneContinuesLikeTheOriginal(t *testing.T) {
	orig := started(t)
	clone := cloneNetwork(orig)
	for _, id := range voters {
		require.Equal(t, orig.status(id), clone.status(id))
	}
	orig.log.Reset()
	drive(orig)
	drive(clone)
	assert.Equal(t, orig.log.String(), clone.log.String())
	assert.NotEmpty(t, orig.log.String())
	for _, id := range voters {
		assert.Equal(t, orig.status(id), clone.status(id), "peer %d", id)
		assert.Equal(t, orig.logOf(id), clone.logOf(id), "peer %d", id)
		assert.Equal(t, orig.applied[id], clone.applied[id], "peer %d", id)
	}
}

func TestCloneIsIndependent(t *testing.T) {
	orig := started(t)
	before := map[uint64]engine.Status{}
	logs := map[uint64][]engine.Entry{}
	for _, id := range voters {
		before[id], logs[id] = orig.status(id), orig.logOf(id)
	}
	twin := cloneNetwork(orig)

	clone := cloneNetwork(orig)
	clone.isolate(1)
	for range 50 {
		clone.tick(2, 1)
		clone.tick(3, 1)
		clone.deliver()
	}
	clone.heal()
	clone.propose(leaderOf(clone), "from the clone")
	clone.deliver()
	drive(clone)
	require.NotEqual(t, before[2], clone.status(2))

	for _, id := range voters {
		assert.Equal(t, before[id], orig.status(id), "peer %d changed with its clone", id)
		assert.Equal(t, logs[id], orig.logOf(id), "peer %d's log changed with its clone", id)
	}
	// The original continues as if the clone had never run.
	orig.log.Reset()
	drive(orig)
	drive(twin)
	assert.Equal(t, twin.log.String(), orig.log.String())
}

func TestCloneCopiesTheRandomSource(t *testing.T) {
	n := newNetwork(t, nil)
	p := n.peers[1]
	clone := p.Clone(n.stores[1].Clone())
	// Every campaign draws a new randomized election timeout: the draws must agree.
	for range 20 {
		p.Campaign()
		clone.Campaign()
		require.Equal(t, p.Status().ElectionTimeout, clone.Status().ElectionTimeout)
		n.handle(1)
		for clone.HasReady() {
			clone.Ready()
			clone.Advance()
		}
	}
}

func TestCloneBetweenReadyAndAdvancePanics(t *testing.T) {
	n := newNetwork(t, nil)
	p := n.peers[1]
	p.Campaign()
	require.True(t, p.HasReady())
	p.Ready()
	assert.PanicsWithValue(t, "engine: broken invariant: Clone called between Ready and Advance", func() {
		p.Clone(n.stores[1].Clone())
	})
}

func BenchmarkPeerClone(b *testing.B) {
	n := newNetwork(b, nil)
	n.campaign(1)
	n.deliver()
	for range 100 {
		n.propose(1, "command")
	}
	n.deliver()
	p, store := n.peers[1], n.stores[1]
	b.ReportAllocs()
	for b.Loop() {
		_ = p.Clone(store.Clone())
	}
}
