package engine_test

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/raftplay/raftplay/engine"
	"github.com/raftplay/raftplay/memstore"
	"github.com/stretchr/testify/require"
)

// TestRandomDiskLossesKeepCommittedEntries drives three peers through random message
// orders, drops, crashes and restarts, where a crash sometimes also cuts the peer's
// log (a damaged disk); the peer then restarts recovering, as a host that detected
// the loss starts it. Whatever happens, no two peers apply different entries at an
// index, and every leader holds every entry committed before it won (§5.4).
func TestRandomDiskLossesKeepCommittedEntries(t *testing.T) {
	seeds := 150
	if testing.Short() || runtime.GOARCH == "wasm" {
		seeds = 20 // the wasm run repeats the native one about ten times slower
	}
	for seed := range uint64(seeds) {
		runDiskLosses(t, seed)
		if t.Failed() {
			t.Fatalf("seed %d failed", seed)
		}
	}
}

func runDiskLosses(t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 0x10557))
	n := newNetwork(t, nil)
	committed := map[uint64]uint64{} // index -> term of every entry applied anywhere
	leaderChecked := map[uint64]uint64{}
	recovering := map[uint64]bool{}
	losses, recoveries := 0, 0

	check := func() {
		for id, applied := range n.applied {
			for _, e := range applied {
				if term, ok := committed[e.Index]; ok && term != e.Term {
					require.Failf(t, "two entries applied at one index", "seed %d: peer %d applied %d@%d, another applied %d@%d", seed, id, e.Index, e.Term, e.Index, term)
				}
				committed[e.Index] = e.Term
			}
		}
		for id, p := range n.peers {
			st := p.Status()
			if recovering[id] && !st.Recovering {
				recovering[id] = false
				recoveries++
			}
			if st.Role != engine.RoleLeader || leaderChecked[id] == st.Term {
				continue
			}
			leaderChecked[id] = st.Term
			log := n.logOf(id)
			for index, term := range committed {
				if index > uint64(len(log)) || log[index-1].Term != term {
					require.Failf(t, "a leader lacks a committed entry", "seed %d: peer %d leads term %d without %d@%d", seed, id, st.Term, index, term)
				}
			}
		}
	}
	for step := 0; step < 1500 && !t.Failed(); step++ {
		switch r := rng.IntN(100); {
		case r < 45 && len(n.queue) > 0:
			i := rng.IntN(len(n.queue))
			m := n.queue[i]
			n.queue = append(n.queue[:i:i], n.queue[i+1:]...)
			if p := n.peers[m.To]; p != nil && rng.IntN(20) != 0 {
				require.NoError(t, p.Step(m))
				n.handle(m.To)
			}
		case r < 75:
			id := voters[rng.IntN(len(voters))]
			n.tick(id, 1)
		case r < 85:
			for _, id := range voters {
				if p := n.peers[id]; p != nil && p.Status().Role == engine.RoleLeader {
					_, _ = p.Propose(fmt.Appendf(nil, "w%d", step), nil)
					n.handle(id)
				}
			}
		case r < 90:
			id := voters[rng.IntN(len(voters))]
			if n.peers[id] == nil {
				continue
			}
			n.crash(id)
			// One damaged disk at a time: a second loss before the first peer has
			// caught up could take a majority's copies (and then no rule helps).
			lost := false
			if rng.IntN(3) == 0 && !recovering[1] && !recovering[2] && !recovering[3] {
				lost = cutLog(t, n, id, rng)
			}
			// The state machine restarts empty and re-applies what the log commits.
			delete(n.applied, id)
			if lost || recovering[id] {
				losses++
				recovering[id] = true
				restartRecovering(n, id)
			} else {
				n.restart(id)
			}
		default:
			for _, id := range voters {
				if n.peers[id] == nil {
					n.restart(id)
				}
			}
		}
		check()
	}
	t.Logf("seed %d: %d committed entries, %d restarts after a loss, %d recoveries", seed, len(committed), losses, recoveries)
}

// cutLog replaces the crashed peer's storage with a random prefix of its log, keeping
// term and vote (the file store's state file keeps them); it reports whether entries
// were lost.
func cutLog(t *testing.T, n *network, id uint64, rng *rand.Rand) bool {
	log := n.stores[id].Log()
	if len(log) == 0 {
		return false
	}
	keep := rng.IntN(len(log))
	hs := n.stores[id].HardState()
	hs.Commit = min(hs.Commit, uint64(keep))
	st, err := memstore.NewWithState(hs, engine.ConfState{Voters: voters}, log[:keep])
	require.NoError(t, err)
	n.stores[id] = st
	return true
}
