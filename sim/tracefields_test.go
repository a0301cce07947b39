package sim

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPartitionEventCarriesItsSides: the page draws a partition's sides from the
// event's groups, not from its sentence.
func TestPartitionEventCarriesItsSides(t *testing.T) {
	sc := NewScenario(1)
	sc.Options.Peers = 5
	c := newCluster(t, sc)
	act(t, c, Action{Type: ActPartition, Groups: [][]uint64{{5, 1}, {3}}})
	parts := eventsOf(c, "partition")
	require.Len(t, parts, 1)
	assert.Equal(t, [][]uint64{{1, 5}, {3}}, parts[0].Groups, "each side's ids ascending; 2 and 4 are in no side")
	data, err := json.Marshal(parts[0])
	require.NoError(t, err)
	assert.Contains(t, string(data), `"groups":[[1,5],[3]]`)
}

// TestDropCausesAreNamed: the list the page is generated from holds every cause, the
// one the narration counts included.
func TestDropCausesAreNamed(t *testing.T) {
	assert.Contains(t, DropCauses(), "link-cut")
	assert.Len(t, DropCauses(), len(dropCauseNames)-1)
	for c := causeOutside; int(c) < len(dropCauseNames); c++ {
		assert.NotEmpty(t, c.String())
	}
}

// TestPackGroupsRoundTrips covers every side a peer can be in, at the largest cluster.
func TestPackGroupsRoundTrips(t *testing.T) {
	for _, groups := range [][][]uint64{
		{{1}, {2, 3}},
		{{9}, {1, 2, 3, 4, 5, 6, 7, 8}},
		{{1}, {2}, {3}, {4}, {5}, {6}, {7}, {8}, {9}},
		{{2, 4, 6, 8}},
	} {
		assert.Equal(t, groups, unpackGroups(packGroups(groups)))
	}
}
