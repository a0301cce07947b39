package engine_test

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/raftplay/raftplay/engine"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRandomSnapshotsKeepStateMachinesEqual drives three peers through random message
// orders, drops, duplicates, crashes and restarts while they take snapshots at random
// (§7), with snapshots sent in chunks of 3 bytes, 2 in flight. Whatever happens: at
// every index, every peer's state machine (restored from snapshots or built by
// applying entries) is the same; a peer's applied index never moves back while it
// runs; and once the network heals, every peer catches up, by snapshot where needed.
func TestRandomSnapshotsKeepStateMachinesEqual(t *testing.T) {
	seeds := 150
	if testing.Short() || runtime.GOARCH == "wasm" {
		seeds = 20
	}
	installs := 0
	for seed := range uint64(seeds) {
		installs += runSnapshots(t, seed)
		if t.Failed() {
			t.Fatalf("seed %d failed", seed)
		}
	}
	assert.Greater(t, installs, seeds/2, "the runs installed too few snapshots to test anything")
}

func runSnapshots(t *testing.T, seed uint64) (installs int) {
	rng := rand.New(rand.NewPCG(seed, 0x5a9))
	n := newNetwork(t, func(c *engine.Config) { c.SnapshotChunkSize = 3; c.MaxInflightSnapshotChunks = 2 })
	states := map[uint64]string{}      // index -> the state machine after applying it
	lastApplied := map[uint64]uint64{} // per peer, since it (re)started
	check := func() {
		for id, p := range n.peers {
			applied := p.Status().LastApplied
			require.GreaterOrEqual(t, applied, lastApplied[id], "seed %d: peer %d's applied index moved back", seed, id)
			lastApplied[id] = applied
			state := string(n.snapshotData(id, applied))
			if want, ok := states[applied]; ok {
				require.Equal(t, want, state, "seed %d: peer %d's state machine at %d", seed, id, applied)
			}
			states[applied] = state
		}
	}
	live := func() []uint64 {
		var ids []uint64
		for _, id := range n.ids() {
			if n.peers[id] != nil {
				ids = append(ids, id)
			}
		}
		return ids
	}
	proposals := 0
	for range 400 {
		ids := live()
		switch r := rng.IntN(100); {
		case r < 35 && len(n.queue) > 0:
			n.deliver1(rng.IntN(len(n.queue)))
		case r < 42 && len(n.queue) > 0:
			n.queue = slices.Delete(n.queue, 0, 1+rng.IntN(len(n.queue)))
		case r < 46 && len(n.queue) > 0:
			n.queue = append(n.queue, n.queue[rng.IntN(len(n.queue))])
		case r < 65:
			n.tick(ids[rng.IntN(len(ids))], 1)
		case r < 78:
			for _, id := range ids {
				if n.peers[id].Role() == engine.RoleLeader {
					_, err := n.peers[id].Propose(fmt.Appendf(nil, "c%d", proposals), nil)
					require.NoError(t, err)
					proposals++
					n.handle(id)
				}
			}
		case r < 90:
			id := ids[rng.IntN(len(ids))]
			st := n.peers[id].Status()
			if st.LastApplied > st.SnapshotIndex {
				require.NoError(t, n.peers[id].TakeSnapshot(st.LastApplied, n.snapshotData(id, st.LastApplied)))
				n.handle(id)
			}
		case r < 94 && len(ids) > 1:
			id := ids[rng.IntN(len(ids))]
			n.crash(id)
			lastApplied[id] = 0
		case r < 100 && len(ids) < 3:
			for _, id := range n.ids() {
				if n.peers[id] == nil {
					n.restart(id)
					break
				}
			}
		}
		check()
	}
	// Heal: every peer runs, and the network delivers everything.
	for _, id := range n.ids() {
		if n.peers[id] == nil {
			n.restart(id)
			lastApplied[id] = 0
		}
	}
	for range 300 {
		for _, id := range n.ids() {
			n.tick(id, 1)
		}
		n.deliver()
		check()
	}
	var commits []uint64
	for _, id := range n.ids() {
		st := n.peers[id].Status()
		commits = append(commits, st.LastApplied)
	}
	require.Equal(t, commits[0], commits[1], "seed %d: peers did not catch up: applied %v", seed, commits)
	require.Equal(t, commits[0], commits[2], "seed %d: peers did not catch up: applied %v", seed, commits)
	return strings.Count(n.log.String(), "installed the snapshot")
}
