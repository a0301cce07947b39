package chaos

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/engine"
	"github.com/raftplay/raftplay/sim"
)

// A third of the seeds run with snapshots, and they pass: snapshots are taken and
// installed, and crashes cut transfers short.
func TestSnapshotSeedsPass(t *testing.T) {
	sum, err := RunSeeds(41, 30, 2, DefaultConfig(), nil) // seeds 1..40 run in TestHealthySeedsPass
	require.NoError(t, err)
	for _, f := range sum.Failed {
		t.Errorf("seed %d: %v", f.Seed, f.Violations)
	}
	assert.GreaterOrEqual(t, sum.SnapshotSeeds, 5)
	assert.Less(t, sum.SnapshotSeeds, 20)
	assert.Positive(t, sum.Snapshots.Taken)
	assert.Positive(t, sum.Snapshots.Installed)
	assert.Positive(t, sum.Snapshots.Interrupted, "some crash lands in a transfer")
	t.Logf("%d of 30 seeds with snapshots: %+v", sum.SnapshotSeeds, sum.Snapshots)
}

// The network's faults reach InstallSnapshot chunks like any message: in the seeds with
// snapshots, chunks are lost and duplicated.
func TestSnapshotChunksAreLostAndDuplicated(t *testing.T) {
	cfg := DefaultConfig()
	dropped, duplicated := 0, 0
	for seed := uint64(1); seed <= 60 && (dropped == 0 || duplicated == 0); seed++ {
		sc := Generate(seed, cfg)
		if sc.Options.SnapshotEntries == 0 {
			continue
		}
		c, err := sim.New(sc)
		require.NoError(t, err)
		c.RunUntil(cfg.Duration)
		for _, e := range c.Events(0) {
			if e.MsgType != engine.MsgSnap.String() {
				continue
			}
			switch e.Kind {
			case "drop":
				dropped++
			case "duplicate":
				duplicated++
			}
		}
	}
	assert.Positive(t, dropped, "an InstallSnapshot chunk was lost")
	assert.Positive(t, duplicated, "an InstallSnapshot chunk was duplicated")
}
