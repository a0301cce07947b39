package chaos

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/sim"
)

// The membership pattern changes the configuration at random while servers crash and
// the network splits: learners are added and promoted, members removed (leaders among
// them), the voters replaced at once; clusters of 1 to 7 voters occur, and every seed
// passes every invariant (the membership ones included: one change at a time, joint
// decisions by both majorities).
func TestMembershipPatternChangesTheConfiguration(t *testing.T) {
	cfg := DefaultConfig()
	actions := map[sim.ActionType]int{}
	sizes := map[int]bool{}
	seeds, leaderRemoved := 0, 0
	for seed := uint64(1); seed <= 200 && seeds < 8; seed++ {
		if PatternOf(seed, cfg) != "membership" {
			continue
		}
		seeds++
		sc := Generate(seed, cfg)
		require.Equal(t, 7, sc.Options.Peers, "seed %d", seed)
		for _, a := range sc.Actions {
			actions[a.Type]++
		}
		c, err := sim.New(sc)
		require.NoError(t, err)
		for c.Now() < cfg.Duration && !c.Stopped() {
			c.RunUntil(c.Now() + 50)
			sizes[len(c.Conf().Voters)] = true
		}
		for _, e := range c.Events(0) {
			if e.Kind == "removed-step-down" {
				leaderRemoved++
			}
		}
		res, err := Run(sc, cfg)
		require.NoError(t, err)
		assert.Empty(t, res.Violations, "seed %d", seed)
	}
	require.Equal(t, 8, seeds)
	for _, typ := range []sim.ActionType{sim.ActAddLearner, sim.ActPromote, sim.ActRemove, sim.ActReconfigure} {
		assert.Positive(t, actions[typ], "no %s went through", typ)
	}
	assert.Positive(t, leaderRemoved, "a removed leader stepped down")
	for n := 1; n <= 7; n++ {
		assert.True(t, sizes[n], "no configuration of %d voters", n)
	}
	t.Logf("8 seeds: %v changes applied; %d leaders removed; voter counts seen %v", actions, leaderRemoved, sizes)
}
