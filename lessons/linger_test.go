package lessons

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLesson14NewLeaderAfterALinger plays lesson 14 as a learner who answers step 2's
// quiz with the clock running (the crash, a move, starts it): the next leader may be
// elected before step 3 begins, and step 3 must still pass rather than wait for
// another election that never comes.
func TestLesson14NewLeaderAfterALinger(t *testing.T) {
	all, err := All()
	require.NoError(t, err)
	l, err := Find(all, "exactly-once")
	require.NoError(t, err)
	for _, linger := range []int{0, 5, 40, 80} {
		r, err := NewRunner(l)
		require.NoError(t, err)
		for i := range 2 {
			passed, err := r.TakeReference()
			require.NoError(t, err)
			require.True(t, passed, "step %d", i+1)
			if i == 1 {
				r.RunTicks(linger)
			}
			require.NoError(t, r.Advance())
		}
		passed, err := r.TakeReference()
		require.NoError(t, err)
		assert.True(t, passed, "step 3 after lingering %d ticks in step 2: %s", linger, r.result.Detail)
	}
}
