package sim

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/engine"
)

func TestDeterminism(t *testing.T) {
	sc := faultScenario(11, 3000)
	run := func(sc Scenario, keep bool) *Cluster {
		c, err := NewWithConfig(sc, RunConfig{KeepTrace: keep})
		require.NoError(t, err)
		c.RunUntil(3500)
		return c
	}
	a, b := run(sc, true), run(sc, true)
	require.Greater(t, a.TraceLen(), 1000)
	assert.Equal(t, a.TraceHash(), b.TraceHash())
	assert.Equal(t, a.Events(0), b.Events(0))
	assert.Equal(t, a.History(), b.History())
	assert.Equal(t, a.State(), b.State())

	quiet := run(sc, false)
	assert.Equal(t, a.TraceHash(), quiet.TraceHash(), "keeping the trace must not change the run")
	assert.Empty(t, quiet.Events(0))

	other := sc.Clone()
	other.Seed = 12
	assert.NotEqual(t, a.TraceHash(), run(other, false).TraceHash())
}

var update = flag.Bool("update", false, "rewrite testdata/golden_hashes.txt")

// TestGoldenHash pins the trace hashes of a few runs, so that a change of behaviour, or
// a platform that runs differently (GOOS=js reads the same file), is noticed. After a
// deliberate change of the engine or the simulator, rewrite the file with
//
//	go test ./sim -run TestGoldenHash -update
func TestGoldenHash(t *testing.T) {
	runs := []struct {
		name string
		sc   Scenario
	}{
		{"faults-3", faultScenario(3, 2000)},
		{"faults-4", faultScenario(4, 2000)},
		{"figure7", figure7()},
		{"figure8", figure8(2)},
		{"double-vote", doubleVote(true)},
	}
	var got strings.Builder
	for _, r := range runs {
		c, err := NewWithConfig(r.sc, RunConfig{})
		require.NoError(t, err)
		c.RunUntil(2500)
		fmt.Fprintf(&got, "%s %#016x %d\n", r.name, c.TraceHash(), c.TraceLen())
	}
	const path = "testdata/golden_hashes.txt"
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(path, []byte(got.String()), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, string(want), got.String(), "the runs changed; if that was deliberate, run go test ./sim -run TestGoldenHash -update")
}

func TestElection(t *testing.T) {
	c := newCluster(t, NewScenario(1))
	lead := waitLeader(c, 1000)
	require.NotZero(t, lead, "no leader within 1 s")
	c.RunTicks(20)
	st := c.State()
	assert.Equal(t, lead, st.Leader)
	leaders := 0
	for _, p := range st.Peers {
		assert.Equal(t, st.Peers[lead-1].Term, p.Term, "peer %d", p.ID)
		assert.Equal(t, lead, p.Lead, "peer %d", p.ID)
		assert.Equal(t, uint64(1), p.CommitIndex, "the leader's empty entry commits everywhere")
		if p.Role == "leader" {
			leaders++
		}
	}
	assert.Equal(t, 1, leaders)
	won := eventsOf(c, "election-won")
	require.NotEmpty(t, won)
	assert.Equal(t, lead, won[len(won)-1].Peer)
	assert.Empty(t, c.Violations())
}

func TestCrashedLeaderIsReplaced(t *testing.T) {
	c := newCluster(t, NewScenario(2))
	old := waitLeader(c, 1000)
	require.NotZero(t, old)
	oldTerm := c.State().Peers[old-1].Term
	act(t, c, Action{Type: ActClient, Peer: old, Cmd: "SET x 1"})
	c.RunTicks(5)
	require.Equal(t, OutcomeOK, lastOp(c).Outcome)

	act(t, c, Action{Type: ActCrash, Peer: old})
	assert.Equal(t, "down", c.State().Peers[old-1].Role)
	c.RunTicks(40)
	lead := c.Leader()
	require.NotZero(t, lead, "no new leader after the crash")
	assert.NotEqual(t, old, lead)
	assert.Greater(t, c.State().Peers[lead-1].Term, oldTerm)

	act(t, c, Action{Type: ActRestart, Peer: old})
	act(t, c, Action{Type: ActClient, Peer: lead, Cmd: "SET y 2"})
	c.RunTicks(20)
	st := c.State()
	back := st.Peers[old-1]
	assert.Equal(t, "follower", back.Role)
	assert.Equal(t, uint64(1), back.Restarts)
	assert.Equal(t, st.Peers[lead-1].Log, back.Log, "the restarted peer catches up with the leader")
	assert.Equal(t, map[string]string{"x": "1", "y": "2"}, back.KV, "and re-applies the log")
	assert.NotEmpty(t, eventsOf(c, "restarted"))
	assert.Empty(t, c.Violations())
}

