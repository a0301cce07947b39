package lessons

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/sim"
)

// TestWrongPathPromotesAtOnce: a promote that the reference makes after a wait has a
// wrong version without the waits before it (the learner promoted before it caught
// up); a promote with no wait before it has none.
func TestWrongPathPromotesAtOnce(t *testing.T) {
	moves := func(texts ...string) []Move {
		var out []Move
		for _, text := range texts {
			m, err := ParseMove(text, 4)
			require.NoError(t, err, text)
			out = append(out, m)
		}
		return out
	}
	what := `"promote 4" as soon as it can be made, before the learner has caught up`
	found := map[string]wrongPath{}
	for _, w := range wrongPaths(moves("add-learner 4", "wait 50", "wait 30", "promote 4", "wait 3", "client leader SET y 1"), 4) {
		found[w.What] = w
	}
	w, ok := found[what]
	require.True(t, ok)
	assert.Equal(t, []string{"add-learner 4", "promote 4", "wait 3", "client leader SET y 1"}, texts(w.Moves), "the waits after the promote stay")
	assert.Equal(t, &retry{At: 1, Ticks: 80}, w.Retry, "the promote is tried tick by tick for as long as the waits left out")
	for _, w := range wrongPaths(moves("add-learner 4", "promote 4"), 4) {
		assert.NotEqual(t, what, w.What, "no wait to leave out")
		assert.Nil(t, w.Retry)
	}
}

// TestPromoteBeforeCaughtUpIsRefused plays lesson 19's step 5 from its start (steps 1
// to 4 by their reference paths): S4 added, then promoted as soon as the simulator
// accepts it (S4's learner entry committed), is refused by the check, because with S3
// down C_new's majority needs S4, which stalls every commit while it catches up; the
// reference moves, which let S4 catch up first, pass.
func TestPromoteBeforeCaughtUpIsRefused(t *testing.T) {
	l, err := Get("adding-a-server")
	require.NoError(t, err)
	r, err := NewRunner(l)
	require.NoError(t, err)
	require.NoError(t, r.GoTo(4))
	st := r.Step()
	require.Equal(t, []string{"add-learner 4", "wait 80", "promote 4", "client leader SET y 1"}, texts(st.Reference))
	start := r.Cluster()
	assert.Equal(t, "none", memberOf(start, 4), "S4 is a spare server when the step begins")

	early, ok := promoteAtOnce(st.Reference, 2)
	require.True(t, ok)
	c := start.Clone()
	tick, outcome := playWrong(c, st, early)
	require.Equal(t, wrongFailed, outcome, "the early promotion is made, and the check does not pass")
	assert.Less(t, tick, 80-st.WithinTicks, "S4 was promoted well before the reference's wait")
	lead := c.State().Peers[0]
	assert.NotEmpty(t, lead.Outgoing, "S1 is still in C_old,new %d ticks after the promotion", st.WithinTicks)
	assert.Less(t, c.State().Peers[3].LastIndex, lead.LastIndex, "S4 is still catching up")

	for _, m := range st.Reference {
		require.NoError(t, r.Do(m))
	}
	_, passed := r.RunUntilPassed(st.WithinTicks)
	assert.True(t, passed, "promoted once caught up, S4 joins and SET y 1 commits at once")
}

// memberOf says whether server id is a voter, a learner or no member of the
// configuration the leader of c uses.
func memberOf(c *sim.Cluster, id uint64) string {
	lead := c.State().Peers[c.Leader()-1]
	switch {
	case slices.Contains(lead.Voters, id):
		return "voter"
	case slices.Contains(lead.Learners, id):
		return "learner"
	}
	return "none"
}

func texts(moves []Move) []string {
	var out []string
	for _, m := range moves {
		out = append(out, m.Text)
	}
	return out
}
