package chaos

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/sim"
)

// maxFirstCatch bounds the seed, counted from seed 1, by which every unsafe switch must
// have been caught. The seeds are fixed, so this is deterministic; the measured first
// seeds are far below it (see README, "Chaos runs").
const maxFirstCatch = 60

// Every unsafe switch of the engine is caught within maxFirstCatch seeds; the seed
// that catches it passes with the switch off.
func TestEveryUnsafeSwitchIsCaught(t *testing.T) {
	for _, sw := range Switches {
		t.Run(sw.Name, func(t *testing.T) {
			first, err := FirstCatch(sw, 1, maxFirstCatch, 10, 2, DefaultConfig())
			require.NoError(t, err)
			require.NotZero(t, first, "no seed of 1..%d caught --unsafe-%s", maxFirstCatch, sw.Name)
			res, err := Run(Generate(first, DefaultConfig()), DefaultConfig())
			require.NoError(t, err)
			assert.Empty(t, res.Violations, "seed %d with the switch off", first)
			t.Logf("--unsafe-%s: first caught by seed %d", sw.Name, first)
		})
	}
}

// Figure 8 is caught by the pattern played for it: the lost committed entry shows as a
// leader elected without it, or as two different entries applied at one index.
func TestCommitOldTermsIsCaughtByTheFigure8Pattern(t *testing.T) {
	sw, ok := SwitchByName("commit-old-terms")
	require.True(t, ok)
	sum, err := RunSeeds(1, 60, 2, sw.With(DefaultConfig()), nil)
	require.NoError(t, err)
	require.NotEmpty(t, sum.Failed)
	for _, res := range sum.Failed {
		assert.Equal(t, "figure-8", PatternOf(res.Seed, DefaultConfig()), "seed %d catches it without the pattern", res.Seed)
		assert.Contains(t, []string{sim.InvLeaderCompleteness, sim.InvStateMachineSafety}, res.Violations[0].Invariant, "seed %d", res.Seed)
	}
	played := 0
	for seed := uint64(1); seed <= 60; seed++ {
		if PatternOf(seed, DefaultConfig()) == "figure-8" {
			played++
		}
	}
	t.Logf("%d of 60 seeds play Figure 8; %d catch --unsafe-commit-old-terms", played, len(sum.Failed))
}

// A seed's pattern is part of its scenario: the same with every switch, generated the
// same way twice, and valid for the parser.
func TestPatternSeedsAreDeterministicAndValid(t *testing.T) {
	cfg := Switches[1].With(DefaultConfig())
	n := 0
	for seed := uint64(1); seed <= 60 && n < 4; seed++ {
		if PatternOf(seed, cfg) == "" {
			continue
		}
		n++
		a, b := Generate(seed, cfg), Generate(seed, cfg)
		require.Equal(t, a, b, "seed %d", seed)
		data, err := a.Marshal()
		require.NoError(t, err)
		_, err = sim.ParseScenario(data)
		require.NoError(t, err, "seed %d", seed)
		if PatternOf(seed, cfg) == "figure-8" {
			assert.Equal(t, uint64(1), a.Options.MaxMsgBytes, "Figure 8 sends one entry per message")
		}
	}
	assert.Equal(t, 4, n, "at least 4 of the first 60 seeds play a pattern")
}

func TestSwitchByName(t *testing.T) {
	for _, sw := range Switches {
		got, ok := SwitchByName(sw.Name)
		require.True(t, ok)
		assert.Equal(t, sw.Rule, got.Rule)
		var u sim.Unsafe
		sw.Set(&u)
		assert.NotEqual(t, sim.Unsafe{}, u, "--unsafe-%s turns something on", sw.Name)
	}
	_, ok := SwitchByName("no-such-switch")
	assert.False(t, ok)
}

func TestCatchInvariantsListsTheMostFrequentFirst(t *testing.T) {
	c := Catch{Seeds: 8, Caught: 4, By: map[string]int{"b": 1, "a": 1, "c": 2}}
	assert.Equal(t, "c 2, a 1, b 1", c.Invariants())
	assert.InDelta(t, 0.5, c.Share(), 1e-9)
	assert.Zero(t, Catch{}.Share())
}
