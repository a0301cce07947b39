package sim

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cloneScenarios are runs that exercise every part of a cluster a clone must copy:
// clients, loss and duplication, crashes, restarts and partitions, and a preset start.
func cloneScenarios() map[string]Scenario {
	preset := NewScenario(5)
	preset.Start = Start{Peers: map[uint64]PeerStart{
		1: {Term: 2, Vote: 1, Commit: 1, Log: []uint64{1, 2}},
		2: {Term: 2, Vote: 1, Commit: 1, Log: []uint64{1, 2, 2}},
	}, Down: []uint64{3}}
	preset.Actions = []Action{{At: 400, Type: ActRestart, Peer: 3}}
	withClients := NewScenario(11)
	withClients.Options.Clients = 3
	unsafe := faultScenario(6, 3000)
	unsafe.Options.Unsafe = Unsafe{SkipUpToDateCheck: true, CommitOldTerms: true}
	return map[string]Scenario{
		"healthy":      NewScenario(1),
		"clients":      withClients,
		"faults":       faultScenario(3, 3000),
		"more faults":  faultScenario(4, 3000),
		"unsafe":       unsafe,
		"preset start": preset,
	}
}

func stateJSON(t *testing.T, c *Cluster) string {
	t.Helper()
	b, err := json.Marshal(c.State())
	require.NoError(t, err)
	return string(b)
}

func runSteps(c *Cluster, n int) {
	for i := 0; i < n && c.Step(); i++ {
	}
}

func TestCloneContinuesLikeTheOriginal(t *testing.T) {
	for name, sc := range cloneScenarios() {
		t.Run(name, func(t *testing.T) {
			orig := newCluster(t, sc)
			runSteps(orig, 1500)
			clone := orig.Clone()
			require.Equal(t, orig.TraceHash(), clone.TraceHash())
			require.Equal(t, stateJSON(t, orig), stateJSON(t, clone))

			runSteps(orig, 4000)
			runSteps(clone, 4000)
			assert.Equal(t, orig.Steps(), clone.Steps())
			assert.Equal(t, orig.TraceHash(), clone.TraceHash())
			assert.Equal(t, stateJSON(t, orig), stateJSON(t, clone))
			assert.Equal(t, orig.Events(0), clone.Events(0))
			assert.Equal(t, orig.History(), clone.History())
			assert.Equal(t, orig.Violations(), clone.Violations())
		})
	}
}

func TestCloneIsIndependent(t *testing.T) {
	sc := NewScenario(21)
	sc.Options.Clients = 2
	orig := newCluster(t, sc)
	require.NotZero(t, waitLeader(orig, 2000))
	before, hash := stateJSON(t, orig), orig.TraceHash()
	twin := orig.Clone() // continues as the original would, for comparison at the end

	clone := orig.Clone()
	leader := clone.Leader()
	act(t, clone, Action{Type: ActCrash, Peer: leader})
	act(t, clone, Action{Type: ActPartition, Groups: [][]uint64{{1}, {2, 3}}})
	act(t, clone, Action{Type: ActNetwork, Drop: new(0.5)})
	clone.RunTicks(300)
	act(t, clone, Action{Type: ActRestart, Peer: leader})
	act(t, clone, Action{Type: ActHeal})
	act(t, clone, Action{Type: ActClient, Peer: leader%3 + 1, Cmd: "SET x 1"})
	clone.RunTicks(300)

	assert.Equal(t, before, stateJSON(t, orig), "running the clone changed the original")
	assert.Equal(t, hash, orig.TraceHash())
	assert.Empty(t, orig.Scenario().Actions)

	orig.RunTicks(600)
	twin.RunTicks(600)
	assert.Equal(t, twin.TraceHash(), orig.TraceHash())
	assert.Equal(t, stateJSON(t, twin), stateJSON(t, orig))
}

