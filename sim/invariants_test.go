package sim

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/engine"
)

// behindCandidate presets peers 1 and 2 with three committed entries and peer 3 with
// one, then makes peer 3 campaign first.
func behindCandidate(unsafe bool) Scenario {
	sc := NewScenario(31)
	sc.Options.Unsafe.SkipUpToDateCheck = unsafe
	sc.Start.Peers = map[uint64]PeerStart{
		1: {Term: 1, Commit: 3, Log: []uint64{1, 1, 1}},
		2: {Term: 1, Commit: 3, Log: []uint64{1, 1, 1}},
		3: {Term: 1, Commit: 1, Log: []uint64{1}},
	}
	sc.Actions = []Action{{At: 0, Type: ActTimeout, Peer: 3}}
	return sc
}

func invariantsOf(vs []Violation) map[string]bool {
	out := map[string]bool{}
	for _, v := range vs {
		out[v.Invariant] = true
	}
	return out
}

func TestUpToDateCheckProtectsCommittedEntries(t *testing.T) {
	c := newCluster(t, behindCandidate(false))
	c.RunUntil(2000)
	assert.Empty(t, c.Violations())
	assert.NotEqual(t, uint64(3), c.Leader())
	refused := false
	for _, e := range eventsOf(c, "vote-refused") {
		refused = refused || (e.From == 3 && e.Reason == "log-behind")
	}
	assert.True(t, refused, "peers 1 and 2 refuse peer 3: its log is behind (§5.4.1)")
}

func TestSkipUpToDateCheckIsCaught(t *testing.T) {
	c := newCluster(t, behindCandidate(true))
	c.RunUntil(2000)
	vs := c.Violations()
	require.NotEmpty(t, vs)
	assert.Equal(t, InvLeaderCompleteness, vs[0].Invariant)
	assert.Equal(t, uint64(3), vs[0].Peer)
	assert.Contains(t, vs[0].Description, "peer 3 became leader of term 2 without the committed entry 3@1")
	t.Logf("violations: %v", invariantsOf(vs))

	stop, err := NewWithConfig(behindCandidate(true), RunConfig{StopOnViolation: true})
	require.NoError(t, err)
	stop.RunUntil(2000)
	assert.True(t, stop.Stopped())
	assert.Len(t, stop.Violations(), 1)
	assert.Less(t, stop.Now(), int64(2000), "the run stops at the violation")
	assert.False(t, stop.Step())
	assert.Error(t, stop.Act(Action{Type: ActHeal}))
}

// doubleVote sets up the persistence lesson: peer 2 votes for peer 1 in term 1, crashes
// before it hears from the new leader, restarts, and is asked by peer 3 for its vote in
// the same term 1.
func doubleVote(forget bool) Scenario {
	sc := NewScenario(32)
	sc.Options.PreVote = false
	sc.Options.CheckQuorum = false
	sc.Options.Latency = []int64{5, 5}
	sc.Options.Unsafe.ForgetVoteOnRestart = forget
	sc.Actions = []Action{
		{At: 0, Type: ActPartition, Groups: [][]uint64{{1, 2}, {3}}},
		{At: 0, Type: ActTimeout, Peer: 1}, // vote request reaches 2 at 5, the reply 1 at 10
		{At: 12, Type: ActCrash, Peer: 2},  // before the leader's first append (due at 15)
		{At: 13, Type: ActRestart, Peer: 2},
		{At: 13, Type: ActPartition, Groups: [][]uint64{{1}, {2, 3}}},
		{At: 13, Type: ActTimeout, Peer: 3}, // asks 2 for its vote in term 1
	}
	return sc
}

func TestPersistedVotePreventsTwoLeaders(t *testing.T) {
	c := newCluster(t, doubleVote(false))
	c.RunUntil(40)
	assert.Empty(t, c.Violations())
	refused := false
	for _, e := range eventsOf(c, "vote-refused") {
		refused = refused || (e.Peer == 2 && e.From == 3 && e.Reason == "already-voted")
	}
	assert.True(t, refused, "the restarted peer 2 remembers its vote for peer 1")
}

func TestForgetVoteOnRestartIsCaught(t *testing.T) {
	c := newCluster(t, doubleVote(true))
	c.RunUntil(40)
	got := invariantsOf(c.Violations())
	assert.True(t, got[InvMonotonic], "the term went back across the restart: %v", c.Violations())
	assert.True(t, got[InvElectionSafety], "two leaders in term 1: %v", c.Violations())
	restarts := eventsOf(c, "restart")
	require.Len(t, restarts, 1)
	assert.Contains(t, restarts[0].Text, "forgot its term 1 and vote for 1")
}

