package lessons

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLessonsTolerateLearnerDelays plays every lesson the way a slower learner would:
// before each action step's moves, time runs on for a while. The checks must not
// depend on the exact moments of the reference path.
func TestLessonsTolerateLearnerDelays(t *testing.T) {
	all, err := All()
	require.NoError(t, err)
	for _, delay := range []int{3, 17, 40} {
		for _, l := range all {
			r, err := NewRunner(l)
			require.NoError(t, err)
			for i, st := range l.Steps {
				if !st.Observe {
					r.RunTicks(delay)
				}
				passed, err := r.TakeReference()
				require.NoError(t, err, "%s step %d after a delay of %d ticks", l.ID, i+1, delay)
				if !assert.True(t, passed, "%s step %d after a delay of %d ticks: %s", l.ID, i+1, delay, r.result.Detail) {
					break
				}
				if i+1 < len(l.Steps) {
					require.NoError(t, r.Advance())
				}
			}
		}
	}
}
