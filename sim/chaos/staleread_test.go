package chaos

import (
	"testing"

	"github.com/raftplay/raftplay/sim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// With ReadIndex served before the leader's first commit of its term, a chaos run must
// find a stale read within a bounded number of seeds; the same seeds in the normal mode
// find none (TestHealthySeedsPass runs the safe side too).
func TestReadBeforeTermCommitIsCaught(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Unsafe.ReadBeforeTermCommit = true
	sum, err := RunSeeds(1, 50, 2, cfg, nil)
	require.NoError(t, err)
	require.NotEmpty(t, sum.Failed, "50 seeds with reads before the term's first commit found no stale read")
	stale := 0
	for _, f := range sum.Failed {
		for _, v := range f.Violations {
			if v.Invariant == sim.InvStaleRead {
				stale++
				break
			}
		}
	}
	assert.Positive(t, stale, "the stale-read check is what catches it")
	t.Logf("%d of 50 seeds caught stale reads", stale)

	safe, err := RunSeeds(1, 50, 2, DefaultConfig(), nil)
	require.NoError(t, err)
	assert.Empty(t, safe.Failed)
}
