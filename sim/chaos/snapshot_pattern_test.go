package chaos

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/sim"
)

// The snapshot-transfer pattern aims its faults at InstallSnapshot transfers: chunks
// dropped, duplicated and delayed by actions (random faults make none of those), and
// crashes that cut transfers short; every such seed passes.
func TestSnapshotTransferPatternHitsTransfers(t *testing.T) {
	cfg := DefaultConfig()
	actions := map[sim.ActionType]int{}
	seeds, interrupted, installed := 0, 0, 0
	for seed := uint64(1); seed <= 400 && seeds < 20; seed++ {
		if PatternOf(seed, cfg) != "snapshot-transfer" {
			continue
		}
		seeds++
		sc := Generate(seed, cfg)
		require.NotZero(t, sc.Options.SnapshotEntries, "seed %d", seed)
		for _, a := range sc.Actions {
			actions[a.Type]++
		}
		res, err := Run(sc, cfg)
		require.NoError(t, err)
		assert.Empty(t, res.Violations, "seed %d", seed)
		interrupted += res.Snapshots.Interrupted
		installed += res.Snapshots.Installed
	}
	require.Equal(t, 20, seeds)
	assert.Positive(t, actions[sim.ActDrop], "a chunk dropped")
	assert.Positive(t, actions[sim.ActDuplicate], "a chunk duplicated")
	assert.Positive(t, actions[sim.ActDelay], "a chunk delayed past later ones")
	assert.Positive(t, interrupted, "a crash cut a transfer short")
	assert.Positive(t, installed)
	t.Logf("20 seeds: %d chunks dropped, %d duplicated, %d delayed; %d transfers cut by a crash, %d snapshots installed",
		actions[sim.ActDrop], actions[sim.ActDuplicate], actions[sim.ActDelay], interrupted, installed)
}
