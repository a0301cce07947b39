package engine

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// naiveJointQuorumValue is jointQuorumValue from its definition (§6): the largest v
// among vals that at least a majority of incoming have reached and, when outgoing is
// not empty, at least a majority of outgoing too.
func naiveJointQuorumValue(vals []uint64, incoming, outgoing []int) uint64 {
	majorityAt := func(set []int, v uint64) bool {
		reached := 0
		for _, i := range set {
			if vals[i] >= v {
				reached++
			}
		}
		return reached > len(set)/2
	}
	if len(incoming) == 0 {
		return 0
	}
	var best uint64
	for _, v := range vals {
		if majorityAt(incoming, v) && (len(outgoing) == 0 || majorityAt(outgoing, v)) && v > best {
			best = v
		}
	}
	return best
}

func TestJointQuorumValue(t *testing.T) {
	for _, tc := range []struct {
		name               string
		vals               []uint64
		incoming, outgoing []int
		want               uint64
	}{
		{"not joint: a majority of three", []uint64{5, 9, 7}, []int{0, 1, 2}, nil, 7},
		{"no voters decide nothing", []uint64{5, 9}, nil, nil, 0},
		{"a learner is not counted", []uint64{1, 1, 9, 9}, []int{0, 1, 2}, nil, 1},
		{"joint: C_old lags", []uint64{9, 9, 4, 4, 9}, []int{0, 1, 2}, []int{2, 3, 4}, 4},
		{"joint: C_new lags", []uint64{2, 2, 8, 8, 8}, []int{0, 1, 2}, []int{2, 3, 4}, 2},
		{"joint: both reach", []uint64{6, 6, 6, 1, 6}, []int{0, 1, 2}, []int{2, 3, 4}, 6},
		{"joint: adding a fourth voter", []uint64{7, 7, 3, 0}, []int{0, 1, 2, 3}, []int{0, 1, 2}, 3},
		{"joint: 1 to 3 voters", []uint64{9, 0, 0}, []int{0, 1, 2}, []int{0}, 0},
		{"joint: 3 to 1 voter", []uint64{9, 5, 0}, []int{0}, []int{0, 1, 2}, 5},
		{"joint: disjoint configurations", []uint64{9, 9, 1, 1, 5, 5}, []int{0, 1, 2}, []int{3, 4, 5}, 5},
		{"joint: the leader not in C_new", []uint64{0, 8, 8, 3}, []int{1, 2, 3}, []int{0, 1, 2}, 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			scratch := make([]uint64, len(tc.vals))
			assert.Equal(t, tc.want, jointQuorumValue(slices.Clone(tc.vals), tc.incoming, tc.outgoing, scratch))
			assert.Equal(t, tc.want, naiveJointQuorumValue(tc.vals, tc.incoming, tc.outgoing), "the naive version agrees")
		})
	}
}

// FuzzJointQuorumValue checks jointQuorumValue against the naive version on any values
// and any two voter sets of up to 7 members the bytes describe.
func FuzzJointQuorumValue(f *testing.F) {
	f.Add([]byte{9, 9, 4, 4, 9}, uint8(0b00111), uint8(0b11100))
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7}, uint8(0b1111111), uint8(0))
	f.Add([]byte{0, 0}, uint8(0), uint8(3))
	f.Fuzz(func(t *testing.T, data []byte, in, out uint8) {
		if len(data) > 7 {
			data = data[:7]
		}
		vals := make([]uint64, len(data))
		var incoming, outgoing []int
		for i, b := range data {
			vals[i] = uint64(b % 16)
			if in&(1<<i) != 0 {
				incoming = append(incoming, i)
			}
			if out&(1<<i) != 0 {
				outgoing = append(outgoing, i)
			}
		}
		want := naiveJointQuorumValue(vals, incoming, outgoing)
		got := jointQuorumValue(slices.Clone(vals), incoming, outgoing, make([]uint64, len(vals)))
		require.Equal(t, want, got, "values %v, incoming %v, outgoing %v", vals, incoming, outgoing)
	})
}

// TestMajorityReachedJointAllocatesNothing: the joint path is as cheap as the plain one.
func TestMajorityReachedJointAllocatesNothing(t *testing.T) {
	p := newTestLeader(t, 3)
	p.setConf(ConfState{Voters: []uint64{1, 2, 3, 4}, VotersOutgoing: []uint64{1, 2, 3}}, 0, false)
	for i, pr := range p.progress {
		pr.Match = uint64(10 * (i + 1))
	}
	var got uint64
	allocs := testing.AllocsPerRun(100, func() {
		got = p.majorityReached(func(_ int, pr *progress) uint64 { return pr.Match })
	})
	assert.Zero(t, allocs)
	// Matches 10, 20, 30, 40: C_new {1..4} reaches 20 (three of four), C_old {1..3} 20.
	assert.Equal(t, uint64(20), got)
}
