package sim

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// newCluster starts a cluster that keeps its trace and fails the test on a bad scenario.
func newCluster(t testing.TB, sc Scenario) *Cluster {
	t.Helper()
	c, err := New(sc)
	require.NoError(t, err)
	return c
}

// waitLeader runs until a leader is known or the deadline (virtual ms) passes.
func waitLeader(c *Cluster, deadline int64) uint64 {
	for c.Leader() == 0 && c.Now() < deadline && c.Step() {
	}
	return c.Leader()
}

// act applies an action and fails the test if it cannot.
func act(t testing.TB, c *Cluster, a Action) {
	t.Helper()
	require.NoError(t, c.Act(a))
}

// lastOp returns the newest operation of the history.
func lastOp(c *Cluster) ClientOp {
	h := c.History()
	return h[len(h)-1]
}

// eventsOf returns the kept trace events of one kind.
func eventsOf(c *Cluster, kind string) []TraceEvent {
	var out []TraceEvent
	for _, e := range c.Events(0) {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

// faultScenario is a chaos-style run: clients, a lossy network, and every 100-400 ms a
// crash, restart, partition, block or heal of random peers (never more than a minority
// down), all healed and restarted at the end.
func faultScenario(seed uint64, duration int64) Scenario {
	sc := NewScenario(seed)
	sc.Options.Clients = 3
	sc.Options.Drop = 0.02
	sc.Options.Duplicate = 0.02
	rng := rand.New(rand.NewPCG(seed, 99))
	n := uint64(sc.Options.Peers)
	down := map[uint64]bool{}
	at := int64(0)
	for {
		at += 100 + rng.Int64N(300)
		if at >= duration {
			break
		}
		peer := rng.Uint64N(n) + 1
		var a Action
		switch r := rng.IntN(10); {
		case r < 3 && !down[peer] && len(down) == 0:
			a, down[peer] = Action{Type: ActCrash, Peer: peer}, true
		case r < 5 && len(down) > 0:
			for id := range n {
				if down[id+1] {
					peer = id + 1
				}
			}
			a = Action{Type: ActRestart, Peer: peer}
			delete(down, peer)
		case r < 7:
			a = Action{Type: ActPartition, Groups: [][]uint64{{peer}, {peer%n + 1, (peer+1)%n + 1}}}
		case r < 8:
			a = Action{Type: ActBlock, From: peer, To: peer%n + 1}
		default:
			a = Action{Type: ActHeal}
		}
		a.At = at
		sc.Actions = append(sc.Actions, a)
	}
	sc.Actions = append(sc.Actions, Action{At: duration, Type: ActHeal},
		Action{At: duration, Type: ActNetwork, Drop: ptr(0.0), Duplicate: ptr(0.0)})
	for id := range n {
		if down[id+1] {
			sc.Actions = append(sc.Actions, Action{At: duration, Type: ActRestart, Peer: id + 1})
		}
	}
	return sc
}
