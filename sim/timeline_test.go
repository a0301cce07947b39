package sim

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTimelineCheckpointsStayBounded(t *testing.T) {
	tl, err := NewTimeline(NewScenario(2))
	require.NoError(t, err)
	tl.RunUntil(100_000 * tl.Tick())
	assert.LessOrEqual(t, tl.Checkpoints(), MaxCheckpoints)
	assert.Greater(t, tl.Checkpoints(), MaxCheckpoints/2-1)
	assert.Equal(t, int64(1_000_000), tl.End().Time)
	// The checkpoints cover the run evenly: no gap is wider than twice the spacing.
	cps := tl.cps
	for i := 1; i < len(cps); i++ {
		assert.LessOrEqual(t, cps[i].Steps()-cps[i-1].Steps(), 2*tl.Spacing())
	}
	assert.LessOrEqual(t, tl.End().Steps-cps[len(cps)-1].Steps(), tl.Spacing())
}

// TestTimelineSeekToAPoint goes back to points where the clock had run on past the last
// event, and to points in the middle of a time's events: Seek reaches each exactly.
func TestTimelineSeekToAPoint(t *testing.T) {
	tl, err := NewTimeline(NewScenario(11))
	require.NoError(t, err)
	var points []Point
	var states []string
	mark := func() {
		points = append(points, tl.Now())
		states = append(states, stateJSON(t, tl.Cluster()))
	}
	for i := range 30 {
		if i%2 == 0 {
			tl.RunUntil(tl.Cluster().Now() + 37) // the clock runs on past the last event
		} else {
			tl.Step(int64(1 + i*97))
		}
		mark()
	}
	for _, i := range []int{29, 0, 14, 3, 3, 28, 17} {
		_, err := tl.Seek(points[i])
		require.NoError(t, err, "point %d", i)
		assert.Equal(t, points[i], tl.Now(), "point %d", i)
		assert.Equal(t, states[i], stateJSON(t, tl.Cluster()), "point %d", i)
	}
	_, err = tl.Seek(Point{Steps: points[29].Steps + 1, Time: points[29].Time})
	assert.ErrorContains(t, err, "outside this run")
	// A point the run never passed: after that many steps the clock was elsewhere.
	_, err = tl.Seek(Point{Steps: points[5].Steps, Time: points[5].Time + 10_000})
	assert.ErrorContains(t, err, "is not on this run")
}

// TestTimelineActForks acts at the end (no fork), then in the past (a fork that says
// which future it discarded), and after Truncate (no future left to discard).
func TestTimelineActForks(t *testing.T) {
	tl, err := NewTimeline(NewScenario(31))
	require.NoError(t, err)
	tl.RunUntil(1000)
	forked, _, err := tl.Act(Action{Type: ActTimeout, Peer: 1})
	require.NoError(t, err)
	assert.False(t, forked, "acting at the end forks nothing")
	tl.RunUntil(3000)
	end := tl.End()

	_, err = tl.SeekTime(1500)
	require.NoError(t, err)
	assert.True(t, tl.HasFuture())
	forked, _, err = tl.Act(Action{Type: ActRestart, Peer: 1})
	require.Error(t, err, "peer 1 is not down")
	assert.False(t, forked)
	assert.Equal(t, end, tl.End(), "a failed action keeps the recorded future")

	forked, discarded, err := tl.Act(Action{Type: ActBlock, From: 1, To: 2})
	require.NoError(t, err)
	assert.True(t, forked)
	assert.Equal(t, end, discarded)
	assert.Equal(t, tl.Now(), tl.End(), "the fork ends the run now")
	_, err = tl.SeekTime(2000)
	assert.ErrorContains(t, err, "time 2000 ms is outside this run, which has reached 1500 ms")

	tl.RunUntil(2500)
	_, err = tl.SeekTime(2000)
	require.NoError(t, err)
	require.NoError(t, tl.SetFuture(nil))
	assert.False(t, tl.HasFuture())
	assert.Equal(t, int64(2000), tl.End().Time)
	forked, _, err = tl.Act(Action{Type: ActHeal})
	require.NoError(t, err)
	assert.False(t, forked)
}
