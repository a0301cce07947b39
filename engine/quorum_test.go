package engine

import (
	"encoding/binary"
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// naiveQuorumValue is quorumValue written straight from its definition: the largest v
// among vals such that at least quorum of vals are >= v.
func naiveQuorumValue(vals []uint64, quorum int) uint64 {
	var best uint64
	for _, v := range vals {
		reached := 0
		for _, w := range vals {
			if w >= v {
				reached++
			}
		}
		if reached >= quorum && v > best {
			best = v
		}
	}
	return best
}

func TestQuorumValue(t *testing.T) {
	for _, tc := range []struct {
		name   string
		vals   []uint64
		quorum int
		want   uint64
	}{
		{"one voter", []uint64{4}, 1, 4},
		{"three voters, all equal", []uint64{5, 5, 5}, 2, 5},
		{"three voters, the middle one decides", []uint64{5, 9, 7}, 2, 7},
		{"three voters, one far behind", []uint64{0, 12, 12}, 2, 12},
		{"three voters, two behind", []uint64{0, 0, 12}, 2, 0},
		{"four voters need three", []uint64{10, 8, 6, 4}, 3, 6},
		{"five voters need three", []uint64{1, 2, 3, 4, 5}, 3, 3},
		{"five voters, duplicates", []uint64{7, 7, 3, 3, 9}, 3, 7},
		{"seven voters", []uint64{9, 1, 8, 2, 7, 3, 6}, 4, 6},
		{"nine voters: more than the old fixed buffer of seven", []uint64{90, 10, 80, 20, 70, 30, 60, 40, 50}, 5, 50},
		{"nine voters, all but four at zero", []uint64{0, 0, 0, 0, 0, 5, 5, 5, 5}, 5, 0},
		{"a quorum of all", []uint64{3, 8, 5}, 3, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vals := slices.Clone(tc.vals)
			assert.Equal(t, tc.want, quorumValue(vals, tc.quorum))
			assert.Equal(t, tc.want, naiveQuorumValue(tc.vals, tc.quorum), "the naive version agrees")
		})
	}
}

func TestQuorumValueRejectsAnImpossibleQuorum(t *testing.T) {
	assert.PanicsWithValue(t, "engine: broken invariant: quorum 0 of 3 values", func() { quorumValue([]uint64{1, 2, 3}, 0) })
	assert.PanicsWithValue(t, "engine: broken invariant: quorum 4 of 3 values", func() { quorumValue([]uint64{1, 2, 3}, 4) })
	assert.Panics(t, func() { quorumValue(nil, 1) })
}

// FuzzQuorumValue checks quorumValue against the naive version on any values and any
// cluster size the bytes describe, with the majority quorum the engine uses.
func FuzzQuorumValue(f *testing.F) {
	f.Add([]byte{5, 9, 7})
	f.Add([]byte{0, 0, 0, 0, 0, 5, 5, 5, 5})
	f.Add([]byte{1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		// Small values make ties likely; every eighth byte starts a large value so
		// that the full range is covered too.
		var vals []uint64
		for len(data) > 0 {
			if data[0]%8 == 7 && len(data) >= 9 {
				vals = append(vals, binary.LittleEndian.Uint64(data[1:9]))
				data = data[9:]
				continue
			}
			vals = append(vals, uint64(data[0]%16))
			data = data[1:]
		}
		quorum := ConfState{Voters: make([]uint64, len(vals))}.Quorum()
		want := naiveQuorumValue(vals, quorum)
		got := quorumValue(slices.Clone(vals), quorum)
		require.Equal(t, want, got, "values %v, quorum %d", vals, quorum)
	})
}

// newTestLeader returns the leader of a cluster of n voters, elected without any other
// peer taking part: a single-peer view of the leader's bookkeeping.
func newTestLeader(t testing.TB, n int) *Peer {
	voters := make([]uint64, n)
	for i := range voters {
		voters[i] = uint64(i + 1)
	}
	p, err := NewPeer(DefaultConfig(1, newTestStorage(ConfState{Voters: voters})))
	require.NoError(t, err)
	p.becomeCandidate()
	p.becomeLeader()
	return p
}

// TestMajorityReachedAllocatesNothing is the hot path's promise: the leader runs it on
// every AppendEntries answer, for any number of voters.
func TestMajorityReachedAllocatesNothing(t *testing.T) {
	for _, n := range []int{1, 3, 5, 9, 15} {
		t.Run(fmt.Sprint(n, " voters"), func(t *testing.T) {
			p := newTestLeader(t, n)
			for i, pr := range p.progress {
				pr.Match = uint64(10 * i)
			}
			var got uint64
			allocs := testing.AllocsPerRun(100, func() {
				got = p.majorityReached(func(_ int, pr *progress) uint64 { return pr.Match })
			})
			assert.Zero(t, allocs)
			// The matches are 0, 10, ..., 10(n-1): a majority reaches 10(n-quorum).
			assert.Equal(t, uint64(10*(n-p.conf.Quorum())), got)
		})
	}
}

// TestMajorityReachedUsesOnePositionPerVoter checks that value is asked about every
// voter, in the order of p.voters, with the leader itself at p.self.
func TestMajorityReachedUsesOnePositionPerVoter(t *testing.T) {
	p := newTestLeader(t, 5)
	var asked []int
	got := p.majorityReached(func(i int, pr *progress) uint64 {
		asked = append(asked, i)
		assert.Same(t, p.progress[i], pr)
		if i == p.self {
			return 100
		}
		return uint64(i)
	})
	assert.Equal(t, []int{0, 1, 2, 3, 4}, asked)
	// Values 100 (self, position 0), 1, 2, 3, 4: three of five reach 3.
	assert.Equal(t, uint64(3), got)
}