// TestCheckpointRestoresTheStateItWasTakenIn runs the source on after the checkpoint,
// which appends to and updates the history and registries the checkpoint shares with
// it, then checks that a restored cluster is the one a deep copy would have given.
func TestCheckpointRestoresTheStateItWasTakenIn(t *testing.T) {
	for name, sc := range cloneScenarios() {
		t.Run(name, func(t *testing.T) {
			src := newCluster(t, sc)
			for _, at := range []int{700, 1400} {
				runSteps(src, at)
				cp := src.Checkpoint(-1)
				twin := src.Clone()
				runSteps(src, 5000) // the source goes on: in-progress ops end, slots gain terms

				for range 2 { // restoring twice gives two equal, independent clusters
					restored := cp.Restore()
					assert.Equal(t, twin.Steps(), cp.Steps())
					assert.Equal(t, twin.Now(), cp.Now())
					assert.Equal(t, twin.AppliedActions(), cp.AppliedActions())
					assert.Equal(t, twin.check, restored.check, "registries")
					assert.Equal(t, twin.history, restored.history, "history")
					assert.Equal(t, twin.acked, restored.acked)
					assert.Equal(t, stateJSON(t, twin), stateJSON(t, restored))

					runSteps(restored, 3000)
					want := twin.Clone()
					runSteps(want, 3000)
					assert.Equal(t, want.TraceHash(), restored.TraceHash())
					assert.Equal(t, want.History(), restored.History())
					assert.Equal(t, want.Violations(), restored.Violations())
					assert.Equal(t, want.check, restored.check)
				}
			}
		})
	}
}

func TestCheckpointIsCheapToKeep(t *testing.T) {
	sc := NewScenario(12)
	sc.Options.Clients = 3
	c := newCluster(t, sc)
	c.RunTicks(3000)
	require.Greater(t, len(c.history), 1000)
	cp := c.Checkpoint(10)
	assert.Same(t, &c.history[0], &cp.c.history[0], "the history is shared, not copied")
	assert.Same(t, &c.check.lm[0], &cp.c.check.lm[0], "the registry is shared, not copied")
	assert.Less(t, len(cp.inProgress), 10)
}

func TestCloneKeepingTrace(t *testing.T) {
	orig := newCluster(t, NewScenario(2))
	orig.RunTicks(200)
	require.Greater(t, orig.TraceLen(), 100)
	clone := orig.CloneKeepingTrace(10)
	events := clone.Events(0)
	require.Len(t, events, 10)
	assert.Equal(t, orig.TraceLen()-10, events[0].Seq)
	assert.Equal(t, orig.Events(orig.TraceLen()-10), events)

	orig.RunTicks(100)
	clone.RunTicks(100)
	assert.Equal(t, orig.TraceHash(), clone.TraceHash())
	assert.Equal(t, orig.Events(events[0].Seq), clone.Events(0))
}

// recorded is a run driven with Act, as the playground records one, with a checkpoint
// taken along the way.
func recorded(t *testing.T) (live, checkpoint *Cluster) {
	t.Helper()
	sc := NewScenario(8)
	sc.Options.Clients = 1
	live = newCluster(t, sc)
	require.NotZero(t, waitLeader(live, 2000))
	act(t, live, Action{Type: ActClient, Peer: live.Leader(), Cmd: "SET a 1"})
	live.RunTicks(50)
	checkpoint = live.CloneKeepingTrace(5)
	leader := live.Leader()
	act(t, live, Action{Type: ActCrash, Peer: leader})
	live.RunTicks(100)
	act(t, live, Action{Type: ActClient, Peer: live.Leader(), Cmd: "SET b 2"})
	act(t, live, Action{Type: ActRestart, Peer: leader})
	live.RunTicks(100)
	return live, checkpoint
}

func TestSetFutureReplaysTheRecordedActions(t *testing.T) {
	live, checkpoint := recorded(t)
	restored := checkpoint.Clone()
	future := live.Scenario().Actions[checkpoint.AppliedActions():]
	require.Len(t, future, 3)
	require.NoError(t, restored.SetFuture(future))
	restored.RunUntil(live.Now())

	assert.Equal(t, live.Steps(), restored.Steps())
	assert.Equal(t, live.TraceHash(), restored.TraceHash())
	assert.Equal(t, stateJSON(t, live), stateJSON(t, restored))
	assert.Equal(t, live.Scenario(), restored.Scenario())
	assert.Empty(t, restored.ActionErrors())
	// The checkpoint itself is untouched and can be restored again.
	assert.Len(t, checkpoint.Scenario().Actions, checkpoint.AppliedActions())
}

