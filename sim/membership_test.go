package sim

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// figure10 is the paper's Figure 10 on the simulator: C_old = {1, 2, 3}, C_new = {1..5}.
// Leader 3 adds 4 and 5 as learners, then is cut off with them from 1 and 2 and
// switches to C_new. With unsafe.direct_config_change, 3, 4 and 5 use C_new while 1
// and 2 still use C_old; once 3 crashes and restarts, a majority of C_new (3, 4, 5)
// and a majority of C_old (1, 2) each elect a leader, in the same term. Without the
// unsafe switch the change goes through C_old,new, and the side of 3, 4 and 5 cannot
// elect anyone without a majority of C_old too.
func figure10(seed uint64, direct bool) Scenario {
	sc := NewScenario(seed)
	sc.Options.Peers, sc.Options.Voters = 5, 3
	sc.Options.Unsafe.DirectConfigChange = direct
	sc.Actions = []Action{
		{At: 1, Type: ActTimeout, Peer: 3},
		{At: 100, Type: ActAddLearner, Peer: 4},
		{At: 200, Type: ActAddLearner, Peer: 5},
		{At: 400, Type: ActPartition, Groups: [][]uint64{{3, 4, 5}, {1, 2}}},
		{At: 401, Type: ActReconfigure, Voters: []uint64{1, 2, 3, 4, 5}},
		{At: 450, Type: ActCrash, Peer: 3},
		{At: 460, Type: ActRestart, Peer: 3},
	}
	return sc
}

func TestFigure10DirectSwitchElectsTwoLeadersInOneTerm(t *testing.T) {
	c := newCluster(t, figure10(1, true))
	c.RunUntil(2000)
	require.Empty(t, c.ActionErrors())
	var safety []Violation
	for _, v := range c.Violations() {
		if v.Invariant == InvElectionSafety {
			safety = append(safety, v)
		}
	}
	require.NotEmpty(t, safety, "two leaders in one term: election-safety must catch the direct switch")
	t.Logf("caught at %d ms: %s", safety[0].Time, safety[0].Description)

	// The run is deterministic: its scenario replays to the same violation.
	data, err := json.Marshal(c.Scenario())
	require.NoError(t, err)
	sc, err := ParseScenario(data)
	require.NoError(t, err)
	again := newCluster(t, sc)
	again.RunUntil(2000)
	assert.Equal(t, c.Violations(), again.Violations())
	assert.Equal(t, c.TraceHash(), again.TraceHash())
}

func TestFigure10JointConsensusKeepsOneLeaderPerTerm(t *testing.T) {
	c := newCluster(t, figure10(1, false))
	c.RunUntil(2000)
	require.Empty(t, c.ActionErrors())
	assert.Empty(t, c.Violations())
	assert.NotEmpty(t, eventsOf(c, "joint-entered"), "the change goes through C_old,new")
}

// grow adds servers 4 and 5 (as learners, then promoted), then removes the leader, with
// clients writing and a lossy network all along.
func growAndRemoveLeader(t *testing.T, seed uint64) *Cluster {
	sc := NewScenario(seed)
	sc.Options.Peers, sc.Options.Voters = 5, 3
	sc.Options.Clients = 2
	sc.Options.Drop, sc.Options.Duplicate = 0.02, 0.02
	c := newCluster(t, sc)
	require.NotZero(t, waitLeader(c, 3000), "seed %d: no leader", seed)
	steps := []Action{{Type: ActAddLearner, Peer: 4}, {Type: ActPromote, Peer: 4}, {Type: ActAddLearner, Peer: 5}, {Type: ActPromote, Peer: 5}}
	for _, a := range steps {
		// A change is refused while the last one is in progress, or while no leader is
		// up: try again a little later.
		for tries := 0; ; tries++ {
			require.Less(t, tries, 100, "seed %d: %s never went through", seed, a.Describe())
			if c.Leader() != 0 && c.Act(a) == nil {
				break
			}
			c.RunUntil(c.Now() + 50)
		}
		c.RunUntil(c.Now() + 400)
	}
	lead := c.Leader()
	require.NotZero(t, lead)
	for tries := 0; c.Act(Action{Type: ActRemove, Peer: lead}) != nil; tries++ {
		require.Less(t, tries, 100, "seed %d: the leader was never removed", seed)
		c.RunUntil(c.Now() + 50)
	}
	c.RunUntil(c.Now() + 2000)
	require.NoError(t, c.CheckLiveness(500), "seed %d", seed)
	return c
}

func TestMembershipGrowThenRemoveTheLeader(t *testing.T) {
	for seed := uint64(1); seed <= 8; seed++ {
		c := growAndRemoveLeader(t, seed)
		assert.Empty(t, c.Violations(), "seed %d", seed)
		removed := eventsOf(c, "removed-step-down")
		require.Len(t, removed, 1, "seed %d: the removed leader steps down once C_new is committed", seed)
		old := removed[0].Peer
		st := c.State()
		for _, p := range st.Peers {
			if p.ID == old || p.Role == "down" {
				continue
			}
			assert.NotContains(t, p.Voters, old, "seed %d: peer %d", seed, p.ID)
			assert.Len(t, p.Voters, 4, "seed %d: peer %d has voters %v", seed, p.ID, p.Voters)
			assert.Empty(t, p.Outgoing, "seed %d: peer %d is still joint", seed, p.ID)
		}
		assert.NotEqual(t, old, c.Leader(), "seed %d", seed)
		for _, kind := range []string{"conf-change", "conf-proposed", "learner-added", "learner-promoted", "joint-entered", "joint-left", "member-removed"} {
			assert.NotEmpty(t, eventsOf(c, kind), "seed %d: no %s event", seed, kind)
		}
	}
}

