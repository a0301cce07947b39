package chaos

import (
	"testing"

	"github.com/raftplay/raftplay/kv"
	"github.com/raftplay/raftplay/sim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGenerateIsDeterministicAndValid(t *testing.T) {
	cfg := DefaultConfig()
	for seed := uint64(1); seed <= 50; seed++ {
		a, b := Generate(seed, cfg), Generate(seed, cfg)
		require.Equal(t, a, b, "seed %d", seed)
		data, err := a.Marshal()
		require.NoError(t, err)
		_, err = sim.ParseScenario(data)
		require.NoError(t, err, "seed %d generates a scenario the parser refuses", seed)
		require.NotEmpty(t, a.Actions)
		assert.LessOrEqual(t, a.Actions[len(a.Actions)-1].At, cfg.Duration)
	}
	assert.NotEqual(t, Generate(1, cfg).Actions, Generate(2, cfg).Actions)
}

func TestHealthySeedsPass(t *testing.T) {
	sum, err := RunSeeds(1, 40, 2, DefaultConfig(), nil)
	require.NoError(t, err)
	for _, f := range sum.Failed {
		t.Errorf("seed %d: %v", f.Seed, f.Violations)
	}
	assert.Equal(t, 40, sum.Seeds)
	assert.Positive(t, sum.Ops, "the clients did something")
	assert.Positive(t, sum.Delivered)
}

// The checkers can fail: with the §5.4.1 up-to-date check switched off, a stale peer
// wins elections and overwrites committed entries, and the chaos run must notice
// within a bounded number of seeds.
func TestBrokenVoteRuleIsCaught(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Unsafe.SkipUpToDateCheck = true
	sum, err := RunSeeds(1, 60, 2, cfg, nil)
	require.NoError(t, err)
	require.NotEmpty(t, sum.Failed, "60 seeds with the up-to-date check off found no violation")
	t.Logf("%d of 60 seeds caught the broken rule; first: seed %d %v", len(sum.Failed), sum.Failed[0].Seed, sum.Failed[0].Violations[0])
}

func TestShrinkKeepsTheFailure(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Unsafe.SkipUpToDateCheck = true
	sw, ok := SwitchByName("skip-up-to-date-check")
	require.True(t, ok)
	seed, err := FirstCatch(sw, 1, 60, 10, 2, DefaultConfig())
	require.NoError(t, err)
	require.NotZero(t, seed)
	first, err := Run(Generate(seed, cfg), cfg)
	require.NoError(t, err)
	require.NotEmpty(t, first.Violations)
	sc := Generate(seed, cfg)
	want := first.Violations[0].Invariant
	small := Shrink(sc, SameFailure(cfg, want), 300, 0)
	assert.LessOrEqual(t, len(small.Actions), len(sc.Actions))
	assert.True(t, SameFailure(cfg, want)(small), "the shrunk scenario still fails %s", want)
	t.Logf("shrunk %d actions to %d", len(sc.Actions), len(small.Actions))
}

func TestRunSeedsRejectsNoSeeds(t *testing.T) {
	_, err := RunSeeds(1, 0, 2, DefaultConfig(), nil)
	assert.ErrorContains(t, err, "must be positive")
}

func TestSessionEndBoundsUnknownWrites(t *testing.T) {
	history := []sim.ClientOp{
		{ClientID: 1, Seq: 1, Kind: kv.OpPut, Key: "x", Value: "a", Call: 0, Return: 50, Outcome: sim.OutcomeUnknown},
		{ClientID: 2, Seq: 1, Kind: kv.OpPut, Key: "x", Value: "b", Call: 10, Return: 20, Outcome: sim.OutcomeOK},
		{ClientID: 1, Seq: 2, Kind: kv.OpGet, Key: "x", Call: 51, Return: 60, Outcome: sim.OutcomeOK},
		{ClientID: 1, Seq: 3, Kind: kv.OpPut, Key: "y", Value: "c", Call: 61, Return: 70, Outcome: sim.OutcomeOK},
		{ClientID: 0, Seq: 0, Kind: kv.OpPut, Key: "x", Value: "d", Call: 5, Return: 90, Outcome: sim.OutcomeUnknown},
	}
	end, ok := sessionEnd(history, 0)
	require.True(t, ok, "client 1's later write, seq 3, was applied")
	assert.Equal(t, int64(70), end, "bounded by the later write's return, not by the read")
	_, ok = sessionEnd(history, 4)
	assert.False(t, ok, "a command without a session has no bound")
	_, ok = sessionEnd(history, 3)
	assert.False(t, ok, "no later write")
}