// TestChaosSeeds runs fault scenarios over many seeds: no invariant may break, acked
// writes survive, and the cluster recovers once the faults are healed.
func TestChaosSeeds(t *testing.T) {
	seeds := uint64(40)
	if testing.Short() {
		seeds = 8
	}
	for seed := uint64(100); seed < 100+seeds; seed++ {
		c, err := NewWithConfig(faultScenario(seed, 5000), RunConfig{StopOnViolation: true})
		require.NoError(t, err)
		c.RunUntil(5000)
		require.NoError(t, c.CheckLiveness(300), "seed %d", seed)
		c.RunTicks(60)
		c.CheckAckedWrites()
		require.Empty(t, c.Violations(), "seed %d", seed)
		require.Empty(t, c.ActionErrors(), "seed %d", seed)
	}
}

// TestCheckersCatchBrokenState feeds each check a state no correct run produces.
func TestCheckersCatchBrokenState(t *testing.T) {
	entry := func(index, term uint64, cmd string) engine.Entry {
		return engine.Entry{Index: index, Term: term, Command: []byte(cmd)}
	}
	tests := []struct {
		name      string
		invariant string
		want      string
		breakIt   func(c *Cluster)
	}{
		{"log matching: other command", InvLogMatching, "peer 2 stored entry 1@1 with command undecodable command",
			func(c *Cluster) {
				a, b := entry(1, 1, "a"), entry(1, 1, "b")
				c.registerEntry(1, 0, &a)
				c.registerEntry(2, 0, &b)
			}},
		{"log matching: other previous term", InvLogMatching, "peer 2 stored entry 2@3 after an entry of term 2, but another log holds 2@3 after an entry of term 1",
			func(c *Cluster) {
				a := entry(2, 3, "")
				c.registerEntry(1, 1, &a)
				c.registerEntry(2, 2, &a)
			}},
		{"term goes back", InvMonotonic, "peer 1's term went back from 5 to 4",
			func(c *Cluster) {
				c.peers[0].term = 5
				c.checkHardState(&c.peers[0], engine.HardState{Term: 4})
			}},
		{"commit goes back", InvMonotonic, "peer 1's commit index went back from 2 to 1",
			func(c *Cluster) {
				c.peers[0].term, c.peers[0].commit = 1, 2
				c.checkHardState(&c.peers[0], engine.HardState{Term: 1, Commit: 1})
			}},
		{"applied beyond commit", InvIndexOrder, "peer 1 has last applied 3, commit index 2, last index 4",
			func(c *Cluster) {
				c.peers[0].applied, c.peers[0].commit, c.peers[0].lastIndex = 3, 2, 4
				c.checkIndexOrder(&c.peers[0])
			}},
		{"different entries applied", InvStateMachineSafety, "peer 2 applied entry 1@2 (no-op), but another peer applied 1@1",
			func(c *Cluster) {
				e1, e2 := entry(1, 1, ""), entry(1, 2, "")
				c.checkApply(&c.peers[0], &e1)
				c.checkApply(&c.peers[1], &e2)
			}},
		{"two leaders", InvElectionSafety, "peer 2 became leader of term 7, which peer 1 already leads",
			func(c *Cluster) {
				c.peers[0].term, c.peers[1].term = 7, 7
				c.checkNewLeader(&c.peers[0])
				c.checkNewLeader(&c.peers[1])
			}},
		{"leader overwrites", InvLeaderAppendOnly, "leader 1 replaced its entries from index 1 on",
			func(c *Cluster) {
				c.peers[0].lastIndex = 2
				c.checkAppend(&c.peers[0], []engine.Entry{entry(1, 1, "")}, true)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t, NewScenario(33))
			tt.breakIt(c)
			vs := c.Violations()
			require.Len(t, vs, 1)
			assert.Equal(t, tt.invariant, vs[0].Invariant)
			assert.Contains(t, vs[0].Description, tt.want)
			assert.Len(t, eventsOf(c, "violation"), 1)
		})
	}
}

