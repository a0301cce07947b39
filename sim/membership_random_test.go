package sim

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMembershipRandomChanges runs clusters of 1 to 7 servers through random
// membership changes (adds, promotions, removals, the leader's included) while servers
// crash and restart and the network partitions, loses and duplicates messages. Every
// invariant must hold, and once the faults heal the cluster must be live.
func TestMembershipRandomChanges(t *testing.T) {
	seeds := 60
	if testing.Short() {
		seeds = 10
	}
	changes := 0
	for seed := uint64(1); seed <= uint64(seeds); seed++ {
		changes += randomMembershipRun(t, seed)
	}
	t.Logf("%d seeds, %d membership changes proposed", seeds, changes)
}

func randomMembershipRun(t *testing.T, seed uint64) int {
	rng := rand.New(rand.NewPCG(seed, 0x6d656d62)) // "memb"
	sc := NewScenario(seed)
	sc.Options.Peers = 2 + rng.IntN(6) // 2..7 servers
	sc.Options.Voters = 1 + rng.IntN(sc.Options.Peers)
	sc.Options.Clients = 2
	sc.Options.Drop, sc.Options.Duplicate = 0.02, 0.02
	c := newCluster(t, sc)
	n := uint64(sc.Options.Peers)
	changes := 0
	for c.Now() < 8000 {
		c.RunUntil(c.Now() + 100 + rng.Int64N(300))
		peer := rng.Uint64N(n) + 1
		lead := c.Leader()
		var cs = c.currentConf()
		var a Action
		switch r := rng.IntN(12); {
		case r < 2:
			a = Action{Type: ActCrash, Peer: peer}
			// Keep a majority of each voter set up.
			up := func(id uint64) bool { return id != peer && c.peers[id-1].up() }
			if !c.peers[peer-1].up() || !jointMajority(cs, up) {
				continue
			}
		case r < 4:
			a = Action{Type: ActRestart, Peer: peer}
			if c.peers[peer-1].up() {
				continue
			}
		case r < 5:
			a = Action{Type: ActPartition, Groups: [][]uint64{{peer}}}
		case r < 6:
			a = Action{Type: ActHeal}
		case r < 8:
			a = Action{Type: ActAddLearner, Peer: peer}
		case r < 10:
			a = Action{Type: ActPromote, Peer: peer}
			if lead != 0 && !cs.IsLearner(peer) {
				// Promote one that is a learner, if there is one.
				for _, l := range cs.Learners {
					if !cs.IsVoter(l) {
						a.Peer = l
					}
				}
			}
		default:
			a = Action{Type: ActRemove, Peer: peer}
			if rng.IntN(2) == 0 && lead != 0 {
				a.Peer = lead
			}
		}
		if err := c.Act(a); err == nil && slices.Contains([]ActionType{ActAddLearner, ActPromote, ActRemove}, a.Type) {
			changes++
		}
	}
	act(t, c, Action{Type: ActHeal})
	act(t, c, Action{Type: ActNetwork, Drop: ptr(0.0), Duplicate: ptr(0.0)})
	for i := range c.peers {
		if !c.peers[i].up() {
			act(t, c, Action{Type: ActRestart, Peer: uint64(i + 1)})
		}
	}
	c.RunUntil(c.Now() + 2000)
	require.NoError(t, c.CheckLiveness(1000), "seed %d\n%s", seed, dumpCluster(c))
	assert.Empty(t, c.Violations(), "seed %d\n%s", seed, dumpCluster(c))
	return changes
}

// dumpCluster describes every peer's role, term, indices and configuration, and the
// last 60 trace events: what a failure message needs to be understood.
func dumpCluster(c *Cluster) string {
	s := ""
	for _, p := range c.State().Peers {
		s += fmt.Sprintf("peer %d %s term=%d commit=%d last=%d voters=%v learners=%v outgoing=%v conf_index=%d committed=%v\n",
			p.ID, p.Role, p.Term, p.CommitIndex, p.LastIndex, p.Voters, p.Learners, p.Outgoing, p.ConfIndex, p.ConfCommitted)
	}
	ev := c.Events(0)
	for _, e := range ev[max(0, len(ev)-60):] {
		s += fmt.Sprintf("%d %s %s\n", e.Time, e.Kind, e.Text)
	}
	return s
}