func TestPartitionedMinorityCannotCommit(t *testing.T) {
	c := newCluster(t, NewScenario(3))
	old := waitLeader(c, 1000)
	require.NotZero(t, old)
	c.RunTicks(5)
	var rest []uint64
	for id := uint64(1); id <= 3; id++ {
		if id != old {
			rest = append(rest, id)
		}
	}
	act(t, c, Action{Type: ActPartition, Groups: [][]uint64{{old}, rest}})
	act(t, c, Action{Type: ActClient, Peer: old, Cmd: "SET x minority"})
	stuck := len(c.History()) - 1
	commitBefore := c.State().Peers[old-1].CommitIndex
	c.RunTicks(60)
	st := c.State()
	assert.Equal(t, commitBefore, st.Peers[old-1].CommitIndex, "the minority leader must not commit")
	assert.Equal(t, OutcomeUnknown, c.History()[stuck].Outcome)
	lead := c.Leader()
	require.NotZero(t, lead)
	require.NotEqual(t, old, lead, "the majority elects a leader of its own")
	assert.NotEqual(t, "leader", st.Peers[old-1].Role, "check-quorum makes the isolated leader step down")

	act(t, c, Action{Type: ActClient, Peer: lead, Cmd: "SET x majority"})
	c.RunTicks(10)
	require.Equal(t, OutcomeOK, lastOp(c).Outcome)

	act(t, c, Action{Type: ActHeal})
	c.RunTicks(40)
	st = c.State()
	for _, p := range st.Peers {
		assert.Equal(t, st.Peers[lead-1].Log, p.Log, "peer %d converges on the leader's log", p.ID)
		assert.Equal(t, "majority", p.KV["x"], "peer %d", p.ID)
	}
	op := c.History()[stuck]
	assert.Equal(t, OutcomeFailed, op.Outcome, "the minority's entry was overwritten")
	assert.NotEmpty(t, eventsOf(c, "suffix-truncated"))
	assert.NotEmpty(t, eventsOf(c, "partition"))
	assert.Empty(t, c.Violations())
	require.NoError(t, c.CheckLiveness(100))
}

func TestStepProcessesOneEvent(t *testing.T) {
	c := newCluster(t, NewScenario(4))
	for range 50 {
		steps, now := c.Steps(), c.Now()
		require.True(t, c.Step())
		assert.Equal(t, steps+1, c.Steps())
		assert.GreaterOrEqual(t, c.Now(), now)
	}
	c.RunUntil(777)
	assert.Equal(t, int64(777), c.Now())
	c.RunUntil(10) // the past: nothing happens
	assert.Equal(t, int64(777), c.Now())
	c.RunTicks(3)
	assert.Equal(t, int64(807), c.Now())
}

