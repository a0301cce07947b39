package sim

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTimelineSeekToAPointActedAt goes back to a point where the clock had run on past
// the last event and an action was made right there (a lesson step's start, the
// learner's move in it): the action is due at the point's time in the replay, yet it
// came after the point, so Seek must reach the point without applying it.
func TestTimelineSeekToAPointActedAt(t *testing.T) {
	tl, err := NewTimeline(NewScenario(11))
	require.NoError(t, err)
	tl.RunUntil(3_000)
	tl.RunUntil(tl.Cluster().Now() + 37) // the clock runs on past the last event
	at := tl.Now()
	state := stateJSON(t, tl.Cluster())
	peer := tl.Cluster().Leader()
	if peer == 0 {
		peer = 1
	}
	_, _, err = tl.Act(Action{Type: ActCrash, Peer: peer})
	require.NoError(t, err)
	assert.Equal(t, at.Steps+1, tl.Now().Steps, "the action is a step of its own, after the point")
	tl.RunUntil(at.Time + 20_000)

	_, err = tl.Seek(at)
	require.NoError(t, err)
	assert.Equal(t, at, tl.Now())
	assert.Equal(t, state, stateJSON(t, tl.Cluster()))
	// Going on from the point applies the action again, as the run had it.
	require.True(t, tl.StepUntil(at.Time))
	assert.Equal(t, at.Time, tl.Now().Time)
}
