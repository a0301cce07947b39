package bench

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/raftplay/raftplay/engine"
)

// TestEnginesApplyEveryProposalInOrder runs both engines the way the benchmarks do and
// relies on Run's check: every peer applied exactly the proposals made, in order, with
// their bytes intact.
func TestEnginesApplyEveryProposalInOrder(t *testing.T) {
	const proposals = 2000
	for _, e := range Engines {
		for _, outstanding := range OutstandingLevels {
			t.Run(fmt.Sprintf("%s/outstanding=%d", e.Name, outstanding), func(t *testing.T) {
				assert.NoError(t, Run(e, proposals, outstanding))
			})
		}
	}
}

// TestRunKeepsOutstandingBounded checks that the leader never has more than the
// allowed proposals in flight and that the run ends with the cluster drained.
func TestRunKeepsOutstandingBounded(t *testing.T) {
	for _, e := range Engines {
		for _, outstanding := range []int{1, 7, 64} {
			t.Run(fmt.Sprintf("%s/outstanding=%d", e.Name, outstanding), func(t *testing.T) {
				r, err := e.newCluster()
				require.NoError(t, err)
				require.NoError(t, r.elect())
				watched := watchOutstanding(t, r, outstanding)
				require.NoError(t, r.run(500, outstanding))
				assert.NoError(t, r.verify(500))
				assert.Positive(t, *watched, "the leader never had a proposal in flight")
				assert.LessOrEqual(t, *watched, outstanding)
			})
		}
	}
}

// watchOutstanding wraps the leader of r so that each proposal records how many were in
// flight; it returns the largest number seen.
func watchOutstanding(t *testing.T, r runner, outstanding int) *int {
	t.Helper()
	largest := new(int)
	switch c := r.(type) {
	case *cluster[engine.Message]:
		c.peers[firstLeader-1] = &countingPeer[engine.Message]{peer: c.peers[firstLeader-1], largest: largest}
	case *cluster[*pb.Message]:
		c.peers[firstLeader-1] = &countingPeer[*pb.Message]{peer: c.peers[firstLeader-1], largest: largest}
	default:
		require.Failf(t, "unknown cluster type", "%T", r)
	}
	return largest
}

// countingPeer records, at every proposal, how many proposals are in flight.
type countingPeer[M any] struct {
	peer[M]
	proposed int
	largest  *int
}

func (p *countingPeer[M]) propose(command []byte) error {
	p.proposed++
	if n := p.proposed - int(p.machine().applied); n > *p.largest {
		*p.largest = n
	}
	return p.peer.propose(command)
}

func TestRunRejectsNoOutstanding(t *testing.T) {
	for _, e := range Engines {
		t.Run(e.Name, func(t *testing.T) {
			assert.ErrorContains(t, Run(e, 10, 0), "outstanding must be at least 1")
		})
	}
}

// TestStateMachineCatchesWrongResults feeds the state machine histories a broken driver
// or engine could produce and checks that each one fails the final check.
func TestStateMachineCatchesWrongResults(t *testing.T) {
	command := func(sequence uint64) []byte {
		c := make([]byte, CommandSize)
		fillCommand(c, sequence)
		return c
	}
	corrupted := command(2)
	corrupted[CommandSize-1] ^= 1
	type applied struct {
		index   uint64
		command []byte
	}
	tests := []struct {
		name    string
		history []applied
		wantErr string // empty: the history is right
	}{
		{"in order after a no-op", []applied{{1, nil}, {2, command(1)}, {3, command(2)}, {4, command(3)}}, ""},
		{"one missing at the end", []applied{{1, command(1)}, {2, command(2)}}, "applied 2 proposals, want 3"},
		{"one skipped", []applied{{1, command(1)}, {2, command(3)}, {3, command(4)}}, "applied proposal 3 at index 2 as the 2-th command"},
		{"one applied twice", []applied{{1, command(1)}, {2, command(1)}, {3, command(2)}}, "applied proposal 1 at index 2 as the 2-th command"},
		{"two swapped", []applied{{1, command(2)}, {2, command(1)}, {3, command(3)}}, "applied proposal 2 at index 1 as the 1-th command"},
		{"bytes changed", []applied{{1, command(1)}, {2, corrupted}, {3, command(3)}}, "a command was changed"},
		{"truncated command", []applied{{1, command(1)}, {2, command(2)[:10]}, {3, command(3)}}, "has 10 bytes, want 128"},
		{"an index skipped", []applied{{1, command(1)}, {3, command(2)}, {4, command(3)}}, "applied index 3 after index 1"},
	}
	want := expectedHash(3)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m stateMachine
			for _, a := range tt.history {
				m.apply(a.index, a.command)
			}
			err := m.check(3, want)
			if tt.wantErr == "" {
				assert.NoError(t, err)
				return
			}
			assert.ErrorContains(t, err, tt.wantErr)
		})
	}
}

func TestCommandSourceNeverReusesMemory(t *testing.T) {
	var s commandSource
	first := s.next()
	seen := map[*byte]bool{&first[0]: true}
	for range commandsPerSlab + 10 {
		c := s.next()
		require.Len(t, c, CommandSize)
		require.Equal(t, CommandSize, cap(c), "a command must not share capacity with the next one")
		require.False(t, seen[&c[0]], "command memory reused")
		seen[&c[0]] = true
	}
	want := make([]byte, CommandSize)
	fillCommand(want, 1)
	assert.Equal(t, want, first, "first command changed after later ones were made")
}