func TestCheckAckedWritesFindsLostWrite(t *testing.T) {
	c := newCluster(t, NewScenario(34))
	lead := waitLeader(c, 1000)
	require.NotZero(t, lead)
	act(t, c, Action{Type: ActClient, Peer: lead, Cmd: "SET x 1"})
	c.RunTicks(10)
	require.Len(t, c.AckedWrites(), 1)
	assert.Zero(t, c.CheckAckedWrites())
	c.acked[0].Term = 99 // pretend the acknowledged entry had another term
	assert.Equal(t, 1, c.CheckAckedWrites())
	vs := c.Violations()
	require.Len(t, vs, 1)
	assert.Equal(t, InvAckedDurable, vs[0].Invariant)
}

func TestLivenessFailureIsRecorded(t *testing.T) {
	sc := NewScenario(35)
	sc.Actions = []Action{{At: 0, Type: ActNetwork, Drop: ptr(1.0)}}
	c := newCluster(t, sc)
	err := c.CheckLiveness(50)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no leader was elected within 50 ticks")
	assert.Equal(t, int64(500), c.Now())
	vs := c.Violations()
	require.Len(t, vs, 1)
	assert.Equal(t, InvLiveness, vs[0].Invariant)
}

func TestPanicIsRecordedAndStopsTheRun(t *testing.T) {
	c := newCluster(t, NewScenario(36))
	c.RunUntil(100)
	hash := c.TraceHash()
	c.dispatch(&event{kind: evDeliver, ref: 1 << 30}) // no such message slot: the handler panics
	assert.True(t, c.Stopped())
	vs := c.Violations()
	require.Len(t, vs, 1)
	assert.Equal(t, InvEnginePanic, vs[0].Invariant)
	assert.Contains(t, vs[0].Description, "index out of range")
	assert.Contains(t, vs[0].Description, "goroutine", "the stack is kept for debugging")
	v := eventsOf(c, "violation")
	require.Len(t, v, 1)
	assert.NotContains(t, v[0].Text, "goroutine", "but stays out of the trace")
	assert.NotEqual(t, hash, c.TraceHash())
	assert.False(t, c.Step())
}

// The pre-vote check blames a peer that campaigns without a majority of pre-votes, and
// only then: a normal election passes.
func TestPreVoteCheck(t *testing.T) {
	c, err := New(NewScenario(1))
	require.NoError(t, err)
	c.RunUntil(2000)
	require.NotZero(t, c.Leader())
	require.Zero(t, c.ViolationCount(), "%v", c.Violations())

	p := &c.peers[0]
	c.checkPreVote(p, []engine.Event{
		{Kind: engine.EventVoteGranted, Peer: 2, From: p.id, Term: 40, PreVote: true},
		{Kind: engine.EventRoleChanged, Peer: p.id, Term: 40, Role: engine.RoleCandidate},
	})
	assert.Zero(t, c.ViolationCount(), "itself and peer 2: a majority of three")
	c.checkPreVote(p, []engine.Event{{Kind: engine.EventRoleChanged, Peer: p.id, Term: 41, Role: engine.RoleCandidate}})
	require.Equal(t, 1, c.ViolationCount())
	v := c.Violations()[0]
	assert.Equal(t, InvPreVote, v.Invariant)
	assert.Contains(t, v.Description, "became a candidate for term 41 with 1 of 3 pre-votes")
}

// The check-quorum check blames a follower that grants a vote for a later term while it
// still hears its leader, and not one that grants again to that leader in its term.
func TestCheckQuorumLeaseCheck(t *testing.T) {
	c, err := New(NewScenario(1))
	require.NoError(t, err)
	c.RunUntil(2000)
	leader := c.Leader()
	require.NotZero(t, leader)
	require.Zero(t, c.ViolationCount(), "%v", c.Violations())

	var p *simPeer
	for i := range c.peers {
		if c.peers[i].id != leader {
			p = &c.peers[i]
			break
		}
	}
	require.GreaterOrEqual(t, p.heardLeader, int64(0), "a follower hears its leader")
	p.heardLeader = c.now // as if a heartbeat had just arrived
	c.checkLease(p, []engine.Event{{Kind: engine.EventVoteGranted, Peer: p.id, From: leader, Term: p.heardTerm}})
	assert.Zero(t, c.ViolationCount(), "a duplicated request of its own leader, in its term")
	c.checkLease(p, []engine.Event{{Kind: engine.EventVoteGranted, Peer: p.id, From: leader, Term: p.heardTerm + 1, PreVote: true}})
	require.Equal(t, 1, c.ViolationCount())
	assert.Equal(t, InvCheckQuorum, c.Violations()[0].Invariant)
	assert.Contains(t, c.Violations()[0].Description, "granted its pre-vote")
}