func TestMembershipActionsThatCannotApply(t *testing.T) {
	sc := NewScenario(3)
	sc.Options.Peers, sc.Options.Voters = 4, 3
	c := newCluster(t, sc)
	assert.ErrorContains(t, c.Act(Action{Type: ActAddLearner, Peer: 4}), "no leader is up")
	require.NotZero(t, waitLeader(c, 3000))
	assert.ErrorContains(t, c.Act(Action{Type: ActPromote, Peer: 4}), "promote 4: it is not a learner")
	act(t, c, Action{Type: ActAddLearner, Peer: 4})
	assert.ErrorContains(t, c.Act(Action{Type: ActRemove, Peer: 1}), "already in progress")
	assert.Len(t, c.Scenario().Actions, 1, "refused actions are not recorded")

	for _, tc := range []struct {
		a    Action
		want string
	}{
		{Action{Type: ActReconfigure}, `needs field "voters"`},
		{Action{Type: ActReconfigure, Voters: []uint64{}}, "voters is empty"},
		{Action{Type: ActReconfigure, Voters: []uint64{1, 9}}, "peer 9 is not in the cluster"},
		{Action{Type: ActReconfigure, Voters: []uint64{1, 2}, Learners: []uint64{2}}, "peer 2 is listed twice"},
		{Action{Type: ActPromote}, `needs field "peer"`},
		{Action{Type: ActRemove, Peer: 2, Voters: []uint64{1}}, `field "voters" does not apply to remove`},
	} {
		err := tc.a.validate(4)
		require.Error(t, err, "%+v", tc.a)
		assert.Contains(t, err.Error(), tc.want)
	}
	sc.Options.Voters = 5
	assert.ErrorContains(t, sc.Validate(), "voters must be 0 (all peers) to peers (4), got 5")
}

// actSoon applies a, retrying every 50 ms while it cannot apply yet (no leader, or the
// last change still in progress).
func actSoon(t *testing.T, c *Cluster, a Action) {
	t.Helper()
	for tries := 0; c.Act(a) != nil; tries++ {
		require.Less(t, tries, 200, "%s never went through", a.Describe())
		c.RunUntil(c.Now() + 50)
	}
}

// Every size from 1 to 7 voters: a cluster of n grows to n+1 (learner, then promoted),
// then loses server 1, and stays safe and live throughout.
func TestMembershipEverySize(t *testing.T) {
	for n := 1; n <= 6; n++ {
		sc := NewScenario(uint64(10 + n))
		sc.Options.Peers, sc.Options.Voters, sc.Options.Clients = n+1, n, 1
		c := newCluster(t, sc)
		require.NotZero(t, waitLeader(c, 3000), "%d voters: no leader", n)
		next := uint64(n + 1)
		actSoon(t, c, Action{Type: ActAddLearner, Peer: next})
		c.RunUntil(c.Now() + 300)
		actSoon(t, c, Action{Type: ActPromote, Peer: next})
		c.RunUntil(c.Now() + 300)
		actSoon(t, c, Action{Type: ActRemove, Peer: 1})
		c.RunUntil(c.Now() + 1500)
		require.NoError(t, c.CheckLiveness(500), "%d voters", n)
		assert.Empty(t, c.Violations(), "%d voters", n)
		want := make([]uint64, 0, n)
		for id := uint64(2); id <= next; id++ {
			want = append(want, id)
		}
		lead := c.Leader()
		require.NotZero(t, lead)
		assert.Equal(t, want, c.State().Peers[lead-1].Voters, "%d voters: the configuration in the end", n)
	}
}

func TestPeerStateShowsConfigurationEntries(t *testing.T) {
	sc := NewScenario(5)
	sc.Options.Peers, sc.Options.Voters = 4, 3
	c := newCluster(t, sc)
	require.NotZero(t, waitLeader(c, 3000))
	act(t, c, Action{Type: ActAddLearner, Peer: 4})
	c.RunUntil(c.Now() + 500)
	st := c.State()
	for _, p := range st.Peers {
		var confs []LogEntry
		for _, e := range p.Log {
			if e.Conf {
				confs = append(confs, e)
			}
		}
		require.Len(t, confs, 1, "peer %d", p.ID)
		assert.Equal(t, "voters=[1 2 3] learners=[4]", confs[0].Command)
		assert.Equal(t, []uint64{1, 2, 3}, p.Voters)
		assert.Equal(t, []uint64{4}, p.Learners)
		assert.True(t, p.ConfCommitted, "peer %d", p.ID)
	}
	lead := c.Leader()
	var followers []uint64
	for _, r := range st.Peers[lead-1].Replication {
		followers = append(followers, r.Peer)
	}
	assert.Contains(t, followers, uint64(4), "the leader replicates to the learner")
}

// The case the randomized test found: a learner that C_new makes a voter, but that never
// received the entry, must grant the votes that joint configuration needs once its
// leader has gone silent.
func TestMembershipLearnerGrantsVotesAfterItsLeaderGoesSilent(t *testing.T) {
	randomMembershipRun(t, 124)
}