func TestActRecordsAReplayableRun(t *testing.T) {
	sc := NewScenario(5)
	sc.Options.Clients = 2
	sc.Actions = []Action{{At: 2000, Type: ActPartition, Groups: [][]uint64{{1}, {2, 3}}}, {At: 2600, Type: ActHeal}}
	c := newCluster(t, sc)
	require.NotZero(t, waitLeader(c, 1000))
	// Act between single steps, so that events of the same time remain queued.
	for range 7 {
		c.Step()
	}
	lead := c.Leader()
	act(t, c, Action{Type: ActClient, Peer: lead, Cmd: "SET a 1"})
	c.Step()
	act(t, c, Action{Type: ActTimeout, Peer: lead%3 + 1})
	c.RunUntil(1500)
	act(t, c, Action{Type: ActCrash, Peer: 2})
	act(t, c, Action{Type: ActRead, Peer: c.Leader() | 1, Key: "a"})
	c.RunUntil(2300) // the scenario's partition happens meanwhile
	act(t, c, Action{Type: ActRestart, Peer: 2})
	in := c.InFlight()
	if len(in) > 0 {
		act(t, c, Action{Type: ActDelay, Msg: in[0].ID, By: 7})
	}
	c.RunUntil(3000)

	rec := c.Scenario()
	require.NoError(t, rec.Validate())
	data, err := rec.Marshal()
	require.NoError(t, err)
	parsed, err := ParseScenario(data)
	require.NoError(t, err)

	byTime, err := Replay(parsed, 3000)
	require.NoError(t, err)
	assert.Equal(t, c.TraceHash(), byTime.TraceHash())
	assert.Equal(t, c.History(), byTime.History())

	bySteps, err := ReplaySteps(parsed, c.Steps())
	require.NoError(t, err)
	assert.Equal(t, c.Steps(), bySteps.Steps())
	assert.Equal(t, c.TraceHash(), bySteps.TraceHash())
	assert.Empty(t, c.Violations())
}