func TestSetFutureNilForks(t *testing.T) {
	live, checkpoint := recorded(t)
	restored := checkpoint.Clone()
	require.NoError(t, restored.SetFuture(live.Scenario().Actions[checkpoint.AppliedActions():]))
	restored.RunTicks(10)
	require.NoError(t, restored.SetFuture(nil))
	applied := restored.AppliedActions()
	var up uint64
	for _, p := range restored.State().Peers {
		if p.Role != "down" {
			up = p.ID
		}
	}
	act(t, restored, Action{Type: ActTimeout, Peer: up})

	actions := restored.Scenario().Actions
	require.Len(t, actions, applied+1)
	assert.Equal(t, ActTimeout, actions[len(actions)-1].Type)
	restored.RunTicks(200)
	replayed, err := Replay(restored.Scenario(), restored.Now())
	require.NoError(t, err)
	assert.Equal(t, restored.TraceHash(), replayed.TraceHash())
}

func TestSetFutureErrors(t *testing.T) {
	c := newCluster(t, NewScenario(4))
	c.RunUntil(500)
	tests := []struct {
		name   string
		future []Action
		want   string
	}{
		{"in the past", []Action{{At: 499, Type: ActHeal}}, "action 0 (heal) at 499 ms is before now (500 ms)"},
		{"out of order", []Action{{At: 700, Type: ActHeal}, {At: 600, Type: ActHeal}}, "must be in time order"},
		{"invalid", []Action{{At: 600, Type: ActCrash}}, "action 0 (crash)"},
		{"restart of an up peer", []Action{{At: 600, Type: ActRestart, Peer: 2}}, "action 0 (restart)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := c.Scenario()
			err := c.SetFuture(tt.future)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Equal(t, before, c.Scenario())
		})
	}
}

func TestStepUntil(t *testing.T) {
	c := newCluster(t, NewScenario(6))
	for c.StepUntil(100) {
	}
	assert.LessOrEqual(t, c.Now(), int64(100))
	ref, err := Replay(NewScenario(6), 100)
	require.NoError(t, err)
	assert.Equal(t, ref.Steps(), c.Steps())
	assert.Equal(t, ref.TraceHash(), c.TraceHash())
}

func TestAdoptTrace(t *testing.T) {
	live, _ := recorded(t)
	full, err := Replay(live.Scenario(), 700)
	require.NoError(t, err)

	// A checkpoint taken before 700 ms, keeping few events, continued to 700 ms.
	early, err := Replay(live.Scenario(), 600)
	require.NoError(t, err)
	restored := early.CloneKeepingTrace(3)
	restored.RunUntil(700)
	require.Less(t, len(restored.Events(0)), len(full.Events(0)))

	added, err := restored.AdoptTrace(live)
	require.NoError(t, err)
	assert.Positive(t, added)
	assert.Equal(t, full.Events(0), restored.Events(0))

	// Nothing older to adopt the second time.
	added, err = restored.AdoptTrace(live)
	require.NoError(t, err)
	assert.Zero(t, added)
}

func TestAdoptTraceRefusesAnotherRun(t *testing.T) {
	a := newCluster(t, NewScenario(1))
	a.RunTicks(100)
	b := newCluster(t, NewScenario(2))
	b.RunTicks(100)
	restored := b.CloneKeepingTrace(5)
	before := restored.Events(0)
	_, err := restored.AdoptTrace(a)
	require.ErrorIs(t, err, ErrTraceMismatch)
	assert.Equal(t, before, restored.Events(0))
}

func BenchmarkCheckpoint(b *testing.B) {
	sc := NewScenario(7)
	sc.Options.Clients = 3
	c, err := New(sc)
	require.NoError(b, err)
	c.RunTicks(20_000)
	b.Run("take", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = c.Checkpoint(256)
		}
	})
	cp := c.Checkpoint(256)
	b.Run("restore", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = cp.Restore()
		}
	})
}

func BenchmarkClone(b *testing.B) {
	for _, keep := range []int{-1, 2000} {
		name := "all-trace"
		if keep >= 0 {
			name = "keep-2000"
		}
		b.Run(name, func(b *testing.B) {
			sc := NewScenario(7)
			sc.Options.Clients = 3
			c, err := New(sc)
			require.NoError(b, err)
			c.RunTicks(2000)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				_ = c.CloneKeepingTrace(keep)
			}
		})
	}
}