func TestActErrors(t *testing.T) {
	sc := NewScenario(6)
	sc.Actions = []Action{{At: 5000, Type: ActCrash, Peer: 2}}
	c := newCluster(t, sc)
	c.RunUntil(100)
	tests := []struct {
		name string
		a    Action
		want string
	}{
		{"unknown peer", Action{Type: ActCrash, Peer: 9}, "peer 9 is not in the cluster"},
		{"restart up peer", Action{Type: ActRestart, Peer: 1}, "peer 1 is not down"},
		{"no such message", Action{Type: ActDrop, Msg: 1 << 40}, "message 1099511627776 is not in flight"},
		{"bad command", Action{Type: ActClient, Peer: 1, Cmd: "JUMP"}, "unknown command"},
		{"conflicts with the scenario", Action{Type: ActCrash, Peer: 2}, "conflicts with a later action of the scenario: action 1 (crash): peer 2 is already down"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := c.Act(tt.a)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	assert.Len(t, c.Scenario().Actions, 1, "failed actions are not recorded")
	act(t, c, Action{Type: ActCrash, Peer: 3})
	act(t, c, Action{Type: ActClient, Peer: 1, Cmd: "SET x 1"}) // accepted, even if peer 1 does not lead
	err := c.Act(Action{Type: ActTimeout, Peer: 3})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "peer 3 is down")
}

func TestMessageActions(t *testing.T) {
	c := newCluster(t, NewScenario(7))
	require.NotZero(t, waitLeader(c, 1000))
	next := func() MessageInfo {
		for len(c.InFlight()) == 0 {
			require.True(t, c.Step())
		}
		return c.InFlight()[0]
	}
	dropped := next()
	act(t, c, Action{Type: ActDrop, Msg: dropped.ID})
	for _, m := range c.InFlight() {
		assert.NotEqual(t, dropped.ID, m.ID)
	}
	c.RunTicks(5)
	for _, e := range c.Events(0) {
		if e.Msg == dropped.ID {
			assert.NotEqual(t, "deliver", e.Kind, "a dropped message is never delivered")
		}
	}

	delayed := next()
	act(t, c, Action{Type: ActDelay, Msg: delayed.ID, By: 50})
	for _, m := range c.InFlight() {
		if m.ID == delayed.ID {
			assert.Equal(t, delayed.Deliver+50, m.Deliver)
		}
	}
	c.RunUntil(delayed.Deliver + 49)
	assert.Contains(t, ids(c.InFlight()), delayed.ID, "not yet delivered")
	c.RunUntil(delayed.Deliver + 50)
	assert.NotContains(t, ids(c.InFlight()), delayed.ID)

	duplicated := next()
	act(t, c, Action{Type: ActDuplicate, Msg: duplicated.ID})
	dup := eventsOf(c, "duplicate")
	require.Len(t, dup, 1)
	assert.Equal(t, duplicated.ID, dup[0].Msg)
	assert.Contains(t, ids(c.InFlight()), dup[0].Copy)
	c.RunTicks(5)
	delivered := 0
	for _, e := range eventsOf(c, "deliver") {
		if e.Msg == duplicated.ID || e.Msg == dup[0].Copy {
			delivered++
		}
	}
	assert.Equal(t, 2, delivered)
	assert.Empty(t, c.Violations())
}

func ids(ms []MessageInfo) []uint64 {
	out := make([]uint64, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}

func TestBlockIsOneWay(t *testing.T) {
	c := newCluster(t, NewScenario(8))
	lead := waitLeader(c, 1000)
	require.NotZero(t, lead)
	other := lead%3 + 1
	act(t, c, Action{Type: ActBlock, From: lead, To: other})
	blockedAt := c.Now()
	c.RunTicks(40)
	var toOther, fromOther int
	for _, e := range eventsOf(c, "deliver") {
		if e.Time > blockedAt+8 { // messages sent before the block may still arrive until then
			if e.From == lead && e.To == other {
				toOther++
			}
			if e.From == other && e.To == lead {
				fromOther++
			}
		}
	}
	assert.Zero(t, toOther)
	assert.Positive(t, fromOther, "the other direction still works: the cut-off peer's (pre-)votes arrive")
	assert.Equal(t, []Link{{From: lead, To: other}}, c.State().Blocked)
	// The drops say why as a field, which is how the narration counts a cut link's
	// drops; a sent message has no cause.
	var cut int
	for _, e := range eventsOf(c, "drop") {
		if e.From == lead && e.To == other {
			assert.Equal(t, "link-cut", e.Cause, e.Text)
			cut++
		}
	}
	assert.Positive(t, cut, "the leader's messages to the cut-off follower are dropped")
	for _, e := range eventsOf(c, "send") {
		assert.Empty(t, e.Cause)
	}
}

func TestNetworkAction(t *testing.T) {
	c := newCluster(t, NewScenario(9))
	require.NotZero(t, waitLeader(c, 1000))
	act(t, c, Action{Type: ActNetwork, Drop: ptr(1.0)})
	c.RunTicks(5)
	since := c.TraceLen()
	c.RunTicks(5)
	for _, e := range c.Events(since) {
		assert.NotEqual(t, "deliver", e.Kind, "everything is lost")
	}
	act(t, c, Action{Type: ActNetwork, Drop: ptr(0.0), Latency: []int64{20, 20}})
	assert.Equal(t, NetworkState{Latency: [2]int64{20, 20}}, c.State().Network)
	c.RunTicks(10)
	for _, m := range c.InFlight() {
		assert.Equal(t, int64(20), m.Deliver-m.Sent)
	}
}

func TestEventsPaging(t *testing.T) {
	c, err := NewWithConfig(NewScenario(10), RunConfig{KeepTrace: true, TraceLimit: 100})
	require.NoError(t, err)
	c.RunUntil(2000)
	require.Greater(t, c.TraceLen(), 100)
	all := c.Events(0)
	require.NotEmpty(t, all)
	assert.LessOrEqual(t, len(all), 100)
	assert.Equal(t, c.TraceLen()-1, all[len(all)-1].Seq)
	for i := 1; i < len(all); i++ {
		assert.Equal(t, all[i-1].Seq+1, all[i].Seq)
		assert.LessOrEqual(t, all[i-1].Time, all[i].Time)
	}
	tail := c.Events(c.TraceLen() - 3)
	require.Len(t, tail, 3)
	assert.Equal(t, all[len(all)-3:], tail)
	assert.Empty(t, c.Events(c.TraceLen()))
}

func TestTraceEventsReadWell(t *testing.T) {
	c := newCluster(t, NewScenario(11))
	require.NotZero(t, waitLeader(c, 1000))
	for _, e := range c.Events(0) {
		assert.NotEmpty(t, e.Text, "event %d (%s)", e.Seq, e.Kind)
		if e.Engine {
			_, ok := engine.ParseEventKind(e.Kind)
			assert.True(t, ok, "engine kind %q", e.Kind)
		}
	}
	role := eventsOf(c, "role")
	require.NotEmpty(t, role)
	assert.NotEmpty(t, role[0].Role)
}
